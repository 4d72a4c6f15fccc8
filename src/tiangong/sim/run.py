"""Run a scenario: build the station model, run the engine, sample telemetry, summarise.

``simulate(scenario)`` returns a :class:`Result`; telemetry is sampled from the exact piecewise
solution after the run (vectorised), alarms are found exactly on that solution (linear between
events, with jumps at events), and the summary gives margins, violations and event counts.
"""

from __future__ import annotations

import collections
import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..crew.metabolism import bvad
from ..systems import eclss
from ..systems.eclss import partial_pressure_pa
from ..timeutil import at_seconds, iso_z
from .model import StationModel
from .network import Trajectory
from ..record import AlarmRow, EventRow, Parameter, RunRecord
from .scenario import Scenario

DAY_S = 86400.0


def parameters() -> list[Parameter]:
    """The parameter dictionary of a station run (SI units, limits with their sources in data)."""
    lim = eclss.params()["limits"]
    from ..systems import power
    pw = power.params()["battery"]
    return [
        Parameter("eclss.cabin.ppo2_pa", "Pa", "cabin O2 partial pressure", "eclss",
                  lim["ppo2_warn_lo_pa"], lim["ppo2_warn_hi_pa"], lim["ppo2_limit_lo_pa"], lim["ppo2_limit_hi_pa"]),
        Parameter("eclss.cabin.ppco2_pa", "Pa", "cabin CO2 partial pressure", "eclss",
                  None, lim["ppco2_warn_hi_pa"], None, lim["ppco2_limit_hi_pa"]),
        Parameter("eclss.cabin.ppn2_pa", "Pa", "cabin N2 partial pressure", "eclss"),
        Parameter("eclss.cabin.pressure_pa", "Pa", "cabin total pressure (O2+N2+CO2)", "eclss",
                  lim["pressure_warn_lo_pa"], None, lim["pressure_limit_lo_pa"], lim["pressure_limit_hi_pa"]),
        Parameter("eclss.cabin.free_volume_m3", "m3", "cabin free gas volume", "eclss"),
        Parameter("eclss.tank.o2_kg", "kg", "stored O2", "eclss", 20.0, None, 0.0, None),
        Parameter("eclss.tank.n2_kg", "kg", "stored N2", "eclss", 20.0, None, 0.0, None),
        Parameter("eclss.water.potable_kg", "kg", "potable water", "eclss", 100.0, None, 0.0, None),
        Parameter("eclss.water.waste_kg", "kg", "waste water awaiting recovery", "eclss"),
        Parameter("eclss.water.brine_kg", "kg", "brine stowed", "eclss"),
        Parameter("eclss.food_kg", "kg", "food aboard", "eclss", 50.0, None, 0.0, None),
        Parameter("eclss.waste.solid_kg", "kg", "solid waste stowed", "eclss"),
        Parameter("power.battery.soc", "1", "battery state of charge", "power",
                  pw["warn_soc"], None, pw["min_soc"], None),
        Parameter("power.battery.energy_j", "J", "battery stored energy", "power"),
        Parameter("power.solar_w", "W", "array output", "power"),
        Parameter("power.load_w", "W", "bus load", "power"),
        Parameter("propulsion.propellant_kg", "kg", "station propellant", "propulsion", 200.0, None, 0.0, None),
        Parameter("orbit.altitude_m", "m", "mean altitude", "orbit", 360e3, None, 340e3, None),
        Parameter("orbit.sunlit", "1", "sunlit fraction (1 sun, 0.5 penumbra, 0 umbra)", "orbit"),
        Parameter("orbit.beta_deg", "deg", "beta angle: Sun elevation above the orbit plane", "orbit"),
        Parameter("crew.count", "1", "crew aboard", "crew"),
        Parameter("crew.eva_count", "1", "crew outside on EVA", "crew"),
        Parameter("station.mass_kg", "kg", "station mass: modules, docked vehicles and consumables", "station"),
    ]


def _gas_series(traj: Trajectory, sp: str, t: np.ndarray, vol: np.ndarray, T: float) -> np.ndarray:
    return partial_pressure_pa(traj.sample(f"eclss.cabin.{sp}_kg", t), sp.upper(), vol, T)


