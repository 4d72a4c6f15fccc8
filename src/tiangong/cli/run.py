"""``tiangong run``, ``tiangong scenarios`` and ``tiangong export`` (registered by :mod:`tiangong.cli`)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ..errors import InputError

console = Console()


def scenarios_cmd(as_json: bool = typer.Option(False, "--json", help="print one JSON document")) -> None:
    """List the built-in scenarios."""
    from ..sim.scenario import builtin_descriptions

    rows = builtin_descriptions()
    if as_json:
        typer.echo(json.dumps([{"name": n, "start": s, "end": e, "description": d} for n, s, e, d in rows], indent=2))
        return
    t = Table(title="Built-in scenarios")
    for col in ("name", "start", "end", "description"):
        t.add_column(col)
    for r in rows:
        t.add_row(*r)
    console.print(t)


def run_cmd(
    scenario: str = typer.Argument(..., metavar="SCENARIO", help="built-in scenario name or a TOML file"),
    out: str = typer.Option(None, "--out", metavar="DIR", show_default="runs/<name>", help="output directory"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON document"),
    sample_s: float = typer.Option(None, "--sample-s", metavar="SECONDS", show_default="the scenario's sample_s",
                                   help="telemetry sample interval, seconds"),
    force: bool = typer.Option(False, "--force", help="replace a complete run already in the output directory"),
) -> None:
    """Run a scenario; write telemetry.duckdb, summary.json, run.json, report.html and status.json."""
    from ..api import Scenario
    from ..rundir import RunDir, check_out_path
    from ..validation import check_finite, check_sample_count

    if sample_s is not None:
        check_finite(sample_s, "--sample-s", lo=1e-3, hi=86400, why="seconds between telemetry samples")
    sc = Scenario.load(scenario)
    if sample_s is not None:
        check_sample_count(sc.duration_s, sample_s, "--sample-s")
    out_dir = check_out_path(out if out is not None else Path("runs") / sc.name)
    # Build the model (and import what the run and its outputs need) before the run directory
    # opens: an interrupt then lands in the engine, not inside a library's import (skyfield's has a
    # bare except that would swallow it).
    from ..api import Simulation
    from .. import archive  # noqa: F401  (the writers, imported now)
    from ..report import html  # noqa: F401
    import rich.progress  # noqa: F401

    sim = Simulation(sc)
    # the directory is locked, and its status.json says "running", for the whole run
    with RunDir(out_dir, sc.name, force=force) as rd:
        sim.advance(progress=not as_json)
        result = sim.result(sample_s=sample_s)
        paths = result.write(rd)
    s = result.summary()
    if as_json:
        typer.echo(json.dumps(s, indent=2))
        return
    _print_summary(s, paths, result.model.table())


def _print_summary(s: dict, paths: dict, rows) -> None:
    m = s["margins"]
    t = Table(title=f"{s['scenario']}: {s['start']} -> {s['end']} ({s['duration_days']:.1f} days)")
    t.add_column("quantity")
    t.add_column("min", justify="right")
    t.add_column("max", justify="right")
    t.add_column("end", justify="right")
    for key, label, k, fmt in rows:
        st = s["stores"].get(key)
        if st:
            t.add_row(label, fmt % (st["min"] * k), fmt % (st["max"] * k), fmt % (st["end"] * k))
    console.print(t)
    console.print(f"margins: O2 reserve [bold]{m['o2_reserve_days']:.1f}[/] d, water reserve "
                  f"[bold]{m['water_reserve_days']:.1f}[/] d, min SOC {m['min_battery_soc']:.3f} at "
                  f"{m['min_battery_soc_at']}, min altitude {m['min_altitude_m'] / 1e3:.1f} km, "
                  f"propellant used {m['propellant_used_kg']:.0f} kg in {m['reboosts']} reboosts")
    c = s.get("contacts")
    if c:
        console.print(f"contacts: in contact [bold]{100 * c['coverage_fraction']:.1f}[/] % of the time, "
                      f"{c['windows']} windows, longest gap {c['longest_gap_s'] / 60:.1f} min from {c['longest_gap_start']}")
    if s.get("ended_early"):
        console.print(f"[bold red]the run ended early[/] at {s['ended_early']['at']}: {s['ended_early']['reason']}")
    v = s["violations"]
    console.print(f"limit violations: {len(v)}" + "".join(
        f"\n  {x['parameter']} {x['level']} {x['side']} {x['limit']:g} from {x['start']} to {x['end']}" for x in v[:10]))
    e = s["events"]
    console.print(f"events processed: {e['total_processed']} ({e['state_events']} state events), "
                  f"engine {s['wall_time_s']['engine']:.2f} s")
    for k, p in paths.items():
        console.print(f"{k}: {p}")


def export_cmd(run_dir: str = typer.Argument(..., metavar="RUN_DIR", help="a complete run directory"),
               parquet: bool = typer.Option(False, "--parquet", help="write one Parquet file per table"),
               out: str = typer.Option(None, "--out", metavar="DIR", show_default="RUN_DIR/parquet",
                                       help="output directory")) -> None:
    """Export a run's archive (Parquet)."""
    from ..archive import export_parquet
    from ..rundir import check_out_path, os_error, require_complete

    if not parquet:
        raise InputError("--parquet", "choose an export format (only --parquet is available)")
    if "\x00" in run_dir:
        raise InputError("RUN_DIR", "the path contains a NUL byte")
    rd = require_complete(run_dir, run_dir)
    dest = check_out_path(out) if out is not None else None
    try:
        paths = export_parquet(rd, dest)
    except OSError as exc:
        raise os_error("--out", exc) from None
    for p in paths:
        typer.echo(str(p))


