"""The station model: subsystems wired into one resource network, driven by dated events.

``StationModel`` holds the configuration that changes at events (modules, docked vehicles, crew
and what each crew member is doing, sunlit fraction, faults) and turns the scenario and the
station history into scheduled engine events.  The physics lives in ``tiangong.systems`` and
``tiangong.crew``; this module only wires it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from .. import station as station_layer
from ..crew import timeline
from ..crew.metabolism import bvad
from ..systems import eclss, power, propulsion
from ..errors import InputError
from ..timeutil import seconds_between
from .network import Network
from .scenario import Scenario

AIR_SPECIES = ("o2", "n2", "co2")


@dataclass(frozen=True)
class VehicleInfo:
    """A docked visiting vehicle as the model needs it (SI)."""

    name: str
    type: str
    mass_kg: float
    length_m: float
    diameter_m: float
    pressurized_volume_m3: float


def _vehicle_info(config: str, name: str, type_: str, variant, mass_kg) -> VehicleInfo:
    vt = station_layer.load_config(config).vehicle_type(type_, variant)
    return VehicleInfo(name, type_, float(mass_kg or vt.mass_kg), vt.length_m, vt.diameter_m,
                       vt.pressurized_volume_m3)


@dataclass
class CrewMember:
    name: str
    activity: str = "nominal"   # sleep | nominal | exercise | eva


@dataclass
class StationModel:
    scenario: Scenario
    net: Network = field(default_factory=Network)
    modules: dict[str, object] = field(default_factory=dict)      # name -> module record
    vehicles: dict[str, VehicleInfo] = field(default_factory=dict)  # docked, by name
    crew: dict[str, CrewMember] = field(default_factory=dict)
    sunlit: float = 1.0
    faults: dict[str, float] = field(default_factory=dict)        # capacity multipliers
    aux_power: dict[str, float] = field(default_factory=dict)
    leak_extra_fraction_s: float = 0.0
    power_ok: float = 1.0
    array_derate: float = 1.0
    propellant_used_kg: float = 0.0
    reboosts: list = field(default_factory=list)
    reboost_enabled: bool = True
    load_w: float = 0.0
    solar_w: float = 0.0
    _airlock_out_m3: float = 0.0  # airlock volume isolated from the cabin during an EVA

    # ------------------------------------------------------------------ derived configuration
    @property
    def crew_count(self) -> int:
        return len(self.crew)

    @property
    def metabolic_pace_inside(self) -> float:
        pace = self._met.pace
        return sum(pace[c.activity] for c in self.crew.values() if c.activity != "eva")

    @property
    def metabolic_pace_eva(self) -> float:
        return sum(self._met.pace["eva"] for c in self.crew.values() if c.activity == "eva")

    @property
    def pressurized_volume_m3(self) -> float:
        v = sum(m.pressurized_volume_m3 for m in self.modules.values())
        v += sum(vi.pressurized_volume_m3 for vi in self.vehicles.values())
        return v

    @property
    def free_volume_m3(self) -> float:
        return self._free_volume

    @property
    def mass_kg(self) -> float:
        """Modules + docked vehicles (published masses) + consumables gained since the start."""
        return self._config_mass + self._consumables() - self._consumables0

    @property
    def drag_area_m2(self) -> float:
        return self._drag_area

    @property
    def battery_capacity_j(self) -> float:
        caps = power.params()["battery"]["capacity_j_per_module"]
        return sum(caps.get(m, 0.0) for m in self.modules)

    def array_power_w(self, sunlit: float) -> float:
        """Array output now (W): ratings at 1 AU, degraded for age (~0.7 %/yr) and scaled by the
        solar flux at the Earth-Sun distance of the day ((1 AU / r)^2, +-3.3 % over a year, DE421);
        both re-evaluated once a simulated day."""
        day = int(self.net.t_s // 86400.0)
        if day != self._array_day:
            when = self.epoch + dt.timedelta(days=day + 0.5)
            flux = self._flux_factor(day)
            self._array_degraded_w = flux * sum(m.array_power_at_w(when) for m in self.modules.values())
            self._array_day = day
        return power.array_power_w(self._array_degraded_w * self.array_derate, sunlit)

    def _flux_factor(self, day: int) -> float:
        """(1 AU / r_sun)^2 at noon of scenario day ``day`` (cached for the whole run at first use)."""
        if not hasattr(self, "_flux"):
            import numpy as np

            from ..orbit.sun import sun_gcrs_m

            n = int(self.scenario.duration_s // 86400.0) + 2
            r = np.linalg.norm(sun_gcrs_m(self.epoch, (np.arange(n) + 0.5) * 86400.0), axis=1)
            self._flux = (1.495978707e11 / r) ** 2  # IAU 2012 astronomical unit
        return float(self._flux[min(day, len(self._flux) - 1)])

    # ------------------------------------------------------------------ building
    def build(self) -> "StationModel":
        sc = self.scenario
        self._met = bvad()
        self.epoch = sc.start
        state = station_layer.station_at(sc.start, config=sc.station)
        for m in state.modules:
            self.modules[m.name] = m
        for v in state.vehicles:
            self.vehicles[v.name] = _vehicle_info(sc.station, v.name, v.type, v.variant, v.mass_kg)
        for name in (*state.crew, *sc.crew):
            self.crew[name] = CrewMember(name)
        self._array_day = -1
        from ..orbit import mean_altitude_m  # orbit layer: initial altitude from the nearest TLE
        self.initial_altitude_m = sc.initial.altitude_m or mean_altitude_m(sc.start, sc.tle, sc.station)
        self.reboost_floor_m = sc.reboost.floor_altitude_m
        self.reboost_target_m = sc.reboost.target_altitude_m
        self.reboost_enabled = sc.reboost.enabled
        self._refresh_geometry()
        eclss.install(self)
        power.install(self)
        propulsion.install(self)
        net = self.net
        net.controllers.append(self._aux_controller)
        net.finalize()
        # initial values
        x = net.x
        for k, v in eclss.initial_cabin(self._free_volume).items():
            x[net.si(k)] = v
        ini = sc.initial
        for k, v in (("eclss.water.potable_kg", ini.potable_water_kg), ("eclss.food_kg", ini.food_kg),
                     ("eclss.tank.o2_kg", ini.o2_tank_kg), ("eclss.tank.n2_kg", ini.n2_tank_kg),
                     ("propulsion.propellant_kg", ini.propellant_kg)):
            x[net.si(k)] = v
        self._last_cap = 0.0
        self._set_battery_capacity(self.battery_capacity_j, soc=ini.battery_soc)
        self._consumables0 = self._consumables()
        self._schedule_history()
        self._schedule_environment()
        self._schedule_crew_day()
        self._schedule_eva()
        self._schedule_faults()
        return self

    _CONSUMABLES = ("eclss.water.potable_kg", "eclss.food_kg", "eclss.tank.o2_kg", "eclss.tank.n2_kg",
                    "propulsion.propellant_kg", "eclss.water.waste_kg", "eclss.water.brine_kg",
                    "eclss.waste.solid_kg")

    def _consumables(self) -> float:
        net = self.net
        if net.x is None:
            return 0.0
        if not hasattr(self, "_consumable_ix"):
            self._consumable_ix = [net.si(k) for k in self._CONSUMABLES]
        return float(net.x[self._consumable_ix].sum())

    def _refresh_geometry(self) -> None:
        self._free_volume = (self.pressurized_volume_m3 * eclss.params()["cabin"]["free_volume_fraction"]
                             - self._airlock_out_m3)
        self._config_mass = (sum(m.mass_kg for m in self.modules.values())
                             + sum(vi.mass_kg for vi in self.vehicles.values()))
        side = sum(m.length_m * (m.diameter_m or 0.0) for m in self.modules.values())
        side += sum(vi.length_m * vi.diameter_m for vi in self.vehicles.values())
        arrays = sum(m.array_area_m2 for m in self.modules.values())
        self._drag_area = propulsion.params()["drag"]["area_factor"] * (side + arrays)

    def _aux_controller(self, net: Network) -> None:
        net.aux.update(sunlit=self.sunlit, crew=self.crew_count, volume_m3=self._free_volume,
                       mass_kg=self.mass_kg, solar_w=self.solar_w, load_w=self.load_w,
                       battery_cap_j=self.net.hi[self._i_batt], eva=sum(c.activity == "eva" for c in self.crew.values()))

    # ------------------------------------------------------------------ instantaneous changes
    def _transfer(self, src: str, dst: str, amount: float) -> None:
        x = self.net.x
        x[self.net.si(src)] -= amount
        x[self.net.si(dst)] += amount

    def _set_battery_capacity(self, cap: float, soc: float | None = None) -> None:
        """Set the battery capacity; a module that arrives brings its battery charged."""
        net = self.net
        i = self._i_batt = net.si("power.battery_j")
        old = net.x[i]
        b = power.params()["battery"]
        net.hi[i] = cap
        net.lo[i] = b["min_soc"] * cap
        net._scale[i] = max(1.0, cap)
        net.bounds_changed()
        new = cap * soc if soc is not None else old + max(0.0, cap - self._last_cap)
        net.x[i] = min(max(new, net.lo[i]), cap)
        net.x[net.si("energy.sun_j")] -= net.x[i] - old  # book the energy that arrived with the module
        self._last_cap = cap

    def _reconfigure(self) -> None:
        """Modules/vehicles changed: geometry, cabin gas (arrives/leaves at cabin conditions), battery."""
        net = self.net
        self._array_day = -1
        old_v = self._free_volume
        self._refresh_geometry()
        for sp in AIR_SPECIES:
            i = net.si(f"eclss.cabin.{sp}_kg")
            delta = net.x[i] * (self._free_volume / old_v - 1.0)
            net.x[i] += delta
            net.x[net.si(f"supply.{sp}_kg")] -= delta
        cap = self.battery_capacity_j
        if cap != self._last_cap:
            self._set_battery_capacity(cap)

    # ------------------------------------------------------------------ scheduled events
    def _t(self, when: dt.datetime) -> float:
        return seconds_between(self.epoch, when)

    def _schedule_history(self) -> None:
        sc = self.scenario
        for ev in station_layer.history(sc.station):
            if not (sc.start < ev.time <= sc.end) or ev.kind == "eva":  # EVAs come from the scenario
                continue
            self.net.schedule(self._t(ev.time), lambda net, ev=ev: self._apply_history(ev),
                              kind=f"station.{ev.kind}", source="history", detail=_describe(ev), priority=5)

    def _apply_history(self, ev) -> None:
        k = ev.kind
        if k == "module_dock":
            self.modules[ev.name] = station_layer.load_config(self.scenario.station).module(ev.name)
            self._reconfigure()
        elif k == "vehicle_dock":
            self.vehicles[ev.name] = _vehicle_info(self.scenario.station, ev.name, ev.vehicle_type,
                                                       ev.variant, ev.mass_kg)
            self._reconfigure()
            if ev.cargo is not None:
                self._unload(ev.cargo)
        elif k == "vehicle_undock":
            if ev.name in self.vehicles:
                if self.vehicles[ev.name].type == "tianzhou":  # cargo ships leave with the trash
                    x, si = self.net.x, self.net.si
                    self._transfer("eclss.waste.solid_kg", "disposed.solid_kg", x[si("eclss.waste.solid_kg")])
                    self._transfer("eclss.water.brine_kg", "disposed.h2o_kg", x[si("eclss.water.brine_kg")])
                del self.vehicles[ev.name]
                self._reconfigure()
        elif k == "crew_arrive":
            for n in ev.crew:
                self.crew[n] = CrewMember(n, timeline.activity_at(self._time_of_day_s()))
        elif k == "crew_depart":
            for n in ev.crew:
                self.crew.pop(n, None)

    def _unload(self, cargo) -> None:
        """Tianzhou cargo into the station's stores: water, O2, N2, propellant and food.

        Food is not itemised in any published manifest: it is the BVAD food mass (solids + water,
        1.56 kg per crew member-day) times the crew-days the ship was loaded for (history file)."""
        food = (cargo.crew_days or 0.0) * self._met.food_kg
        for store, amount in (("eclss.water.potable_kg", cargo.water_kg), ("eclss.tank.o2_kg", cargo.o2_kg),
                              ("eclss.tank.n2_kg", cargo.n2_kg), ("propulsion.propellant_kg", cargo.propellant_kg),
                              ("eclss.food_kg", food)):
            if amount:
                self._deliver(store, float(amount))
        self.net.emit("station.cargo_unloaded", "history",
                      f"water {cargo.water_kg or 0:.0f} kg, O2 {cargo.o2_kg or 0:.0f} kg, N2 {cargo.n2_kg or 0:.0f} kg, "
                      f"propellant {cargo.propellant_kg or 0:.0f} kg, food {food:.0f} kg")

    def _deliver(self, store: str, amount_kg: float) -> None:
        ledger = {"eclss.water.potable_kg": "supply.h2o_kg", "eclss.tank.o2_kg": "supply.o2_kg",
                  "eclss.tank.n2_kg": "supply.n2_kg", "eclss.food_kg": "supply.food_kg",
                  "propulsion.propellant_kg": "supply.propellant_kg"}[store]
        self._transfer(ledger, store, amount_kg)

    def _time_of_day_s(self) -> float:
        """Seconds since the UTC midnight (modulo days) now."""
        return self.net.t_s + self._tod0()

    def _tod0(self) -> float:
        """Seconds from the previous UTC midnight to the scenario epoch."""
        e = self.epoch
        return e.hour * 3600 + e.minute * 60 + e.second + e.microsecond * 1e-6

    def _schedule_crew_day(self) -> None:
        t0 = self._tod0()
        for t_s, name_slot, activity in timeline.transitions(t0, self.scenario.duration_s):
            self.net.schedule(t_s, lambda net, slot=name_slot, act=activity: self._crew_activity(slot, act),
                              priority=20)
        # start: everyone aboard does what the timeline says
        for c in self.crew.values():
            c.activity = timeline.activity_at(t0)

    def _crew_activity(self, slot, activity: str) -> None:
        """Timeline transition for crew slot (``None`` = everyone, an int = the k-th crew member)."""
        names = sorted(self.crew)
        targets = names if slot is None else ([names[slot]] if slot < len(names) else [])
        for n in targets:
            c = self.crew[n]
            if c.activity == "eva":
                continue
            if activity == "end_exercise":
                c.activity = "nominal" if c.activity == "exercise" else c.activity
            elif activity == "exercise" and c.activity == "sleep":
                continue
            else:
                c.activity = activity

    def _schedule_environment(self) -> None:
        from ..orbit import scenario_eclipse_events
        times, kinds = scenario_eclipse_events(self.epoch, self.scenario.duration_s, self.scenario.tle,
                                                self.scenario.station)
        frac = power.params()["penumbra_fraction"]
        level = {"penumbra_start": frac, "umbra_start": 0.0, "umbra_end": frac, "penumbra_end": 1.0}
        self.n_eclipses = int(sum(1 for k in kinds if k == "umbra_start"))
        self.sunlit = timeline_sunlit_at_start(kinds)
        for t_s, kind in zip(times, kinds):
            self.net.schedule(float(t_s), lambda net, s=level[kind]: setattr(self, "sunlit", s),
                              kind=f"eclipse.{kind}", source="orbit", priority=1)

    def _schedule_eva(self) -> None:
        from ..eva.airlock import load_airlock  # one source for airlock volumes (data/eva/airlock.toml)

        sc = self.scenario
        for i, e in enumerate(sc.eva):
            aboard = set(station_layer.station_at(e.start, config=sc.station).crew) | set(sc.crew)
            missing = [n for n in e.crew if n not in aboard]
            if missing:
                raise InputError(sc.source_file or sc.name,
                                 f"eva[{i}].crew: {', '.join(missing)} not aboard at {e.start.isoformat()} "
                                 f"(aboard: {', '.join(sorted(aboard)) or 'nobody'})")
            al = load_airlock(e.airlock)
            vol = al.volume_m3 * (1.0 - al.recovered_fraction)  # gas not pumped back is vented
            self.net.schedule(self._t(e.start), lambda net, e=e, v=vol: self._eva_start(e, v),
                              kind="eva.hatch_open", source="crew", detail=f"{e.name}: {', '.join(e.crew)}")
            self.net.schedule(self._t(e.end), lambda net, e=e, v=vol: self._eva_end(e, v),
                              kind="eva.hatch_close", source="crew", detail=e.name)

    def _eva_start(self, e, volume_m3: float) -> None:
        """Hatch open: the airlock is isolated from the cabin and its gas goes overboard."""
        net = self.net
        frac = volume_m3 / self._free_volume
        for sp in AIR_SPECIES:
            m = net.x[net.si(f"eclss.cabin.{sp}_kg")] * frac
            self._transfer(f"eclss.cabin.{sp}_kg", f"vent.{sp}_kg", m)
        self._airlock_out_m3 = volume_m3  # same partial pressures in what is left of the cabin
        self._refresh_geometry()
        for n in e.crew:  # aboard: checked against the history when the EVA was scheduled
            self.crew[n].activity = "eva"

    def _eva_end(self, e, volume_m3: float) -> None:
        """Hatch closed: the airlock is repressurised from the O2 and N2 tanks and rejoins the cabin."""
        net = self.net
        V = self._free_volume
        # refill the airlock to the cabin's current O2 and N2 partial pressures
        for sp, tank in (("o2", "eclss.tank.o2_kg"), ("n2", "eclss.tank.n2_kg")):
            m = net.x[net.si(f"eclss.cabin.{sp}_kg")] * volume_m3 / V
            self._transfer(tank, f"eclss.cabin.{sp}_kg", m)
        self._airlock_out_m3 = 0.0
        self._refresh_geometry()
        for n in e.crew:
            self.crew[n].activity = timeline.activity_at(self._time_of_day_s())

    _FAULT_TARGET = {"electrolyser_off": "electrolysis", "co2_removal_off": "co2_removal",
                     "water_recovery_off": "water_recovery", "sabatier_off": "sabatier"}

    def _schedule_faults(self) -> None:
        for f in self.scenario.faults:
            t0 = self._t(f.start)
            t1 = t0 + f.duration_h * 3600.0
            self.net.schedule(t0, lambda net, f=f: self._fault(f, True), kind="fault.start", source="faults",
                              detail=f"{f.kind} for {f.duration_h:g} h (severity {f.severity:g})")
            self.net.schedule(t1, lambda net, f=f: self._fault(f, False), kind="fault.end", source="faults",
                              detail=f.kind)

    def _fault(self, f, on: bool) -> None:
        if f.kind in self._FAULT_TARGET:
            self.faults[self._FAULT_TARGET[f.kind]] = (1.0 - f.severity) if on else 1.0
        elif f.kind == "array_degraded":
            self.array_derate = (1.0 - f.severity) if on else 1.0
        elif f.kind == "cabin_leak":
            self.leak_extra_fraction_s = leak_fraction_s(f.hole_diameter_mm, self) if on else 0.0


def leak_fraction_s(hole_diameter_mm: float, model: StationModel) -> float:
    """Fraction of cabin gas lost per second through a hole (choked orifice, C_d = 0.6).

    ``mdot = C_d A p sqrt(gamma / (R_s T)) (2/(gamma+1))^((gamma+1)/(2(gamma-1)))``; the fraction
    ``mdot / m_cabin = C_d A sqrt(gamma R_s T) (2/(gamma+1))^(...) / V`` is independent of pressure,
    so the leak is exponential in time and the piecewise-constant engine re-evaluates it at events.
    """
    gamma, r_air = 1.4, 287.05
    T = eclss.params()["cabin"]["temperature_k"]
    area = math.pi * (hole_diameter_mm * 1e-3 / 2.0) ** 2
    k = 0.6 * area * math.sqrt(gamma * r_air * T) * (2.0 / (gamma + 1.0)) ** ((gamma + 1.0) / (2.0 * (gamma - 1.0)))
    return k / model.free_volume_m3


def timeline_sunlit_at_start(kinds) -> float:
    """Sunlit fraction before the first boundary, from what that boundary is."""
    if not len(kinds):
        return 1.0
    first = kinds[0]
    return {"penumbra_start": 1.0, "umbra_start": 0.5, "umbra_end": 0.0, "penumbra_end": 0.5}[first]


def _describe(ev) -> str:
    parts = []
    for key in ("name", "port", "crew"):
        v = getattr(ev, key, None)
        if v:
            parts.append(f"{key} {', '.join(v) if isinstance(v, (list, tuple)) else v}")
    return "; ".join(parts)


__all__ = ["StationModel", "VehicleInfo"]
