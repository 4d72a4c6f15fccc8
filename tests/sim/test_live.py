"""The live engine: stepping, snapshots, forks and commands change nothing they should not.

References: the uninterrupted batch run (bit for bit: trajectory arrays, event log, alarms,
summary), conservation, and the energy balance of the battery for parameter overrides."""

from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys

import numpy as np
import pytest

import tiangong as tg
from tiangong.errors import InputError
from tiangong.sim.live import CommandRefused, Simulation

UTC = dt.timezone.utc

# 37 days with an automatic reboost (from 376 km, ~10 days in), the first Shenzhou-14 EVA (2022-09-01/02),
# Wentian aboard: every kind of event the increment has, at a cost a unit test can afford.
WINDOW = {"name": "live-window", "start": "2022-07-28T00:00:00Z", "end": "2022-09-03T00:00:00Z",
          "eva": [{"history": "sz14-eva1"}], "initial": {"altitude_m": 376000.0}}


def _scenario(**extra):
    return tg.Scenario.from_dict({**WINDOW, **extra})


def _same_result(a, b):
    ta, tb = a.trajectory, b.trajectory
    for k in ("t0", "x0", "r", "aux"):
        np.testing.assert_array_equal(getattr(ta, k), getattr(tb, k))
    assert a.record.events == b.record.events
    assert a.record.alarms == b.record.alarms
    sa, sb = dict(a.summary()), dict(b.summary())
    sa.pop("wall_time_s"), sb.pop("wall_time_s")
    assert sa == sb


@pytest.fixture(scope="module")
def batch():
    return tg.simulate(_scenario())


@pytest.fixture(scope="module")
def batch_run(batch):
    """The uninterrupted run's segments and events, with the reboost and EVA times."""
    sim = Simulation(_scenario())
    sim.advance()
    t_rb = batch.summary()["reboosts"][0]["at"]
    return sim, t_rb


def test_window_has_a_reboost_and_an_eva(batch):
    s = batch.summary()
    assert s["margins"]["reboosts"] >= 1
    assert s["events"]["by_kind"]["eva.hatch_open"] == 1


def test_advance_in_one_hour_steps_is_bit_identical_to_batch(batch):
    sim = Simulation(_scenario())
    t = sim.scenario.start
    while not sim.finished:
        t += dt.timedelta(hours=1)
        sim.advance(min(t, sim.scenario.end))
    _same_result(sim.result(), batch)


def test_step_walks_event_by_event_to_the_same_run(batch):
    sc = tg.Scenario.from_dict({**WINDOW, "end": "2022-07-30T00:00:00Z", "eva": []})
    ref = tg.simulate(sc)
    sim = Simulation(sc)
    n = 0
    while not sim.finished:
        sim.step()
        n += 1
    assert n >= ref.summary()["events"]["segments"]
    _same_result(sim.result(), ref)


def _moments(batch, n_random=40, seed=7):
    sc = batch.scenario
    rng = np.random.default_rng(seed)
    out = list(rng.uniform(0.0, sc.duration_s, n_random))
    eva = next(e for e in batch.record.events if e.kind == "eva.hatch_open").t_s
    out += [eva + k * 3600.0 for k in (0.5, 1.5, 3.0, 5.0)]            # mid-EVA
    rb = next(e for e in batch.record.events if e.kind == "propulsion.reboost").t_s
    out += [rb - 1e-3, rb, rb + 1e-3, rb + 60.0]                         # at the reboost
    out += [0.0, sc.duration_s - 1.0]
    return out


def test_snapshot_restore_at_50_moments_continues_bit_identically(batch):
    """At 50 moments (40 random, 4 mid-EVA, 4 around the reboost, start and end): restore(snapshot)
    continued to the end lands on the uninterrupted run's segments, events, alarms and state."""
    moments = _moments(batch)
    assert len(moments) == 50
    sc = batch.scenario
    full = batch.trajectory
    events = batch.record.events
    sim = Simulation(sc)
    for t in sorted(moments):
        sim.advance(float(t))
        blob = sim.snapshot()
        assert len(blob) < 1_000_000
        k = len(sim.trajectory().t0)           # segments committed before the snapshot
        n_ev = len(sim.event_log())
        other = Simulation.restore(blob)
        assert other.now == sim.now
        other.advance()
        tr = other.trajectory()
        np.testing.assert_array_equal(tr.t0, full.t0[k:])
        np.testing.assert_array_equal(tr.x0, full.x0[k:])
        np.testing.assert_array_equal(tr.r, full.r[k:])
        assert [e for e in other.result().record.events] == events[n_ev:]
        assert other.alarm_rows() == batch.record.alarms
        np.testing.assert_array_equal(other.net.totals, batch.model.net.totals)


