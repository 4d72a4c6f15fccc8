"""Passes of the station over ground sites: rise, culmination, set and maximum elevation.

Geometry: SGP4 (TEME) -> GCRS (frames.TemeToGcrs) -> ITRS (frames.GcrsToItrs), or a propagated
trajectory (GCRS) -> ITRS; the site on the WGS84 ellipsoid; elevation = angle of (station - site)
above the site's geodetic horizon (no refraction).  Search as eclipse.py: elevation minus the mask
on a 20 s grid, sign changes bracket rise and set, bisection refines them to 1 ms; culmination is
the zero of the elevation's time derivative (central differences, 0.5 s), bisected likewise.  A
pass that peaks less than one grid step above the mask can be missed (it lasts < ~40 s above it).
Checked against skyfield's ``find_events`` in tests/orbit/test_passes.py.

The shipped sites (data/orbit/ground_stations.toml, with sources) are Chinese TT&C stations; any
``Site`` works.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import math
import tomllib
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..timeutil import as_utc, iso_z
from .contacts import bisect_roots, is_trajectory
from .frames import GcrsToItrs, TemeToGcrs
from .tlefit import sgp4_teme

GRID_S = 20.0
TOL_S = 1e-3
WGS84_A, WGS84_F = 6378137.0, 1.0 / 298.257223563


@dataclass(frozen=True)
class Site:
    name: str
    lat_deg: float
    lon_deg: float
    height_m: float = 0.0
    source: str = ""
    confidence: str = "U"

    def __post_init__(self):
        if not (math.isfinite(self.lat_deg) and -90.0 <= self.lat_deg <= 90.0):
            raise InputError("--lat", f"{self.lat_deg} is outside -90..90 degrees")
        if not (math.isfinite(self.lon_deg) and -180.0 <= self.lon_deg <= 360.0):
            raise InputError("--lon", f"{self.lon_deg} is outside -180..360 degrees")
        if not (math.isfinite(self.height_m) and -500.0 <= self.height_m <= 9000.0):
            raise InputError("--height-m", f"{self.height_m} is outside -500..9000 m")

    def itrs_m(self) -> np.ndarray:
        lat, lon = math.radians(self.lat_deg), math.radians(self.lon_deg)
        e2 = WGS84_F * (2 - WGS84_F)
        n = WGS84_A / math.sqrt(1 - e2 * math.sin(lat) ** 2)
        return np.array([(n + self.height_m) * math.cos(lat) * math.cos(lon),
                         (n + self.height_m) * math.cos(lat) * math.sin(lon),
                         (n * (1 - e2) + self.height_m) * math.sin(lat)])

    def up(self) -> np.ndarray:
        lat, lon = math.radians(self.lat_deg), math.radians(self.lon_deg)
        return np.array([math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)])


@functools.lru_cache(maxsize=1)
def _data() -> dict:
    with importlib.resources.files("tiangong").joinpath("data/orbit/ground_stations.toml").open("rb") as f:
        return tomllib.load(f)


def ground_stations() -> tuple[Site, ...]:
    """The shipped Chinese TT&C stations."""
    return tuple(Site(s["name"], s["lat_deg"], s["lon_deg"], s.get("height_m", 0.0), s["source"], s["confidence"])
                 for s in _data()["station"])


def default_min_elevation_deg() -> float:
    return float(_data()["default_min_elevation_deg"])


@dataclass(frozen=True)
class Pass:
    site: str
    rise: dt.datetime
    culmination: dt.datetime
    set: dt.datetime
    max_elevation_deg: float
    rises_before_window: bool = False
    sets_after_window: bool = False

    @property
    def duration_s(self) -> float:
        return (self.set - self.rise).total_seconds()

    def to_json(self) -> dict:
        return {"site": self.site, "rise": iso_z(self.rise), "culmination": iso_z(self.culmination),
                "set": iso_z(self.set), "max_elevation_deg": round(float(self.max_elevation_deg), 3),
                "duration_s": round(float(self.duration_s), 1), "rises_before_window": bool(self.rises_before_window),
                "sets_after_window": bool(self.sets_after_window)}  # numpy bools do not serialise


class _Geometry:
    """The station's ITRS position (SGP4 ``sat``, or a propagated trajectory: anything with GCRS
    ``states``) and its elevation from ``sites`` at seconds after ``start``."""

    def __init__(self, sat, start: dt.datetime, span_s: float, sites):
        self.sat, self.start = sat, as_utc(start)
        self.traj = sat if is_trajectory(sat) else None
        if self.traj is not None:
            self.offset_s = (self.start - self.traj.epoch).total_seconds()
        self.teme = TemeToGcrs(self.start, -10.0, span_s + 10.0)
        self.itrs = GcrsToItrs(self.start, -10.0, span_s + 10.0)
        self.site_r = np.array([s.itrs_m() for s in sites]).reshape(-1, 3)
        self.site_up = np.array([s.up() for s in sites]).reshape(-1, 3)

    def r_itrs_m(self, t_s) -> np.ndarray:
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        if self.traj is not None:
            # the culmination slope looks 0.5 s past the window's edges: held at the trajectory's ends
            tt = np.clip(t + self.offset_s, self.traj.t_start_s, self.traj.t_end_s)
            return self.itrs.apply(t, self.traj.states(tt)[:, :3])
        r_teme, _ = sgp4_teme(self.sat, self.start, t)
        return self.itrs.apply(t, self.teme.apply(t, r_teme))

    def elevation_deg(self, t_s, k, r=None) -> np.ndarray:
        """Elevation [deg] from site ``k`` (an index, or an array of them, one per time)."""
        r = self.r_itrs_m(t_s) if r is None else r
        rho = r - self.site_r[k]
        return np.degrees(np.arcsin(np.einsum("nj,nj->n", rho, np.broadcast_to(self.site_up[k], rho.shape))
                                    / np.linalg.norm(rho, axis=1)))


def _spans(geo: _Geometry, span: float, n_sites: int, min_elevation_deg: float, keep_grid: bool = False):
    """Intervals above the mask of every site, cut by the window's edges: per site
    ``(rise_s, set_s, rises_before, sets_after)`` lists, and the grid and its elevations (site 0)
    with ``keep_grid``.  Rise and set of all sites are bisected together."""
    t = np.append(np.arange(0.0, span, GRID_S), span)
    r = geo.r_itrs_m(t)
    rows, cols, gvs, ends, el0 = [], [], [], [], None
    for k in range(n_sites):
        el = geo.elevation_deg(t, k, r)
        gv = el - min_elevation_deg
        c = np.nonzero((gv[:-1] < 0) != (gv[1:] < 0))[0]
        rows.append(np.full(len(c), k))
        cols.append(c)
        gvs.append(gv[c])
        ends.append((bool(gv[0] >= 0), bool(gv[-1] >= 0)))
        if keep_grid and k == 0:
            el0 = el
    rows, cols, gvs = np.concatenate(rows), np.concatenate(cols), np.concatenate(gvs)
    roots = bisect_roots(lambda x: geo.elevation_deg(x, rows) - min_elevation_deg, t[cols], t[cols + 1], gvs, TOL_S)
    rising = gvs < 0
    out = []
    for k, (before, after) in enumerate(ends):
        sel = rows == k
        rises, sets = list(np.sort(roots[sel & rising])), list(np.sort(roots[sel & ~rising]))
        if before:
            rises.insert(0, 0.0)
        if after:
            sets.append(span)
        n = len(sets)
        out.append([(float(a), float(b), j == 0 and before, j == n - 1 and after)
                    for j, (a, b) in enumerate(zip(rises, sets))])
    return out, t, el0


def pass_windows(sat, start: dt.datetime, end: dt.datetime, sites, min_elevation_deg: float):
    """Rise and set of every pass over every site of ``sites`` above the mask in [start, end]
    (as :func:`find_passes`, without the culmination: one search for all sites):
    ``[(site, rise, set, rises_before_window, sets_after_window)]`` sorted by rise, aware UTC."""
    start, end = as_utc(start), as_utc(end)
    span = (end - start).total_seconds()
    sites = tuple(sites)
    if not sites:
        return []
    spans, _, _ = _spans(_Geometry(sat, start, span, sites), span, len(sites), min_elevation_deg)
    out = [(site, start + dt.timedelta(seconds=a), start + dt.timedelta(seconds=b), bf, af)
           for site, rows in zip(sites, spans) for a, b, bf, af in rows]
    return sorted(out, key=lambda p: (p[1], p[0].name))


def find_passes(sat, start: dt.datetime, end: dt.datetime, site: Site, min_elevation_deg: float) -> list[Pass]:
    """Every pass of ``sat`` (sgp4 Satrec, or a propagated trajectory) above ``min_elevation_deg``
    over ``site`` in [start, end]."""
    start, end = as_utc(start), as_utc(end)
    span = (end - start).total_seconds()
    geo = _Geometry(sat, start, span, (site,))
    spans, t, el = _spans(geo, span, 1, min_elevation_deg, keep_grid=True)
    spans = spans[0]
    if not spans:
        return []
    r_s = np.array([a for a, _, _, _ in spans])
    s_s = np.array([b for _, b, _, _ in spans])
    # culmination: zero of the elevation slope inside [rise, set]; the grid maximum brackets it
    a, b = r_s.copy(), s_s.copy()
    for j, (r, s) in enumerate(zip(r_s, s_s)):
        i0, i1 = np.searchsorted(t, r, side="left"), np.searchsorted(t, s, side="right")
        if i1 > i0:
            i = i0 + int(np.argmax(el[i0:i1]))
            a[j], b[j] = max(r, t[i] - GRID_S), min(s, t[i] + GRID_S)

    def slope(x):
        return geo.elevation_deg(x + 0.5, 0) - geo.elevation_deg(x - 0.5, 0)

    sa, sb = slope(a), slope(b)
    peak = (sa > 0) & (sb < 0)
    tc = np.where(geo.elevation_deg(a, 0) >= geo.elevation_deg(b, 0), a, b)  # peak at a window edge
    if peak.any():
        tc[peak] = bisect_roots(slope, a[peak], b[peak], sa[peak], TOL_S)
    el_c = geo.elevation_deg(tc, 0)
    return [Pass(site.name, start + dt.timedelta(seconds=float(r)), start + dt.timedelta(seconds=float(c)),
                 start + dt.timedelta(seconds=float(s)), float(e), rises_before_window=bf, sets_after_window=af)
            for (r, s, bf, af), c, e in zip(spans, tc, el_c)]
