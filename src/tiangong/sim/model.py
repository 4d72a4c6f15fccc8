"""The station model: subsystems wired into one resource network, driven by dated events.

``StationModel`` holds what changes at events -- the configuration replayed from the station
history (:func:`tiangong.station.apply`), the crew and what each member is doing, the sunlit
fraction, the EVA under way -- and turns the scenario into engine events (plain data dispatched
by kind).  The physics lives in the subsystems of :data:`SUBSYSTEMS` (``tiangong.systems``);
they read and write declared *signals* and are run in the order those signals imply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import station as station_layer
from ..config.parameters import Parameters, with_overrides
from ..crew import timeline
from ..crew.metabolism import bvad
from ..errors import InputError
from ..subsystem import Telemetry, controller_order
from ..systems.eclss import Eclss, initial_cabin
from ..systems.power import Power, battery_capacity_j
from ..systems.propulsion import Propulsion
from ..timeutil import seconds_between
from ..orbit.spacecraft import drag_area_m2
from .contacts import ContactLinks
from .network import Network
from .scenario import Scenario

AIR_SPECIES = ("o2", "n2", "co2")

SUBSYSTEMS: dict[str, Callable[[Parameters, Scenario], object]] = {
    "eclss": lambda p, sc: Eclss(p.eclss),
    "power": lambda p, sc: Power(p.power),
    "propulsion": lambda p, sc: Propulsion(p.propulsion, sc.reboost.floor_altitude_m, sc.reboost.target_altitude_m,
                                           sc.reboost.enabled),
}
"""The subsystem registry: name -> factory(parameters, scenario).  Adding a subsystem is one line here."""

PROVIDED = ("orbit.sunlit", "crew.pace_inside", "crew.pace_eva", "crew.activities", "station.free_volume_m3",
            "station.mass_kg", "station.drag_area_m2", "station.modules", "station.vehicle_types", "power.array_w")
"""Signals the model itself sets from the configuration and the environment at every event."""

FAULT_KINDS = ("electrolyser_off", "co2_removal_off", "water_recovery_off", "sabatier_off", "cabin_leak",
               "array_degraded")


@dataclass(frozen=True)
class VehicleInfo:
    """A docked visiting vehicle as the model needs it (SI)."""

    name: str
    type: str
    mass_kg: float
    length_m: float
    diameter_m: float
    pressurized_volume_m3: float


class StationModel:
    """One scenario's station: network, subsystems, configuration and event handlers."""

    def __init__(self, scenario: Scenario, params: Parameters | None = None) -> None:
        self.scenario = scenario
        self.params = params or with_overrides(scenario.parameters, f"{scenario.source_file or scenario.name}: parameters")
        self.net = Network()
        self.signals: dict = {"power.available": 1.0}
        self.subsystems = {name: make(self.params, scenario) for name, make in SUBSYSTEMS.items()}
        self._order = controller_order(list(self.subsystems.values()), set(PROVIDED))
        self._feedback = tuple(f for s in self._order for f in s.feedback)
        self._met = bvad()
        self.epoch = scenario.start
        self._cfg = station_layer.load_config(scenario.station)
        self._history = station_layer.history(scenario.station) if not self._cfg.fixed else []
        # state that events change (see state())
        self.conf = station_layer.Configuration()
        self.crew: dict[str, str] = {}     # name -> activity (sleep | nominal | exercise | eva)
        self.sunlit = 1.0
        self.array_derate = 1.0
        self.airlock_out_m3 = 0.0           # airlock volume isolated from the cabin during an EVA
        self.eva_active: dict | None = None  # the EVA under way: name, crew, airlock volume
        self.last_cap_j = 0.0
        self.faults_active: dict[str, dict] = {}  # fault id -> description (open faults)
        self.orbit = None                   # the PropagatedOrbit with orbit = "propagate" (set in build)
        self.contacts = ContactLinks(scenario.contacts) if scenario.contacts else None  # links in view

    # ------------------------------------------------------------------ derived configuration
    @property
    def eclss(self) -> Eclss:
        return self.subsystems["eclss"]

    @property
    def power(self) -> Power:
        return self.subsystems["power"]

    @property
    def propulsion(self) -> Propulsion:
        return self.subsystems["propulsion"]

    @property
    def mass_kg(self) -> float:
        """Modules + docked vehicles (published masses) + consumables gained since the start."""
        return self._config_mass + self._consumables() - self._consumables0

    @property
    def free_volume_m3(self) -> float:
        return self._free_volume

    @property
    def drag_area_m2(self) -> float:
        return self._drag_area

    @property
    def battery_capacity_j(self) -> float:
        return battery_capacity_j(self.params.power, self.modules)

    @property
    def propellant_used_kg(self) -> float:
        return self.propulsion.propellant_used_kg

    @property
    def reboosts(self) -> list:
        return self.propulsion.reboosts

    def _array_power_w(self) -> float:
        """Array rating now (W): BOL ratings degraded for age (~0.7 %/yr) and scaled by the solar
        flux at the Earth-Sun distance of the day ((1 AU / r)^2, +-3.3 % over a year, DE421);
        re-evaluated at every day boundary after the start (a ``power.array_day`` event, so the
        switch does not wait for the next event) and at every configuration change."""
        day = int(self.net.t_s // 86400.0)
        if day != self._array_day:
            when = self.epoch + dt.timedelta(days=day + 0.5)
            flux = float(self._flux[min(day, len(self._flux) - 1)])
            self._array_degraded_w = flux * sum(m.array_power_at_w(when) for m in self.modules.values())
            self._array_day = day
        return self._array_degraded_w * self.array_derate

    # ------------------------------------------------------------------ building
    def build(self) -> "StationModel":
        sc, net = self.scenario, self.net
        from ..orbit import mean_altitude_m  # orbit layer: initial altitude from the nearest TLE
        from ..orbit.sun import sun_gcrs_m

        n = int(sc.duration_s // 86400.0) + 2
        r = np.linalg.norm(sun_gcrs_m(self.epoch, (np.arange(n) + 0.5) * 86400.0), axis=1)
        self._flux = (1.495978707e11 / r) ** 2  # (1 AU / r)^2, IAU 2012 astronomical unit
        self._array_day = -1
        self._array_degraded_w = 0.0
        if not self._cfg.fixed:
            self.conf = station_layer.configuration_at(sc.start, sc.station)
        self._sync_configuration()
        for name in (*self.conf.crew(), *sc.crew):
            self.crew[name] = "nominal"
        self._refresh_geometry()
        for s in self.subsystems.values():
            s.install(net, self)
        aux = ("sunlit", "crew", "mass_kg", "eva") + tuple(k for s in self.subsystems.values() for k in s.aux)
        aux += ContactLinks.AUX if self.contacts else ()
        net.controllers.append(self.control)
        net.finalize(aux)
        x = net.x
        for k, v in initial_cabin(self._free_volume, self.params.eclss.cabin).items():
            x[net.si(k)] = v
        ini = sc.initial
        if sc.orbit == "propagate":
            self.orbit = _propagated(self)
            x[net.si("orbit.altitude_m")] = float(engine_altitude_m(self.orbit, 0.0))
        else:
            self.orbit = None
            x[net.si("orbit.altitude_m")] = ini.altitude_m or mean_altitude_m(sc.start, sc.tle, sc.station)
        for k, v in (("eclss.water.potable_kg", ini.potable_water_kg), ("eclss.food_kg", ini.food_kg),
                     ("eclss.tank.o2_kg", ini.o2_tank_kg), ("eclss.tank.n2_kg", ini.n2_tank_kg),
                     ("propulsion.propellant_kg", ini.propellant_kg)):
            x[net.si(k)] = v
        self._i_batt = net.si("power.battery_j")
        self._consumable_ix = [net.si(k) for k in self._CONSUMABLES]
        x[self._i_batt] = self.battery_capacity_j  # the battery as installed, then set to the scenario's SOC
        self._set_battery_capacity(self.battery_capacity_j, soc=ini.battery_soc)
        self._consumables0 = self._consumables()
        self._register_handlers()
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
        return float(self.net.x[self._consumable_ix].sum())

    def _sync_configuration(self) -> None:
        """Modules and vehicles aboard from the replayed configuration (and their signals, which
        change only here)."""
        self.vehicles = {}
        if self._cfg.fixed:
            self.modules = {m.name: m for m in self._cfg.modules}
        else:
            self.modules = {m.name: m for m in self._cfg.modules if m.name in self.conf.positions}
            for v in self.conf.docked.values():
                vt = self._cfg.vehicle_type(v.type, v.variant)
                self.vehicles[v.name] = VehicleInfo(v.name, v.type, float(v.mass_kg), vt.length_m, vt.diameter_m,
                                                    vt.pressurized_volume_m3)
        self.signals["station.modules"] = tuple(self.modules)
        self.signals["station.vehicle_types"] = tuple(v.type for v in self.vehicles.values())

    def _refresh_geometry(self) -> None:
        vol = sum(m.pressurized_volume_m3 for m in self.modules.values())
        vol += sum(vi.pressurized_volume_m3 for vi in self.vehicles.values())
        self._free_volume = vol * self.params.eclss.cabin.free_volume_fraction - self.airlock_out_m3
        self._config_mass = (sum(m.mass_kg for m in self.modules.values())
                             + sum(vi.mass_kg for vi in self.vehicles.values()))
        self._drag_area = drag_area_m2(self.modules.values(), [(vi.length_m, vi.diameter_m) for vi in self.vehicles.values()],
                                       self.params.propulsion.drag.area_factor)

    # ------------------------------------------------------------------ the controller pass
    def control(self, net: Network) -> None:
        """At every event: the model's signals, then the subsystems in signal order; a feedback
        signal that changed (load shedding) re-runs the pass at the same event."""
        sig = self.signals
        pace = self._met.pace
        sig["orbit.sunlit"] = self.sunlit
        sig["crew.pace_inside"] = sum(pace[a] for a in self.crew.values() if a != "eva")
        sig["crew.pace_eva"] = sum(pace["eva"] for a in self.crew.values() if a == "eva")
        sig["crew.activities"] = tuple(self.crew.values())
        sig["station.free_volume_m3"] = self._free_volume
        sig["station.mass_kg"] = self.mass_kg
        sig["station.drag_area_m2"] = self._drag_area
        sig["power.array_w"] = self._array_power_w()
        for _ in range(4):
            before = [sig[f] for f in self._feedback]
            for s in self._order:
                s.control(net)
            if [sig[f] for f in self._feedback] == before:
                break
            net.a[:] = 0.0
            net.watches = []
        aux = net.aux
        aux["sunlit"] = self.sunlit
        aux["crew"] = len(self.crew)
        aux["mass_kg"] = sig["station.mass_kg"]
        aux["eva"] = sum(a == "eva" for a in self.crew.values())
        if self.contacts:
            self.contacts.write_aux(aux)

    # ------------------------------------------------------------------ instantaneous changes
    def _transfer(self, src: str, dst: str, amount: float) -> None:
        x = self.net.x
        x[self.net.si(src)] -= amount
        x[self.net.si(dst)] += amount

    def _set_battery_capacity(self, cap: float, soc: float | None = None) -> None:
        """Set the battery capacity; a module that arrives brings its battery charged."""
        net = self.net
        i = self._i_batt
        old = net.x[i]
        b = self.params.power.battery
        net.hi[i] = cap
        net.lo[i] = b.min_soc * cap
        net._scale[i] = max(1.0, cap)
        net.bounds_changed()
        new = cap * soc if soc is not None else old + max(0.0, cap - self.last_cap_j)
        net.x[i] = min(max(new, net.lo[i]), cap)
        net.x[net.si("energy.sun_j")] -= net.x[i] - old  # book the energy that arrived with the module
        self.last_cap_j = cap

    def _reconfigure(self) -> None:
        """Modules/vehicles changed: geometry, cabin gas (arrives/leaves at cabin conditions), battery."""
        net = self.net
        self._sync_configuration()
        self._array_day = -1
        old_v = self._free_volume
        self._refresh_geometry()
        for sp in AIR_SPECIES:
            i = net.si(f"eclss.cabin.{sp}_kg")
            delta = net.x[i] * (self._free_volume / old_v - 1.0)
            net.x[i] += delta
            net.x[net.si(f"supply.{sp}_kg")] -= delta
        cap = self.battery_capacity_j
        if cap != self.last_cap_j:
            self._set_battery_capacity(cap)

    # ------------------------------------------------------------------ event handlers (data in, no closures)
    def _register_handlers(self) -> None:
        on = self.net.on
        for k in station_layer.EVENT_KINDS:
            on(f"station.{k}", self._on_history, source="history")
        on("station.vehicle_relocate_end", self._on_relocate_end, source="history")
        frac = self.params.power.penumbra_fraction
        for kind, level in {"penumbra_start": frac, "umbra_start": 0.0, "umbra_end": frac, "penumbra_end": 1.0}.items():
            on(f"eclipse.{kind}", lambda _p, s=level: setattr(self, "sunlit", s), source="orbit")
        on("crew.timeline", self._on_timeline, log=False)
        on("eva.hatch_open", self._on_eva_start, source="crew")
        on("eva.hatch_close", self._on_eva_end, source="crew")
        on("fault.start", self._on_fault_start, source="faults")
        on("fault.end", self._on_fault_end, source="faults")
        on("propulsion.reboost_planned", self._on_planned_reboost, source="propulsion")
        on("orbit.altitude_node", _ignore, log=False)
        on("power.array_day", _ignore, log=False)

    def _schedule_history(self) -> None:
        sc = self.scenario
        for i, ev in enumerate(self._history):
            if not (sc.start < ev.time <= sc.end) or ev.kind == "eva":  # EVAs come from the scenario
                continue
            self.net.schedule(self._t(ev.time), f"station.{ev.kind}", {"i": i, "detail": _describe(ev)}, priority=5)
            if ev.kind == "vehicle_relocate" and ev.end_time is not None and ev.end_time <= sc.end:
                self.net.schedule(self._t(ev.end_time), "station.vehicle_relocate_end",
                                  {"i": i, "detail": f"name {ev.name}; port {ev.port}"}, priority=5)

    def _on_history(self, payload: dict) -> None:
        ev = self._history[payload["i"]]
        before = (set(self.conf.positions), set(self.conf.docked))
        leaving = self.vehicles.get(ev.name) if ev.kind == "vehicle_undock" else None
        if leaving is not None and leaving.type == "tianzhou":  # cargo ships leave with the trash
            x, si = self.net.x, self.net.si
            self._transfer("eclss.waste.solid_kg", "disposed.solid_kg", x[si("eclss.waste.solid_kg")])
            self._transfer("eclss.water.brine_kg", "disposed.h2o_kg", x[si("eclss.water.brine_kg")])
        station_layer.apply(ev, self.conf, self._cfg)
        if (set(self.conf.positions), set(self.conf.docked)) != before:
            self._reconfigure()
        if ev.kind == "vehicle_dock" and ev.cargo is not None:
            self._unload(ev.cargo)
        if ev.kind in ("crew_arrive", "crew_depart"):
            self._sync_crew()

    def _on_relocate_end(self, payload: dict) -> None:
        station_layer.apply(self._history[payload["i"]], self.conf, self._cfg, end=True)
        self._reconfigure()

    def _sync_crew(self) -> None:
        aboard = (*self.conf.crew(), *self.scenario.crew)
        for n in list(self.crew):
            if n not in aboard:
                del self.crew[n]
        for n in aboard:
            if n not in self.crew:
                self.crew[n] = timeline.activity_at(self._time_of_day_s())

    def _unload(self, cargo) -> None:
        """Tianzhou cargo into the station's stores: water, O2, N2, propellant and food.

        Food is not itemised in any published manifest: it is the BVAD food mass (solids + water,
        1.56 kg per crew member-day) times the crew-days the ship was loaded for (history file)."""
        food = (cargo.crew_days or 0.0) * self._met.food_kg
        for store, amount in (("eclss.water.potable_kg", cargo.water_kg), ("eclss.tank.o2_kg", cargo.o2_kg),
                              ("eclss.tank.n2_kg", cargo.n2_kg), ("propulsion.propellant_kg", cargo.propellant_kg),
                              ("eclss.food_kg", food)):
            if amount:
                self.deliver(store, float(amount))
        self.net.emit("station.cargo_unloaded", "history",
                      f"water {cargo.water_kg or 0:.0f} kg, O2 {cargo.o2_kg or 0:.0f} kg, N2 {cargo.n2_kg or 0:.0f} kg, "
                      f"propellant {cargo.propellant_kg or 0:.0f} kg, food {food:.0f} kg")

    _LEDGER = {"eclss.water.potable_kg": "supply.h2o_kg", "eclss.tank.o2_kg": "supply.o2_kg",
               "eclss.tank.n2_kg": "supply.n2_kg", "eclss.food_kg": "supply.food_kg",
               "propulsion.propellant_kg": "supply.propellant_kg"}

    def deliver(self, store: str, amount_kg: float) -> None:
        """Book ``amount_kg`` delivered into ``store`` (from its supply ledger)."""
        self._transfer(self._LEDGER[store], store, amount_kg)

    def _t(self, when: dt.datetime) -> float:
        return seconds_between(self.epoch, when)

    def _time_of_day_s(self) -> float:
        """Seconds since the UTC midnight (modulo days) now."""
        return self.net.t_s + self._tod0()

    def _tod0(self) -> float:
        """Seconds from the previous UTC midnight to the scenario epoch."""
        e = self.epoch
        return e.hour * 3600 + e.minute * 60 + e.second + e.microsecond * 1e-6

    def _schedule_crew_day(self) -> None:
        t0 = self._tod0()
        tr = timeline.transitions(t0, self.scenario.duration_s)
        self.net.add_source("crew.timeline", [t for t, _, _ in tr], ["crew.timeline"] * len(tr),
                            [(slot, act) for _, slot, act in tr], priority=20)
        for n in self.crew:  # start: everyone aboard does what the timeline says
            self.crew[n] = timeline.activity_at(t0)

    def _on_timeline(self, payload) -> None:
        """Timeline transition for crew slot (``None`` = everyone, an int = the k-th crew member)."""
        slot, activity = payload
        names = sorted(self.crew)
        targets = names if slot is None else ([names[slot]] if slot < len(names) else [])
        for n in targets:
            cur = self.crew[n]
            if cur == "eva":
                continue
            if activity == "end_exercise":
                self.crew[n] = "nominal" if cur == "exercise" else cur
            elif activity == "exercise" and cur == "sleep":
                continue
            else:
                self.crew[n] = activity

    def _schedule_environment(self) -> None:
        from ..orbit import scenario_eclipse_events

        if self.orbit is not None:
            times, kinds = self.orbit.eclipse_events()
            self._schedule_propagated(np.asarray(times, dtype=float))
        else:
            times, kinds = scenario_eclipse_events(self.epoch, self.scenario.duration_s, self.scenario.tle,
                                                    self.scenario.station)
        self.n_eclipses = int(sum(1 for k in kinds if k == "umbra_start"))
        self.sunlit = timeline_sunlit_at_start(kinds)
        self.net.add_source("orbit.eclipses", times, [f"eclipse.{k}" for k in kinds], [None] * len(kinds), priority=1)
        # the array rating changes at each day boundary exactly, whatever other events the run has
        days = np.arange(86400.0, self.scenario.duration_s, 86400.0)
        self.net.add_source("power.array_days", days, ["power.array_day"] * len(days), [None] * len(days), priority=1)
        if self.contacts:
            self.contacts.install(self)

    def _schedule_propagated(self, eclipse_t: np.ndarray) -> None:
        """Prediction mode: the altitude track and the planned burns as events.

        Track nodes: the eclipse boundaries (events anyway), every 30-s sample of the propagated
        mean altitude within one orbit of a burn (the one-orbit mean ramps there), the ends, and
        a node at least every half orbit (seasons without eclipses); the nodes that are not
        eclipse boundaries are a source of no-op events."""
        from ..systems.propulsion import AltitudeTrack

        orb, end = self.orbit, self.scenario.duration_s
        burns = [b for b in orb.burns() if 0.0 <= b[0] < end]
        period = 2.0 * float(orb.mean_t_s[0]) if len(orb.mean_t_s) else 5550.0
        mt = np.asarray(orb.mean_t_s, dtype=float)
        near = np.zeros(len(mt), dtype=bool)
        for tb, _, _ in burns:
            near |= np.abs(mt - tb) <= period
        st = _smoothed(orb)[0][[0, -1]] if len(mt) else np.zeros(0)  # where the track starts and stops sloping
        extra = np.unique(np.concatenate([mt[near], [tb for tb, _, _ in burns], [0.0, end], st]))
        extra = extra[(extra >= 0.0) & (extra <= end)]
        nodes = np.unique(np.concatenate([eclipse_t, extra]))
        gaps = np.nonzero(np.diff(nodes) > 0.5 * period)[0]  # no eclipses at high beta: a node every half orbit
        fill = [np.linspace(nodes[g], nodes[g + 1], int(np.ceil((nodes[g + 1] - nodes[g]) / (0.5 * period))) + 1)[1:-1]
                for g in gaps]
        extra = np.unique(np.concatenate([extra, *fill]))
        nodes = np.unique(np.concatenate([eclipse_t, extra]))
        self.propulsion.follow(AltitudeTrack(nodes, engine_altitude_m(orb, nodes), 0.5 * period))
        own = np.setdiff1d(extra, eclipse_t)
        self.net.add_source("orbit.altitude_nodes", own, ["orbit.altitude_node"] * len(own), [None] * len(own),
                            priority=2)
        for k, (tb, dv, kg) in enumerate(burns):
            self.net.schedule(tb, "propulsion.reboost_planned",
                              {"dv_mps": float(dv), "planned_kg": float(kg), "label": f"planned burn {k + 1}",
                               "detail": f"planned burn {k + 1}: dv {dv:.3f} m/s, {kg:.2f} kg planned"})

    def beta_deg(self, t_s) -> np.ndarray:
        """Beta angle [deg] at ``t_s`` s after the epoch, from the orbit of the scenario's mode
        (one helper for the batch result and the live archive)."""
        from ..orbit import scenario_beta_deg

        if self.orbit is not None:
            return self.orbit.beta_deg(t_s)
        sc = self.scenario
        return scenario_beta_deg(sc.start, t_s, sc.tle, sc.station)

    # ------------------------------------------------------------------ EVAs
    def _schedule_eva(self) -> None:
        sc = self.scenario
        for i, e in enumerate(sc.eva):
            aboard = set(station_layer.station_at(e.start, config=sc.station).crew) | set(sc.crew)
            missing = [n for n in e.crew if n not in aboard]
            if missing:
                raise InputError(sc.source_file or sc.name,
                                 f"eva[{i}].crew: {', '.join(missing)} not aboard at {e.start.isoformat()} "
                                 f"(aboard: {', '.join(sorted(aboard)) or 'nobody'})")
            d = self.eva_payload(e.name, list(e.crew), e.airlock)
            self.net.schedule(self._t(e.start), "eva.hatch_open", {**d, "detail": f"{e.name}: {', '.join(e.crew)}"})
            self.net.schedule(self._t(e.end), "eva.hatch_close", {**d, "detail": e.name})

    def eva_payload(self, name: str, crew: list[str], airlock: str) -> dict:
        from ..eva.airlock import load_airlock  # one source for airlock volumes (data/eva/airlock.toml)

        al = load_airlock(airlock)
        return {"name": name, "crew": list(crew), "airlock": airlock,
                "volume_m3": al.volume_m3 * (1.0 - al.recovered_fraction)}  # gas not pumped back is vented

    def _on_eva_start(self, e: dict) -> None:
        """Hatch open: the airlock is isolated from the cabin and its gas goes overboard."""
        net = self.net
        frac = e["volume_m3"] / self._free_volume
        for sp in AIR_SPECIES:
            m = net.x[net.si(f"eclss.cabin.{sp}_kg")] * frac
            self._transfer(f"eclss.cabin.{sp}_kg", f"vent.{sp}_kg", m)
        self.airlock_out_m3 = e["volume_m3"]  # same partial pressures in what is left of the cabin
        self._refresh_geometry()
        self.eva_active = {k: e[k] for k in ("name", "crew", "airlock", "volume_m3")}
        for n in e["crew"]:  # aboard: checked when the EVA was scheduled or commanded
            self.crew[n] = "eva"

    def _on_eva_end(self, e: dict) -> None:
        """Hatch closed: the airlock is repressurised from the O2 and N2 tanks and rejoins the cabin."""
        if self.eva_active is None or self.eva_active["name"] != e["name"]:
            return  # aborted earlier: the hatch is already closed
        net = self.net
        V = self._free_volume
        for sp, tank in (("o2", "eclss.tank.o2_kg"), ("n2", "eclss.tank.n2_kg")):
            m = net.x[net.si(f"eclss.cabin.{sp}_kg")] * e["volume_m3"] / V
            self._transfer(tank, f"eclss.cabin.{sp}_kg", m)
        self.airlock_out_m3 = 0.0
        self._refresh_geometry()
        self.eva_active = None
        for n in e["crew"]:
            if n in self.crew:
                self.crew[n] = timeline.activity_at(self._time_of_day_s())

    # ------------------------------------------------------------------ faults and reboosts
    def _schedule_faults(self) -> None:
        for i, f in enumerate(self.scenario.faults):
            t0 = self._t(f.start)
            d = {"id": f"scenario-{i}", "kind": f.kind, "severity": f.severity, "hole_diameter_mm": f.hole_diameter_mm}
            self.net.schedule(t0, "fault.start", {**d, "detail": f"{f.kind} for {f.duration_h:g} h (severity {f.severity:g})"})
            self.net.schedule(t0 + f.duration_h * 3600.0, "fault.end", {**d, "detail": f.kind})

    def _on_fault_start(self, f: dict) -> None:
        self._fault(f, True)
        self.faults_active[f["id"]] = {k: f[k] for k in ("kind", "severity", "hole_diameter_mm")}

    def _on_fault_end(self, f: dict) -> None:
        if self.faults_active.pop(f["id"], None) is not None:
            self._fault(f, False)

    def _fault(self, f: dict, on: bool) -> None:
        if f["kind"] == "array_degraded":
            self.array_derate = (1.0 - f["severity"]) if on else 1.0
        else:
            self.eclss.set_fault(f["kind"], f["severity"], on, f.get("hole_diameter_mm"))

    def _on_planned_reboost(self, p: dict) -> None:
        if "dv_mps" in p:  # a burn of the propagated orbit's plan
            ok, why = self.propulsion.burn(self.net, p["dv_mps"], p["label"])
        else:
            ok, why = self.propulsion.reboost(self.net, p["target_m"])
        self.net.emit("propulsion.reboost" if ok else "propulsion.reboost_failed", "propulsion", why)

    # ------------------------------------------------------------------ telemetry
    def telemetry(self) -> list[Telemetry]:
        """Every parameter of the run: the subsystems' own, then the station's."""
        out = [t for s in self.subsystems.values() for t in s.telemetry()]
        out += [
            Telemetry("orbit.sunlit", "1", "sunlit fraction (1 sun, 0.5 penumbra, 0 umbra)", "orbit",
                      fn=lambda v: v.ax("sunlit")),
            Telemetry("orbit.beta_deg", "deg", "beta angle: Sun elevation above the orbit plane", "orbit"),
            Telemetry("crew.count", "1", "crew aboard", "crew", fn=lambda v: v.ax("crew")),
            Telemetry("crew.eva_count", "1", "crew outside on EVA", "crew", fn=lambda v: v.ax("eva")),
            Telemetry("station.mass_kg", "kg", "station mass: modules, docked vehicles and consumables", "station",
                      fn=lambda v: v.ax("mass_kg")),
        ]
        return out + (self.contacts.telemetry() if self.contacts else [])

    STATION_PLOTS = (("crew.count", "Crew on board (persons)", "persons", 1.0, True),
                     ("station.mass_kg", "Station mass (t)", "t", 1e-3, False, 5),
                     ("orbit.beta_deg", "Beta angle (deg)", "deg", 1.0))
    STATION_TABLE = (("crew.count", "crew", 1, "%.0f"), ("station.mass_kg", "station mass t", 1e-3, "%.1f"))

    def plots(self) -> list[tuple]:
        """Report charts: each subsystem's declared plots, then the station's."""
        return ([p for s in self.subsystems.values() for p in getattr(s, "plots", ())] + list(self.STATION_PLOTS)
                + list(self.contacts.PLOTS if self.contacts else ()))

    def table(self) -> list[tuple]:
        """Rows of the CLI run summary (parameter, label, scale, format), from the subsystems."""
        return ([r for s in self.subsystems.values() for r in getattr(s, "table", ())] + list(self.STATION_TABLE)
                + list(self.contacts.TABLE if self.contacts else ()))

    # ------------------------------------------------------------------ state
    def state(self) -> dict:
        """What events changed, as plain data (the network's and the subsystems' state apart)."""
        return {"conf": self.conf, "crew": dict(self.crew), "sunlit": self.sunlit, "array_derate": self.array_derate,
                "airlock_out_m3": self.airlock_out_m3, "eva_active": self.eva_active, "last_cap_j": self.last_cap_j,
                "faults_active": dict(self.faults_active), "signals": dict(self.signals),
                "array_day": self._array_day, "array_degraded_w": self._array_degraded_w,
                "subsystems": {k: s.state() for k, s in self.subsystems.items()},
                "contacts": self.contacts.state() if self.contacts else None}

    def load_state(self, st: dict) -> None:
        import copy

        self.conf = copy.deepcopy(st["conf"])
        self.crew = dict(st["crew"])
        self.sunlit, self.array_derate = st["sunlit"], st["array_derate"]
        self.airlock_out_m3, self.eva_active = st["airlock_out_m3"], copy.deepcopy(st["eva_active"])
        self.last_cap_j, self.faults_active = st["last_cap_j"], dict(st["faults_active"])
        self.signals = dict(st["signals"])
        self._array_day, self._array_degraded_w = st["array_day"], st["array_degraded_w"]
        for k, s in self.subsystems.items():
            s.load_state(st["subsystems"][k])
        if self.contacts:
            self.contacts.load_state(st["contacts"])
        self._sync_configuration()
        self._refresh_geometry()


def engine_altitude_m(orb, t_s):
    """The altitude the engine reports with orbit = "propagate" [m] at ``t_s``: the propagated
    one-orbit mean altitude (orbit-averaged semi-major axis minus the WGS84 equatorial radius,
    ``PropagatedOrbit.mean_altitude_m``; ~2.2 km above replay's TLE-mean-motion altitude) averaged
    once more over half an orbit.  The one-orbit mean, on 30-s samples, keeps a +-20 m ripple at
    twice the orbital frequency (the J2 short-period term in a, not cancelled by a window rounded to
    30 s); the engine would need an event every few minutes to follow it, and it is not altitude
    the station gains or loses.  The half-orbit mean removes it (to ~0.1 m)."""
    st, smooth = _smoothed(orb)
    return np.interp(np.asarray(t_s, dtype=float), st, smooth)


def _smoothed(orb) -> tuple[np.ndarray, np.ndarray]:
    """(t, h) of the half-orbit mean of the one-orbit mean altitude (see engine_altitude_m)."""
    mt, mh = np.asarray(orb.mean_t_s, dtype=float), np.asarray(orb.mean_alt_m, dtype=float)
    if len(mt) < 3:
        return mt, mh
    step = float(mt[1] - mt[0])
    w = max(1, int(round(float(mt[0]) / step)))  # half an orbit: mt[0] is half an orbit after the start
    c = np.cumsum(np.insert(mh, 0, 0.0))
    smooth = (c[w:] - c[:-w]) / w
    return mt[: len(smooth)] + 0.5 * (w - 1) * step, smooth


def _ignore(_payload) -> None:
    """Handler of the altitude-track nodes: the event itself is the point (the rate is reset)."""


_PROPAGATED: dict = {}


def _propagated(model: StationModel):
    """The scenario's :class:`~tiangong.orbit.scenario.PropagatedOrbit` (seconds to compute; kept
    for the last scenarios so a restore or a fork in the same process does not pay it again --
    it is deterministic, so a recomputation gives the same orbit bit for bit).

    Band: the scenario's reboost floor and target applied to the propagated mean altitude (the
    orbit-averaged semi-major axis minus the equatorial radius).  Propellant for the plan: aboard
    at the start plus the cargo propellant delivered in the window (the engine refuses a burn whose
    propellant is not aboard yet)."""
    from ..orbit.scenario import propagated_orbit

    sc, pr = model.scenario, model.propulsion
    band = (pr.floor_m if sc.reboost.enabled else 0.0, pr.target_m)
    prop = sc.initial.propellant_kg + sum(
        float(ev.cargo.propellant_kg or 0.0) for ev in model._history
        if sc.start < ev.time <= sc.end and ev.kind == "vehicle_dock" and ev.cargo is not None)
    key = (sc.start, sc.duration_s, sc.tle, sc.station, band, prop)
    if key not in _PROPAGATED:
        if len(_PROPAGATED) >= 2:
            _PROPAGATED.pop(next(iter(_PROPAGATED)))
        try:
            _PROPAGATED[key] = propagated_orbit(sc.start, sc.duration_s, sc.tle, sc.station, band, prop)
        except InputError as exc:  # the planner names its CLI flags; here it is the scenario's band
            raise InputError(sc.source_file or sc.name, f"reboost (orbit = 'propagate'): {exc.why}") from None
    return _PROPAGATED[key]


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


__all__ = ["StationModel", "VehicleInfo", "SUBSYSTEMS", "FAULT_KINDS"]
