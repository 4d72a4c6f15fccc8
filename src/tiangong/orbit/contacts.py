"""Tianlian relay visibility: when the station has a line of sight to a geostationary relay.

Model (hand-written; propagation from sgp4):

* Relays are ideal geostationary satellites: radius 42 164 km, on the equator, fixed Earth
  longitude. Their TEME position is the Earth-fixed one rotated about z by GMST (IAU 1982, the
  angle SGP4/TEME is defined with; UT1 taken = UTC, < 1 s, i.e. < 0.004 deg of rotation; polar
  motion ignored, < 15 m).
* Line of sight: the segment station -> relay must pass no closer to the Earth's centre than
  R_E + ``graze_alt_m`` (default 100 km: the dense atmosphere and terrain; a common grazing
  margin for TDRS-type link budgets, **U** for Tianlian). g = (closest approach) - (R_E + margin),
  positive when visible. Spherical Earth, R_E = 6378137 m.
* The station from SGP4 (a TLE or ``Satrec``: TEME, relays rotated by GMST) or from a propagated
  trajectory (anything with ``states``, GCRS: rotated into the ITRS by ``frames.GcrsToItrs``,
  relays fixed there) -- the margin is frame-independent, only the relays' rotation differs
  (GMST vs GAST: < 1.2 s of time, < 0.005 deg).
* Search as ``eclipse.py``: g on a coarse grid (30 s) with vectorised SGP4, sign changes bracket
  the crossings, bisection refines them all at once to < 1e-3 s. A window shorter than the grid
  step can be missed; from LEO a GEO relay is seen for tens of minutes, so none is.
* Antenna pointing limits, station-body blockage (solar wings, modules), ground-segment
  availability and scheduling of relay time are NOT modelled: a window here is geometric
  visibility, an upper bound on real contact.

Relay longitudes: CMSA does not publish Tianlian slots. The defaults are the commonly reported
ones (tag **U**): Tianlian I-01 77 E, I-02 176.8 E, I-03 16.65 E. Sources: press describe the
relays as "along the equator over the Indian Ocean and Central Pacific" (OE Watch, 2019,
https://docslib.org/doc/4843738/ ); the numeric slots are from satellite catalogues as commonly
quoted (ITU filings / Gunter's Space Page), not checked against a primary source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sgp4.api import SGP4_ERRORS, jday

from ..errors import InputError
from ..timeutil import as_utc, at_seconds, iso_z, seconds_between

R_EARTH_M = 6378137.0  # WGS84 equatorial radius (spherical Earth, as eclipse.py)
R_GEO_M = 42_164_172.0  # geostationary radius: (mu / omega_E^2)^(1/3)
GRAZE_ALT_M = 100e3  # line of sight must clear the Earth by this much (U)
GRID_STEP_S = 30.0
TOLERANCE_S = 1e-3


@dataclass(frozen=True)
class Relay:
    """A geostationary relay at Earth longitude ``lon_deg`` (east positive)."""

    name: str
    lon_deg: float
    tag: str = "U"
    source: str = ""


def _shipped_relays() -> tuple[Relay, ...]:
    import importlib.resources
    import tomllib

    with importlib.resources.files("tiangong").joinpath("data/orbit/ground_stations.toml").open("rb") as f:
        data = tomllib.load(f)
    return tuple(Relay(r["name"], float(r["lon_deg"]), r["confidence"], r["source"]) for r in data["relay"])


DEFAULT_RELAYS: tuple[Relay, ...] = _shipped_relays()  # data/orbit/ground_stations.toml [[relay]]


@dataclass(frozen=True)
class Window:
    """A contact window (aware UTC). ``start``/``end`` are clipped to the searched interval; the
    flags say when the window really began before / ends after it."""

    start: dt.datetime
    end: dt.datetime
    relay: str
    starts_before_window: bool = False
    ends_after_window: bool = False

    @property
    def duration_s(self) -> float:
        return seconds_between(self.start, self.end)

    def to_json(self) -> dict:
        return {"start": iso_z(self.start, 0), "end": iso_z(self.end, 0), "relay": self.relay,
                "duration_s": round(self.duration_s, 1)}


# --------------------------------------------------------------------------- pure geometry

def relay_teme_m(lon_deg, gmst_rad) -> np.ndarray:
    """TEME position [m] of geostationary relays at ``lon_deg``: shape (..., 3) broadcasting
    ``lon_deg`` against ``gmst_rad``."""
    ang = np.radians(np.asarray(lon_deg, dtype=float)) + np.asarray(gmst_rad, dtype=float)
    return np.stack([R_GEO_M * np.cos(ang), R_GEO_M * np.sin(ang), np.zeros(np.shape(ang))], axis=-1)


def closest_approach_m(r_m, relay_m) -> np.ndarray:
    """Smallest distance [m] from the Earth's centre to the segment ``r_m`` -> ``relay_m``
    (same frame, (..., 3))."""
    r = np.asarray(r_m, dtype=float)
    d = np.asarray(relay_m, dtype=float) - r
    t = np.clip(-np.einsum("...i,...i", r, d) / np.einsum("...i,...i", d, d), 0.0, 1.0)
    p = r + t[..., None] * d
    return np.sqrt(np.einsum("...i,...i", p, p))


def line_of_sight_margin_m(r_m, relay_m, graze_alt_m: float = GRAZE_ALT_M) -> np.ndarray:
    """g-function [m]: closest approach of the line of sight minus (R_E + graze); > 0 visible."""
    return closest_approach_m(r_m, relay_m) - (R_EARTH_M + graze_alt_m)


def gmst82_rad(days_since_j2000_ut1) -> np.ndarray:
    """Greenwich mean sidereal time, IAU 1982 (the angle TEME is defined with; the same formula as
    ``sgp4.propagation.gstime``, vectorised), for UT1 days since J2000.0 (JD 2451545.0)."""
    d = np.asarray(days_since_j2000_ut1, dtype=float)
    tut1 = d / 36525.0
    sec = (-6.2e-6 * tut1 ** 3 + 0.093104 * tut1 ** 2 + (876600.0 * 3600 + 8640184.812866) * tut1
           + 67310.54841)
    return np.mod(np.radians(sec / 240.0), 2.0 * np.pi)


# --------------------------------------------------------------------------- propagation

class ContactModel:
    """Station (SGP4, TEME) and relays for times ``t_s`` after ``epoch``."""

    def __init__(self, sat, epoch: dt.datetime, relays=DEFAULT_RELAYS, graze_alt_m: float = GRAZE_ALT_M):
        self.sat = sat.satrec if hasattr(sat, "satrec") else sat
        self.epoch = as_utc(epoch)
        e = self.epoch
        self.jd0, self.fr0 = jday(e.year, e.month, e.day, e.hour, e.minute, e.second + e.microsecond * 1e-6)
        self.relays = tuple(relays)
        self.lon = np.array([r.lon_deg for r in self.relays], dtype=float)
        self.graze_alt_m = float(graze_alt_m)

    def r_teme_m(self, t_s) -> np.ndarray:
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        err, r_km, _ = self.sat.sgp4_array(np.full(t.shape, self.jd0), self.fr0 + t / 86400.0)
        if np.any(err):
            i = int(np.flatnonzero(err)[0])
            raise InputError("tle", f"SGP4 cannot propagate to {iso_z(at_seconds(self.epoch, t[i]), 0)}: "
                             f"{SGP4_ERRORS.get(int(err[i]), 'error')} (use a TLE nearer that date)")
        return r_km * 1e3

    def gmst_rad(self, t_s) -> np.ndarray:
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        return gmst82_rad((self.jd0 - 2451545.0) + self.fr0 + t / 86400.0)

    def g(self, t_s) -> np.ndarray:
        """Line-of-sight margin [m], shape (n_relays, N)."""
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        r = self.r_teme_m(t)  # (N, 3)
        relay = relay_teme_m(self.lon[:, None], self.gmst_rad(t)[None, :])  # (R, N, 3)
        return line_of_sight_margin_m(r[None, :, :], relay, self.graze_alt_m)


class TrajectoryContactModel(ContactModel):
    """Station from a propagated trajectory (GCRS ``states``) and relays, both in the ITRS, for
    times ``t_s`` after ``epoch`` (within ``span_s``)."""

    def __init__(self, traj, epoch: dt.datetime, span_s: float, relays=DEFAULT_RELAYS,
                 graze_alt_m: float = GRAZE_ALT_M):
        from .frames import GcrsToItrs

        self.traj, self.epoch = traj, as_utc(epoch)
        self.offset_s = seconds_between(traj.epoch, self.epoch)
        self.itrs = GcrsToItrs(self.epoch, -10.0, float(span_s) + 10.0)
        self.relays = tuple(relays)
        self.lon = np.array([r.lon_deg for r in self.relays], dtype=float)
        self.graze_alt_m = float(graze_alt_m)
        self.relay_itrs_m = relay_teme_m(self.lon, 0.0)  # (R, 3): Earth-fixed, GMST = 0

    def g(self, t_s) -> np.ndarray:
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        r = self.itrs.apply(t, self.traj.states(t + self.offset_s)[:, :3])  # (N, 3)
        return line_of_sight_margin_m(r[None, :, :], self.relay_itrs_m[:, None, :], self.graze_alt_m)


def is_trajectory(orbit) -> bool:
    """A propagated trajectory (``states`` in GCRS), not a TLE or ``Satrec``."""
    return hasattr(orbit, "states") and hasattr(orbit, "t_end_s")


def bisect_roots(f, a, b, fa, tol_s: float = TOLERANCE_S) -> np.ndarray:
    """Vectorised bisection: roots of the vectorised ``f`` on brackets [a, b] with ``f(a) = fa``
    and the opposite sign at b, all refined together to < ``tol_s`` (also passes.py)."""
    a, b, fa = (np.array(x, dtype=float) for x in (a, b, fa))
    while a.size and np.max(b - a) > tol_s:
        c = 0.5 * (a + b)
        fc = f(c)
        same = np.sign(fc) == np.sign(fa)
        a, fa = np.where(same, c, a), np.where(same, fc, fa)
        b = np.where(same, b, c)
    return 0.5 * (a + b)


def relay_windows(sat, start: dt.datetime, end: dt.datetime, relays=DEFAULT_RELAYS, *,
                  graze_alt_m: float = GRAZE_ALT_M, step_s: float = GRID_STEP_S) -> list[Window]:
    """Visibility windows of every relay over [start, end] for a TLE, a ``Satrec`` or a propagated
    trajectory, sorted by start (then relay name). Windows open at ``start`` or still open at
    ``end`` are clipped and flagged."""
    start, end = as_utc(start, "start"), as_utc(end, "end")
    t1 = seconds_between(start, end)
    if not t1 > 0:
        raise InputError("end", f"{iso_z(end)} is not after start {iso_z(start)}")
    relays = tuple(relays)
    if not relays:
        return []
    model = (TrajectoryContactModel(sat, start, t1, relays, graze_alt_m) if is_trajectory(sat)
             else ContactModel(sat, start, relays, graze_alt_m))
    n = max(3, int(np.ceil(t1 / step_s)) + 1)
    grid = np.linspace(0.0, t1, n)
    G = model.g(grid)
    vis = G > 0.0
    rows, cols = np.nonzero(vis[:, :-1] != vis[:, 1:])
    idx = np.arange(rows.size)
    roots = (bisect_roots(lambda c: model.g(c)[rows, idx], grid[cols], grid[cols + 1], G[rows, cols]) if rows.size
             else np.empty(0))
    out: list[Window] = []
    for k, relay in enumerate(relays):
        sel = rows == k
        t_cross = roots[sel]
        rising = ~vis[k, cols[sel]]  # invisible before the crossing -> window starts
        order = np.argsort(t_cross)
        open_at = 0.0 if vis[k, 0] else None
        before = bool(vis[k, 0])
        for tc, up in zip(t_cross[order], rising[order]):
            if up and open_at is None:
                open_at = float(tc)
            elif not up and open_at is not None:
                out.append(Window(at_seconds(start, open_at), at_seconds(start, float(tc)), relay.name,
                                  starts_before_window=before))
                open_at, before = None, False
        if open_at is not None:
            out.append(Window(at_seconds(start, open_at), end, relay.name,
                              starts_before_window=before, ends_after_window=True))
    return sorted(out, key=lambda w: (w.start, w.relay))


def merge_windows(windows: list[Window]) -> list[Window]:
    """Union of overlapping or touching windows, sorted; ``relay`` joins the names with '+'."""
    merged: list[Window] = []
    for w in sorted(windows, key=lambda w: w.start):
        if merged and w.start <= merged[-1].end:
            m = merged[-1]
            names = m.relay.split("+")
            relay = m.relay if w.relay in names else m.relay + "+" + w.relay
            if w.end > m.end:
                merged[-1] = Window(m.start, w.end, relay, m.starts_before_window, w.ends_after_window)
            else:
                merged[-1] = Window(m.start, m.end, relay, m.starts_before_window, m.ends_after_window)
        else:
            merged.append(w)
    return merged


def any_relay_windows(sat, start: dt.datetime, end: dt.datetime, relays=DEFAULT_RELAYS, **kw) -> list[Window]:
    """Windows when at least one relay is visible (union of :func:`relay_windows`), sorted."""
    return merge_windows(relay_windows(sat, start, end, relays, **kw))


def coverage_fraction(windows: list[Window], start: dt.datetime, end: dt.datetime) -> float:
    """Fraction of [start, end] covered by the union of ``windows``."""
    total = seconds_between(start, end)
    covered = 0.0
    for w in merge_windows(windows):
        s, e = max(w.start, as_utc(start)), min(w.end, as_utc(end))
        covered += max(0.0, seconds_between(s, e))
    return covered / total if total > 0 else 0.0


def link_spec(relays, sites, min_elevation_deg) -> dict:
    """What decides a contact search besides the orbit (for cache keys): every relay's and
    site's name and position, and the elevation mask."""
    return {"relays": [[r.name, r.lon_deg] for r in relays],
            "sites": [[s.name, s.lat_deg, s.lon_deg, s.height_m] for s in sites],
            "min_elevation_deg": min_elevation_deg}