def _values(traj: Trajectory, name: str, t: np.ndarray, seg: np.ndarray | None = None) -> np.ndarray:
    """Value of parameter ``name`` at times ``t``.  ``seg`` forces the segment index (for ends)."""
    T = eclss.params()["cabin"]["temperature_k"]
    if seg is not None:
        def st(n):
            i = traj.index(n)
            return traj.x0[seg, i] + traj.r[seg, i] * (t - traj.t0[seg])

        def ax(n):
            return traj.aux[seg, traj.aux_names.index(n)]
    else:
        def st(n):
            return traj.sample(n, t)

        def ax(n):
            return traj.sample_aux(n, t)
    vol = ax("volume_m3")
    gas = {"eclss.cabin.ppo2_pa": "o2", "eclss.cabin.ppco2_pa": "co2", "eclss.cabin.ppn2_pa": "n2"}
    if name in gas:
        sp = gas[name]
        return partial_pressure_pa(st(f"eclss.cabin.{sp}_kg"), sp.upper(), vol, T)
    if name == "eclss.cabin.pressure_pa":
        return sum(partial_pressure_pa(st(f"eclss.cabin.{sp}_kg"), sp.upper(), vol, T) for sp in ("o2", "n2", "co2"))
    if name == "eclss.cabin.free_volume_m3":
        return vol
    if name == "power.battery.soc":
        return st("power.battery_j") / ax("battery_cap_j")
    if name == "power.battery.energy_j":
        return st("power.battery_j")
    aux = {"power.solar_w": "solar_w", "power.load_w": "load_w", "orbit.sunlit": "sunlit",
           "crew.count": "crew", "crew.eva_count": "eva", "station.mass_kg": "mass_kg"}
    if name in aux:
        return ax(aux[name])
    return st(name)


