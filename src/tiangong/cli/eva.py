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
    help="EVA planning (CP-SAT), Monte Carlo and duration forecasts: task library, daylight and Tianlian contact windows, suit time.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@eva_app.callback()
def _eva() -> None:
    """EVA planning."""


@eva_app.command("plan")
def plan_cmd(
    file: str = typer.Argument(..., help="Plan request (TOML, see docs/eva.md) or a built-in name ('tiangong eva plans')."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    html: Optional[str] = typer.Option(None, "--html", help="Write a self-contained HTML Gantt chart here."),
    time_limit: float = typer.Option(5.0, "--time-limit", help="CP-SAT time limit (s)."),
    library: Optional[str] = typer.Option(None, "--library", help="Task library TOML (default: the packaged one)."),
) -> None:
    """Plan the EVA described in FILE."""
    from ..eva.library import load_library

    if not 0 < time_limit <= 600:
        raise InputError("--time-limit", f"{time_limit:g} is outside 0 < s <= 600")
    plan = _plan_any(file, time_limit, load_library(library))
    if html:
        from ..eva.gantt import write_html

        write_html(plan, html)
    if as_json:
        typer.echo(json.dumps(plan.to_json(), indent=2))
        return
    _print(plan, html)


def _request(spec: str):
    """(PlanRequest, where) of a plan request, a history file (its outcome ignored: a replay from the
    published hatch-open time) or a built-in plan / history EVA given by name."""
    from ..eva.library import read_toml
    from ..eva.plan import load_request
    from ..eva.predict import HISTORY_ONLY, OUTCOME_FIELDS, load_description, resolve

    path, kind = resolve(spec)
    data, _ = read_toml(path)
    if kind == "history" or any(k in data for k in OUTCOME_FIELDS + HISTORY_ONLY):
        req, _, where = load_description(spec, allow_outcome=True)
        return req, where
    try:
        return load_request(path), spec
    except InputError as exc:
        if kind == "file":
            raise
        raise InputError(spec, str(exc).split(": ", 1)[-1]) from None


def _plan_any(spec: str, time_limit: float, lib):
    from ..eva.plan import plan_eva

    req, where = _request(spec)
    return plan_eva(req, lib, where=where, time_limit_s=time_limit)


def _check_html(html: Optional[str]) -> None:
    """Refuse an --html path whose folder does not exist before any long work."""
    import os
    from pathlib import Path

    if html is None:
        return
    d = Path(html).parent
    if not d.is_dir() or not os.access(d, os.W_OK):
        raise InputError("--html", f"cannot write {html}: folder {d} does not exist or is not writable")


def _check_seed(seed: int) -> None:
    if not 0 <= seed < 2 ** 32:
        raise InputError("--seed", f"{seed} is outside 0 <= seed < 2^32")


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
    c.print(f"EVA {iso_z(plan.start, 0)} - {iso_z(plan.end, 0)}: {_hm(plan.duration_s)} (h:mm, depress to "
            f"repress); hatch open {iso_z(plan.hatch_open, 0)} - {iso_z(plan.hatch_close, 0)}: "
            f"{_hm(plan.hatch_open_s)} of {_hm(plan.suit_usable_s)} usable suit time")
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


def _progress(total: int, quiet: bool, unit: str = "runs"):
    """A rich progress bar on stderr for large N (a no-op context otherwise)."""
    import contextlib

    import sys

    if quiet or total < (200 if unit == "runs" else 2) or not sys.stderr.isatty():
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
    from ..eva.plan import plan_eva

    _check_runs(runs)
    _check_seed(seed)
    _check_html(html)
    lib = load_library(library)
    req, where = _request(file)
    plan = plan_eva(req, lib, where=where, time_limit_s=time_limit)
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
    c.print("task-level scatter of the listed tasks only; the duration forecast (unlisted work, time box, "
            "parameter uncertainty) is 'tiangong eva predict'")


def _hm(s: float) -> str:
    from ..eva.gantt import hm

    return hm(s)


@eva_app.command("history")
def history_cmd(
    runs: int = typer.Option(2000, "--runs", help="Monte Carlo runs per EVA (>= 1)."),
    seed: int = typer.Option(0, "--seed", help="Random seed (0 <= S < 2^32)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    role: Optional[str] = typer.Option(None, "--role", help="Only 'validation' or 'calibration' EVAs."),
    html: Optional[str] = typer.Option(None, "--html", help="Write the forecast charts and every Gantt (HTML)."),
) -> None:
    """Real Chinese EVAs: real vs task plan vs forecast (leave-one-out for calibration EVAs) vs baseline."""
    from ..eva.history import builtin_history, replay
    from ..eva.library import load_library
    from ..eva.predict import score_history

    _check_runs(runs)
    _check_seed(seed)
    _check_html(html)
    if role not in (None, "validation", "calibration"):
        raise InputError("--role", f"{role!r} is not 'validation' or 'calibration'")
    lib = load_library()
    evas = builtin_history()
    with _progress(len(evas), as_json, "EVAs") as prog:
        bar = prog.add_task("replaying EVAs", total=len(evas)) if prog is not None else None
        rows = []
        for h in evas:
            rows.append(replay(h, lib, runs=runs, seed=seed))
            if bar is not None:
                prog.advance(bar)
    sc = score_history(rows, seed=seed)  # every EVA: the baseline and the fit need them all
    shown = [r for r in rows if role is None or r.eva.role == role]
    roles = [x for x in ("calibration", "validation") if role in (None, x)]
    if html:
        from ..eva.gantt import write_history_html

        write_history_html(shown, sc, html)
    if as_json:
        doc = {"runs": runs, "seed": seed,
               "targets": {"mae_below_baseline": True, "crps_below_baseline": True, "cover_90_at_least": 0.8},
               "evas": [{**r.to_json(), "forecast": {**sc.forecast[r.eva.name].to_json(),
                                                     "fitted_on": list(sc.fitted_on[r.eva.name])},
                         "baseline": sc.baseline[r.eva.name].to_json()} for r in shown],
               "scores": {x: {"method": "leave-one-out" if x == "calibration" else "fit on all calibration EVAs",
                              **sc.table(x)} for x in roles},
               "model": {"fitted_on": list(sc.posterior.fitted_on), "parameters": sc.posterior.summary()}}
        typer.echo(json.dumps(doc, indent=2))
        return
    from rich.table import Table

    t = Table(title=f"Real EVAs, hatch open -> hatch close (h:mm; {runs} Monte Carlo runs, seed {seed})")
    for col in ("EVA", "set", "real", "plan", "plan err", "forecast (p5-p95)", "fc err", "baseline", "base err",
                "both out"):
        t.add_column(col, no_wrap=True, justify="left" if col in ("EVA", "set") else "right")
    for r in shown:
        e, f, b = r.eva, sc.forecast[r.eva.name], sc.baseline[r.eva.name]
        t.add_row(e.name, e.role[:3], _hm(r.real_s), _hm(r.planned_s),
                  f"{100 * r.planned_error:+.1f} %", f"{_hm(f.median_s)} ({_hm(f.p05_s)}-{_hm(f.p95_s)})",
                  f"{100 * f.error:+.1f} %", _hm(b.median_s), f"{100 * b.error:+.1f} %",
                  ("-" if r.real_both_out_s is None else _hm(r.real_both_out_s)) + "/" + _hm(r.planned_both_out_s))
    c = _wide()
    c.print(t)
    s2 = Table(title="Forecast skill vs the climatological baseline (durations published before each EVA)")
    for col in ("EVAs", "method", "", "MAE", "bias", "CRPS (min)", "CRPS (%)", "in 50 %", "in 90 %"):
        s2.add_column(col, no_wrap=True, justify="left" if col in ("EVAs", "method", "") else "right")
    for x in roles:
        tab = sc.table(x)
        for who in ("forecast", "baseline"):
            m = tab[who]
            s2.add_row(f"{x} ({m['n']})" if who == "forecast" else "",
                       ("leave-one-out" if x == "calibration" else "fit on calibration") if who == "forecast" else "",
                       who, f"{100 * m['mae']:.1f} %", f"{100 * m['bias']:+.1f} %", f"{m['crps_s'] / 60:.1f}",
                       f"{100 * m['crps_rel']:.1f} %", f"{100 * m['cover_50']:.0f} %", f"{100 * m['cover_90']:.0f} %")
    c.print(s2)
    c.print("set: cal(ibration) / val(idation); real: as published; plan: task plan, nominal library times from "
            "the published hatch-open time; forecast: median of tasks + per-EVA pace + era time box (docs/eva.md, Forecast), calibration "
            "EVAs left out of their own fit; baseline: durations of the station EVAs published before the date; "
            "err = (model - real) / real; both out: hatch open -> both EVs outside, real/plan.")
    if html:
        c.print(f"Chart: {html}")


@eva_app.command("predict")
def predict_cmd(
    file: str = typer.Argument(..., help="EVA description (TOML: crew, airlock, hatch_open or a window, tasks; no "
                                         "outcome) or a built-in name ('tiangong eva plans')."),
    runs: int = typer.Option(2000, "--runs", help="Monte Carlo runs (>= 1)."),
    seed: int = typer.Option(0, "--seed", help="Random seed (0 <= S < 2^32)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    html: Optional[str] = typer.Option(None, "--html", help="Write the Gantt chart and the forecast (HTML)."),
    time_limit: float = typer.Option(5.0, "--time-limit", help="CP-SAT time limit (s)."),
) -> None:
    """Forecast the hatch-open duration of the EVA in FILE: median, intervals, suit-limit risk."""
    from ..eva.library import load_library
    from ..eva.predict import load_description, predict_request

    _check_runs(runs)
    _check_seed(seed)
    _check_html(html)
    if not 0 < time_limit <= 600:
        raise InputError("--time-limit", f"{time_limit:g} is outside 0 < s <= 600")
    req, meta, where = load_description(file)
    with _progress(runs, as_json) as prog:
        pr = predict_request(req, load_library(), runs=runs, seed=seed, where=where, progress=prog,
                             time_limit_s=time_limit)
    if html:
        from ..eva.gantt import write_prediction_html

        write_prediction_html(pr, html)
    if as_json:
        typer.echo(json.dumps({"input": file, **pr.to_json()}, indent=2))
        return
    from rich.table import Table

    q = pr.quantiles
    c = _wide()
    t = Table(title=f"EVA forecast {pr.name}: hatch open -> hatch close (h:mm), {runs} runs, seed {seed}",
              min_width=72)
    for col in ("p5", "p25", "median", "p75", "p95"):
        t.add_column(col, justify="right")
    t.add_row(*(_hm(q[k]) for k in ("p05", "p25", "median", "p75", "p95")))
    c.print(t)
    c.print(f"hatch open {pr.plan.hatch_open.isoformat().replace('+00:00', 'Z')}; era {pr.era}; task plan "
            f"{_hm(pr.plan.hatch_open_s)} (nominal), P(unlisted work fills a time box) {100 * pr.boxed.mean():.0f} %; "
            f"P(beyond the usable suit time {_hm(pr.suit_usable_s)}) {100 * pr.p_exceed_suit_limit:.1f} %")
    if pr.note:
        c.print(f"note: {pr.note}")
    _print(pr.plan, html)


@eva_app.command("plans")
def plans_cmd(as_json: bool = typer.Option(False, "--json", help="Print one JSON document.")) -> None:
    """The built-in EVA plans and real (history) EVAs, usable by name in plan / simulate / predict."""
    from ..eva.history import builtin_history
    from ..eva.predict import builtin_names

    names = builtin_names()
    hist = {h.name: h for h in builtin_history()}
    if as_json:
        typer.echo(json.dumps({"plans": names["plans"], "history": [
            {"name": n, "role": hist[n].role, "hatch_open": hist[n].hatch_open.isoformat().replace("+00:00", "Z"),
             "real_s": hist[n].real_s} for n in names["history"]]}, indent=2))
        return
    from rich.table import Table

    t = Table(title="Built-in EVAs (use the name as FILE: tiangong eva plan|simulate|predict NAME)")
    for col in ("name", "kind", "date", "real (h:mm)", "description"):
        t.add_column(col, no_wrap=col != "description")
    from ..eva.plan import load_request
    from ..eva.predict import resolve

    for n in names["plans"]:
        req = load_request(resolve(n)[0])
        t.add_row(n, "plan", (req.hatch_open or req.earliest_start).date().isoformat(), "-", req.description)
    for n in names["history"]:
        h = hist[n]
        t.add_row(n, f"history ({h.role})", h.hatch_open.date().isoformat(), _hm(h.real_s),
                  f"{h.mission} EVA-{h.eva_number}: " + ", ".join(x.name for x in h.task))
    _wide().print(t)
