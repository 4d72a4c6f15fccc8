"""Environmental control and life support: cabin atmosphere, O2, CO2, water.

Stores (kg): cabin O2/N2/CO2, O2 and N2 tanks, potable and waste water, food, solid waste, brine,
and two zero-holding transit stores (removed CO2, electrolysis H2).  Processes: crew metabolism
(inside and on EVA), cabin leak, CO2 removal, electrolysis, Sabatier, water recovery, O2/N2 makeup.
Regulators hold ppO2 >= set point (electrolyser, then stored O2 as backup), ppN2 >= set point and
ppCO2 <= set point, each up to its capacity; a fault sets a capacity to zero.

Partial pressures follow the ideal-gas law in the cabin free volume, ``p_i = m_i R T / (M_i V)``.
"""

from __future__ import annotations

import math
from math import inf as INF

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


def params():
    """The packaged ECLSS parameters (``data/systems/eclss.toml``) as a pydantic model."""
    from ..config.parameters import default_parameters

    return default_parameters().eclss


def gas_mass_kg(p_pa: float, species: str, volume_m3: float, temperature_k: float) -> float:
    """Mass of ``species`` at partial pressure ``p_pa`` in ``volume_m3`` (ideal gas)."""
    return p_pa * volume_m3 * M[species] / (R_J_MOL_K * temperature_k)


def partial_pressure_pa(mass_kg, species: str, volume_m3, temperature_k: float):
    """Partial pressure of ``mass_kg`` of ``species`` in ``volume_m3`` (ideal gas); vectorises."""
    return mass_kg * R_J_MOL_K * temperature_k / (M[species] * volume_m3)


FAULTS = {"electrolyser_off": "electrolysis", "co2_removal_off": "co2_removal",
          "water_recovery_off": "water_recovery", "sabatier_off": "sabatier"}
"""Fault kinds of this subsystem -> the machine whose capacity they cut."""


