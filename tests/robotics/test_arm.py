"""Arm kinematics: FK against pinocchio (independent rigid-body library, model built programmatically from
the same placements), analytic stretched/folded reach, IK round trips at 1e-6 m / 1e-6 rad, unreachable
targets as results, trapezoid timing, and station worksite reach consistency.  Seeded; runs in seconds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiangong.errors import InputError
from tiangong.robotics import carry, carry_time_s, load_arm
from tiangong.robotics.arm import rot_log
from tiangong.robotics.geometry import load_geometry, reach_table, translation_path_m

pin = pytest.importorskip("pinocchio")

ARMS = ["tianhe", "wentian", "combined"]


def _pin_model(a):
    """Pinocchio model from the arm's joint placements (SE3) and axes (RX/RY/RZ), tool as a frame."""
    model = pin.Model()
    parent = 0
    kinds = {0: pin.JointModelRX, 1: pin.JointModelRY, 2: pin.JointModelRZ}
    for j, pl in zip(a.joints, a.placements):
        axis = np.asarray(j.axis)
        k = int(np.argmax(np.abs(axis)))
        assert abs(axis[k]) == 1.0 and np.count_nonzero(axis) == 1
        parent = model.addJoint(parent, kinds[k](), pin.SE3(pl[:3, :3].copy(), pl[:3, 3].copy()), j.name)
    model.addFrame(pin.Frame("tool", parent, pin.SE3(a.tool[:3, :3].copy(), a.tool[:3, 3].copy()),
                             pin.FrameType.OP_FRAME))
    return model


def _pin_fk(model, q):
    data = model.createData()
    pin.framesForwardKinematics(model, data, np.asarray(q, dtype=float))
    return data.oMf[model.getFrameId("tool")].homogeneous


# (1) FK equals pinocchio's FK ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ARMS)
def test_fk_matches_pinocchio(name):
    a = load_arm(name)
    model = _pin_model(a)
    rng = np.random.default_rng(42)
    for _ in range(200):
        q = rng.uniform(a.lower, a.upper)
        assert np.abs(a.fk(q) - _pin_fk(model, q)).max() < 1e-9


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-4.7, 4.7), min_size=7, max_size=7))
def test_fk_matches_pinocchio_hypothesis(qs):
    a = load_arm("tianhe")
    assert np.abs(a.fk(qs) - _pin_fk(_pin_model(a), qs)).max() < 1e-9


@pytest.mark.parametrize("name", ARMS)
def test_jacobian_matches_pinocchio_and_finite_differences(name):
    a = load_arm(name)
    model = _pin_model(a)
    data = model.createData()
    rng = np.random.default_rng(7)
    fid = model.getFrameId("tool")
    for _ in range(20):
        q = rng.uniform(a.lower, a.upper)
        pin.computeJointJacobians(model, data, q)
        pin.framesForwardKinematics(model, data, q)
        jp = pin.getFrameJacobian(model, data, fid, pin.ReferenceFrame.LOCAL_WORLD_ALIGNED)
        assert np.abs(a.jacobian(q) - jp).max() < 1e-9
    # finite differences of the position part
    q = rng.uniform(a.lower, a.upper)
    h = 1e-6
    j = a.jacobian(q)
    for i in range(a.n):
        dq = np.zeros(a.n)
        dq[i] = h
        fd = (a.fk(q + dq)[:3, 3] - a.fk(q - dq)[:3, 3]) / (2 * h)
        assert np.allclose(fd, j[:3, i], atol=1e-6)


# (2) V-4-style analytic reach ------------------------------------------------------------------------
@pytest.mark.parametrize("name,total", [("tianhe", 10.2), ("wentian", 5.5)])
def test_stretched_and_folded_reach_analytic(name, total):
    a = load_arm(name)
    l1, l2 = a.joints[3].origin[0], a.joints[4].origin[0]
    h = a.joints[0].origin[2] + a.joints[1].origin[2]
    assert 2 * h + l1 + l2 == pytest.approx(total, abs=1e-12)
    # zero posture: booms stretched along +x, tip end effector pointing back down to the base plane
    t0 = a.fk(np.zeros(7))
    assert np.allclose(t0[:3, 3], [l1 + l2, 0, 0], atol=1e-12)
    # stretched straight up: tip-to-tip = published total length (sum of all links)
    t = a.fk([0, 0, -math.pi / 2, 0, -math.pi / 2, 0, 0])
    assert np.allclose(t[:3, 3], [0, 0, total], atol=1e-12)
    assert np.linalg.norm(t[:3, 3] - a.shoulder) == pytest.approx(a.reach_m, abs=1e-12)
    assert a.reach_m == pytest.approx(h + l1 + l2, abs=1e-12)
    # folded at the elbow: the second boom lies back along the first
    tf = a.fk([0, 0, 0, math.pi, 0, 0, 0])
    assert np.allclose(tf[:3, 3], [l1 - l2, 0, 2 * h], atol=1e-12)
    # no random posture exceeds the reach sphere
    rng = np.random.default_rng(3)
    for _ in range(500):
        p = a.fk(rng.uniform(a.lower, a.upper))[:3, 3]
        assert np.linalg.norm(p - a.shoulder) <= a.reach_m + 1e-12


