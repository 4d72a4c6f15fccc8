"""Orbit and environment: TLEs and SGP4, frames, the Sun, eclipses, beta angle; numerical
propagation (``propagate``), TLE <-> state fits (``tlefit``), prediction and reboost planning
(``predict``, ``reboost``), passes and contacts (``passes``, ``contacts``), the propagated orbit
of a scenario (``scenario``).

Submodules are imported lazily (skyfield, pymsis, numba and the DE421 kernel load only when
needed).  The functions here are what the station simulation needs from this layer today.
"""

from __future__ import annotations

import datetime as dt

from .tle import select_tle  # light: sgp4 only (skyfield loads lazily in eclipse/sun/frames)


def mean_altitude_m(when: dt.datetime, tle_spec: str = "builtin", station: str = "tiangong") -> float:
    """Mean altitude (m) above the equatorial radius from the mean motion of the set nearest ``when``
    (Kepler's third law on SGP4's un-Kozai'd mean motion)."""
    sat = select_tle(when, tle_spec, station).satrec
    mu, r_eq = 3.986004418e14, 6378137.0
    n_rad_s = sat.no_kozai / 60.0
    return (mu / n_rad_s**2) ** (1.0 / 3.0) - r_eq


def scenario_eclipse_events(epoch: dt.datetime, duration_s: float, tle_spec: str = "builtin",
                            station: str = "tiangong"):
    """Eclipse boundary events ``(t_s, kind)`` for a scenario window, from the TLE nearest its
    start with drag terms removed (geometry stays sane months from the epoch; the altitude itself
    is modelled by the propulsion subsystem)."""
    from .eclipse import eclipse_events
    from .tle import without_drag

    tle = select_tle(epoch, tle_spec, station)
    return eclipse_events(without_drag(tle), epoch, duration_s)


def scenario_contact_events(epoch: dt.datetime, duration_s: float, tle_spec: str = "builtin",
                            station: str = "tiangong", relays=(), sites=(), min_elevation_deg: float | None = None):
    """Contact events ``(t_s, kind, name)`` with ``relays`` and over ``sites`` for a scenario
    window (contacts.contact_events), on the same drag-free SGP4 orbit as the eclipses."""
    from .cache import memo_events
    from .contacts import contact_events, link_spec
    from .tle import without_drag

    tle = select_tle(epoch, tle_spec, station)
    inputs = {"orbit": [tle.line1, tle.line2], "epoch": epoch.isoformat(), "duration_s": float(duration_s),
              **link_spec(relays, sites, min_elevation_deg)}
    return memo_events("contact_events", inputs, lambda: contact_events(without_drag(tle), epoch, duration_s, relays,
                                                                        sites, min_elevation_deg))


def scenario_beta_deg(epoch: dt.datetime, t_s, tle_spec: str = "builtin", station: str = "tiangong"):
    """Beta angle (deg) at ``t_s`` seconds after ``epoch``: evaluated hourly on the drag-free orbit
    of the scenario's TLE and interpolated (beta drifts by < 0.2 deg per hour)."""
    import numpy as np

    from .eclipse import beta_angle_deg
    from .tle import without_drag

    t_s = np.asarray(t_s, dtype=float)
    nodes = np.arange(0.0, float(t_s.max()) + 3600.0, 3600.0)
    sat = without_drag(select_tle(epoch, tle_spec, station))
    return np.interp(t_s, nodes, beta_angle_deg(sat, nodes, epoch))


__all__ = ["mean_altitude_m", "scenario_eclipse_events", "scenario_contact_events", "scenario_beta_deg"]