def _polyline(traj: Trajectory, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The exact solution of ``name`` as a polyline: each segment's start and end point."""
    n = len(traj.t0) - 1
    seg = np.arange(n)
    t_start, t_end = traj.t0[:-1], traj.t0[1:]
    v0 = _values(traj, name, t_start, seg)
    v1 = _values(traj, name, t_end, seg)
    t = np.empty(2 * n)
    v = np.empty(2 * n)
    t[0::2], t[1::2] = t_start, t_end
    v[0::2], v[1::2] = v0, v1
    return t, v


def _crossings(t: np.ndarray, v: np.ndarray, level: float, lo_side: bool):
    """Times where the polyline enters (raise) and leaves (clear) the bad side of ``level``."""
    bad = v <= level if lo_side else v >= level  # at the limit counts (an empty tank, a battery on its floor)
    change = np.nonzero(bad[1:] != bad[:-1])[0]
    out = []
    for j in change:
        t0, t1, v0, v1 = t[j], t[j + 1], v[j], v[j + 1]
        tc = t0 if t1 == t0 or v1 == v0 else t0 + (level - v0) / (v1 - v0) * (t1 - t0)
        out.append((float(tc), bool(bad[j + 1]), float(v1 if bad[j + 1] else v0)))
    if bad[0]:
        out.insert(0, (float(t[0]), True, float(v[0])))
    return out


def _alarms(lines: dict[str, tuple[np.ndarray, np.ndarray]], params: list[Parameter]) -> list[AlarmRow]:
    rows = []
    for p in params:
        checks = [("warn", "lo", p.warn_lo), ("limit", "lo", p.limit_lo),
                  ("warn", "hi", p.warn_hi), ("limit", "hi", p.limit_hi)]
        checks = [c for c in checks if c[2] is not None]
        if not checks:
            continue
        t, v = lines[p.name]
        for level_name, side, level in checks:
            open_at = None
            for tc, entering, val in _crossings(t, v, level, side == "lo"):
                if entering:
                    open_at = (tc, val)
                elif open_at is not None:
                    rows.append(AlarmRow(open_at[0], p.name, level_name, side, level, open_at[1], tc))
                    open_at = None
            if open_at is not None:
                rows.append(AlarmRow(open_at[0], p.name, level_name, side, level, open_at[1], None))
    rows.sort(key=lambda a: a.t_s)
    return rows


def element_totals(traj: Trajectory, stores, k: int) -> dict[str, float]:
    """Mass of each element over all stores and ledgers at segment ``k`` (kg)."""
    out: dict[str, float] = collections.defaultdict(float)
    for i, s in enumerate(stores):
        for e, f in s.composition.items():
            out[e] += traj.x0[k, i] * f
    return dict(out)


@dataclass
class Result:
    """A finished run: the record (telemetry, events, alarms, summary) and the trajectory."""

    scenario: Scenario
    record: RunRecord
    trajectory: Trajectory
    model: StationModel
    wall_s: float

    def summary(self) -> dict:
        return self.record.summary

    def telemetry(self, name: str):
        """A pandas Series of parameter ``name`` (SI units) indexed by UTC time."""
        import pandas as pd

        idx = pd.DatetimeIndex(pd.Timestamp(self.record.epoch) + pd.to_timedelta(self.record.t_s, unit="s"))
        return pd.Series(self.record.samples[name], index=idx, name=name)

    def value_at(self, name: str, when: dt.datetime) -> float:
        """Exact value of a parameter at a time (from the piecewise solution, not the samples)."""
        t = np.array([(when - self.record.epoch).total_seconds()])
        return float(_values(self.trajectory, name, t)[0])

    def write(self, out_dir: str | Path, force: bool = False) -> dict[str, Path]:
        """Write ``telemetry.duckdb``, ``summary.json`` and ``report.html`` into ``out_dir`` (a path, or a
        :class:`~tiangong.rundir.RunDir` already entered): crash-safe and exclusive
        (:mod:`tiangong.rundir`); replacing a complete run needs ``force``."""
        from ..rundir import write_run_dir

        return write_run_dir(out_dir, self.record, force=force)


def simulate(scenario: Scenario | str, progress: bool = False, sample_s: float | None = None) -> Result:
    """Run ``scenario`` (a Scenario or a built-in name / TOML path) and return the Result."""
    if not isinstance(scenario, Scenario):
        scenario = Scenario.load(scenario)
    wall0 = time.perf_counter()
    model = StationModel(scenario).build()
    aux_keys = ("sunlit", "crew", "volume_m3", "mass_kg", "solar_w", "load_w", "battery_cap_j", "eva")
    duration = scenario.duration_s
    if progress:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("day {task.completed:.0f}/{task.total:.0f}"),
                      TimeElapsedColumn(), transient=False) as bar:
            task = bar.add_task(scenario.name, total=duration / DAY_S)
            traj = model.net.run(duration, progress=lambda t: bar.update(task, completed=t / DAY_S), aux_keys=aux_keys)
            bar.update(task, completed=duration / DAY_S)
    else:
        traj = model.net.run(duration, aux_keys=aux_keys)
    engine_wall = time.perf_counter() - wall0
    step = sample_s or scenario.sample_s
    t = np.arange(0.0, duration, step)
    t = np.append(t, duration)
    params = parameters()
    from ..orbit import scenario_beta_deg

    samples = {p.name: _values(traj, p.name, t) for p in params if p.name != "orbit.beta_deg"}
    samples["orbit.beta_deg"] = scenario_beta_deg(scenario.start, t, scenario.tle, scenario.station)
    # exact solution of every parameter as a polyline, computed once for alarms and the summary;
    # the beta angle is not an engine quantity: its polyline is the samples
    lines = {p.name: _polyline(traj, p.name) for p in params if p.name != "orbit.beta_deg"}
    lines["orbit.beta_deg"] = (t, samples["orbit.beta_deg"])
    events = [EventRow(ts, kind, src, detail) for ts, kind, src, detail in model.net.log]
    alarms = _alarms(lines, params)
    record = RunRecord(scenario.name, scenario.start, scenario.end, params, t, samples, events, alarms)
    record.summary = _summary(scenario, model, traj, record, lines, engine_wall)
    return Result(scenario, record, traj, model, time.perf_counter() - wall0)


