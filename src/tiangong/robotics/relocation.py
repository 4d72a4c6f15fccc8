"""Inchworm relocation of a symmetric arm between base points (target adapters).

The Tianhe arm has an end effector at each end: standing on adapter A it reaches adapter B with its
free end, latches it, releases A, and now stands on B (Xinhua via SpaceDaily, tiangong.md 6).  A
*hop* A -> B is possible when the free end can reach B's docking pose (position and orientation:
tool +z into the hull, exact IK with joint limits) from A.  The relocation between two base points
is the fastest chain of hops (Dijkstra), each costing the joint-space move from the arm's preferred
posture to the grasp posture (rate-limited trajectory) plus latch and unlatch times.

Pure numpy + the arm and geometry models; collisions with the hull are not checked.
"""

from __future__ import annotations

import heapq
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from ..errors import InputError
from .arm import load_arm
from .geometry import load_geometry


@dataclass(frozen=True)
class Hop:
    """One inchworm step: from base ``a`` the free end latches ``b`` (joint angles ``q`` in rad)."""

    a: str
    b: str
    q: tuple[float, ...]
    move_s: float
    time_s: float  # move + latch + unlatch


@dataclass(frozen=True)
class Relocation:
    arm: str
    start: str
    goal: str
    hops: tuple[Hop, ...]

    @property
    def time_s(self) -> float:
        return float(sum(h.time_s for h in self.hops))

    @property
    def path(self) -> list[str]:
        return [self.start] + [h.b for h in self.hops]


@lru_cache(maxsize=1)
def _timing() -> dict:
    with resources.files("tiangong.data.robotics").joinpath("arms.toml").open("rb") as f:
        return tomllib.load(f)["relocation"]


def grasp_pose(b: str) -> np.ndarray:
    """Station-frame docking pose of the free end effector on adapter ``b`` (face on the adapter)."""
    return load_geometry().work_pose(b, standoff_m=0.0)


@lru_cache(maxsize=None)
def hop(arm_name: str, a: str, b: str) -> Hop | None:
    """The hop ``a -> b`` for ``arm_name``, or None if the free end cannot latch ``b`` from ``a``."""
    g = load_geometry()
    arm = load_arm(arm_name)
    if a == b or arm_name not in g.base_points[a].arms or arm_name not in g.base_points[b].arms:
        return None
    target = g.in_base(a, grasp_pose(b))
    if not arm.is_reachable(target[:3, 3]):
        return None
    res = arm.ik(target, q0=arm.q_preferred, restarts=6, seed=0)
    if not res.success:
        return None
    move = arm.move_time_s(arm.q_preferred, res.q)
    t = _timing()
    return Hop(a, b, tuple(float(x) for x in res.q), move, move + t["latch_s"] + t["unlatch_s"])


def relocation(arm_name: str, start: str, goal: str) -> Relocation:
    """Fastest inchworm relocation of ``arm_name`` from base point ``start`` to ``goal``.

    Raises InputError if a base point is unknown, not usable by the arm, or unreachable by hops.
    """
    g = load_geometry()
    for where, name in (("from", start), ("to", goal)):
        if name not in g.base_points:
            raise InputError(where, f"unknown base point {name!r}; known: {', '.join(g.base_points)}")
        if arm_name not in g.base_points[name].arms:
            raise InputError(where, f"the {arm_name} arm cannot stand on {name}")
    nodes = [n for n, bp in g.base_points.items() if arm_name in bp.arms]
    best = {start: 0.0}
    prev: dict[str, Hop] = {}
    heap = [(0.0, start)]
    while heap:
        d, a = heapq.heappop(heap)
        if a == goal:
            break
        if d > best.get(a, np.inf):
            continue
        for b in nodes:
            h = hop(arm_name, a, b)
            if h is not None and d + h.time_s < best.get(b, np.inf):
                best[b] = d + h.time_s
                prev[b] = h
                heapq.heappush(heap, (best[b], b))
    if goal not in best:
        raise InputError("to", f"{goal} cannot be reached from {start} by inchworm hops of the {arm_name} arm")
    hops = []
    n = goal
    while n != start:
        hops.append(prev[n])
        n = prev[n].a
    return Relocation(arm_name, start, goal, tuple(reversed(hops)))