def test_combined_reach_matches_reports():
    c = load_arm("combined")
    assert c.n == 14
    assert c.reach_m == pytest.approx(9.2 + 5.5)
    assert 14.5 <= c.reach_m <= 15.0  # reported "about 15 m" (14.5 m in some reports)
    # both arms stretched straight up in line
    q = [0, 0, -math.pi / 2, 0, -math.pi / 2, 0, 0] * 2
    p = c.fk(q)[:3, 3]
    assert np.allclose(p, [0, 0, 15.7], atol=1e-12)
    assert np.linalg.norm(p - c.shoulder) == pytest.approx(c.reach_m)


# (3) IK round trips -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name,count", [("tianhe", 25), ("wentian", 25), ("combined", 10)])
def test_ik_round_trip(name, count):
    a = load_arm(name)
    rng = np.random.default_rng(2026)
    for k in range(count):
        q = rng.uniform(a.lower, a.upper)
        target = a.fk(q)
        r = a.ik(target, seed=k)
        assert r.success and r.reachable, r.reason
        got = a.fk(r.q)
        assert np.linalg.norm(got[:3, 3] - target[:3, 3]) <= 1e-6
        assert np.linalg.norm(rot_log(target[:3, :3] @ got[:3, :3].T)) <= 1e-6
        assert r.position_error_m <= 1e-6 and r.orientation_error_rad <= 1e-6
        assert a.within_limits(r.q)


def test_ik_position_only_and_warm_start():
    a = load_arm("tianhe")
    rng = np.random.default_rng(11)
    for _ in range(10):
        q = rng.uniform(a.lower, a.upper)
        p = a.fk(q)[:3, 3]
        r = a.ik(p, position_only=True)
        assert r.success and np.linalg.norm(a.fk(r.q)[:3, 3] - p) <= 1e-6
    # starting at the answer converges immediately
    r = a.ik(a.fk(q), q0=q)
    assert r.success and r.iterations == 0


# (4) unreachable is a result, not an error --------------------------------------------------------------
@pytest.mark.parametrize("name", ARMS)
def test_unreachable_pose(name):
    a = load_arm(name)
    t = np.eye(4)
    t[:3, 3] = a.shoulder + np.array([a.reach_m + 0.5, 0.0, 0.0])
    r = a.ik(t)
    assert not r.success and not r.reachable and "reach" in r.reason
    assert not a.is_reachable(t[:3, 3])
    r = a.ik(t[:3, 3], position_only=True)
    assert not r.success and not r.reachable and "reach" in r.reason


def test_pose_unreachable_by_orientation():
    a = load_arm("tianhe")
    # at full reach the tip must point straight out; pointing back leaves the wrist 2h beyond the booms
    t = a.fk([0, 0, -math.pi / 2, 0, -math.pi / 2, 0, 0])
    assert a.ik(t).success
    flipped = t.copy()
    flipped[:3, :3] = t[:3, :3] @ np.diag([1.0, -1.0, -1.0])
    r = a.ik(flipped)
    assert not r.reachable and "wrist" in r.reason


def test_bad_input_is_input_error():
    a = load_arm("tianhe")
    with pytest.raises(InputError):
        a.fk([0.0] * 6)
    with pytest.raises(InputError):
        a.ik(np.zeros((3, 3)))
    with pytest.raises(InputError):
        load_arm("canadarm")
    bad = np.eye(4)
    bad[:3, :3] *= 2
    with pytest.raises(InputError):
        a.ik(bad)


