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
    """Elevation of the station (SGP4 ``sat``, or a propagated trajectory: anything with GCRS
    ``states``) from ``site`` at seconds after ``start``."""

    def __init__(self, sat, start: dt.datetime, span_s: float, site: Site):
        self.sat, self.start = sat, as_utc(start)
        self.traj = sat if hasattr(sat, "states") and hasattr(sat, "t_end_s") else None
        if self.traj is not None:
            self.offset_s = (self.start - self.traj.epoch).total_seconds()
        self.teme = TemeToGcrs(self.start, -10.0, span_s + 10.0)
        self.itrs = GcrsToItrs(self.start, -10.0, span_s + 10.0)
        self.site_r = site.itrs_m()
        self.site_up = site.up()

    def elevation_deg(self, t_s) -> np.ndarray:
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        if self.traj is not None:
            # the culmination slope looks 0.5 s past the window's edges: held at the trajectory's ends
            tt = np.clip(t + self.offset_s, self.traj.t_start_s, self.traj.t_end_s)
            r = self.itrs.apply(t, self.traj.states(tt)[:, :3])
        else:
            r_teme, _ = sgp4_teme(self.sat, self.start, t)
            r = self.itrs.apply(t, self.teme.apply(t, r_teme))
        rho = r - self.site_r
        return np.degrees(np.arcsin(rho @ self.site_up / np.linalg.norm(rho, axis=1)))


def _bisect(f, a, b, fa, tol=TOL_S):
    """Vectorised bisection of f on brackets [a, b] (f(a) = fa, opposite sign at b)."""
    a, b, fa = a.copy(), b.copy(), fa.copy()
    while np.max(b - a) > tol:
        m = 0.5 * (a + b)
        fm = f(m)
        left = np.sign(fm) == np.sign(fa)
        a = np.where(left, m, a)
        fa = np.where(left, fm, fa)
        b = np.where(left, b, m)
    return 0.5 * (a + b)


def find_passes(sat, start: dt.datetime, end: dt.datetime, site: Site, min_elevation_deg: float) -> list[Pass]:
    """Every pass of ``sat`` (sgp4 Satrec, or a propagated trajectory) above ``min_elevation_deg`` over ``site`` in [start, end]."""
    start, end = as_utc(start), as_utc(end)
    span = (end - start).total_seconds()
    geo = _Geometry(sat, start, span, site)
    t = np.append(np.arange(0.0, span, GRID_S), span)
    el = geo.elevation_deg(t)

    def g(x):
        return geo.elevation_deg(x) - min_elevation_deg

    def slope(x):
        return (geo.elevation_deg(x + 0.5) - geo.elevation_deg(x - 0.5))

    gv = el - min_elevation_deg
    up = np.nonzero((gv[:-1] < 0) & (gv[1:] >= 0))[0]
    down = np.nonzero((gv[:-1] >= 0) & (gv[1:] < 0))[0]
    rises = _bisect(g, t[up], t[up + 1], gv[up]) if len(up) else np.array([])
    sets = _bisect(g, t[down], t[down + 1], gv[down]) if len(down) else np.array([])
    # intervals above the mask, including ones cut by the window's edges
    edges_r = list(rises)
    edges_s = list(sets)
    before = gv[0] >= 0
    after = gv[-1] >= 0
    if before:
        edges_r.insert(0, 0.0)
    if after:
        edges_s.append(span)
    out = []
    for k, (r, s) in enumerate(zip(edges_r, edges_s)):
        # culmination: zero of the elevation slope inside [r, s]; the grid maximum brackets it
        inside = (t >= r) & (t <= s)
        if inside.sum() >= 1:
            i = int(np.argmax(np.where(inside, el, -np.inf)))
            a, b = max(r, t[i] - GRID_S), min(s, t[i] + GRID_S)
        else:
            a, b = r, s
        sa, sb = slope(np.array([a])), slope(np.array([b]))
        if sa[0] > 0 > sb[0]:
            tc = float(_bisect(slope, np.array([a]), np.array([b]), sa)[0])
        else:  # peak at a window edge
            tc = a if geo.elevation_deg([a])[0] >= geo.elevation_deg([b])[0] else b
        out.append(Pass(site.name, start + dt.timedelta(seconds=float(r)), start + dt.timedelta(seconds=tc),
                        start + dt.timedelta(seconds=float(s)), float(geo.elevation_deg([tc])[0]),
                        rises_before_window=(k == 0 and before), sets_after_window=(k == len(edges_s) - 1 and after)))
    return out
