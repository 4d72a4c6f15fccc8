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

    t0 = parse_utc(_required(start, "--start"), "--start")
    n_days = _days(days)
    t1 = t0 + dt.timedelta(days=n_days)
    chosen = _tle(tle, t0)
    with_drag = _use_drag(drag, chosen, t0, t1)
    sat = chosen.satrec if with_drag else without_drag(chosen)
    found = find_eclipses(sat, t0, t1)

    if as_json:
        typer.echo(json.dumps([e.to_json() for e in found], indent=2))
        return

    from rich import box
    from rich.console import Console
    from rich.table import Table

    def hms(x: Optional[dt.datetime]) -> str:
        return "-" if x is None else iso_z(x)[11:-1]

    # fits 80 columns: the date is the eclipse's first day (an eclipse lasts < 1 h)
    table = Table(title=f"Eclipses {iso_z(t0, 0)} + {n_days:g} d (UTC)", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), collapse_padding=True,
                  show_edge=False)
    for col in ("date", "penumbra\nstart", "umbra\nstart", "umbra\nend", "penumbra\nend", "umbra\nmin", "beta\ndeg"):
        table.add_column(col, justify="right" if col[-3:] in ("min", "deg") else "left", no_wrap=True)
    for e in found:
        first = t0 if e.starts_before_window else (e.penumbra_start or e.umbra_start or t0)
        table.add_row(first.date().isoformat(), *(hms(x) for x in (e.penumbra_start, e.umbra_start, e.umbra_end,
                                                                    e.penumbra_end)),
                      f"{e.umbra_duration_s / 60:.2f}", f"{e.beta_deg:.1f}")
    console = Console()
    console.print(table)
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

    when = parse_utc(_required(at, "--at"), "--at")
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