def contact_events(orbit, epoch: dt.datetime, duration_s: float, relays=DEFAULT_RELAYS, sites=(),
                   min_elevation_deg: float | None = None):
    """Contact windows in [0, duration_s] s after ``epoch`` as engine events ``(t_s, kind, name)``.

    ``orbit``: a TLE / ``Satrec`` or a propagated trajectory; windows with every relay of
    ``relays`` (line of sight, :func:`relay_windows`) and passes over every ``passes.Site`` of
    ``sites`` above ``min_elevation_deg`` (default: the shipped mask; :func:`passes.pass_windows`).
    ``kind`` is ``contact_start`` or ``contact_end``, ``name`` the relay's or the site's.  Sorted by
    time, an end before a start at the same instant.  A window open at t = 0 starts at 0.0 (so that
    replaying the events from "no link" gives the state); one still open at the end has no end."""
    from .passes import default_min_elevation_deg, pass_windows

    epoch = as_utc(epoch, "epoch")
    if not duration_s > 0:
        return np.empty(0), [], []
    end = at_seconds(epoch, float(duration_s))
    spans = [(w.start, w.end, w.relay, w.ends_after_window) for w in relay_windows(orbit, epoch, end, relays)]
    mask = default_min_elevation_deg() if min_elevation_deg is None else float(min_elevation_deg)
    spans += [(a, b, site.name, after) for site, a, b, _, after in pass_windows(orbit, epoch, end, sites, mask)]
    rows = []
    for a, b, name, open_end in spans:
        rows.append((seconds_between(epoch, a), 1, name))
        if not open_end:
            rows.append((seconds_between(epoch, b), 0, name))
    rows.sort()
    return (np.array([r[0] for r in rows], dtype=float), ["contact_end" if r[1] == 0 else "contact_start" for r in rows],
            [r[2] for r in rows])
