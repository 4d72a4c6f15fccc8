"""The engine against analytic solutions: crossing times, regulators, clamps, conservation."""

import math

import numpy as np
import pytest

from tiangong.sim.network import INF, Network, Store


def _tank_network(initial=10.0, rate=0.5):
    net = Network()
    net.add_store(Store("tank", "kg", initial))
    net.add_store(Store("sink", "kg", 0.0, -INF, INF, ledger=True))
    net.add_process("drain", {"tank": -1.0, "sink": 1.0})
    i = net.pi("drain")
    net.controllers.append(lambda n: n.a.__setitem__(i, rate))
    net.finalize()
    return net


def test_store_empties_at_the_analytic_time_and_books_the_shortfall():
    net = _tank_network(10.0, 0.5)  # empties at t = 20 s exactly
    traj = net.run(100.0)
    assert traj.t0[1] == pytest.approx(20.0, abs=1e-12)
    assert traj.final("tank") == 0.0
    # after emptying the demand is booked as a deficit: 0.5 kg/s for 80 s
    assert traj.final("deficit.tank") == pytest.approx(-40.0, rel=1e-12)
    assert traj.final("sink") == pytest.approx(50.0, rel=1e-12)


def test_sampling_is_exact_between_events():
    net = _tank_network(10.0, 0.25)
    traj = net.run(30.0)
    t = np.array([0.0, 7.3, 39.99 / 2])
    np.testing.assert_allclose(traj.sample("tank", t), 10.0 - 0.25 * t, rtol=0, atol=1e-12)


def test_regulator_holds_a_set_point_then_saturates():
    """A sink draws 2 kg/s from a store; a regulator of capacity 1.5 kg/s holds it >= 5 kg.
    Analytic: 10 -> 5 at t = 2.5 s; held? no: demand 2 > capacity 1.5, so it falls at 0.5 kg/s
    below the set point."""
    net = Network()
    net.add_store(Store("x", "kg", 10.0, -INF, INF))
    net.add_store(Store("src", "kg", 0.0, -INF, INF, ledger=True))
    net.add_process("use", {"x": -1.0, "src": 1.0})
    net.add_process("fill", {"x": 1.0, "src": -1.0})
    iu, i_f, ix = net.pi("use"), net.pi("fill"), net.si("x")
    demand = {"v": 2.0}

    def ctl(n):
        n.a[iu] = demand["v"]
        n.hold(ix, 5.0, i_f, 1.5, raises=True)

    net.controllers.append(ctl)
    net.on("demand", lambda v: demand.update(v=v), log=False)
    net.schedule(10.0, "demand", 1.0)  # demand drops below capacity at t = 10
    net.finalize()
    traj = net.run(30.0)
    t = np.array([1.0, 2.5, 10.0, 12.0, 29.0])
    # x(t): 10 - 2t until the set point at 2.5 s (fill idle above it), then -0.5 kg/s until 10 s
    # (x = 1.25), then +0.5 kg/s (capacity 1.5 - demand 1.0) back to 5 at t = 17.5, then held.
    expected = [8.0, 5.0, 1.25, 2.25, 5.0]
    np.testing.assert_allclose(traj.sample("x", t), expected, atol=1e-9)


def test_clamp_at_capacity_books_overflow_and_conserves():
    net = Network()
    net.add_store(Store("battery", "J", 90.0, 0.0, 100.0))
    net.add_store(Store("sun", "J", 0.0, -INF, INF, ledger=True))
    net.add_process("charge", {"battery": 1.0, "sun": -1.0})
    i = net.pi("charge")
    net.controllers.append(lambda n: n.a.__setitem__(i, 2.0))
    net.finalize()
    traj = net.run(20.0)
    assert traj.final("battery") == 100.0
    assert traj.final("overflow.battery") == pytest.approx(40.0 - 10.0)
    total = traj.x0[-1].sum()
    assert total == pytest.approx(traj.x0[0].sum(), abs=1e-12)


def test_scheduled_events_fire_in_time_then_priority_order():
    net = _tank_network(1e6, 0.0)
    order = []
    net.on("mark", order.append, log=False)
    net.schedule(5.0, "mark", "b", priority=20)
    net.schedule(5.0, "mark", "a", priority=1)
    net.schedule(1.0, "mark", "first")
    net.run(10.0)
    assert order == ["first", "a", "b"]
    assert math.isclose(net.t_s, 10.0)
