"""The Sun as seen from the Earth's centre: geometric position vector in metres, from JPL DE421.

Source: DE421 (Folkner et al. 2008, JPL IOM 343R-08-003) as bundled by ``skyfield-data`` and
read by skyfield; nothing is downloaded. "Geometric" means the Sun at time t minus the Earth at
time t, without light time or aberration -- what skyfield's ``is_sunlit`` uses too. The apparent
direction differs by ~20" (annual aberration); at the station's 0.065 deg/s that moves a shadow
boundary by ~0.1 s at most.

For long arrays of times, :class:`SunTrack` evaluates DE421 at nodes 6 h apart and interpolates
with a cubic spline: measured error < 1 m in 1.5e11 m (< 1e-11 rad) over a year (see
``tests/orbit/test_frames.py``), against ~2.7 us a point for the direct evaluation.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np

from ..timeutil import as_utc
from .frames import TemeToGcrs, _skyfield_loader, sky_time

SUN_NODE_STEP_S = 6 * 3600.0
# DE421 covers 1899-07-29 .. 2053-10-09 (skyfield-data's de421.bsp segments); one day of margin inside
DE421_FIRST = dt.datetime(1899, 7, 30, tzinfo=dt.timezone.utc)
DE421_LAST = dt.datetime(2053, 10, 8, tzinfo=dt.timezone.utc)


def require_ephemeris(start: dt.datetime, end: dt.datetime | None = None, where: str = "time") -> None:
    """InputError naming ``where`` if ``start .. end`` leaves the DE421 span (Sun, Moon, frames)."""
    from ..errors import InputError
    from ..timeutil import iso_z

    for value in (start, end):
        if value is not None and not DE421_FIRST <= as_utc(value, where) <= DE421_LAST:
            raise InputError(where, f"{iso_z(value, 0)} is outside the DE421 ephemeris "
                                    f"({DE421_FIRST.date().isoformat()} .. {DE421_LAST.date().isoformat()})")


@functools.lru_cache(maxsize=1)
def ephemeris():
    """DE421 kernel from the skyfield-data package directory (offline)."""
    return _skyfield_loader()("de421.bsp")


@functools.lru_cache(maxsize=1)
def _earth_to_sun():
    eph = ephemeris()
    return eph["sun"] - eph["earth"]


def sun_gcrs_m(epoch: dt.datetime, t_s) -> np.ndarray:
    """Geometric Earth-centre -> Sun-centre vector in GCRS [m], (3,) or (N, 3), exact DE421."""
    xyz = _earth_to_sun().at(sky_time(epoch, t_s)).xyz.m
    return np.asarray(xyz).T


class SunTrack:
    """Earth -> Sun vector [m] for ``t0_s..t1_s`` after ``epoch``, spline-interpolated from DE421
    nodes ``step_s`` apart; ``frame`` is ``"gcrs"`` or ``"teme"`` (rotated exactly at each node)."""

    def __init__(self, epoch: dt.datetime, t0_s: float, t1_s: float, step_s: float = SUN_NODE_STEP_S,
                 frame: str = "gcrs"):
        if frame not in ("gcrs", "teme"):
            raise ValueError(f"frame must be 'gcrs' or 'teme', not {frame!r}")
        self.epoch = as_utc(epoch)
        self.frame = frame
        n0 = int(np.floor(t0_s / step_s)) - 2  # two spare nodes each side keep the spline's ends away
        n1 = int(np.ceil(t1_s / step_s)) + 2
        self.node_t_s = np.arange(n0, n1 + 1) * float(step_s)
        nodes = sun_gcrs_m(self.epoch, self.node_t_s)
        if frame == "teme":
            # daily rotation nodes, linearly interpolated: < 2e-8 rad (frames.py), ~1e-5 s of shadow timing
            rot = TemeToGcrs(self.epoch, self.node_t_s[0], self.node_t_s[-1], step_s=86400.0)
            nodes = rot.apply_inverse(self.node_t_s, nodes)
        from scipy.interpolate import CubicSpline  # scipy.interpolate costs ~0.3-0.8 s to import: only here

        self._spline = CubicSpline(self.node_t_s, nodes, axis=0)
        self.t0_s, self.t1_s = float(self.node_t_s[0]), float(self.node_t_s[-1])

    def __call__(self, t_s) -> np.ndarray:
        """Sun vector [m] at ``t_s``: (3,) for a scalar, (N, 3) for an array."""
        return self._spline(np.asarray(t_s, dtype=float))
