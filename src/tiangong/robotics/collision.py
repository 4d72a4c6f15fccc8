"""Arm-versus-hull clearance and collision-free carries.

Hand-written on purpose: the station hull here is a few coaxial cylinders (``geometry.Module``) and the arm
a chain of booms, so the check is two closed-form distances; a general collision library (FCL, pinocchio's
hpp-fcl) would need meshes that do not exist for Tiangong (all positions are U, station_geometry.toml).

* The arm is the polyline through its base, its joint centres and its tip (``chain_points``), every
  segment a capsule of radius ``link_radius_m`` (arms.toml, U); points within ``SKIP_BASE_M`` of the base
  are not checked (the base boom stands on the hull by design).
* ``module_distance_m``: signed distance from a point to a module's surface (negative inside).
* ``path_clearance_m``: the smallest clearance along the straight joint-space path between two postures
  (the synchronized trapezoidal profile of ``Arm.trajectory`` follows that line, whatever its timing).
* ``safe_carry``: the direct carry if it keeps ``min_clearance_m``, else the fastest of a few detours
  through a waypoint lifted off the hull between the two worksites; ``ok = False`` if none is clear.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .arm import Arm, _load_toml, carry
from .geometry import Module, StationGeometry

SKIP_BASE_M = 1.0  # U: the shoulder housing (end effector + roll joint, 1.0 m in arms.toml) stands on the hull
SAMPLES_PER_SEGMENT = 12
PATH_SAMPLES = 41  # postures checked along a joint-space path
LIFTS_M = (2.0, 3.0, 4.5)  # U: detour waypoint heights above the mid-point of the two work poses


@lru_cache(maxsize=None)
def link_radius_m(arm_name: str) -> float:
    """Boom radius used for clearance (arms.toml ``link_radius_m``; a combined arm takes its largest)."""
    arms = _load_toml()["arms"]
    p = arms[arm_name]
    names = p.get("chain", [arm_name])
    return max(float(arms[n].get("link_radius_m", 0.0)) for n in names)


def chain_points(arm: Arm, q) -> np.ndarray:
    """(k, 3) base-frame polyline of the arm: base origin, every joint centre, tip (metres)."""
    tool, axes = arm._frames(arm._check_q(q))
    return np.vstack([np.zeros(3)] + [p for _, p in axes] + [tool[:3, 3]])


def module_distance_m(m: Module, x: np.ndarray) -> np.ndarray:
    """Signed distance (m) from points ``x`` (..., 3) to the surface of module ``m`` (negative inside)."""
    x = np.asarray(x, dtype=float)
    s = x @ m.axis
    r = np.linalg.norm(x - s[..., None] * m.axis, axis=-1)
    best = np.full(s.shape, np.inf)
    for s0, s1, rad in m.sections:
        inside_len = (s >= s0) & (s <= s1)
        ds = np.maximum(s0 - s, s - s1)  # > 0 beyond a cap
        inside = inside_len & (r <= rad)
        d = np.where(inside, -np.minimum(rad - r, np.minimum(s - s0, s1 - s)),
                     np.where(inside_len, r - rad, np.where(r <= rad, ds, np.hypot(r - rad, ds))))
        best = np.minimum(best, d)
    return best


def hull_distance_m(g: StationGeometry, x: np.ndarray) -> np.ndarray:
    """Signed distance (m) from points ``x`` (..., 3, station frame) to the nearest module surface."""
    return np.min([module_distance_m(m, x) for m in g.modules.values()], axis=0)


def _samples(points: np.ndarray) -> np.ndarray:
    u = np.linspace(0.0, 1.0, SAMPLES_PER_SEGMENT)[:, None]
    return np.vstack([a + (b - a) * u for a, b in zip(points[:-1], points[1:])])


def _clearance(arm: Arm, g: StationGeometry, bf: np.ndarray, q, radius_m: float) -> float:
    pts = _samples(chain_points(arm, q))
    pts = pts[np.linalg.norm(pts, axis=1) > SKIP_BASE_M]
    world = pts @ bf[:3, :3].T + bf[:3, 3]
    return float(hull_distance_m(g, world).min()) - radius_m


def configuration_clearance_m(arm: Arm, g: StationGeometry, base: str, q, radius_m: float | None = None) -> float:
    """Smallest hull clearance (m) of the arm's booms at posture ``q`` on base point ``base``."""
    radius_m = link_radius_m(arm.name) if radius_m is None else radius_m
    return _clearance(arm, g, g.base_frame(base), q, radius_m)


def path_clearance_m(arm: Arm, g: StationGeometry, base: str, q_a, q_b, radius_m: float | None = None) -> float:
    """Smallest clearance (m) along the straight joint-space path from ``q_a`` to ``q_b``."""
    radius_m = link_radius_m(arm.name) if radius_m is None else radius_m
    bf = g.base_frame(base)
    qa, qb = np.asarray(q_a, dtype=float), np.asarray(q_b, dtype=float)
    return min(_clearance(arm, g, bf, qa + (qb - qa) * u, radius_m) for u in np.linspace(0.0, 1.0, PATH_SAMPLES))


@dataclass(frozen=True)
class SafeCarry:
    time_s: float  # math.inf if no clear path
    ok: bool
    clearance_m: float  # smallest clearance of the chosen path (of the direct one if none is clear)
    via: str  # "direct" | "lift 3.0 m" | ""
    reason: str


def safe_carry(arm: Arm, g: StationGeometry, base: str, site_a: str, site_b: str, *,
               min_clearance_m: float = 0.0) -> SafeCarry:
    """Carry the foot restraint from the work pose of ``site_a`` to that of ``site_b`` with the arm on
    ``base`` along a path that keeps ``min_clearance_m`` off the hull (direct, or via a lifted waypoint)."""
    pa, pb = g.in_base(base, g.work_pose(site_a)), g.in_base(base, g.work_pose(site_b))
    r = carry(arm, pa, pb)
    if not r.ok:
        r = carry(arm, pa, pb, position_only=True)
    if not r.ok:
        return SafeCarry(math.inf, False, -math.inf, "", r.reason)
    direct = path_clearance_m(arm, g, base, r.q_a, r.q_b)
    if direct >= min_clearance_m:
        return SafeCarry(r.time_s, True, direct, "direct", "ok")
    out = -(pa[:3, 2] + pb[:3, 2])  # tool +z points at the hull: outward is -z
    out /= np.linalg.norm(out)
    best = None
    for lift in LIFTS_M:
        w = pa.copy()
        w[:3, 3] = (pa[:3, 3] + pb[:3, 3]) / 2.0 + lift * out
        rw = arm.ik(w, r.q_a, position_only=True)
        if not rw.success:
            continue
        c = min(path_clearance_m(arm, g, base, r.q_a, rw.q), path_clearance_m(arm, g, base, rw.q, r.q_b))
        t = arm.move_time_s(r.q_a, rw.q) + arm.move_time_s(rw.q, r.q_b)
        if c >= min_clearance_m and (best is None or t < best.time_s):
            best = SafeCarry(t, True, c, f"lift {lift:g} m", "ok")
    if best is not None:
        return best
    return SafeCarry(math.inf, False, direct, "", f"no clear path (direct path clearance {direct:.2f} m)")
