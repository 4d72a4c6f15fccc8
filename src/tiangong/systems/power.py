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

import tomllib
from functools import lru_cache
from math import inf as INF
from importlib import resources


@lru_cache(maxsize=None)
def params() -> dict:
    with resources.files("tiangong.data.systems").joinpath("power.toml").open("rb") as f:
        return tomllib.load(f)


def array_power_w(p_degraded_w: float, sunlit: float) -> float:
    """Array output (W) of arrays rated ``p_degraded_w`` at normal incidence and 1 AU (already
    degraded for age), with the tracking factor and the sunlit fraction applied."""
    return p_degraded_w * params()["tracking_factor"] * sunlit


def install(model) -> None:
    net = model.net
    p = params()
    b = p["battery"]
    cap0 = model.battery_capacity_j
    net.store("power.battery_j", "J", cap0, b["min_soc"] * cap0, cap0, "battery stored energy")
    net.store("power.bus_j", "J", 0.0, -INF, INF, "bus (transit, holds zero)")
    for name, desc in (("energy.sun_j", "solar energy converted (negative)"),
                       ("energy.loads_j", "energy delivered to loads"),
                       ("energy.loss_j", "battery charge/discharge losses")):
        net.store(name, "J", 0.0, -INF, INF, desc, ledger=True)
    ec, ed = b["charge_efficiency"], b["discharge_efficiency"]
    net.add_process("power.solar", {"energy.sun_j": -1.0, "power.bus_j": 1.0})
    net.add_process("power.loads", {"power.bus_j": -1.0, "energy.loads_j": 1.0})
    net.add_process("power.charge", {"power.bus_j": -1.0, "power.battery_j": ec, "energy.loss_j": 1.0 - ec})
    net.add_process("power.discharge", {"power.battery_j": -1.0 / ed, "power.bus_j": 1.0,
                                        "energy.loss_j": 1.0 / ed - 1.0})
    i_solar, i_loads = net.pi("power.solar"), net.pi("power.loads")
    i_ch, i_dis = net.pi("power.charge"), net.pi("power.discharge")
    loads = p["loads_w"]
    per_crew = loads["per_crew"]

    def controller(net) -> None:
        a = net.a
        solar = model.array_power_w(model.sunlit)
        load = (sum(loads.get(m, 0.0) for m in model.modules)
                + sum(loads.get(v.type, 0.0) for v in model.vehicles.values())
                + sum(per_crew[c.activity] for c in model.crew.values())
                + (loads["eva_support"] if any(c.activity == "eva" for c in model.crew.values()) else 0.0)
                + sum(model.aux_power.values()))
        model.load_w = load
        model.solar_w = solar
        a[i_solar] = solar
        a[i_loads] = load
        surplus = solar - load
        if surplus >= 0.0:
            a[i_ch] = surplus
        else:
            a[i_dis] = -surplus

    net.controllers.append(controller)
