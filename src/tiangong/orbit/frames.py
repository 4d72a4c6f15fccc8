"""Reference frames: TEME (SGP4 output) -> GCRS, and WGS84 geodetic coordinates.

Vectors are metres (m/s), arrays are shaped ``(N, 3)`` (one row per time), times are float
seconds ``t_s`` after an aware UTC ``epoch``. The rotations come from skyfield (IAU 2000A
precession-nutation, ``skyfield.sgp4lib.TEME``, the AIAA 2006-6753 definition of TEME); nothing
here is hand-written except the interpolation between rotation nodes.

Why a coarse cadence is enough: the TEME->GCRS rotation contains no Earth rotation, only
precession (50"/yr) and nutation (largest short-period term 0.2" over 13.7 days), so it changes
by ~4 m-at-LEO-radius per day. Linear interpolation between nodes 6 h apart is off by < 1e-9 rad,
i.e. < 0.01 m at the station (measured against skyfield at 10-min steps over 30 days: 1 h
nodes 0.0002 m, 6 h nodes 0.008 m, 1 day nodes 0.12 m). Evaluating skyfield's full rotation per
sample instead costs ~50 us a point (peer-bench §B).
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings

import numpy as np

from ..timeutil import as_utc

ROTATION_NODE_STEP_S = 6 * 3600.0  # default cadence of exact rotations (see module docstring)


@functools.lru_cache(maxsize=1)
def _skyfield_loader():
    from skyfield.api import Loader
    from skyfield_data import get_skyfield_data_path

    with warnings.catch_warnings():  # skyfield-data warns about its finals2000A.all, which we don't use
        warnings.simplefilter("ignore")
        path = get_skyfield_data_path()
    return Loader(path, verbose=False)


@functools.lru_cache(maxsize=1)
def timescale():
    """skyfield Timescale from skyfield's bundled UT1/leap-second tables (never downloads)."""
    return _skyfield_loader().timescale(builtin=True)


def sky_time(epoch: dt.datetime, t_s):
    """skyfield ``Time`` (scalar or array) for ``t_s`` seconds after the aware UTC ``epoch``."""
    e = as_utc(epoch)
    sec = e.second + e.microsecond * 1e-6 + np.asarray(t_s, dtype=float)
    return timescale().utc(e.year, e.month, e.day, e.hour, e.minute, sec)


def gcrs_from_teme_matrix(epoch: dt.datetime, t_s) -> np.ndarray:
    """Exact rotation matrices TEME -> GCRS, shape (3, 3) or (N, 3, 3), from skyfield."""
    from skyfield.sgp4lib import TEME

    m = TEME.rotation_at(sky_time(epoch, t_s))  # GCRS -> TEME, shape (3, 3[, N])
    return np.moveaxis(m, (0, 1), (-1, -2)) if m.ndim == 3 else m.T


class TemeToGcrs:
    """TEME -> GCRS rotation for ``t0_s..t1_s`` after ``epoch``: exact at nodes ``step_s`` apart,
    linearly interpolated between (error < 0.01 m at LEO for 6 h nodes, see module docstring)."""

    def __init__(self, epoch: dt.datetime, t0_s: float, t1_s: float, step_s: float = ROTATION_NODE_STEP_S):
        self.epoch = as_utc(epoch)
        self.step_s = float(step_s)
        n0 = int(np.floor(t0_s / step_s)) - 1
        n1 = int(np.ceil(t1_s / step_s)) + 1
        self.node_t_s = np.arange(n0, n1 + 1) * self.step_s
        self.node_m = gcrs_from_teme_matrix(self.epoch, self.node_t_s)  # (K, 3, 3)

    def matrix(self, t_s) -> np.ndarray:
        """Rotation matrices at ``t_s`` (array) -> (N, 3, 3)."""
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        x = (t - self.node_t_s[0]) / self.step_s
        i = np.clip(np.floor(x).astype(int), 0, len(self.node_t_s) - 2)
        if np.any((x < -1e-9) | (x > len(self.node_t_s) - 1 + 1e-9)):
            raise ValueError("time outside the interpolation span of TemeToGcrs")
        w = (x - i)[:, None, None]
        return (1.0 - w) * self.node_m[i] + w * self.node_m[i + 1]

    def apply(self, t_s, vec_teme: np.ndarray) -> np.ndarray:
        """Rotate TEME vectors (N, 3) at ``t_s`` (N,) into GCRS."""
        return np.einsum("nij,nj->ni", self.matrix(t_s), np.atleast_2d(vec_teme))

    def apply_inverse(self, t_s, vec_gcrs: np.ndarray) -> np.ndarray:
        """Rotate GCRS vectors (N, 3) at ``t_s`` (N,) into TEME."""
        return np.einsum("nji,nj->ni", self.matrix(t_s), np.atleast_2d(vec_gcrs))


def teme_to_gcrs(epoch: dt.datetime, t_s, r_teme_m, v_teme_mps=None, step_s: float = ROTATION_NODE_STEP_S):
    """TEME position (and velocity) rows at ``t_s`` -> GCRS, via interpolated rotation nodes.

    Velocity is rotated with the same matrix: the frame rotates at ~1e-11 rad/s, so the
    transport term is < 1e-4 m/s (skyfield does the same).
    """
    t = np.atleast_1d(np.asarray(t_s, dtype=float))
    rot = TemeToGcrs(epoch, float(t.min()), float(t.max()), step_s)
    r = rot.apply(t, r_teme_m)
    if v_teme_mps is None:
        return r
    return r, rot.apply(t, v_teme_mps)


