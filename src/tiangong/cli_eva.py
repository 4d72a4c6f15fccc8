"""``tiangong eva ...``: plan an EVA from a plan request (thin shell over ``tiangong.eva``).

Register with ``app.add_typer(eva_app, name="eva")`` in ``cli.py``. Bad input raises
:class:`~tiangong.errors.InputError` (one line, exit 2 through ``tiangong.cli.main``).
"""

from __future__ import annotations

import json
from typing import Optional

import typer

from .errors import InputError

eva_app = typer.Typer(
    help="EVA planning (CP-SAT): task library, daylight and Tianlian contact windows, suit time.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@eva_app.callback()
def _eva() -> None:
    """EVA planning."""


@eva_app.command("plan")
def plan_cmd(
    file: str = typer.Argument(..., help="Plan request (TOML, see docs/eva.md)."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    html: Optional[str] = typer.Option(None, "--html", help="Write a self-contained HTML Gantt chart here."),
    time_limit: float = typer.Option(5.0, "--time-limit", help="CP-SAT time limit [s]."),
) -> None:
    """Plan the EVA described in FILE."""
    from .eva.plan import plan_file

    if not 0 < time_limit <= 600:
        raise InputError("--time-limit", f"{time_limit:g} is outside 0 < s <= 600")
    plan = plan_file(file, time_limit_s=time_limit)
    if html:
        from .eva.gantt import write_html

        write_html(plan, html)
    if as_json:
        typer.echo(json.dumps(plan.to_json(), indent=2))
        return
    _print(plan, html)


def _print(plan, html: Optional[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    from .timeutil import iso_z

    c = Console()
    t = Table(title=f"EVA plan {plan.name} ({plan.status})")
    for col in ("start (UTC)", "end", "min", "task", "roles", "worksite"):
        t.add_column(col)
    seen = []
    for r in plan.tasks:
        if r.name in seen:
            continue
        seen.append(r.name)
        roles = " ".join(x.role for x in plan.tasks if x.name == r.name)
        t.add_row(iso_z(r.start, 0)[11:], iso_z(r.end, 0)[11:], f"{(r.end - r.start).total_seconds() / 60:.0f}",
                  r.name, roles, r.worksite)
    c.print(t)
    c.print(f"EVA {iso_z(plan.start, 0)} - {iso_z(plan.end, 0)}: {plan.duration_s / 3600:.2f} h "
            f"(depress to repress); hatch open {iso_z(plan.hatch_open, 0)} - {iso_z(plan.hatch_close, 0)}: "
            f"{plan.hatch_open_s / 3600:.2f} h of {plan.suit_usable_s / 3600:.2f} h usable suit time")
    c.print(f"crew: {', '.join(f'{k} {v}' for k, v in plan.crew.items())}; airlock {plan.airlock}; "
            f"objective {plan.objective}")
    if plan.dropped:
        c.print(f"dropped (optional, did not fit): {', '.join(plan.dropped)}")
    c.print(f"daylight windows used: {len(plan.daylight)}, contact windows: {len(plan.comm)}; {plan.environment}")
    if html:
        c.print(f"Gantt chart: {html}")
