"""Arm-versus-hull clearance (tiangong.robotics.collision): distances against closed-form values, the
direct carry that cuts Wentian's hull is detected, and the detour the planner uses is clear when
re-checked by an independent, much denser sampler."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tiangong.robotics.arm import carry, load_arm
from tiangong.robotics.collision import (chain_points, link_radius_m, module_distance_m, path_clearance_m,
                                         safe_carry)
from tiangong.robotics.geometry import load_geometry

G = load_geometry()
ARM = load_arm("tianhe")


def test_module_distance_closed_form():
    m = G.modules["tianhe"]  # axis -x; sections [-1.4, 6.0] r 1.4 and [6.0, 15.2] r 2.1
    ax = m.axis
    up = np.array([0.0, 0.0, -1.0])
    assert module_distance_m(m, 10.0 * ax + 3.1 * up) == pytest.approx(1.0)           # beside the hull
    assert module_distance_m(m, 10.0 * ax + 1.0 * up) == pytest.approx(-1.1)          # inside: 2.1 - 1.0
    assert module_distance_m(m, 16.2 * ax) == pytest.approx(1.0)                      # off the aft cap
    assert module_distance_m(m, 16.2 * ax + 3.1 * up) == pytest.approx(math.sqrt(2))  # off the cap's rim
    assert module_distance_m(m, 3.0 * ax + 2.4 * up) == pytest.approx(1.0)            # small section, r 1.4


def test_chain_points_and_radius():
    q = ARM.q_preferred
    pts = chain_points(ARM, q)
    assert np.allclose(pts[0], 0.0) and np.allclose(pts[-1], ARM.fk(q)[:3, 3])
    assert len(pts) == ARM.n + 2
    assert link_radius_m("tianhe") == 0.18 and link_radius_m("combined") == max(link_radius_m("tianhe"),
                                                                              link_radius_m("wentian"))


def _dense_clearance(arm, base, q_a, q_b, radius):
    """Independent re-check: 400 postures, 60 points per boom, distance to every module by brute force over
    a fine grid of the hull surface (no shared code with the module under test)."""
    bf = G.base_frame(base)
    surf = []
    for m in G.modules.values():
        zen = np.array([0.0, 0.0, -1.0]) - np.dot([0.0, 0.0, -1.0], m.axis) * m.axis
        zen /= np.linalg.norm(zen)
        side = np.cross(m.axis, zen)
        for s0, s1, r in m.sections:
            s = np.linspace(s0, s1, int((s1 - s0) / 0.05) + 1)
            a = np.linspace(0, 2 * np.pi, 252, endpoint=False)
            S, A = np.meshgrid(s, a)
            surf.append((S[..., None] * m.axis + r * (np.cos(A)[..., None] * zen + np.sin(A)[..., None] * side))
                        .reshape(-1, 3))
    surf = np.vstack(surf)
    from scipy.spatial import cKDTree

    tree = cKDTree(surf)
    worst = np.inf
    for u in np.linspace(0.0, 1.0, 400):
        q = q_a + (q_b - q_a) * u
        tool, axes = ARM._frames(q)
        pts = np.vstack([np.zeros(3)] + [p for _, p in axes] + [tool[:3, 3]])
        seg = np.vstack([a + (b - a) * t for a, b in zip(pts[:-1], pts[1:]) for t in np.linspace(0, 1, 60)])
        seg = seg[np.linalg.norm(seg, axis=1) > 1.0]
        world = seg @ bf[:3, :3].T + bf[:3, 3]
        worst = min(worst, float(tree.query(world)[0].min()) - radius)
    return worst


def test_direct_carry_through_wentian_is_detected_and_the_detour_is_clear():
    base, a, b = "ta_wentian_outer", "wentian_handle_outer", "wentian_pump_set"
    pa, pb = G.in_base(base, G.work_pose(a)), G.in_base(base, G.work_pose(b))
    r = carry(ARM, pa, pb)
    assert r.ok
    assert path_clearance_m(ARM, G, base, r.q_a, r.q_b) < 0  # the straight joint-space move cuts the hull
    s = safe_carry(ARM, G, base, a, b)
    assert s.ok and s.via.startswith("lift") and s.clearance_m >= 0 and s.time_s > r.time_s
    # re-check the two legs independently (the surface grid is 5 cm: allow that much)
    out = -(pa[:3, 2] + pb[:3, 2])
    out /= np.linalg.norm(out)
    w = pa.copy()
    w[:3, 3] = (pa[:3, 3] + pb[:3, 3]) / 2 + float(s.via.split()[1]) * out
    wp_q = ARM.ik(w, r.q_a, position_only=True).q
    radius = link_radius_m("tianhe")
    assert min(_dense_clearance(ARM, base, r.q_a, wp_q, radius),
               _dense_clearance(ARM, base, wp_q, r.q_b, radius)) >= -0.05
    assert _dense_clearance(ARM, base, r.q_a, r.q_b, radius) < 0  # and the direct one is not clear


def test_clear_direct_carry_is_kept():
    base, a, b = "ta_wentian_outer", "wentian_pump_set", "wentian_panoramic_camera_a"
    s = safe_carry(ARM, G, base, a, b)
    r = carry(ARM, G.in_base(base, G.work_pose(a)), G.in_base(base, G.work_pose(b)))
    assert s.ok and s.via == "direct" and s.time_s == pytest.approx(r.time_s) and s.clearance_m > 0
