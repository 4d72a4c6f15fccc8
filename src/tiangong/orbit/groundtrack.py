"""The ground track of a run for its report: latitude, longitude, sunlit fraction and relay contact
on a time grid, from the run's own orbit (SGP4 on the scenario's TLE in replay mode, the propagated
trajectory with ``orbit = "propagate"``).

What a flight controller looks at is about one day: the track covers :data:`SPAN_S` (24 h) from a
chosen start (default the run's start; ``[report] ground_track_start`` in a scenario), cut at the
run's end, on a :data:`STEP_S` (60 s) grid -- ~1,440 points, one ISS-class orbit every ~92 points.

Frames: SGP4 TEME -> GCRS (frames.TemeToGcrs) -> ITRS (frames.GcrsToItrs) -> WGS84 geodetic
(frames.geodetic_from_itrs); the Sun from DE421 (sun.sun_gcrs_m) and the conical-shadow fraction of
eclipse.py; contact = line of sight to any Tianlian relay at each grid point, with contacts.py's
geometry (``line_of_sight_margin_m``, the relays fixed in the Earth frame: ``relay_teme_m`` at zero
sidereal angle) evaluated in the ITRS the track has anyway -- the sign of the same g-function whose
roots ``contacts.relay_windows`` finds, so the flags equal its windows at the grid points, and a
propagated orbit needs only its positions on the grid.  The replay satrec is the drag-free copy of
the TLE nearest the run's start, as the engine's eclipses (orbit/__init__.py).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..record import GroundTrack
from ..timeutil import as_utc, iso_z

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


def ground_track(epoch: dt.datetime, t_s, r_gcrs_m, relays=None, source: str = "") -> GroundTrack:
    """Ground track of GCRS positions ``r_gcrs_m`` (N, 3) [m] at ``t_s`` (N,, s after the aware UTC
    ``epoch``, sorted): geodetic point, sunlit fraction and line of sight to any of ``relays``
    (default: the shipped Tianlian relays)."""
    from .contacts import DEFAULT_RELAYS, line_of_sight_margin_m, relay_teme_m
    from .eclipse import sunlit_fraction
    from .frames import GcrsToItrs, geodetic_from_itrs
    from .sun import sun_gcrs_m

    epoch = as_utc(epoch, "epoch")
    t = np.asarray(t_s, dtype=float)
    r = np.asarray(r_gcrs_m, dtype=float)
    t0, t1 = float(t[0]), float(t[-1])
    r_itrs = GcrsToItrs(epoch, t0, t1).apply(t, r)
    lat, lon, alt = geodetic_from_itrs(r_itrs)
    # the Sun exact at every point (DE421, 5 ms for a day): sun.SunTrack's spline would import
    # scipy.interpolate, ~0.3-0.5 s that a run whose eclipses came from a cache has not paid
    sunlit = np.atleast_1d(sunlit_fraction(r, sun_gcrs_m(epoch, t)))
    lons = [x.lon_deg for x in (DEFAULT_RELAYS if relays is None else relays)]
    relay = relay_teme_m(np.asarray(lons, dtype=float)[:, None], 0.0)  # (R, 1, 3): Earth-fixed
    contact = np.any(line_of_sight_margin_m(r_itrs[None, :, :], relay) > 0.0, axis=0) if lons else np.zeros(t.size, bool)
    return GroundTrack(t, lat, lon, alt, sunlit, contact, source)


def sgp4_ground_track(sat, epoch: dt.datetime, t_s, relays=None, source: str = "SGP4") -> GroundTrack:
    """Ground track of a TLE or ``Satrec`` at ``t_s`` (s after the aware UTC ``epoch``, sorted)."""
    from .frames import TemeToGcrs
    from .tlefit import sgp4_teme

    epoch = as_utc(epoch, "epoch")
    t = np.asarray(t_s, dtype=float)
    r_teme, _ = sgp4_teme(sat.satrec if hasattr(sat, "satrec") else sat, epoch, t, source)
    return ground_track(epoch, t, TemeToGcrs(epoch, float(t[0]), float(t[-1])).apply(t, r_teme), relays, source)


def trajectory_ground_track(traj, epoch: dt.datetime, t_s, relays=None,
                            source: str = "propagated orbit") -> GroundTrack:
    """Ground track of a propagated ``Trajectory`` (GCRS) at ``t_s`` s after ``epoch``."""
    epoch = as_utc(epoch, "epoch")
    t = np.asarray(t_s, dtype=float)
    r = traj.states(t + (epoch - traj.epoch).total_seconds())[:, :3]
    return ground_track(epoch, t, r, relays, source)


def scenario_ground_track(epoch: dt.datetime, duration_s: float, tle_spec: str | None = "builtin",
                          station: str = "tiangong", orbit=None, start: dt.datetime | None = None) -> GroundTrack | None:
    """The report's ground track of a run: one day from ``start`` (default ``epoch``) cut at the
    run's end, from ``orbit`` (a :class:`~tiangong.orbit.scenario.PropagatedOrbit`) if given, else
    from SGP4 on the drag-free TLE nearest ``epoch`` (the engine's replay orbit).  None if ``start``
    is at or after the run's end (a run that ended early)."""
    from .tle import select_tle, without_drag

    epoch = as_utc(epoch, "epoch")
    start_s = 0.0 if start is None else (as_utc(start, "ground_track_start") - epoch).total_seconds()
    t = track_times(duration_s, start_s)  # duration_s: where the run ended (the engine stops at a reentry)
    if t.size < 2:
        return None
    if orbit is not None:
        return ground_track(epoch, t, orbit.positions_gcrs_m(t), source="propagated orbit (orbit = \"propagate\")")
    tle = select_tle(epoch, tle_spec, station)
    return sgp4_ground_track(without_drag(tle), epoch, t, source=f"SGP4, drag-free, TLE epoch {iso_z(tle.epoch, 0)}")


__all__ = ["SPAN_S", "STEP_S", "track_times", "ground_track", "sgp4_ground_track", "trajectory_ground_track",
           "scenario_ground_track"]
