"""Electrical power: sun-tracking arrays per module, Li-ion battery, loads, shunting.

Array output ``P = P_degraded * tracking * sunlit`` where ``P_degraded`` is each module's
beginning-of-life rating compounded down by its own degradation rate since its launch (station
data), and the sunlit fraction is 1 in sunlight, 0.5 in penumbra, 0 in umbra (eclipse boundaries are engine events).  The
bus balances at every event: a surplus charges the battery through ``charge_efficiency`` (the
excess over a full battery is shunted: the battery's ``overflow`` ledger), a deficit discharges it
through ``discharge_efficiency``; at the depth-of-discharge floor the unmet load is booked in the
battery's ``deficit`` ledger (load shed).  Energy ledgers close the balance exactly.

Loads: per module (housekeeping + payloads), per docked vehicle type, per crew member by what they
are doing (sleep, work, exercise, EVA: the timeline's modes), life-support machines by their
current throughput, and EVA support while a spacewalk is under way.
"""

from __future__ import annotations

from math import inf as INF


def params():
    """The packaged power parameters (``data/systems/power.toml``) as a pydantic model."""
    from ..config.parameters import default_parameters

    return default_parameters().power


def array_power_w(p_degraded_w: float, sunlit: float, tracking_factor: float | None = None) -> float:
    """Array output (W) of arrays rated ``p_degraded_w`` at normal incidence and 1 AU (already
    degraded for age), with the tracking factor and the sunlit fraction applied."""
    tf = params().tracking_factor if tracking_factor is None else tracking_factor
    return p_degraded_w * tf * sunlit


def battery_capacity_j(p, module_names) -> float:
    """Battery capacity (J): the ``capacity_j`` override, else the sum over the modules aboard."""
    b = p.battery
    if b.capacity_j is not None:
        return b.capacity_j
    return sum(b.capacity_j_per_module.get(m, 0.0) for m in module_names)


class Power:
    """Electrical power as a subsystem (see :mod:`tiangong.subsystem`).

    Load shedding: while the battery sits on its depth-of-discharge floor and the arrays cannot
    carry the bus, the electrolyser (the one large deferrable load) gets only what the arrays
    leave after the other loads (``power.available``, fed back to ECLSS at the same event); any
    remaining shortfall is booked in the battery's ``deficit`` ledger."""

    name = "power"
    inputs = ("orbit.sunlit", "power.array_w", "station.modules", "station.vehicle_types", "crew.activities",
              "eclss.power_w", "eclss.electrolysis_w", "eclss.electrolysis_demand_w")
    outputs = ("power.available", "power.load_w", "power.solar_w")
    feedback = ()
    aux = ("solar_w", "load_w", "battery_cap_j")

    def __init__(self, p) -> None:
        self.p = p  # PowerParams

    def state(self) -> dict:
        return {}

    def load_state(self, st: dict) -> None:
        pass

    def install(self, net, ctx) -> None:
        self.ctx = ctx
        b = self.p.battery
        net.store("power.battery_j", "J", 0.0, 0.0, 1.0, "battery stored energy")  # bounds set by the model
        net.store("power.bus_j", "J", 0.0, -INF, INF, "bus (transit, holds zero)")
        for name, desc in (("energy.sun_j", "solar energy converted (negative)"),
                           ("energy.loads_j", "energy delivered to loads"),
                           ("energy.loss_j", "battery charge/discharge losses")):
            net.store(name, "J", 0.0, -INF, INF, desc, ledger=True)
        ec, ed = b.charge_efficiency, b.discharge_efficiency
        net.add_process("power.solar", {"energy.sun_j": -1.0, "power.bus_j": 1.0})
        net.add_process("power.loads", {"power.bus_j": -1.0, "energy.loads_j": 1.0})
        net.add_process("power.charge", {"power.bus_j": -1.0, "power.battery_j": ec, "energy.loss_j": 1.0 - ec})
        net.add_process("power.discharge", {"power.battery_j": -1.0 / ed, "power.bus_j": 1.0,
                                            "energy.loss_j": 1.0 / ed - 1.0})
        self._i = (net.pi("power.solar"), net.pi("power.loads"), net.pi("power.charge"), net.pi("power.discharge"))
        self._batt = net.si("power.battery_j")

    def control(self, net) -> None:
        sig = self.ctx.signals
        i_solar, i_loads, i_ch, i_dis = self._i
        a = net.a
        solar = array_power_w(sig["power.array_w"], sig["orbit.sunlit"], self.p.tracking_factor)
        base = (self.base_load_w(sig["station.modules"], sig["station.vehicle_types"], sig["crew.activities"])
                + sig["eclss.power_w"])
        load = base + sig["eclss.electrolysis_w"]
        # at the floor the battery gives nothing: the electrolyser gets what the arrays leave
        floor = net.x[self._batt] <= net.lo[self._batt] + 1e-12 * max(1.0, net.hi[self._batt])
        demand = sig["eclss.electrolysis_demand_w"]
        if floor and solar < base + demand and demand > 0.0:
            sig["power.available"] = min(1.0, max(0.0, (solar - base) / demand))
        else:
            sig["power.available"] = 1.0
        sig["power.load_w"] = load
        sig["power.solar_w"] = solar
        a[i_solar] = solar
        a[i_loads] = load
        surplus = solar - load
        if surplus >= 0.0:
            a[i_ch] = surplus
        else:
            a[i_dis] = -surplus
        net.aux["solar_w"] = solar
        net.aux["load_w"] = load
        net.aux["battery_cap_j"] = net.hi[self._batt]

    def base_load_w(self, modules, vehicle_types, activities) -> float:
        """Loads that do not depend on life-support throughput (W): modules, docked vehicles,
        crew by activity, EVA support while a spacewalk is under way."""
        L = self.p.loads_w
        pc = L.per_crew
        return (sum(L.by_module.get(m, 0.0) for m in modules)
                + sum(L.by_vehicle.get(v, 0.0) for v in vehicle_types)
                + sum(getattr(pc, act) for act in activities)
                + (L.eva_support if "eva" in activities else 0.0))

    def telemetry(self) -> list:
        from ..subsystem import Telemetry

        b = self.p.battery
        return [
            Telemetry("power.battery.soc", "1", "battery state of charge", "power", b.warn_soc, None, b.min_soc, None,
                      fn=lambda v: v.st("power.battery_j") / v.ax("battery_cap_j")),
            Telemetry("power.battery.energy_j", "J", "battery stored energy", "power", fn=lambda v: v.st("power.battery_j")),
            Telemetry("power.solar_w", "W", "array output", "power", fn=lambda v: v.ax("solar_w")),
            Telemetry("power.load_w", "W", "bus load", "power", fn=lambda v: v.ax("load_w")),
        ]

    plots = (("power.battery.soc", "Battery state of charge (%)", "%", 100.0),)
    table = (("power.battery.soc", "battery SOC", 1, "%.3f"),)
