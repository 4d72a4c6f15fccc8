"""A new subsystem plugs in with its own class and one registry line (docs/architecture.md)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import tiangong as tg
from tiangong.sim import model as model_mod
from tiangong.subsystem import Telemetry


class Thermal:
    """The example of docs/architecture.md: a coolant loop rejecting heat at a fixed rate."""

    name = "thermal"
    inputs = ("power.load_w", "crew.activities")
    outputs = ("thermal.heater_w",)
    feedback, aux = (), ("radiator_w",)

    def __init__(self, p):
        self.p = p

    def install(self, net, ctx):
        self.ctx = ctx
        net.store("thermal.loop_j", "J", 0.0, -1e12, 1e12, "coolant loop heat")
        net.add_process("thermal.reject", {"thermal.loop_j": -1.0})
        self._i = net.pi("thermal.reject")

    def control(self, net):
        assert "power.load_w" in self.ctx.signals  # power ran first: its output is an input here
        net.a[self._i] = self.p.radiator_w
        self.ctx.signals["thermal.heater_w"] = 0.0
        net.aux["radiator_w"] = self.p.radiator_w

    def state(self):
        return {}

    def load_state(self, st):
        pass

    def telemetry(self):
        return [Telemetry("thermal.loop_j", "J", "coolant loop heat", "thermal")]

    plots = (("thermal.loop_j", "Coolant loop heat (MJ)", "MJ", 1e-6),)


def test_a_subsystem_plugs_in_with_one_registry_line(monkeypatch, tmp_path):
    reg = dict(model_mod.SUBSYSTEMS)
    reg["thermal"] = lambda p, sc: Thermal(SimpleNamespace(radiator_w=1000.0))  # the one line
    monkeypatch.setattr(model_mod, "SUBSYSTEMS", reg)
    sc = tg.Scenario.from_dict({"name": "thermal", "start": "2022-06-10T00:00:00Z", "end": "2022-06-10T06:00:00Z"})
    sim = tg.Simulation(sc)
    order = [s.name for s in sim.model._order]
    assert order.index("power") < order.index("thermal")
    sim.advance()
    res = sim.result()
    # the loop rejects 1 kW for 6 h exactly (a linear store: the engine integrates it exactly)
    assert res.trajectory.final("thermal.loop_j") == pytest.approx(-1000.0 * 6 * 3600, rel=1e-12)
    assert "thermal.loop_j" in res.record.samples
    assert any(p.name == "thermal.loop_j" for p in res.record.parameters)
    paths = res.write(tmp_path / "run")
    assert "Coolant loop heat (MJ)" in paths["report"].read_text()