def test_snapshot_is_plain_data_and_refuses_garbage():
    sim = Simulation(_scenario())
    sim.advance("2022-08-10T00:00:00Z")
    d = pickle.loads(sim.snapshot())
    assert set(d) >= {"net", "model", "scenario", "params", "commands"}
    with pytest.raises(InputError, match="snapshot"):
        Simulation.restore(b"not a snapshot")


def test_fork_without_commands_reproduces_the_parent(batch):
    sim = Simulation(_scenario())
    sim.advance("2022-08-20T06:30:00Z")
    child = sim.fork()
    child.advance()
    _same_result(child.result(), batch)
    assert child.fork_t_s == pytest.approx((dt.datetime(2022, 8, 20, 6, 30, tzinfo=UTC)
                                            - sim.scenario.start).total_seconds())


def test_a_command_changes_the_run_from_its_time_on_and_nothing_before(batch):
    sim = Simulation(_scenario())
    when = dt.datetime(2022, 8, 10, tzinfo=UTC)
    sim.advance(when)
    rec = sim.command("fault electrolyser_off 48h")
    assert rec.outcome == "accepted"
    sim.advance()
    res = sim.result()
    t_cmd = (when - sim.scenario.start).total_seconds()
    tr, ref = res.trajectory, batch.trajectory
    before = tr.t0 < t_cmd
    np.testing.assert_array_equal(tr.x0[before], ref.x0[ref.t0 < t_cmd])
    assert [e for e in res.record.events if e.t_s < t_cmd] == [e for e in batch.record.events if e.t_s < t_cmd]
    # from then on the electrolyser is off: the O2 tank carries the cabin, as in the scenario fault
    used = res.summary()["totals"]["o2_generated_kg"]
    assert used < batch.summary()["totals"]["o2_generated_kg"] - 1.0
    assert any(e.kind == "command" for e in res.record.events)
    assert res.commands[0].t_s == t_cmd


def test_refused_commands_change_nothing(batch):
    sim = Simulation(_scenario())
    sim.advance("2022-09-01T12:00:00Z")  # the EVA is under way
    with pytest.raises(CommandRefused, match="EVA is under way"):
        sim.command("eva start extra 刘洋,陈冬")
    with pytest.raises(CommandRefused, match="propellant"):
        sim.command("reboost 900")
    with pytest.raises(CommandRefused, match="no active"):
        sim.command("clear cabin_leak")
    with pytest.raises(InputError, match="unknown command"):
        sim.command("explode")
    assert [c.outcome for c in sim.commands] == ["refused", "refused", "refused"]
    sim.advance()
    _same_result(sim.result(), batch)


def test_commands_of_every_kind():
    sim = Simulation(_scenario())
    sim.advance("2022-08-05T00:00:00Z")
    for c in ("fault cabin_leak 2h hole_mm=2", "clear cabin_leak", "fault array_degraded severity=0.5",
              "reboost 395", "set eclss.cabin.ppo2_setpoint_pa 21000", "undock Tianzhou-4",
              "dock tianzhou TZ-X aft mass_kg=13000", "undock TZ-X"):
        assert sim.command(c).outcome == "accepted", c
    sim.advance("2022-08-06T00:00:00Z")
    crew = ",".join(sorted(sim.model.crew)[:2])
    assert sim.command(f"eva start test '{crew}' duration=2h").outcome == "accepted"
    sim.advance("2022-08-06T01:00:00Z")
    assert sim.model.eva_active is not None
    assert sim.command("eva abort").outcome == "accepted"
    assert sim.model.eva_active is None
    sim.advance()
    res = sim.result()
    kinds = res.summary()["events"]["by_kind"]
    assert kinds["command"] == 10
    assert res.summary()["margins"]["reboosts"] >= 2
    # conservation holds through every command
    assert max(res.summary()["mass_balance_relative_error"].values()) < 1e-12