class Eclss:
    """Life support as a subsystem (see :mod:`tiangong.subsystem`)."""

    name = "eclss"
    inputs = ("crew.pace_inside", "crew.pace_eva", "station.free_volume_m3", "power.available")
    outputs = ("eclss.power_w", "eclss.electrolysis_w", "eclss.electrolysis_demand_w")
    feedback = ("power.available",)  # load shedding: power decides after seeing this demand
    aux = ("volume_m3",)

    def __init__(self, p) -> None:
        self.p = p                      # EclssParams
        self.capacity_factor: dict[str, float] = {}   # machine -> remaining capacity fraction (faults)
        self.leak_extra_fraction_s = 0.0              # an extra leak (cabin_leak fault), 1/s

    def state(self) -> dict:
        return {"capacity_factor": dict(self.capacity_factor), "leak_extra_fraction_s": self.leak_extra_fraction_s}

    def load_state(self, st: dict) -> None:
        self.capacity_factor = dict(st["capacity_factor"])
        self.leak_extra_fraction_s = st["leak_extra_fraction_s"]

    def install(self, net, ctx) -> None:
        """Add ECLSS stores and processes to ``net``; ``ctx.signals`` carries the inputs."""
        self.ctx = ctx
        p = self.p
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
        rf = p.water_recovery.recovery_fraction
        net.add_process("eclss.water_recovery", {"eclss.water.waste_kg": -1.0, "eclss.water.potable_kg": rf,
                                                 "eclss.water.brine_kg": 1.0 - rf})
        net.add_process("eclss.o2_makeup", {"eclss.tank.o2_kg": -1.0, "eclss.cabin.o2_kg": 1.0})
        net.add_process("eclss.n2_makeup", {"eclss.tank.n2_kg": -1.0, "eclss.cabin.n2_kg": 1.0})
        self.reconfigure()
        si = net.si
        self._ix = {k: si(k) for k in ("eclss.cabin.o2_kg", "eclss.cabin.n2_kg", "eclss.cabin.co2_kg",
                                       "eclss.water.waste_kg")}
        self._pi = {k: net.pi(k) for k in (
            "crew.metabolism", "crew.metabolism_eva", "eclss.leak.o2", "eclss.leak.n2", "eclss.leak.co2",
            "eclss.co2_removal", "eclss.electrolysis", "eclss.sabatier", "eclss.vent_co2", "eclss.vent_h2",
            "eclss.water_recovery", "eclss.o2_makeup", "eclss.n2_makeup")}

    def reconfigure(self) -> None:
        """Machine capacities from the parameters (again after a ``set`` command)."""
        p = self.p
        self._caps = {
            "electrolysis": p.electrolyser.max_o2_kg_per_day / DAY_S,
            "co2_removal": p.co2_removal.max_co2_kg_per_day / DAY_S,
            "water_recovery": 1.0,  # kg/s: processes the waste bus as it fills (batch-averaged)
            "sabatier": 1.0,
            "o2_makeup": 1.0,
            "n2_makeup": 1.0,
        }

    def control(self, net) -> None:
        p, cab, sig, ix, pi = self.p, self.p.cabin, self.ctx.signals, self._ix, self._pi
        f = self.capacity_factor
        caps = self._caps
        a, x = net.a, net.x
        V = sig["station.free_volume_m3"]
        T = cab.temperature_k
        a[pi["crew.metabolism"]] = sig["crew.pace_inside"]
        a[pi["crew.metabolism_eva"]] = sig["crew.pace_eva"]
        leak = cab.leak_fraction_per_day / DAY_S + self.leak_extra_fraction_s
        for sp in ("o2", "n2", "co2"):
            a[pi[f"eclss.leak.{sp}"]] = leak * x[ix[f"eclss.cabin.{sp}_kg"]]
        # CO2 removal holds ppCO2 <= set point
        net.hold(ix["eclss.cabin.co2_kg"], gas_mass_kg(cab.ppco2_setpoint_pa, "CO2", V, T), pi["eclss.co2_removal"],
                 caps["co2_removal"] * f.get("co2_removal", 1.0), raises=False)
        # electrolysis holds ppO2 >= set point as far as the power bus lets it (load shedding);
        # stored O2 backs it up at a lower set point
        cap_e = caps["electrolysis"] * f.get("electrolysis", 1.0)
        demand = net.hold(ix["eclss.cabin.o2_kg"], gas_mass_kg(cab.ppo2_setpoint_pa, "O2", V, T),
                          pi["eclss.electrolysis"], cap_e, raises=True)
        e = min(demand, cap_e * sig["power.available"])
        a[pi["eclss.electrolysis"]] = e
        net.hold(ix["eclss.cabin.o2_kg"], gas_mass_kg(cab.ppo2_backup_pa, "O2", V, T), pi["eclss.o2_makeup"],
                 caps["o2_makeup"], raises=True)
        net.hold(ix["eclss.cabin.n2_kg"], gas_mass_kg(cab.ppn2_setpoint_pa, "N2", V, T), pi["eclss.n2_makeup"],
                 caps["n2_makeup"], raises=True)
        # Sabatier: H2-limited, fed by the CO2 just removed; the rest of both is vented
        h2 = e * ELEC_H2
        co2 = a[pi["eclss.co2_removal"]]
        s = min(p.sabatier.conversion * h2 / SAB_H2, co2) * f.get("sabatier", 1.0)
        a[pi["eclss.sabatier"]] = s
        a[pi["eclss.vent_h2"]] = h2 - s * SAB_H2
        a[pi["eclss.vent_co2"]] = co2 - s
        # water recovery keeps the waste bus empty while it works
        net.hold(ix["eclss.water.waste_kg"], 0.0, pi["eclss.water_recovery"],
                 caps["water_recovery"] * f.get("water_recovery", 1.0), raises=False)
        j_kg = p.electrolyser.energy_j_per_kg_o2
        sig["eclss.electrolysis_w"] = e * j_kg
        sig["eclss.electrolysis_demand_w"] = demand * j_kg
        sig["eclss.power_w"] = p.co2_removal.power_w * (co2 > 0) + p.water_recovery.power_w
        net.aux["volume_m3"] = V

    # ------------------------------------------------------------------ faults
    def set_fault(self, kind: str, severity: float, on: bool, hole_diameter_mm: float | None = None) -> None:
        """Start (``on``) or clear a fault of this subsystem."""
        if kind in FAULTS:
            self.capacity_factor[FAULTS[kind]] = (1.0 - severity) if on else 1.0
        elif kind == "cabin_leak":
            self.leak_extra_fraction_s = (leak_fraction_s(hole_diameter_mm, self.p.cabin.temperature_k,
                                                          self.ctx.signals["station.free_volume_m3"])
                                          if on else 0.0)
        else:
            raise KeyError(kind)

    # ------------------------------------------------------------------ telemetry
    def telemetry(self) -> list:
        from ..subsystem import Telemetry

        lim, T = self.p.limits, self.p.cabin.temperature_k

        def pp(sp):
            return lambda v: partial_pressure_pa(v.st(f"eclss.cabin.{sp}_kg"), sp.upper(), v.ax("volume_m3"), T)

        def total(v):
            return sum(pp(sp)(v) for sp in ("o2", "n2", "co2"))

        return [
            Telemetry("eclss.cabin.ppo2_pa", "Pa", "cabin O2 partial pressure", "eclss",
                      lim.ppo2_warn_lo_pa, lim.ppo2_warn_hi_pa, lim.ppo2_limit_lo_pa, lim.ppo2_limit_hi_pa, fn=pp("o2")),
            Telemetry("eclss.cabin.ppco2_pa", "Pa", "cabin CO2 partial pressure", "eclss",
                      None, lim.ppco2_warn_hi_pa, None, lim.ppco2_limit_hi_pa, fn=pp("co2")),
            Telemetry("eclss.cabin.ppn2_pa", "Pa", "cabin N2 partial pressure", "eclss", fn=pp("n2")),
            Telemetry("eclss.cabin.pressure_pa", "Pa", "cabin total pressure (O2+N2+CO2)", "eclss",
                      lim.pressure_warn_lo_pa, None, lim.pressure_limit_lo_pa, lim.pressure_limit_hi_pa, fn=total),
            Telemetry("eclss.cabin.free_volume_m3", "m3", "cabin free gas volume", "eclss", fn=lambda v: v.ax("volume_m3")),
            Telemetry("eclss.tank.o2_kg", "kg", "stored O2", "eclss", 20.0, None, 0.0, None),
            Telemetry("eclss.tank.n2_kg", "kg", "stored N2", "eclss", 20.0, None, 0.0, None),
            Telemetry("eclss.water.potable_kg", "kg", "potable water", "eclss", 100.0, None, 0.0, None),
            Telemetry("eclss.water.waste_kg", "kg", "waste water awaiting recovery", "eclss"),
            Telemetry("eclss.water.brine_kg", "kg", "brine stowed", "eclss"),
            Telemetry("eclss.food_kg", "kg", "food aboard", "eclss", 50.0, None, 0.0, None),
            Telemetry("eclss.waste.solid_kg", "kg", "solid waste stowed", "eclss"),
        ]

    plots = (("eclss.cabin.ppo2_pa", "Cabin O₂ partial pressure (kPa)", "kPa", 1e-3),
             ("eclss.cabin.ppco2_pa", "Cabin CO₂ partial pressure (Pa)", "Pa", 1.0),
             ("eclss.water.potable_kg", "Potable water (kg)", "kg", 1.0),
             ("eclss.tank.o2_kg", "Stored O₂ (kg)", "kg", 1.0))
    table = (("eclss.cabin.ppo2_pa", "ppO2 kPa", 1e-3, "%.2f"), ("eclss.cabin.ppco2_pa", "ppCO2 kPa", 1e-3, "%.3f"),
             ("eclss.cabin.pressure_pa", "pressure kPa", 1e-3, "%.1f"), ("eclss.water.potable_kg", "potable water kg", 1, "%.0f"),
             ("eclss.tank.o2_kg", "stored O2 kg", 1, "%.1f"), ("eclss.food_kg", "food kg", 1, "%.0f"))


