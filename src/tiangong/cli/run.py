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
    """Run a scenario; write telemetry.duckdb, summary.json, report.html and status.json."""
    from ..rundir import RunDir, check_out_path
    from ..sim.run import simulate
    from ..sim.scenario import Scenario
    from ..validation import check_finite, check_sample_count

    if sample_s is not None:
        check_finite(sample_s, "--sample-s", lo=1e-3, hi=86400, why="seconds between telemetry samples")
    sc = Scenario.load(scenario)
    if sample_s is not None:
        check_sample_count(sc.duration_s, sample_s, "--sample-s")
    out_dir = check_out_path(out if out is not None else Path("runs") / sc.name)
    # the directory is locked, and its status.json says "running", for the whole run
    with RunDir(out_dir, sc.name, force=force) as rd:
        result = simulate(sc, progress=not as_json, sample_s=sample_s)
        paths = result.write(rd)
    s = result.summary()
    if as_json:
        typer.echo(json.dumps(s, indent=2))
        return
    _print_summary(s, paths)


def _print_summary(s: dict, paths: dict) -> None:
    m = s["margins"]
    t = Table(title=f"{s['scenario']}: {s['start']} -> {s['end']} ({s['duration_days']:.1f} days)")
    t.add_column("quantity")
    t.add_column("min", justify="right")
    t.add_column("max", justify="right")
    t.add_column("end", justify="right")
    show = [("power.battery.soc", "battery SOC", 1, "%.3f"), ("eclss.cabin.ppo2_pa", "ppO2 kPa", 1e-3, "%.2f"),
            ("eclss.cabin.ppco2_pa", "ppCO2 kPa", 1e-3, "%.3f"), ("eclss.cabin.pressure_pa", "pressure kPa", 1e-3, "%.1f"),
            ("eclss.water.potable_kg", "potable water kg", 1, "%.0f"), ("eclss.tank.o2_kg", "stored O2 kg", 1, "%.1f"),
            ("eclss.food_kg", "food kg", 1, "%.0f"), ("propulsion.propellant_kg", "propellant kg", 1, "%.0f"),
            ("orbit.altitude_m", "altitude km", 1e-3, "%.1f"), ("crew.count", "crew", 1, "%.0f"),
            ("station.mass_kg", "station mass t", 1e-3, "%.1f")]
    for key, label, k, fmt in show:
        st = s["stores"].get(key)
        if st:
            t.add_row(label, fmt % (st["min"] * k), fmt % (st["max"] * k), fmt % (st["end"] * k))
    console.print(t)
    console.print(f"margins: O2 reserve [bold]{m['o2_reserve_days']:.1f}[/] d, water reserve "
                  f"[bold]{m['water_reserve_days']:.1f}[/] d, min SOC {m['min_battery_soc']:.3f} at "
                  f"{m['min_battery_soc_at']}, min altitude {m['min_altitude_m'] / 1e3:.1f} km, "
                  f"propellant used {m['propellant_used_kg']:.0f} kg in {m['reboosts']} reboosts")
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
