"""``tiangong eva ...``: plan an EVA from a plan request (thin shell over ``tiangong.eva``).

Register with ``app.add_typer(eva_app, name="eva")`` in ``cli.py``. Bad input raises
:class:`~tiangong.errors.InputError` (one line, exit 2 through ``tiangong.cli.main``).
"""

from __future__ import annotations

import json
from typing import Optional

import typer

from ..errors import InputError

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
    time_limit: float = typer.Option(5.0, "--time-limit", help="CP-SAT time limit (s)."),
    library: Optional[str] = typer.Option(None, "--library", help="Task library TOML (default: the packaged one)."),
) -> None:
    """Plan the EVA described in FILE."""
    from ..eva.library import load_library
    from ..eva.plan import plan_file

    if not 0 < time_limit <= 600:
        raise InputError("--time-limit", f"{time_limit:g} is outside 0 < s <= 600")
    plan = plan_file(file, time_limit_s=time_limit, lib=load_library(library))
    if html:
        from ..eva.gantt import write_html

        write_html(plan, html)
    if as_json:
        typer.echo(json.dumps(plan.to_json(), indent=2))
        return
    _print(plan, html)


def _wide():
    """A console at least 120 columns wide, so EVA tables stay readable when piped."""
    from rich.console import Console

    return Console(width=max(Console().width, 120))


def _print(plan, html: Optional[str]) -> None:
    from rich.table import Table

    from ..timeutil import iso_z

    c = _wide()
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
    for n in plan.notes:
        c.print(f"note: {n}")
    if html:
        c.print(f"Gantt chart: {html}")


def _check_runs(runs: int) -> None:
    if runs < 1:
        raise InputError("--runs", f"{runs} is below 1 (give at least one Monte Carlo run)")
    if runs > 100_000:
        raise InputError("--runs", f"{runs} is above 100000")


def _progress(total: int, quiet: bool):
    """A rich progress bar on stderr for large N (a no-op context otherwise)."""
    import contextlib

    if quiet or total < 200:
        return contextlib.nullcontext(None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), console=Console(stderr=True), transient=True)


@eva_app.command("simulate")
def simulate_cmd(
    file: str = typer.Argument(..., help="Plan request (TOML, see docs/eva.md)."),
    runs: int = typer.Option(500, "--runs", help="Monte Carlo runs (>= 1)."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same result)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    library: Optional[str] = typer.Option(None, "--library", help="Task library TOML (default: the packaged one)."),
    time_limit: float = typer.Option(5.0, "--time-limit", help="CP-SAT time limit (s)."),
    html: Optional[str] = typer.Option(None, "--html", help="Write the Gantt chart and the distributions (HTML)."),
) -> None:
    """Plan FILE, then simulate the planned task sequence N times (durations, suit margins, aborts)."""
    from ..eva.library import load_library
    from ..eva.montecarlo import simulate_plan
    from ..eva.plan import load_request, plan_eva

    _check_runs(runs)
    lib = load_library(library)
    req = load_request(file)
    plan = plan_eva(req, lib, where=file, time_limit_s=time_limit)
    with _progress(runs, as_json) as prog:
        summary = simulate_plan(plan, req, lib, runs=runs, seed=seed, progress=prog)
    if html:
        from ..eva.gantt import write_simulation_html

        write_simulation_html(plan, summary, html)
    if as_json:
        doc = {"name": plan.name, "request": file, "plan": {"hatch_open_s": round(plan.hatch_open_s, 1),
               "duration_s": round(plan.duration_s, 1), "done": list(plan.done), "status": plan.status},
               "simulation": summary.to_json()}
        typer.echo(json.dumps(doc, indent=2))
        return
    from rich.table import Table

    c = _wide()
    t = Table(title=f"EVA {plan.name}: {runs} Monte Carlo runs (seed {seed})", min_width=64)
    for col in ("quantity", "median", "p5", "p95"):
        t.add_column(col, justify="right" if col != "quantity" else "left")
    t.add_row("hatch open (h:mm)", _hm(summary.median_s), _hm(summary.p5_s), _hm(summary.p95_s))
    for k, d in summary.margins_min.items():
        t.add_row(f"{k} margin (min)", *(f"{d.get(q, float('nan')):.0f}" for q in ("median", "p5", "p95")))
    c.print(t)
    c.print(f"planned (nominal) hatch open {_hm(plan.hatch_open_s)}; abort probability "
            f"{100 * summary.abort_probability:.1f} %")
    if summary.abort_reasons:
        c.print("abort reasons: " + ", ".join(f"{k} ({v})" for k, v in sorted(summary.abort_reasons.items())))


def _hm(s: float) -> str:
    m = int(round(s / 60.0))
    return f"{m // 60}:{m % 60:02d}"


@eva_app.command("history")
def history_cmd(
    runs: int = typer.Option(200, "--runs", help="Monte Carlo runs per EVA (>= 1)."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    role: Optional[str] = typer.Option(None, "--role", help="Only 'validation' or 'calibration' EVAs."),
    html: Optional[str] = typer.Option(None, "--html", help="Write the comparison chart and every Gantt (HTML)."),
) -> None:
    """Real Chinese EVAs: real vs planned vs simulated hatch-open -> hatch-close duration."""
    from ..eva.history import builtin_history, replay
    from ..eva.library import load_library

    _check_runs(runs)
    if role not in (None, "validation", "calibration"):
        raise InputError("--role", f"{role!r} is not 'validation' or 'calibration'")
    lib = load_library()
    rows = [replay(h, lib, runs=runs, seed=seed) for h in builtin_history(role)]
    if html:
        from ..eva.gantt import write_history_html

        write_history_html(rows, html)
    if as_json:
        val = [r for r in rows if r.eva.role == "validation"]
        doc = {"runs": runs, "seed": seed, "target_relative_error": 0.15, "evas": [r.to_json() for r in rows],
               "validation_within_target": {
                   "planned": all(abs(r.planned_error) <= 0.15 for r in val),
                   "simulated": all(r.sim_error is not None and abs(r.sim_error) <= 0.15 for r in val)}}
        typer.echo(json.dumps(doc, indent=2))
        return
    from rich.table import Table

    t = Table(title=f"Real EVAs: hatch open -> hatch close (simulated: median of {runs} runs, seed {seed})")
    for col in ("EVA", "role", "date", "real", "planned", "err", "sim median", "err", "abort", "both out real/plan"):
        t.add_column(col, no_wrap=True)
    for r in rows:
        e = r.eva
        t.add_row(e.name, e.role[:5], e.hatch_open.date().isoformat(), _hm(r.real_s), _hm(r.planned_s),
                  f"{100 * r.planned_error:+.1f} %",
                  "-" if r.sim_median_s is None else _hm(r.sim_median_s),
                  "-" if r.sim_error is None else f"{100 * r.sim_error:+.1f} %",
                  "-" if r.abort_probability is None else f"{100 * r.abort_probability:.0f} %",
                  ("-" if r.real_both_out_s is None else _hm(r.real_both_out_s)) + " / " + _hm(r.planned_both_out_s))
    c = _wide()
    c.print(t)
    c.print("real: hatch open -> hatch close as published; planned: planner, nominal library times; "
                    "err = (model - real) / real; target |err| <= 15 % for the validation EVAs (docs/eva.md); "
                    "both out: hatch open -> both EVs outside, published / planned.")
    if html:
        c.print(f"Chart: {html}")
