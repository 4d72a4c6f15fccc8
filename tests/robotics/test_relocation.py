"""Inchworm relocation: every hop latches its adapter exactly, and the chain is the fastest one."""

import itertools

import numpy as np
import pytest

from tiangong.errors import InputError
from tiangong.robotics.arm import load_arm
from tiangong.robotics.geometry import load_geometry
from tiangong.robotics.relocation import grasp_pose, hop, relocation


@pytest.mark.parametrize("arm_name,start,goal", [
    ("tianhe", "ta_tianhe_small", "ta_mengtian_outer"),
    ("tianhe", "ta_wentian_outer", "ta_mengtian_outer"),
    ("wentian", "sa_wentian_inner", "sa_wentian_outer"),
])
def test_every_hop_latches_its_adapter(arm_name, start, goal):
    g = load_geometry()
    arm = load_arm(arm_name)
    r = relocation(arm_name, start, goal)
    assert r.path[0] == start and r.path[-1] == goal
    for h in r.hops:
        q = np.array(h.q)
        assert arm.within_limits(q)
        target = g.in_base(h.a, grasp_pose(h.b))
        tip = arm.fk(q)
        assert np.linalg.norm(tip[:3, 3] - target[:3, 3]) < 1e-6
        # orientation error angle from the relative rotation's trace
        rel = tip[:3, :3].T @ target[:3, :3]
        assert np.arccos(np.clip((np.trace(rel) - 1) / 2, -1, 1)) < 1e-6


def test_relocation_is_the_fastest_chain():
    """Brute force over every ordered chain of distinct adapters (independent of Dijkstra)."""
    g = load_geometry()
    nodes = [n for n, b in g.base_points.items() if "tianhe" in b.arms]
    start, goal = "ta_wentian_outer", "ta_mengtian_outer"
    best = np.inf
    middle = [n for n in nodes if n not in (start, goal)]
    for k in range(len(middle) + 1):
        for chain in itertools.permutations(middle, k):
            path = (start, *chain, goal)
            hops = [hop("tianhe", a, b) for a, b in zip(path, path[1:])]
            if all(h is not None for h in hops):
                best = min(best, sum(h.time_s for h in hops))
    assert relocation("tianhe", start, goal).time_s == pytest.approx(best)


def test_bad_relocations_are_reported():
    with pytest.raises(InputError, match="unknown base point"):
        relocation("tianhe", "ta_tianhe_small", "nowhere")
    with pytest.raises(InputError, match="cannot stand"):
        relocation("wentian", "ta_tianhe_small", "sa_wentian_outer")
