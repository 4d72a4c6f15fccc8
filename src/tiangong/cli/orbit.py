"""``tiangong orbit ...``: eclipses and orbital state from TLEs (thin shell over ``tiangong.orbit``).

Flags are taken as text and parsed here so that every bad value becomes one
``error: <flag>: <reason>`` line (exit 2) through :class:`~tiangong.errors.InputError`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Optional

import typer

from ..errors import InputError
from ..timeutil import iso_z, parse_utc

orbit_app = typer.Typer(
    help="Orbit, sunlight and eclipses of the station (SGP4 + DE421).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

MAX_DAYS = 366.0
# SGP4's drag term decays the orbit by tens of km over months, while the real station is
# reboosted: beyond this distance from the TLE epoch the geometry is better without drag.
DRAG_WINDOW_DAYS = 14.0

_TLE_HELP = "TLE file (2- or 3-line sets); the set whose epoch is nearest the requested time is used. Default: the built-in Tiangong TLEs."
_DRAG_HELP = ("Propagate with the TLE's drag terms. Default: with drag only if the whole window lies within "
              f"{DRAG_WINDOW_DAYS:g} days of the TLE epoch, otherwise drag-free (the real station is reboosted).")


def _tle(path: Optional[str], when: dt.datetime):
    from ..orbit.tle import select_tle

    return select_tle(when, path)


def _required(value: Optional[str], flag: str) -> str:
    if value is None:
        raise InputError(flag, "is required (ISO 8601 UTC, e.g. 2022-10-31T04:30:00Z)")
    return value


def _days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        raise InputError("--days", f"{text!r} is not a number") from None
    if not math.isfinite(days) or not 0.0 < days <= MAX_DAYS:
        raise InputError("--days", f"{text} is outside 0 < days <= {MAX_DAYS:g}")
    return days


def _start(text: Optional[str], flag: str) -> dt.datetime:
    """A required instant inside the DE421 span (also keeps ``start + days`` far from year 9999)."""
    from ..orbit.sun import require_ephemeris

    when = parse_utc(_required(text, flag), flag)
    require_ephemeris(when, where=flag)
    return when


def _end(t0: dt.datetime, days: float, flag: str = "--days") -> dt.datetime:
    from ..orbit.sun import require_ephemeris

    t1 = t0 + dt.timedelta(days=days)
    require_ephemeris(t1, where=flag)
    return t1


def _use_drag(drag: Optional[bool], tle, start: dt.datetime, end: dt.datetime) -> bool:
    if drag is not None:
        return drag
    far = max(abs((start - tle.epoch).total_seconds()), abs((end - tle.epoch).total_seconds()))
    return far <= DRAG_WINDOW_DAYS * 86400.0


@orbit_app.command("eclipses")
def eclipses(
    start: Optional[str] = typer.Option(None, "--start", metavar="ISO8601", help="Window start, ISO 8601 UTC (e.g. 2022-10-31T04:30:00Z). Required."),
    days: str = typer.Option("1", "--days", metavar="N", help=f"Window length in days, 0 < N <= {MAX_DAYS:g}."),
    tle: Optional[str] = typer.Option(None, "--tle", metavar="FILE", help=_TLE_HELP),
    drag: Optional[bool] = typer.Option(None, "--drag/--no-drag", help=_DRAG_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON list instead of a table."),
) -> None:
    """Every eclipse (penumbra and umbra boundaries, 0.01 s) in a window."""
    from ..orbit.eclipse import beta_angle_deg, find_eclipses
    from ..orbit.tle import without_drag

    t0 = _start(start, "--start")
    n_days = _days(days)
    t1 = _end(t0, n_days)
    chosen = _tle(tle, t0)
    with_drag = _use_drag(drag, chosen, t0, t1)
    sat = chosen.satrec if with_drag else without_drag(chosen)
    found = find_eclipses(sat, t0, t1)

    if as_json:
        typer.echo(json.dumps([e.to_json() for e in found], indent=2))
        return

    from rich.console import Console

    def hms(x: Optional[dt.datetime]) -> str:
        return "-" if x is None else iso_z(x)[11:-1]

    # fits 80 columns: the date is the eclipse's first day (an eclipse lasts < 1 h).  Plain text rows:
    # a rich Table measures every cell and took 2.8 s for 180 days (2,800 rows); this takes ~0.05 s.
    heads = (("", "date"), ("penumbra", "start"), ("umbra", "start"), ("umbra", "end"), ("penumbra", "end"),
             ("umbra", "min"), ("beta", "deg"))
    rows = []
    for e in found:
        first = t0 if e.starts_before_window else (e.penumbra_start or e.umbra_start or t0)
        rows.append((first.date().isoformat(), *(hms(x) for x in (e.penumbra_start, e.umbra_start, e.umbra_end,
                                                                   e.penumbra_end)),
                     f"{e.umbra_duration_s / 60:.2f}", f"{e.beta_deg:.1f}"))
    widths = [max([len(h[0]), len(h[1])] + [len(r[i]) for r in rows]) for i, h in enumerate(heads)]
    right = (False, False, False, False, False, True, True)

    def fmt(cells) -> str:
        return " ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)).rstrip()

    title = f"Eclipses {iso_z(t0, 0)} + {n_days:g} d (UTC)"
    total = sum(widths) + len(widths) - 1
    lines = [title.center(total).rstrip(), fmt([h[0] for h in heads]), fmt([h[1] for h in heads]), "\u2500" * total]
    lines += [fmt(r) for r in rows]
    import sys

    sys.stdout.write("\n".join(lines) + "\n")
    console = Console()
    # beta over the whole window (hourly), so that the range is defined even without eclipses
    n = max(2, int(n_days * 24) + 1)
    betas = beta_angle_deg(sat, [i * n_days * 86400.0 / (n - 1) for i in range(n)], epoch=t0)
    umbra_h = sum(e.umbra_duration_s for e in found) / 3600.0
    pen_h = sum(e.penumbra_duration_s for e in found) / 3600.0
    console.print(f"{len(found)} eclipse{'' if len(found) == 1 else 's'}; {umbra_h:.2f} h in umbra, {pen_h:.2f} h in shadow incl. penumbra "
                  f"({100 * pen_h / (24 * n_days):.1f} % of the window); beta {betas.min():.1f}..{betas.max():.1f} deg")
    console.print(f"TLE {chosen.name} ({chosen.norad_id}) epoch {iso_z(chosen.epoch, 0)}, "
                  f"{(t0 - chosen.epoch).total_seconds() / 86400:+.1f} d to the window; SGP4 "
                  f"{'with drag' if with_drag else 'drag-free'}")


@orbit_app.command("state")
def state(
    at: Optional[str] = typer.Option(None, "--at", metavar="ISO8601", help="Instant, ISO 8601 UTC (e.g. 2022-10-31T05:00:00Z). Required."),
    tle: Optional[str] = typer.Option(None, "--tle", metavar="FILE", help=_TLE_HELP),
    drag: Optional[bool] = typer.Option(None, "--drag/--no-drag", help=_DRAG_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
) -> None:
    """Position, velocity (GCRS), geodetic position (WGS84), sunlight and beta at one instant."""
    from ..orbit.state import orbit_state

    when = _start(at, "--at")
    chosen = _tle(tle, when)
    with_drag = _use_drag(drag, chosen, when, when)
    s = orbit_state(chosen, when, drag=with_drag)
    out = {
        "at": iso_z(s["at"]),
        "tle_name": chosen.name,
        "norad_id": chosen.norad_id,
        "epoch_tle": iso_z(s["epoch_tle"]),
        "tle_age_days": round(s["tle_age_days"], 6),
        "drag": with_drag,
        "r_gcrs_m": [round(float(x), 3) for x in s["r_gcrs_m"]],
        "v_gcrs_mps": [round(float(x), 6) for x in s["v_gcrs_mps"]],
        "altitude_m": round(s["altitude_m"], 3),
        "latitude_deg": round(s["latitude_deg"], 6),
        "longitude_deg": round(s["longitude_deg"], 6),
        "sunlit": s["sunlit"] if isinstance(s["sunlit"], bool) else round(s["sunlit"], 6),
        "sunlit_fraction": round(s["sunlit_fraction"], 6),
        "beta_deg": round(s["beta_deg"], 4),
    }
    if as_json:
        typer.echo(json.dumps(out, indent=2))
        return

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Orbit state at {out['at']}", show_header=False)
    table.add_column("quantity")
    table.add_column("value")
    for key, value in out.items():
        table.add_row(key, ", ".join(str(v) for v in value) if isinstance(value, list) else str(value))
    Console().print(table)


# --------------------------------------------------------------------------- numerical prediction

def _number(text: Optional[str], flag: str, lo: float, hi: float, unit: str = "") -> Optional[float]:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(flag, f"{text!r} is not a number") from None
    if not math.isfinite(value) or not lo <= value <= hi:
        raise InputError(flag, f"{text} is outside {lo:g}..{hi:g}{unit}")
    return value


def _tle_and_start(start: Optional[str], tle_path: Optional[str]):
    """The TLE nearest --start and the start; without --start, the latest set at its epoch."""
    from ..orbit.tle import builtin_tles, load_tle_file, nearest_tle

    tles = builtin_tles() if tle_path in (None, "", "builtin") else load_tle_file(tle_path)
    if start is None:
        chosen = max(tles, key=lambda t: t.epoch)
        t0 = chosen.epoch
    else:
        t0 = _start(start, "--start")
        chosen = nearest_tle(tles, t0)
    return chosen, t0


def _window(start: Optional[str], days: Optional[str], until: Optional[str], tle_path: Optional[str]):
    """(tle, start, end) from --start/--days/--until: the TLE nearest --start (default: the latest
    set, starting at its epoch)."""
    chosen, t0 = _tle_and_start(start, tle_path)
    if (days is None) == (until is None):
        raise InputError("--days", "give exactly one of --days N or --until ISO8601")
    if days is not None:
        t1 = _end(t0, _days(days))
    else:
        t1 = _start(until, "--until")
        if t1 <= t0:
            raise InputError("--until", f"{iso_z(t1, 0)} is not after the start {iso_z(t0, 0)}")
        if (t1 - t0).total_seconds() > MAX_DAYS * 86400:
            raise InputError("--until", f"more than {MAX_DAYS:g} days after the start {iso_z(t0, 0)}")
    return chosen, t0, t1


def _write_fitted_tle(pred, source, path: str) -> None:
    """A TLE fitted (SGP4 mean elements + B*) to the prediction's last day (or all of it), with the
    epoch at the start of that day."""
    from pathlib import Path

    from ..orbit.tlefit import tle_from_trajectory

    traj = pred.trajectory
    span = min(86400.0, traj.t_end_s - traj.t_start_s)
    tle, rms = tle_from_trajectory(traj, traj.t_end_s - span, span_s=span, norad=source.norad_id, name=source.name)
    try:
        Path(path).write_text(f"# fitted to tiangong orbit predict: {iso_z(tle.epoch, 0)} + {span / 86400:g} d, "
                              f"RMS {rms:.0f} m in TEME\n{tle.name}\n{tle.line1}\n{tle.line2}\n")
    except OSError as exc:
        raise InputError("--tle-out", f"cannot write {path}: {exc.strerror or exc}") from None


def _weather(f107: Optional[str], ap: Optional[str]):
    from ..orbit.spaceweather import DEFAULT_AP, SpaceWeather

    flux = _number(f107, "--f107", 50.0, 400.0, " sfu")
    ap_v = _number(ap, "--ap", 0.0, 400.0)
    if flux is None:
        return SpaceWeather(fixed_ap=ap_v if ap_v is not None else DEFAULT_AP)
    return SpaceWeather(fixed_f107=flux, fixed_ap=ap_v if ap_v is not None else DEFAULT_AP)


_FIT_TLE_HELP = "TLE file; the set nearest --start is fitted. Default: the built-in Tiangong TLEs."
_START_HELP = "Start, ISO 8601 UTC. Default: the epoch of the latest TLE."
_AP_HELP = "Daily Ap with --f107 or beyond the table (default 15)."
_F107_HELP = ("Solar flux F10.7 = F10.7a [sfu] for every day (default: the shipped CSSI table, 2021-04..2026-03, "
              "and 150 sfu beyond it with a warning).")


@orbit_app.command("predict")
def predict_cmd(
    tle: Optional[str] = typer.Option(None, "--tle", metavar="FILE", help=_FIT_TLE_HELP),
    start: Optional[str] = typer.Option(None, "--start", metavar="ISO8601", help=_START_HELP),
    days: Optional[str] = typer.Option(None, "--days", metavar="N", help=f"Length in days, 0 < N <= {MAX_DAYS:g}."),
    until: Optional[str] = typer.Option(None, "--until", metavar="ISO8601", help="End, ISO 8601 UTC (instead of --days)."),
    step_s: str = typer.Option("60", "--step-s", metavar="S", help="Output step in seconds (the last state is exactly at the end)."),
    f107: Optional[str] = typer.Option(None, "--f107", metavar="SFU", help=_F107_HELP),
    ap: Optional[str] = typer.Option(None, "--ap", metavar="AP", help=_AP_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV rows."),
    tle_out: Optional[str] = typer.Option(None, "--tle-out", metavar="FILE", help="Also write a TLE fitted to the last day of the prediction (epoch: the start of that day)."),
    below: Optional[str] = typer.Option(None, "--below", metavar="KM", help="Say when the one-orbit mean altitude first drops below KM."),
    html: Optional[str] = typer.Option(None, "--html", metavar="FILE", help="Also write a self-contained HTML chart (mean altitude, perigee, apogee)."),
    oem: Optional[str] = typer.Option(None, "--oem", metavar="FILE", help="Also write the states as a CCSDS OEM (GCRF, UTC, km), the ephemeris format flight-dynamics tools read."),
) -> None:
    """Numerical prediction of the station's orbit (J2..J8, NRLMSIS drag, Sun, Moon, SRP) from a TLE."""
    import numpy as np  # imported when the command runs: the CLI starts fast
    from ..orbit.predict import predict, state_table, states_json, weather_warning

    if as_json and as_csv:
        raise InputError("--csv", "choose one of --json and --csv")
    chosen, t0, t1 = _window(start, days, until, tle)
    step = _number(step_s, "--step-s", 0.1, 86400.0, " s")
    below_m = _number(below, "--below", 100.0, 2000.0, " km")
    below_m = None if below_m is None else below_m * 1e3
    weather = _weather(f107, ap)
    pred = predict(chosen, t0, t1, weather)
    warn = weather_warning(pred.trajectory.fallback_days, weather)
    if warn:
        typer.echo(f"warning: {warn}", err=True)
    reentry = pred.trajectory.reentry_s
    if reentry is not None:
        typer.echo(f"warning: the orbit decays below 120 km at {iso_z(t0 + dt.timedelta(seconds=reentry), 0)} (reentry): "
                   "the prediction ends there", err=True)
    if (t1 - t0).total_seconds() / step > 2_000_000:
        raise InputError("--step-s", f"{step:g} s gives more than 2,000,000 states; use a larger step")
    table = state_table(pred, step)
    if tle_out is not None:
        _write_fitted_tle(pred, chosen, tle_out)
    if oem is not None:
        from ..orbit.oem import international_designator, oem_text, write_oem

        write_oem(oem, oem_text(t0, table["t_s"], table["r"], table["v"], chosen.name or "TIANGONG",
                                international_designator(chosen.line1),
                                [f"tiangong orbit predict from the TLE of {iso_z(chosen.epoch, 3)}",
                                 f"model: {pred.model.describe()['gravity']}; drag {pred.model.describe()['drag']}"]))
    below_t = None
    if below_m is not None or html is not None:
        from ..orbit.reboost import first_below_s, mean_altitude
        from ..orbit.tlefit import period_s

        mean_t, mean_h = mean_altitude(pred.trajectory, 0.0, pred.trajectory.t_end_s, period_s(chosen.satrec))
        if below_m is not None:
            below_t = first_below_s(mean_t, mean_h, below_m)
    if html is not None:
        from ..orbit.charts import prediction_figure, write_html

        write_html(prediction_figure(t0, table, mean_t, mean_h, f"Prediction {iso_z(t0, 0)} -> {iso_z(t1, 0)} "
                                     f"(TLE {iso_z(chosen.epoch, 0)}, {pred.model.weather.describe()['source']})",
                                     below_m, below_t), html)
    if as_csv:
        import sys

        cols = ("time", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps", "altitude_m", "latitude_deg",
                "longitude_deg", "perigee_m", "apogee_m")
        out = [",".join(cols)]
        for s in states_json(pred, table):
            out.append(",".join([s["time"], *(f"{x:.3f}" for x in s["r_gcrs_m"]), *(f"{x:.6f}" for x in s["v_gcrs_mps"]),
                                 f"{s['altitude_m']:.3f}", f"{s['latitude_deg']:.6f}", f"{s['longitude_deg']:.6f}",
                                 f"{s['perigee_m']:.3f}", f"{s['apogee_m']:.3f}"]))
        sys.stdout.write("\n".join(out) + "\n")
        return
    head = {
        "model": pred.model.describe(),
        "space_weather": pred.model.weather.describe(),
        "tle": {"name": chosen.name, "norad_id": chosen.norad_id, "epoch": iso_z(chosen.epoch), "line1": chosen.line1,
                "line2": chosen.line2},
        "initial_state_fit_rms_m": round(pred.fit_rms_m, 3),
        "start": iso_z(t0), "end": iso_z(t1), "step_s": step,
        "reentry": None if reentry is None else iso_z(t0 + dt.timedelta(seconds=reentry)),
    }
    if below_m is not None:
        head["mean_altitude_below"] = {"level_m": below_m, "first_time": None if below_t is None else
                                       iso_z(t0 + dt.timedelta(seconds=below_t), 0)}
    if as_json:
        head["states"] = states_json(pred, table)
        typer.echo(json.dumps(head, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    n = len(table["t_s"])
    rows = sorted(set(np.linspace(0, n - 1, min(n, 25)).round().astype(int)))
    tab = Table(title=f"Prediction {iso_z(t0, 0)} -> {iso_z(t1, 0)} (TLE {iso_z(chosen.epoch, 0)})")
    for col in ("time (UTC)", "altitude km", "perigee km", "apogee km", "lat deg", "lon deg"):
        tab.add_column(col, justify="right", no_wrap=True)
    for i in rows:
        tab.add_row(iso_z(t0 + dt.timedelta(seconds=float(table["t_s"][i])), 0), f"{table['altitude_m'][i] / 1e3:.2f}",
                    f"{table['perigee_m'][i] / 1e3:.2f}", f"{table['apogee_m'][i] / 1e3:.2f}",
                    f"{table['latitude_deg'][i]:.2f}", f"{table['longitude_deg'][i]:.2f}")
    con = Console()
    con.print(tab)
    con.print(f"model: {head['model']['gravity']}; drag {head['model']['drag']}; third body {', '.join(head['model']['third_body'])}; "
              f"SRP {head['model']['srp']}; initial state fitted to SGP4 over one orbit, RMS {pred.fit_rms_m:.1f} m")
    if below_m is not None:
        con.print(f"mean altitude first below {below_m / 1e3:g} km: "
                  + ("not within the prediction" if below_t is None else iso_z(t0 + dt.timedelta(seconds=below_t), 0)))


def _band(text: Optional[str]) -> tuple[float, float]:
    if text is None:
        raise InputError("--band", "is required, e.g. --band 375:395 (mean altitude, km)")
    parts = text.split(":")
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        raise InputError("--band", f"{text!r} is not LOW:HIGH in km, e.g. 375:395") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or not 200.0 <= lo < hi <= 1000.0:
        raise InputError("--band", f"{text} must be 200 <= LOW < HIGH <= 1000 km")
    if hi - lo < 1.0:
        raise InputError("--band", f"{text} is narrower than 1 km (the mean altitude is known to ~0.1 km)")
    return lo * 1e3, hi * 1e3


@orbit_app.command("reboost")
def reboost_cmd(
    tle: Optional[str] = typer.Option(None, "--tle", metavar="FILE", help=_FIT_TLE_HELP),
    band: Optional[str] = typer.Option(None, "--band", metavar="LOW:HIGH", help="Mean-altitude band to hold, km (e.g. 375:395). Required."),
    days: Optional[str] = typer.Option(None, "--days", metavar="N", help=f"Planning horizon in days, 0 < N <= {MAX_DAYS:g}."),
    start: Optional[str] = typer.Option(None, "--start", metavar="ISO8601", help=_START_HELP),
    engine: str = typer.Option("chemical", "--engine", metavar="chemical|hall", help="Two-burn Hohmann transfers of the 490 N engines, or continuous arcs of the four Hall thrusters."),
    propellant: Optional[str] = typer.Option(None, "--propellant-kg", metavar="KG", help="Propellant aboard (default: data/orbit/engines.toml, 1500 kg MMH/NTO or 400 kg xenon)."),
    f107: Optional[str] = typer.Option(None, "--f107", metavar="SFU", help=_F107_HELP),
    ap: Optional[str] = typer.Option(None, "--ap", metavar="AP", help=_AP_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    html: Optional[str] = typer.Option(None, "--html", metavar="FILE", help="Also write a self-contained HTML chart (mean altitude in the band, burns, propellant left)."),
) -> None:
    """Plan the two-burn reboosts that keep the mean altitude in a band (Δv, burn times, propellant)."""
    from ..orbit.predict import predict, weather_warning
    from ..orbit.reboost import engines, plan_reboosts

    lo, hi = _band(band)
    if days is None:
        raise InputError("--days", "is required (planning horizon in days)")
    chosen, t0, t1 = _window(start, days, None, tle)
    aboard = _number(propellant, "--propellant-kg", 0.0, 1e5, " kg")
    if engine not in ("chemical", "hall"):
        raise InputError("--engine", f"{engine!r} is not 'chemical' or 'hall'")
    default = engines()["plan" if engine == "chemical" else "hall"]["propellant_aboard_kg"]
    aboard = default if aboard is None else aboard
    weather = _weather(f107, ap)
    pred = predict(chosen, t0, t1, weather)
    warn = weather_warning(pred.trajectory.fallback_days, weather)
    if warn:
        typer.echo(f"warning: {warn}", err=True)
    plan = plan_reboosts(pred, (lo, hi), aboard, engine=engine)
    if html is not None:
        from ..orbit.charts import reboost_figure, write_html

        write_html(reboost_figure(t0, plan, f"Reboosts {iso_z(t0, 0)} + {(t1 - t0).total_seconds() / 86400:g} d, band "
                                  f"{lo / 1e3:g}-{hi / 1e3:g} km, {engine} engines"), html)
    out = {
        "model": pred.model.describe(),
        "space_weather": pred.model.weather.describe(),
        "tle": {"name": chosen.name, "epoch": iso_z(chosen.epoch), "line1": chosen.line1, "line2": chosen.line2},
        "start": iso_z(t0), "end": iso_z(t1),
        "band_m": [lo, hi],
        "engine": {k: engines()[engine][k] for k in ("title", "engines", "thrust_n")},
        "propellant_aboard_kg": aboard,
        "burns": [b.to_json() for b in plan.burns],
        "total_dv_mps": round(plan.total_dv_mps, 4),
        "propellant_kg": round(plan.propellant_kg, 2),
        "propellant_left_kg": round(aboard - plan.propellant_kg, 2),
        "mean_altitude_min_m": round(float(plan.mean_alt_m.min()), 1) if len(plan.mean_alt_m) else None,
        "mean_altitude_max_m": round(float(plan.mean_alt_m.max()), 1) if len(plan.mean_alt_m) else None,
        "mean_altitude_end_m": round(float(plan.mean_alt_m[-1]), 1) if len(plan.mean_alt_m) else None,
    }
    if as_json:
        typer.echo(json.dumps(out, indent=1))
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    tab = Table(box=box.SIMPLE_HEAD, title=f"Reboosts {iso_z(t0, 0)} + {(t1 - t0).total_seconds() / 86400:g} d, band {lo / 1e3:g}-{hi / 1e3:g} km")
    for col in ("time (UTC)", "burn", "dv m/s", "duration s", "propellant kg"):
        tab.add_column(col, justify="right", no_wrap=True)
    for b in plan.burns:
        tab.add_row(iso_z(b.time, 0), b.label, f"{b.dv_mps:.3f}", f"{b.duration_s:.0f}", f"{b.propellant_kg:.1f}")
    con = Console()
    con.print(tab)
    con.print(f"{len(plan.burns)} burns, total dv {plan.total_dv_mps:.2f} m/s, propellant {plan.propellant_kg:.1f} kg of "
              f"{aboard:g} kg; mean altitude {out['mean_altitude_min_m'] / 1e3:.2f}..{out['mean_altitude_max_m'] / 1e3:.2f} km")


# --------------------------------------------------------------------------- passes, contacts, track

def _sgp4_window(start: Optional[str], days: str, tle_path: Optional[str], drag: Optional[bool]):
    """(tle, satrec, start, end, with_drag) for the SGP4-based geometry commands; default start:
    the epoch of the latest set."""
    from ..orbit.tle import without_drag

    chosen, t0 = _tle_and_start(start, tle_path)
    t1 = _end(t0, _days(days))
    with_drag = _use_drag(drag, chosen, t0, t1)
    return chosen, (chosen.satrec if with_drag else without_drag(chosen)), t0, t1, with_drag


def _min_elevation(text: Optional[str]) -> float:
    from ..orbit.passes import default_min_elevation_deg

    value = _number(text, "--min-elevation", -5.0, 89.0, " deg")
    return default_min_elevation_deg() if value is None else value


_GEOM_START_HELP = "Window start, ISO 8601 UTC. Default: the epoch of the latest TLE."


@orbit_app.command("passes")
def passes_cmd(
    lat: Optional[str] = typer.Option(None, "--lat", metavar="DEG", help="Site geodetic latitude, -90..90 (WGS84)."),
    lon: Optional[str] = typer.Option(None, "--lon", metavar="DEG", help="Site longitude, east positive, -180..360."),
    height_m: str = typer.Option("0", "--height-m", metavar="M", help="Site height above the ellipsoid."),
    site: Optional[str] = typer.Option(None, "--site", metavar="NAME", help="A shipped TT&C station instead of --lat/--lon (see `orbit contacts`)."),
    min_elevation: Optional[str] = typer.Option(None, "--min-elevation", metavar="DEG", help="Elevation mask (default 5 deg)."),
    days: str = typer.Option("1", "--days", metavar="N", help=f"Window length in days, 0 < N <= {MAX_DAYS:g}."),
    start: Optional[str] = typer.Option(None, "--start", metavar="ISO8601", help=_GEOM_START_HELP),
    tle: Optional[str] = typer.Option(None, "--tle", metavar="FILE", help=_TLE_HELP),
    drag: Optional[bool] = typer.Option(None, "--drag/--no-drag", help=_DRAG_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON list."),
) -> None:
    """Passes over a ground site: rise, culmination, set (UTC) and maximum elevation."""
    from ..orbit.passes import Site, find_passes, ground_stations

    if site is not None:
        known = {s.name.lower(): s for s in ground_stations()}
        if site.lower() not in known:
            raise InputError("--site", f"{site!r} is not a shipped station ({', '.join(s.name for s in ground_stations())})")
        where = known[site.lower()]
    else:
        if lat is None or lon is None:
            raise InputError("--lat" if lat is None else "--lon", "is required (or give --site NAME)")
        where = Site("site", _number(lat, "--lat", -90.0, 90.0, " deg"), _number(lon, "--lon", -180.0, 360.0, " deg"),
                     _number(height_m, "--height-m", -500.0, 9000.0, " m"))
    mask = _min_elevation(min_elevation)
    chosen, sat, t0, t1, with_drag = _sgp4_window(start, days, tle, drag)
    found = find_passes(sat, t0, t1, where, mask)
    if as_json:
        typer.echo(json.dumps([p.to_json() for p in found], indent=1))
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    tab = Table(box=box.SIMPLE_HEAD, title=f"Passes over {where.name} ({where.lat_deg:.3f}, {where.lon_deg:.3f}) "
                f"above {mask:g} deg, {iso_z(t0, 0)} + {(t1 - t0).total_seconds() / 86400:g} d")
    for col in ("rise (UTC)", "culmination", "set", "max el deg", "min"):
        tab.add_column(col, justify="right", no_wrap=True)
    for p in found:
        tab.add_row(iso_z(p.rise, 0) + ("*" if p.rises_before_window else ""), iso_z(p.culmination, 0)[11:],
                    iso_z(p.set, 0)[11:] + ("*" if p.sets_after_window else ""), f"{p.max_elevation_deg:.1f}",
                    f"{p.duration_s / 60:.1f}")
    con = Console()
    con.print(tab)
    con.print(f"{len(found)} passes; SGP4 {'with drag' if with_drag else 'drag-free'} from TLE epoch {iso_z(chosen.epoch, 0)}"
              "; * = cut by the window")


def _all_contacts(sat, t0, t1, mask):
    """Relay windows and ground-station passes, as (start, end, kind, name) sorted by start."""
    from ..orbit.contacts import DEFAULT_RELAYS, relay_windows
    from ..orbit.passes import ground_stations, pass_windows

    out = [(w.start, w.end, "relay", w.relay) for w in relay_windows(sat, t0, t1, DEFAULT_RELAYS)]
    out += [(a, b, "ground", s.name) for s, a, b, _, _ in pass_windows(sat, t0, t1, ground_stations(), mask)]
    return sorted(out)


@orbit_app.command("contacts")
def contacts_cmd(
    days: str = typer.Option("1", "--days", metavar="N", help=f"Window length in days, 0 < N <= {MAX_DAYS:g}."),
    start: Optional[str] = typer.Option(None, "--start", metavar="ISO8601", help=_GEOM_START_HELP),
    min_elevation: Optional[str] = typer.Option(None, "--min-elevation", metavar="DEG", help="Ground-station elevation mask (default 5 deg)."),
    tle: Optional[str] = typer.Option(None, "--tle", metavar="FILE", help=_TLE_HELP),
    drag: Optional[bool] = typer.Option(None, "--drag/--no-drag", help=_DRAG_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Contact windows with the Tianlian relays (line of sight) and the shipped Chinese TT&C stations."""
    from ..orbit.contacts import DEFAULT_RELAYS
    from ..orbit.passes import ground_stations

    mask = _min_elevation(min_elevation)
    chosen, sat, t0, t1, with_drag = _sgp4_window(start, days, tle, drag)
    found = _all_contacts(sat, t0, t1, mask)
    span = (t1 - t0).total_seconds()
    union, cur = 0.0, None
    for a, b, _, _ in found:
        if cur is None or a > cur[1]:
            if cur:
                union += (cur[1] - cur[0]).total_seconds()
            cur = [a, b]
        else:
            cur[1] = max(cur[1], b)
    if cur:
        union += (cur[1] - cur[0]).total_seconds()
    out = {
        "start": iso_z(t0), "end": iso_z(t1), "min_elevation_deg": mask,
        "relays": [{"name": r.name, "lon_deg": r.lon_deg, "source": r.source} for r in DEFAULT_RELAYS],
        "ground_stations": [{"name": s.name, "lat_deg": s.lat_deg, "lon_deg": s.lon_deg, "source": s.source}
                            for s in ground_stations()],
        "windows": [{"start": iso_z(a), "end": iso_z(b), "kind": k, "name": n,
                     "duration_s": round((b - a).total_seconds(), 1)} for a, b, k, n in found],
        "coverage_fraction": round(union / span, 4),
    }
    if as_json:
        typer.echo(json.dumps(out, indent=1))
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    tab = Table(box=box.SIMPLE_HEAD, title=f"Contacts {iso_z(t0, 0)} + {span / 86400:g} d")
    for col in ("start (UTC)", "end", "kind", "with", "min"):
        tab.add_column(col, no_wrap=True)
    for a, b, k, n in found:
        tab.add_row(iso_z(a, 0), iso_z(b, 0)[11:], k, n, f"{(b - a).total_seconds() / 60:.1f}")
    con = Console()
    con.print(tab)
    con.print(f"{len(found)} windows; in contact with something {100 * union / span:.1f} % of the window; "
              f"SGP4 {'with drag' if with_drag else 'drag-free'}")


@orbit_app.command("track")
def track_cmd(
    days: str = typer.Option("1", "--days", metavar="N", help=f"Window length in days, 0 < N <= {MAX_DAYS:g}."),
    start: Optional[str] = typer.Option(None, "--start", metavar="ISO8601", help=_GEOM_START_HELP),
    step_s: str = typer.Option("60", "--step-s", metavar="S", help="Grid step in seconds."),
    min_elevation: Optional[str] = typer.Option(None, "--min-elevation", metavar="DEG", help="Ground-station elevation mask for the contact flag (default 5 deg)."),
    tle: Optional[str] = typer.Option(None, "--tle", metavar="FILE", help=_TLE_HELP),
    drag: Optional[bool] = typer.Option(None, "--drag/--no-drag", help=_DRAG_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV rows."),
    html: Optional[str] = typer.Option(None, "--html", metavar="FILE", help="Also write a self-contained HTML map (coastlines shipped)."),
) -> None:
    """Ground track on a time grid: WGS84 latitude, longitude, altitude, sunlit fraction, in contact."""
    import numpy as np  # imported when the command runs: the CLI starts fast
    from ..orbit.groundtrack import sgp4_ground_track
    from ..orbit.passes import ground_stations, pass_windows

    if as_json and as_csv:
        raise InputError("--csv", "choose one of --json and --csv")
    mask = _min_elevation(min_elevation)
    chosen, sat, t0, t1, with_drag = _sgp4_window(start, days, tle, drag)
    step = _number(step_s, "--step-s", 1.0, 86400.0, " s")
    span = (t1 - t0).total_seconds()
    if span / step > 1_000_000:
        raise InputError("--step-s", f"{step:g} s gives more than 1,000,000 points; use a larger step")
    t = np.append(np.arange(0.0, span, step), span)
    g = sgp4_ground_track(sat, t0, t, source=f"TLE {chosen.norad_id}")  # geodetic, sunlit, relay line of sight
    lat, lon, alt, sunlit = g.latitude_deg, g.longitude_deg, g.altitude_m, g.sunlit
    contact = g.contact.copy()
    for _, a, b, _, _ in pass_windows(sat, t0, t1, ground_stations(), mask):  # and the TT&C stations
        contact |= (t >= (a - t0).total_seconds()) & (t <= (b - t0).total_seconds())
    if html is not None:
        from ..orbit.charts import write_html
        from ..orbit.contacts import DEFAULT_RELAYS
        from ..orbit.trackmap import ground_track_figure

        write_html(ground_track_figure(lat, lon, sunlit, contact, f"Ground track {iso_z(t0, 0)} + {span / 86400:g} d "
                                       f"(SGP4, TLE {iso_z(chosen.epoch, 0)})", ground_stations(), DEFAULT_RELAYS), html)
    rows = [{"time": iso_z(t0 + dt.timedelta(seconds=float(x)), 0), "latitude_deg": round(float(la), 5),
             "longitude_deg": round(float(lo), 5), "altitude_m": round(float(h), 1), "sunlit": round(float(f), 4),
             "contact": bool(c)} for x, la, lo, h, f, c in zip(t, lat, lon, alt, sunlit, contact)]
    if as_csv:
        import sys

        sys.stdout.write("time,latitude_deg,longitude_deg,altitude_m,sunlit,contact\n" + "".join(
            f"{p['time']},{p['latitude_deg']},{p['longitude_deg']},{p['altitude_m']},{p['sunlit']},{int(p['contact'])}\n"
            for p in rows))
        return
    if as_json:
        typer.echo(json.dumps({"tle_epoch": iso_z(chosen.epoch), "drag": with_drag, "step_s": step, "points": rows}))
        return
    from rich.console import Console

    Console().print(f"{len(rows)} points {rows[0]['time']} .. {rows[-1]['time']}: sunlit {100 * np.mean(sunlit >= 1):.1f} %, "
                    f"in contact {100 * contact.mean():.1f} %; use --json or --csv for the track")


@orbit_app.command("cache")
def cache_cmd(
    clear: bool = typer.Option(False, "--clear", help="Delete the cached orbit products."),
) -> None:
    """Where the propagated scenario orbits are cached (orbit = "propagate"), how many and how big."""
    from ..orbit import cache

    d = cache.directory()
    if d is None:
        typer.echo("orbit cache: off (TIANGONG_NO_CACHE is set)")
        return
    if clear:
        typer.echo(f"orbit cache: {cache.clear()} file(s) deleted from {d}")
        return
    files = sorted(d.glob("*.npz")) if d.is_dir() else []
    size = sum(f.stat().st_size for f in files)
    typer.echo(f"orbit cache: {d} -- {len(files)} file(s), {size / 1e6:.1f} MB (at most {cache.MAX_FILES} kept; "
               "set TIANGONG_CACHE_DIR to move it, TIANGONG_NO_CACHE=1 to turn it off)")
