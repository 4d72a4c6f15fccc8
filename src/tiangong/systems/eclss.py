"""Environmental control and life support: cabin atmosphere, O2, CO2, water.

Stores (kg): cabin O2/N2/CO2, O2 and N2 tanks, potable and waste water, food, solid waste, brine,
and two zero-holding transit stores (removed CO2, electrolysis H2).  Processes: crew metabolism
(inside and on EVA), cabin leak, CO2 removal, electrolysis, Sabatier, water recovery, O2/N2 makeup.
Regulators hold ppO2 >= set point (electrolyser, then stored O2 as backup), ppN2 >= set point and
ppCO2 <= set point, each up to its capacity; a fault sets a capacity to zero.

Partial pressures follow the ideal-gas law in the cabin free volume, ``p_i = m_i R T / (M_i V)``.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from math import inf as INF
from importlib import resources

from ..chem import R_J_MOL_K, composition, mix, molar_mass_kg
from ..crew.metabolism import bvad

DAY_S = 86400.0
M = {sp: molar_mass_kg(sp) for sp in ("O2", "N2", "CO2", "H2O", "H2", "CH4")}
# electrolysis 2 H2O -> 2 H2 + O2, per kg O2
ELEC_H2O = 2 * M["H2O"] / M["O2"]
ELEC_H2 = 2 * M["H2"] / M["O2"]
# Sabatier CO2 + 4 H2 -> CH4 + 2 H2O, per kg CO2
SAB_H2 = 4 * M["H2"] / M["CO2"]
SAB_H2O = 2 * M["H2O"] / M["CO2"]
SAB_CH4 = M["CH4"] / M["CO2"]


@lru_cache(maxsize=None)
def params() -> dict:
    with resources.files("tiangong.data.systems").joinpath("eclss.toml").open("rb") as f:
        return tomllib.load(f)


def gas_mass_kg(p_pa: float, species: str, volume_m3: float, temperature_k: float) -> float:
    """Mass of ``species`` at partial pressure ``p_pa`` in ``volume_m3`` (ideal gas)."""
    return p_pa * volume_m3 * M[species] / (R_J_MOL_K * temperature_k)


def partial_pressure_pa(mass_kg, species: str, volume_m3, temperature_k: float):
    """Partial pressure of ``mass_kg`` of ``species`` in ``volume_m3`` (ideal gas); vectorises."""
    return mass_kg * R_J_MOL_K * temperature_k / (M[species] * volume_m3)


def install(model) -> None:
    """Add ECLSS stores, processes and controllers to ``model`` (a StationModel)."""
    net = model.net
    p = params()
    met = bvad()
    c = {sp: composition(sp) for sp in M}
    net.store("eclss.cabin.o2_kg", "kg", 0.0, description="O2 in the cabin air", composition=c["O2"])
    net.store("eclss.cabin.n2_kg", "kg", 0.0, description="N2 in the cabin air", composition=c["N2"])
    net.store("eclss.cabin.co2_kg", "kg", 0.0, description="CO2 in the cabin air", composition=c["CO2"])
    net.store("eclss.tank.o2_kg", "kg", 0.0, description="stored O2 (high-pressure tanks)", composition=c["O2"])
    net.store("eclss.tank.n2_kg", "kg", 0.0, description="stored N2", composition=c["N2"])
    net.store("eclss.water.potable_kg", "kg", 0.0, description="potable water", composition=c["H2O"])
    net.store("eclss.water.waste_kg", "kg", 0.0, description="urine + condensate awaiting recovery", composition=c["H2O"])
    net.store("eclss.water.brine_kg", "kg", 0.0, description="recovery brine stowed as waste", composition=c["H2O"])
    net.store("eclss.food_kg", "kg", 0.0, description="food (solids + water)", composition=met.food_composition)
    net.store("eclss.waste.solid_kg", "kg", 0.0, description="fecal water and solids", composition=met.waste_solid_composition)
    net.store("eclss.transit.co2_kg", "kg", 0.0, -INF, INF, "removed CO2 between CDRA and Sabatier/vent", c["CO2"])
    net.store("eclss.transit.h2_kg", "kg", 0.0, -INF, INF, "electrolysis H2 between OGA and Sabatier/vent", c["H2"])
    for sp in ("O2", "N2", "CO2", "H2", "CH4", "H2O"):
        net.store(f"vent.{sp.lower()}_kg", "kg", 0.0, -INF, INF, f"{sp} vented overboard", c[sp], ledger=True)
        net.store(f"supply.{sp.lower()}_kg", "kg", 0.0, -INF, INF, f"{sp} delivered (negative)", c[sp], ledger=True)
    net.store("supply.food_kg", "kg", 0.0, -INF, INF, "food delivered (negative)", met.food_composition, ledger=True)
    net.store("eva.co2_kg", "kg", 0.0, -INF, INF, "CO2 absorbed by suit cartridges", c["CO2"], ledger=True)
    net.store("eva.h2o_kg", "kg", 0.0, -INF, INF, "water held by suits", c["H2O"], ledger=True)
    net.store("disposed.solid_kg", "kg", 0.0, -INF, INF, "solid waste taken away by cargo ships",
              met.waste_solid_composition, ledger=True)
    net.store("disposed.h2o_kg", "kg", 0.0, -INF, INF, "brine taken away by cargo ships", c["H2O"], ledger=True)

    day = DAY_S
    net.add_process("crew.metabolism", {
        "eclss.cabin.o2_kg": -met.o2_kg, "eclss.food_kg": -met.food_kg,
        "eclss.water.potable_kg": -met.potable_kg, "eclss.cabin.co2_kg": met.co2_kg,
        "eclss.water.waste_kg": met.waste_water_kg, "eclss.waste.solid_kg": met.waste_solid_kg})
    net.add_process("crew.metabolism_eva", {
        "eclss.tank.o2_kg": -met.o2_kg, "eclss.food_kg": -met.food_kg,
        "eclss.water.potable_kg": -met.potable_kg, "eva.co2_kg": met.co2_kg,
        "eva.h2o_kg": met.waste_water_kg, "eclss.waste.solid_kg": met.waste_solid_kg})
    for sp in ("o2", "n2", "co2"):
        net.add_process(f"eclss.leak.{sp}", {f"eclss.cabin.{sp}_kg": -1.0, f"vent.{sp}_kg": 1.0})
    net.add_process("eclss.co2_removal", {"eclss.cabin.co2_kg": -1.0, "eclss.transit.co2_kg": 1.0})
    net.add_process("eclss.electrolysis", {"eclss.water.potable_kg": -ELEC_H2O, "eclss.cabin.o2_kg": 1.0,
                                           "eclss.transit.h2_kg": ELEC_H2})
    net.add_process("eclss.sabatier", {"eclss.transit.co2_kg": -1.0, "eclss.transit.h2_kg": -SAB_H2,
                                       "eclss.water.potable_kg": SAB_H2O, "vent.ch4_kg": SAB_CH4})
    net.add_process("eclss.vent_co2", {"eclss.transit.co2_kg": -1.0, "vent.co2_kg": 1.0})
    net.add_process("eclss.vent_h2", {"eclss.transit.h2_kg": -1.0, "vent.h2_kg": 1.0})
    rf = p["water_recovery"]["recovery_fraction"]
    net.add_process("eclss.water_recovery", {"eclss.water.waste_kg": -1.0, "eclss.water.potable_kg": rf,
                                             "eclss.water.brine_kg": 1.0 - rf})
    net.add_process("eclss.o2_makeup", {"eclss.tank.o2_kg": -1.0, "eclss.cabin.o2_kg": 1.0})
    net.add_process("eclss.n2_makeup", {"eclss.tank.n2_kg": -1.0, "eclss.cabin.n2_kg": 1.0})

    cab = p["cabin"]
    T = cab["temperature_k"]
    leak_frac_s = cab["leak_fraction_per_day"] / day
    caps = {
        "electrolysis": p["electrolyser"]["max_o2_kg_per_day"] / day,
        "co2_removal": p["co2_removal"]["max_co2_kg_per_day"] / day,
        "water_recovery": 1.0,  # kg/s: processes the waste bus as it fills (batch-averaged)
        "sabatier": 1.0,
        "o2_makeup": 1.0,
        "n2_makeup": 1.0,
    }
    model.eclss_capacity = dict(caps)
    conv = p["sabatier"]["conversion"]

    si = net.si
    ix = {k: si(k) for k in ("eclss.cabin.o2_kg", "eclss.cabin.n2_kg", "eclss.cabin.co2_kg",
                             "eclss.water.waste_kg", "eclss.transit.h2_kg", "eclss.transit.co2_kg")}
    pi = {k: net.pi(k) for k in ("crew.metabolism", "crew.metabolism_eva", "eclss.leak.o2", "eclss.leak.n2",
                                 "eclss.leak.co2", "eclss.co2_removal", "eclss.electrolysis", "eclss.sabatier",
                                 "eclss.vent_co2", "eclss.vent_h2", "eclss.water_recovery", "eclss.o2_makeup",
                                 "eclss.n2_makeup")}
    f = model.faults

    def controller(net) -> None:
        a, x = net.a, net.x
        V = model.free_volume_m3
        a[pi["crew.metabolism"]] = model.metabolic_pace_inside
        a[pi["crew.metabolism_eva"]] = model.metabolic_pace_eva
        extra = model.leak_extra_fraction_s
        for sp in ("o2", "n2", "co2"):
            a[pi[f"eclss.leak.{sp}"]] = (leak_frac_s + extra) * x[ix[f"eclss.cabin.{sp}_kg"]]
        # CO2 removal holds ppCO2 <= set point
        lvl = gas_mass_kg(cab["ppco2_setpoint_pa"], "CO2", V, T)
        net.hold(ix["eclss.cabin.co2_kg"], lvl, pi["eclss.co2_removal"],
                 caps["co2_removal"] * f.get("co2_removal", 1.0), raises=False)
        # electrolysis holds ppO2 >= set point; stored O2 backs it up at a lower set point
        lvl = gas_mass_kg(cab["ppo2_setpoint_pa"], "O2", V, T)
        e = net.hold(ix["eclss.cabin.o2_kg"], lvl, pi["eclss.electrolysis"],
                     caps["electrolysis"] * f.get("electrolysis", 1.0) * model.power_ok, raises=True)
        lvl = gas_mass_kg(cab["ppo2_backup_pa"], "O2", V, T)
        net.hold(ix["eclss.cabin.o2_kg"], lvl, pi["eclss.o2_makeup"], caps["o2_makeup"], raises=True)
        lvl = gas_mass_kg(cab["ppn2_setpoint_pa"], "N2", V, T)
        net.hold(ix["eclss.cabin.n2_kg"], lvl, pi["eclss.n2_makeup"], caps["n2_makeup"], raises=True)
        # Sabatier: H2-limited, fed by the CO2 just removed; the rest of both is vented
        h2 = e * ELEC_H2
        co2 = a[pi["eclss.co2_removal"]]
        s = min(conv * h2 / SAB_H2, co2) * f.get("sabatier", 1.0)
        a[pi["eclss.sabatier"]] = s
        a[pi["eclss.vent_h2"]] = h2 - s * SAB_H2
        a[pi["eclss.vent_co2"]] = co2 - s
        # water recovery keeps the waste bus empty while it works
        net.hold(ix["eclss.water.waste_kg"], 0.0, pi["eclss.water_recovery"],
                 caps["water_recovery"] * f.get("water_recovery", 1.0), raises=False)
        model.aux_power["eclss"] = (e * p["electrolyser"]["energy_j_per_kg_o2"]
                                    + p["co2_removal"]["power_w"] * (co2 > 0)
                                    + p["water_recovery"]["power_w"])

    net.controllers.append(controller)


def initial_cabin(volume_m3: float) -> dict[str, float]:
    """Cabin gas masses (kg) at the set points for a free volume."""
    cab = params()["cabin"]
    T = cab["temperature_k"]
    return {
        "eclss.cabin.o2_kg": gas_mass_kg(cab["ppo2_setpoint_pa"], "O2", volume_m3, T),
        "eclss.cabin.n2_kg": gas_mass_kg(cab["ppn2_setpoint_pa"], "N2", volume_m3, T),
        "eclss.cabin.co2_kg": gas_mass_kg(cab["ppco2_setpoint_pa"] * 0.5, "CO2", volume_m3, T),
    }


__all__ = ["install", "params", "partial_pressure_pa", "gas_mass_kg", "initial_cabin", "mix"]