def test_parameter_override_moves_the_battery_depth_by_the_energy_balance():
    """Double the battery: each eclipse draws the same energy, so the depth of discharge halves."""
    base = {"name": "cap", "start": "2022-06-10T00:00:00Z", "end": "2022-06-11T00:00:00Z"}
    ref = tg.simulate(tg.Scenario.from_dict(base))
    cap = ref.trajectory.aux[0, ref.trajectory.aux_names.index("battery_cap_j")]
    big = tg.simulate(tg.Scenario.from_dict({**base, "parameters": {"power.battery.capacity_j": 2 * cap}}))
    d_ref = 1.0 - ref.summary()["stores"]["power.battery.soc"]["min"]
    d_big = 1.0 - big.summary()["stores"]["power.battery.soc"]["min"]
    assert d_big == pytest.approx(d_ref / 2.0, rel=1e-9)
    # nothing else moved: the cabin is the same to the last bit
    np.testing.assert_array_equal(ref.record.samples["eclss.cabin.ppo2_pa"], big.record.samples["eclss.cabin.ppo2_pa"])


def test_parameter_override_typo_is_a_one_line_error(tmp_path):
    f = tmp_path / "typo.toml"
    f.write_text('name = "typo"\nstart = "2022-06-10T00:00:00Z"\nend = "2022-06-11T00:00:00Z"\n'
                 '[parameters]\n"power.battery.capacity_jj" = 2.0e9\n')
    r = subprocess.run([sys.executable, "-c", "from tiangong.cli import main; main()", "run", str(f), "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "capacity_jj" in r.stderr and "did you mean 'capacity_j'" in r.stderr


def test_scenario_and_parameters_pickle():
    sc = _scenario(parameters={"eclss.electrolyser.max_o2_kg_per_day": 6.0})
    sim = Simulation(sc)
    assert pickle.loads(pickle.dumps(sc)) == sc
    assert pickle.loads(pickle.dumps(sim.params)) == sim.params
    assert sim.params.eclss.electrolyser.max_o2_kg_per_day == 6.0


def test_load_shedding_reaches_the_electrolyser():
    """Arrays 90 % lost: once the battery sits on its floor in eclipse the electrolyser is shed
    (its ~1 kW drops out of the bus load) and stored O2 holds the cabin at the backup set point."""
    sc = tg.Scenario.from_dict({
        "name": "dark", "start": "2022-06-10T00:00:00Z", "end": "2022-06-12T00:00:00Z",
        "faults": [{"kind": "array_degraded", "start": "2022-06-10T01:00:00Z", "duration_h": 40, "severity": 0.9}]})
    res = tg.simulate(sc)
    tr = res.trajectory
    i_b = tr.index("power.battery_j")
    cap = tr.aux[:, tr.aux_names.index("battery_cap_j")]
    sun = tr.aux[:, tr.aux_names.index("sunlit")]
    h2_vent = tr.r[:, tr.index("vent.h2_kg")]  # > 0 whenever the electrolyser runs (Sabatier takes 88 %)
    on_floor = np.isclose(tr.x0[:, i_b], 0.3 * cap, rtol=1e-9) & (sun == 0.0)
    assert on_floor.any()
    assert np.all(h2_vent[on_floor] == 0.0)               # shed: no electrolysis on the floor in eclipse
    assert np.any(h2_vent[(sun == 0.0) & ~on_floor] > 0.0)  # it ran in eclipse while the battery could carry it
    assert res.summary()["totals"]["o2_generated_kg"] < 2 * 3 * 0.895  # less than two crew-days of O2


def test_controller_order_follows_declared_signals():
    from tiangong.subsystem import controller_order

    sim = Simulation(tg.Scenario.from_dict({**WINDOW, "end": "2022-07-28T01:00:00Z", "eva": []}))
    order = [s.name for s in sim.model._order]
    assert order.index("eclss") < order.index("power")  # power needs the ECLSS draw

    class A:
        name, inputs, outputs, feedback = "a", ("b.out",), ("a.out",), ()

    class B:
        name, inputs, outputs, feedback = "b", ("a.out",), ("b.out",), ()

    with pytest.raises(ValueError, match="cycle"):
        controller_order([A(), B()])
    B.feedback = ("a.out",)
    assert [s.name for s in controller_order([A(), B()])] == ["b", "a"]


def test_advance_refuses_naive_and_out_of_window_times():
    sim = Simulation(tg.Scenario.from_dict({**WINDOW, "end": "2022-07-29T00:00:00Z", "eva": []}))
    with pytest.raises(InputError, match="timezone"):
        sim.advance(dt.datetime(2022, 7, 28, 12))
    with pytest.raises(InputError, match="outside"):
        sim.advance("2023-01-01T00:00:00Z")
    sim.advance("2022-07-28T12:00:00Z")
    with pytest.raises(InputError, match="outside"):
        sim.advance("2022-07-28T06:00:00Z")  # the past
    with pytest.raises(InputError, match="advance it to the end"):
        sim.result()


def test_observers_see_the_run_as_it_is_produced():
    """subscribe(): segments, events, alarms and commands reach an observer during the run, and
    what it saw equals what the result holds."""

    class Watcher:
        def __init__(self):
            self.segments, self.events, self.alarms, self.commands, self.times = 0, [], [], [], []

        def segment(self, t0_s, x0, r, aux):
            self.segments += 1

        def event(self, t_s, kind, source, detail):
            self.events.append((t_s, kind, source, detail))

        def alarm(self, row):
            self.alarms.append(row)

        def command(self, rec):
            self.commands.append(rec)

        def advanced(self, t_s):
            self.times.append(t_s)

    sc = tg.Scenario.from_dict({"name": "watch", "start": "2022-06-10T00:00:00Z", "end": "2022-06-11T00:00:00Z"})
    sim = Simulation(sc)
    w = Watcher()
    sim.subscribe(w)
    sim.advance("2022-06-10T06:00:00Z")
    seen = w.segments
    assert seen > 0 and w.times[-1] == 6 * 3600.0
    sim.command("fault co2_removal_off")          # ppCO2 climbs through its warning level
    sim.advance()
    res = sim.result()
    assert w.segments == len(res.trajectory.t0) and w.segments > seen
    assert [tuple(e) for e in w.events] == [(e.t_s, e.kind, e.source, e.detail) for e in res.record.events]
    assert w.commands == res.commands
    raised = [a for a in w.alarms if a.parameter == "eclss.cabin.ppco2_pa" and a.cleared_t_s is None]
    assert raised and raised[0].t_s > 6 * 3600.0
    assert {(a.t_s, a.parameter, a.level) for a in raised} <= {(a.t_s, a.parameter, a.level) for a in res.record.alarms}


def test_every_registered_subsystem_implements_the_interface():
    from tiangong.subsystem import Subsystem

    sim = Simulation(tg.Scenario.from_dict({**WINDOW, "end": "2022-07-28T01:00:00Z", "eva": []}))
    for s in sim.model.subsystems.values():
        assert isinstance(s, Subsystem), s


def test_reentry_ends_the_run_with_an_event_not_negative_altitudes(tmp_path):
    """Issue 9: no reboosts from 200 km: the mean altitude reaches the 150 km reentry floor, the run
    ends there with an `orbit.reentry` event and says so; no altitude below the floor is recorded."""
    sc = tg.Scenario.from_dict({"name": "fall", "start": "2022-06-10T00:00:00Z", "end": "2023-06-10T00:00:00Z",
                                "initial": {"altitude_m": 200000.0}, "reboost": {"enabled": False}})
    sim = Simulation(sc)
    sim.record(tmp_path / "live")
    sim.advance()
    res = sim.result()
    s = res.summary()
    ev = [e for e in res.record.events if e.kind == "orbit.reentry"]
    assert len(ev) == 1 and s["ended_early"]["reason"] == "reentry at 150 km"
    assert ev[0].t_s == res.record.t_s[-1] < sc.duration_s
    assert s["stores"]["orbit.altitude_m"]["min"] == pytest.approx(150e3, abs=1e-6)
    assert res.record.samples["orbit.altitude_m"].min() >= 150e3 - 1e-6
    from tiangong.archive import read_run

    live = read_run(tmp_path / "live")
    np.testing.assert_array_equal(live.samples["orbit.altitude_m"], res.record.samples["orbit.altitude_m"])
