"""The ground track of a run for its report: latitude, longitude, sunlit fraction and relay contact
on a time grid, from the run's own orbit (SGP4 on the scenario's TLE in replay mode, the propagated
trajectory with ``orbit = "propagate"``).

What a flight controller looks at is about one day: the track covers :data:`SPAN_S` (24 h) from a
chosen start (default the run's start; ``[report] ground_track_start`` in a scenario), cut at the
run's end, on a :data:`STEP_S` (60 s) grid -- ~1,440 points, one ISS-class orbit every ~92 points.

Frames: SGP4 TEME -> GCRS (frames.TemeToGcrs) -> ITRS (frames.GcrsToItrs) -> WGS84 geodetic
(frames.geodetic_from_itrs); the Sun from DE421 (sun.SunTrack) and the conical-shadow fraction of
eclipse.py; contact = inside a window of contacts.relay_windows (line of sight to any Tianlian
relay, the windows found to 1 ms, so the flag is exact at every grid point).  The replay satrec is
the drag-free copy of the TLE nearest the run's start, as the engine's eclipses (orbit/__init__.py).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..record import GroundTrack
from ..timeutil import as_utc, at_seconds, iso_z

SPAN_S = 86400.0
"""Length of the track (s): one day, what a flight controller's map shows."""

STEP_S = 60.0
"""Grid step (s): ~460 km of track, ~4 deg of longitude; the map's lines stay smooth."""


def track_times(duration_s: float, start_s: float = 0.0, span_s: float = SPAN_S, step_s: float = STEP_S) -> np.ndarray:
    """Grid ``start_s, start_s + step_s, ...`` up to ``min(start_s + span_s, duration_s)`` (that end
    included), s since the run epoch; empty if ``start_s`` is not before ``duration_s``."""
    end = min(float(start_s) + float(span_s), float(duration_s))
    if not end > start_s:
        return np.empty(0)
    t = np.arange(float(start_s), end, float(step_s))
    return np.append(t, end)


def _track(epoch: dt.datetime, t_s: np.ndarray, r_gcrs_m: np.ndarray, windows, source: str) -> GroundTrack:
    from .eclipse import sunlit_fraction
    from .frames import GcrsToItrs, geodetic_from_itrs
    from .sun import SunTrack

    t0, t1 = float(t_s[0]), float(t_s[-1])
    lat, lon, alt = geodetic_from_itrs(GcrsToItrs(epoch, t0, t1).apply(t_s, r_gcrs_m))
    sunlit = np.atleast_1d(sunlit_fraction(r_gcrs_m, SunTrack(epoch, t0, t1)(t_s)))
    contact = np.zeros(t_s.size, bool)
    for w in windows:
        contact |= (t_s >= (w.start - epoch).total_seconds()) & (t_s <= (w.end - epoch).total_seconds())
    return GroundTrack(t_s, lat, lon, alt, sunlit, contact, source)


def sgp4_ground_track(sat, epoch: dt.datetime, t_s, relays=None, source: str = "SGP4") -> GroundTrack:
    """Ground track of a TLE or ``Satrec`` at ``t_s`` (s after the aware UTC ``epoch``, sorted)."""
    from .contacts import DEFAULT_RELAYS, relay_windows
    from .frames import TemeToGcrs
    from .tlefit import sgp4_teme

    epoch = as_utc(epoch, "epoch")
    t = np.asarray(t_s, dtype=float)
    satrec = sat.satrec if hasattr(sat, "satrec") else sat
    r_teme, _ = sgp4_teme(satrec, epoch, t, source)
    r = TemeToGcrs(epoch, float(t[0]), float(t[-1])).apply(t, r_teme)
    windows = relay_windows(satrec, at_seconds(epoch, t[0]), at_seconds(epoch, t[-1]),
                            DEFAULT_RELAYS if relays is None else relays) if t[-1] > t[0] else []
    return _track(epoch, t, r, windows, source)


def trajectory_ground_track(traj, epoch: dt.datetime, t_s, relays=None,
                            source: str = "propagated orbit") -> GroundTrack:
    """Ground track of a propagated ``Trajectory`` (GCRS) at ``t_s`` s after ``epoch``."""
    from .contacts import DEFAULT_RELAYS, relay_windows

    epoch = as_utc(epoch, "epoch")
    t = np.asarray(t_s, dtype=float)
    offset = (epoch - traj.epoch).total_seconds()
    r = traj.states(t + offset)[:, :3]
    windows = relay_windows(traj, at_seconds(epoch, t[0]), at_seconds(epoch, t[-1]),
                            DEFAULT_RELAYS if relays is None else relays) if t[-1] > t[0] else []
    return _track(epoch, t, r, windows, source)


def scenario_ground_track(epoch: dt.datetime, duration_s: float, tle_spec: str | None = "builtin",
                          station: str = "tiangong", orbit=None, start: dt.datetime | None = None) -> GroundTrack | None:
    """The report's ground track of a run: one day from ``start`` (default ``epoch``) cut at the
    run's end, from ``orbit`` (a :class:`~tiangong.orbit.scenario.PropagatedOrbit`) if given, else
    from SGP4 on the drag-free TLE nearest ``epoch`` (the engine's replay orbit).  None if ``start``
    is at or after the run's end (a run that ended early)."""
    from .tle import select_tle, without_drag

    epoch = as_utc(epoch, "epoch")
    start_s = 0.0 if start is None else (as_utc(start, "ground_track_start") - epoch).total_seconds()
    if orbit is not None:  # never past the propagated trajectory (it covers the scenario window)
        duration_s = min(duration_s, orbit.trajectory.t_end_s - (epoch - orbit.trajectory.epoch).total_seconds())
    t = track_times(duration_s, start_s)
    if t.size < 2:
        return None
    if orbit is not None:
        return trajectory_ground_track(orbit.trajectory, epoch, t, source="propagated orbit (orbit = \"propagate\")")
    tle = select_tle(epoch, tle_spec, station)
    return sgp4_ground_track(without_drag(tle), epoch, t, source=f"SGP4, drag-free, TLE epoch {iso_z(tle.epoch, 0)}")


__all__ = ["SPAN_S", "STEP_S", "track_times", "sgp4_ground_track", "trajectory_ground_track", "scenario_ground_track"]