def geodetic_wgs84(epoch: dt.datetime, t_s, r_gcrs_m):
    """WGS84 geodetic latitude [deg], longitude [deg, -180..180) and height [m] of GCRS positions.

    Uses skyfield's ``wgs84`` (ITRS via IAU 2000A + UT1 from skyfield's builtin tables).
    ``r_gcrs_m`` is (3,) with scalar ``t_s`` or (N, 3) with (N,) ``t_s``.
    """
    from skyfield.constants import AU_M
    from skyfield.positionlib import Geocentric
    from skyfield.toposlib import wgs84

    r = np.asarray(r_gcrs_m, dtype=float)
    pos = Geocentric(r.T / AU_M, t=sky_time(epoch, t_s), center=399)
    geo = wgs84.geographic_position_of(pos)
    lon = (geo.longitude.degrees + 180.0) % 360.0 - 180.0
    return geo.latitude.degrees, lon, geo.elevation.m


# --------------------------------------------------------------------------- time scales, ITRS

def time_scales(when: dt.datetime) -> dict:
    """The instant ``when`` (aware UTC) in UTC, TAI, TT (Julian dates, from skyfield's builtin
    leap-second table) and UT1 (from skyfield's builtin Delta T)."""
    t = sky_time(when, 0.0)
    utc_jd = 2440587.5 + as_utc(when).timestamp() / 86400.0
    return {"utc_jd": utc_jd, "tai_jd": float(t.tai), "tt_jd": float(t.tt), "ut1_jd": float(t.ut1),
            "tai_minus_utc_s": round((float(t.tai) - utc_jd) * 86400.0, 3)}


def _rz(theta):
    c, s = np.cos(theta), np.sin(theta)
    m = np.zeros(np.shape(theta) + (3, 3))
    m[..., 0, 0], m[..., 0, 1], m[..., 1, 0], m[..., 1, 1], m[..., 2, 2] = c, s, -s, c, 1.0
    return m


def itrs_from_gcrs_matrix(epoch: dt.datetime, t_s) -> np.ndarray:
    """Exact rotation matrices GCRS -> ITRS (skyfield ``itrs``: IAU 2000A, Earth rotation from
    skyfield's UT1; no polar motion table is loaded, < 15 m at the surface), (3, 3) or (N, 3, 3)."""
    from skyfield.framelib import itrs

    m = np.asarray(itrs.rotation_at(sky_time(epoch, t_s)))
    return np.moveaxis(m, (0, 1), (-2, -1)) if m.ndim == 3 else m


class GcrsToItrs:
    """GCRS -> ITRS for ``t0_s..t1_s`` after ``epoch``: M(t) = Rz(GAST(t)) Q(t), with Q (precession,
    nutation, frame bias: slow) interpolated linearly between exact nodes ``step_s`` apart and GAST
    interpolated linearly (its rate varies by < 1e-9 relative between 1 h nodes).  Measured against
    the exact skyfield rotation in tests/orbit/test_frames.py."""

    def __init__(self, epoch: dt.datetime, t0_s: float, t1_s: float, step_s: float = 3600.0):
        self.epoch = as_utc(epoch)
        self.step_s = float(step_s)
        n0 = int(np.floor(t0_s / step_s)) - 1
        n1 = int(np.ceil(t1_s / step_s)) + 1
        self.node_t_s = np.arange(n0, n1 + 1) * self.step_s
        t = sky_time(self.epoch, self.node_t_s)
        self.theta = np.unwrap(np.asarray(t.gast) * np.pi / 12.0)
        m = itrs_from_gcrs_matrix(self.epoch, self.node_t_s)
        self.q = np.einsum("nji,njk->nik", _rz(self.theta), m)  # Rz^T M

    def matrix(self, t_s) -> np.ndarray:
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        x = (t - self.node_t_s[0]) / self.step_s
        if np.any((x < -1e-9) | (x > len(self.node_t_s) - 1 + 1e-9)):
            raise ValueError("time outside the interpolation span of GcrsToItrs")
        i = np.clip(np.floor(x).astype(int), 0, len(self.node_t_s) - 2)
        w = x - i
        theta = (1.0 - w) * self.theta[i] + w * self.theta[i + 1]
        q = (1.0 - w)[:, None, None] * self.q[i] + w[:, None, None] * self.q[i + 1]
        return np.einsum("nij,njk->nik", _rz(theta), q)

    def apply(self, t_s, vec_gcrs) -> np.ndarray:
        return np.einsum("nij,nj->ni", self.matrix(t_s), np.atleast_2d(vec_gcrs))


def geodetic_from_itrs(r_itrs_m) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WGS84 geodetic latitude [deg], longitude [deg, -180..180) and height [m] of ITRS positions
    (N, 3).  Bowring's formula iterated to < 1e-12 rad (hand-written: the vectorised skyfield
    route rotates every point again, ~50 us a point)."""
    a, f = 6378137.0, 1.0 / 298.257223563
    e2 = f * (2.0 - f)
    r = np.atleast_2d(np.asarray(r_itrs_m, dtype=float))
    x, y, z = r[:, 0], r[:, 1], r[:, 2]
    p = np.hypot(x, y)
    lat = np.arctan2(z, p * (1.0 - e2))
    for _ in range(4):
        s = np.sin(lat)
        n = a / np.sqrt(1.0 - e2 * s * s)
        lat = np.arctan2(z + e2 * n * s, p)
    s, c = np.sin(lat), np.cos(lat)
    n = a / np.sqrt(1.0 - e2 * s * s)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(c > 1e-9, p / np.where(c > 1e-9, c, 1.0) - n, np.abs(z) - n * (1.0 - e2))
    lon = (np.degrees(np.arctan2(y, x)) + 180.0) % 360.0 - 180.0
    return np.degrees(lat), lon, h