def fork_cmd(
    run_dir: Path = typer.Argument(..., help="a run directory written by `tiangong run` or `tiangong fork`"),
    at: str = typer.Option(..., "--at", help="fork time, ISO 8601 UTC (e.g. 2022-11-30T14:00:00Z)"),
    command: list[str] = typer.Option([], "--command", help="a command at the fork time, e.g. "
                                      "'fault electrolyser_off 48h' (repeatable; see docs/architecture.md)"),
    out: str = typer.Option(None, "--out", metavar="DIR", show_default="RUN_DIR-fork", help="output directory"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON document"),
    force: bool = typer.Option(False, "--force", help="replace a complete run already in the output directory"),
) -> None:
    """Re-run a finished run from its state at --at with different commands; the report overlays the parent."""
    from ..api import Scenario, Simulation
    from ..archive import read_run
    from ..rundir import RunDir, check_out_path, require_complete
    from ..sim.live import CommandRecord, CommandRefused

    require_complete(run_dir, str(run_dir))
    desc_path = Path(run_dir) / "run.json"
    if not desc_path.is_file():
        raise InputError(str(run_dir), "not a run directory (no run.json: written by `tiangong run` and `tiangong fork`)")
    try:
        desc = json.loads(desc_path.read_text(encoding="utf-8"))
        sc = Scenario.model_validate({**desc["scenario"], "source_file": desc.get("source_file", "")})
        parent_cmds = [CommandRecord(**c) for c in desc.get("commands", [])]
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(str(desc_path), f"unreadable run description ({type(exc).__name__})") from None
    out_dir = check_out_path(out if out is not None else Path(f"{str(run_dir).rstrip('/')}-fork"))
    parent_record = read_run(run_dir)  # read before the fork runs: an unreadable archive fails fast
    parent = Simulation(sc)
    parent.commands = parent_cmds
    child = parent.fork(at)  # replays the parent's commands before --at, then stands at --at
    for c in command:
        try:
            child.command(c)
        except CommandRefused as exc:
            raise InputError(f"--command {c!r}", f"refused at {at}: {exc.why}") from None
    child.parent = str(run_dir)
    with RunDir(out_dir, sc.name, force=force) as rd:
        child.advance(progress=not as_json)
        result = child.result()
        paths = result.write(rd, parent_record=parent_record)
    s = result.summary()
    if as_json:
        typer.echo(json.dumps(s, indent=2))
        return
    _print_summary(s, paths, result.model.table())