def _summary(sc: Scenario, model: StationModel, traj: Trajectory, rec: RunRecord,
             lines: dict[str, tuple[np.ndarray, np.ndarray]], engine_wall: float) -> dict:
    epoch = sc.start
    net = model.net

    def when(t_s: float) -> str:
        return iso_z(at_seconds(epoch, t_s), 0)

    stores = {}
    for p in rec.parameters:
        t, v = lines[p.name]
        if len(v) == 0:
            continue
        i, j = int(np.argmin(v)), int(np.argmax(v))
        stores[p.name] = {"unit": p.unit, "min": float(v[i]), "min_at": when(t[i]),
                          "max": float(v[j]), "max_at": when(t[j]), "end": float(v[-1])}
    met = bvad()
    crew_end = max(1, int(traj.aux[-1, traj.aux_names.index("crew")]))
    T = eclss.params()["cabin"]["temperature_k"]
    vol_end = traj.aux[-1, traj.aux_names.index("volume_m3")]
    floor_pa = eclss.params()["limits"]["ppo2_limit_lo_pa"]
    cabin_o2_usable = max(0.0, traj.final("eclss.cabin.o2_kg") - eclss.gas_mass_kg(floor_pa, "O2", vol_end, T))
    o2_day = crew_end * met.o2_kg
    water_day = crew_end * met.potable_kg
    ev_counts = collections.Counter(e.kind for e in rec.events)
    e0 = element_totals(traj, net.stores, 0)
    e1 = element_totals(traj, net.stores, len(traj.t0) - 1)
    balance = {e: (abs(e1[e] - e0[e]) / max(abs(e0[e]), 1e-12)) for e in e0}
    violations = [{"parameter": a.parameter, "level": a.level, "side": a.side, "limit": a.limit,
                   "start": when(a.t_s), "end": when(a.cleared_t_s) if a.cleared_t_s is not None else None,
                   "duration_s": (a.cleared_t_s - a.t_s) if a.cleared_t_s is not None else None}
                  for a in rec.alarms]
    shed = 0.0 - traj.final("deficit.power.battery_j") + 0.0  # booked negative; avoid -0.0
    return {
        "scenario": sc.name,
        "start": iso_z(sc.start, 0),
        "end": iso_z(sc.end, 0),
        "duration_days": sc.duration_s / DAY_S,
        "bvad_edition": met.edition,
        "stores": stores,
        "violations": violations,
        "events": {"total_processed": net.n_events, "state_events": net.n_state_events,
                   "segments": len(traj.t0) - 1, "by_kind": dict(sorted(ev_counts.items()))},
        "margins": {
            "o2_reserve_days": (traj.final("eclss.tank.o2_kg") + cabin_o2_usable) / o2_day,
            "water_reserve_days": traj.final("eclss.water.potable_kg") / water_day,
            "food_reserve_days": traj.final("eclss.food_kg") / (crew_end * met.food_kg),
            "min_battery_soc": stores["power.battery.soc"]["min"],
            "min_battery_soc_at": stores["power.battery.soc"]["min_at"],
            "min_altitude_m": stores["orbit.altitude_m"]["min"],
            "min_altitude_at": stores["orbit.altitude_m"]["min_at"],
            "propellant_used_kg": model.propellant_used_kg,
            "reboosts": len(model.reboosts),
            "load_shed_j": shed,
            "o2_tank_start_minus_end_kg": float(traj.x0[0, traj.index("eclss.tank.o2_kg")] - traj.final("eclss.tank.o2_kg")),
            "crew_at_end": crew_end,
        },
        "totals": {
            "o2_consumed_by_crew_kg": _process_total(traj, net, "crew.metabolism", "eclss.cabin.o2_kg")
            + _process_total(traj, net, "crew.metabolism_eva", "eclss.tank.o2_kg"),
            "o2_generated_kg": _process_total(traj, net, "eclss.electrolysis", "eclss.cabin.o2_kg"),
            "water_recovered_kg": _process_total(traj, net, "eclss.water_recovery", "eclss.water.potable_kg"),
            "vented_kg": {k.split(".")[1]: traj.final(k) for k in traj.names if k.startswith("vent.")},
            "shunted_energy_j": traj.final("overflow.power.battery_j"),
        },
        "reboosts": [{"at": when(t), "from_altitude_m": h0, "to_altitude_m": h1, "dv_mps": dv, "propellant_kg": kg}
                     for t, h0, h1, dv, kg in model.reboosts],
        "mass_balance_relative_error": balance,
        "eclipses": model.n_eclipses,
        "wall_time_s": {"engine": engine_wall},
    }


def _process_total(traj: Trajectory, net, proc: str, store: str) -> float:
    """Amount ``proc`` moved into/out of ``store`` over the run (from the segment activities)."""
    j, i = net.pi(proc), net.si(store)
    coef = net.S[i, j]
    if coef == 0:
        return 0.0
    return abs(net.totals[j] * coef)


__all__ = ["simulate", "Result", "parameters", "element_totals"]