def leak_fraction_s(hole_diameter_mm: float, temperature_k: float, free_volume_m3: float) -> float:
    """Fraction of cabin gas lost per second through a hole (choked orifice, C_d = 0.6).

    ``mdot = C_d A p sqrt(gamma / (R_s T)) (2/(gamma+1))^((gamma+1)/(2(gamma-1)))``; the fraction
    ``mdot / m_cabin = C_d A sqrt(gamma R_s T) (2/(gamma+1))^(...) / V`` is independent of pressure,
    so the leak is exponential in time and the piecewise-constant engine re-evaluates it at events.
    """
    gamma, r_air = 1.4, 287.05
    area = math.pi * (hole_diameter_mm * 1e-3 / 2.0) ** 2
    k = 0.6 * area * math.sqrt(gamma * r_air * temperature_k) * (2.0 / (gamma + 1.0)) ** ((gamma + 1.0) / (2.0 * (gamma - 1.0)))
    return k / free_volume_m3


def initial_cabin(volume_m3: float, cab=None) -> dict[str, float]:
    """Cabin gas masses (kg) at the set points for a free volume."""
    cab = cab or params().cabin
    T = cab.temperature_k
    return {
        "eclss.cabin.o2_kg": gas_mass_kg(cab.ppo2_setpoint_pa, "O2", volume_m3, T),
        "eclss.cabin.n2_kg": gas_mass_kg(cab.ppn2_setpoint_pa, "N2", volume_m3, T),
        "eclss.cabin.co2_kg": gas_mass_kg(cab.ppco2_setpoint_pa * 0.5, "CO2", volume_m3, T),
    }


__all__ = ["Eclss", "FAULTS", "leak_fraction_s", "params", "partial_pressure_pa", "gas_mass_kg", "initial_cabin", "mix"]