# (5) trajectories -------------------------------------------------------------------------------------
def test_trajectory_rate_limits_and_duration():
    a = load_arm("tianhe")
    rng = np.random.default_rng(5)
    v, acc = a.rates[0], a.accels[0]
    for _ in range(10):
        qa, qb = rng.uniform(a.lower, a.upper), rng.uniform(a.lower, a.upper)
        d = np.abs(qb - qa).max()
        # velocity-step limit (infinite acceleration): T = max|dq| / rate
        tr = a.trajectory(qa, qb, accel_rad_s2=math.inf, dt_s=0.5)
        assert tr.duration_s == pytest.approx(d / v, rel=1e-12)
        assert np.abs(tr.qd).max() <= v * (1 + 1e-12)
        # trapezoid with the data acceleration: T = D/v + v/a (cruise exists since D >= v^2/a here)
        tr = a.trajectory(qa, qb, dt_s=0.5)
        assert d >= v * v / acc
        assert tr.duration_s == pytest.approx(d / v + v / acc, rel=1e-12)
        assert a.move_time_s(qa, qb) == pytest.approx(tr.duration_s)
        assert np.abs(tr.qd).max() <= v * (1 + 1e-12)
        # finite-difference speed of the samples also respects the limit, and the ends are exact
        dt = np.diff(tr.t)
        assert (np.abs(np.diff(tr.q, axis=0)) / dt[:, None]).max() <= v * (1 + 1e-9)
        assert np.allclose(tr.q[0], qa) and np.allclose(tr.q[-1], qb)
        # synchronized: every joint is at the same fraction of its move
        s = (tr.q - qa) / (qb - qa)
        assert np.allclose(s, s[:, :1], atol=1e-9)
    # short move: triangle profile T = 2 sqrt(D / a)
    qa = np.zeros(7)
    qb = qa.copy()
    qb[2] = 0.5 * v * v / acc
    assert a.move_time_s(qa, qb) == pytest.approx(2 * math.sqrt(qb[2] / acc))
    assert a.move_time_s(qa, qa) == 0.0


def test_carry_time():
    a = load_arm("tianhe")
    rng = np.random.default_rng(9)
    qa, qb = rng.uniform(-1, 1, 7), rng.uniform(-1, 1, 7)
    res = carry(a, a.fk(qa), a.fk(qb))
    assert res.ok and res.time_s > 0 and math.isfinite(res.time_s)
    assert res.time_s == pytest.approx(a.move_time_s(res.q_a, res.q_b))
    far = np.eye(4)
    far[0, 3] = 50.0
    assert carry_time_s(a, a.fk(qa), far) == math.inf


# (6) station geometry ----------------------------------------------------------------------------------
def test_every_worksite_reached_and_table_consistent_with_ik():
    g = load_geometry()
    tables = {n: reach_table(n) for n in ARMS}
    arms = {n: load_arm(n) for n in ARMS}
    for site in g.sites:
        assert tables["tianhe"][site] or tables["combined"][site], site
    for name in ("tianhe", "wentian"):  # combined checked on a subset below (14-DOF IK is slower)
        a = arms[name]
        for site, bases in tables[name].items():
            wp = g.work_pose(site)
            for b, bp in g.base_points.items():
                if name not in bp.arms:
                    continue
                r = a.ik(g.in_base(b, wp)[:3, 3], position_only=True)
                assert r.success == (b in bases), (name, site, b, r.reason)
                assert r.reachable == (b in bases)
                if r.success:
                    assert np.linalg.norm(a.fk(r.q)[:3, 3] - g.in_base(b, wp)[:3, 3]) <= 1e-6
    c = arms["combined"]
    for site in ("tianhe_handle_aft", "wentian_pump_set", "mengtian_pump_set"):
        for b in tables["combined"][site][:2]:
            r = c.ik(g.in_base(b, g.work_pose(site))[:3, 3], position_only=True)
            assert r.success, (site, b, r.reason)
    # combined reach is a superset of the Tianhe arm's on the same base points
    for site in g.sites:
        assert set(tables["tianhe"][site]) <= set(tables["combined"][site])


def test_geometry_frames_and_paths():
    g = load_geometry()
    hatch = g.sites["tianhe_node_hatch"]
    assert np.allclose(hatch.normal, [0, 0, -1])  # zenith of the node
    assert g.sites["wentian_airlock_hatch"].position[1] > 10  # starboard, outer part of Wentian
    for b in g.base_points:
        f = g.base_frame(b)
        assert np.allclose(f[:3, :3].T @ f[:3, :3], np.eye(3)) and np.linalg.det(f[:3, :3]) == pytest.approx(1)
    names = list(g.sites) + list(g.base_points)
    for x in names:
        assert translation_path_m(x, x) == pytest.approx(0.0, abs=1e-12)
        for y in names:
            dxy = translation_path_m(x, y)
            assert dxy == pytest.approx(translation_path_m(y, x))
            # a hull path is never shorter than the straight line between the hull points
            assert dxy >= np.linalg.norm(g.point(x).position - g.point(y).position) - 1e-9
    with pytest.raises(InputError):
        translation_path_m("nowhere", "tianhe_node_hatch")
