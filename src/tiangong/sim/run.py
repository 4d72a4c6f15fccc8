"""Run a scenario: build the station model, run the engine, sample telemetry, summarise.

``simulate(scenario)`` returns a :class:`Result`; telemetry is sampled from the exact piecewise
solution after the run (vectorised), alarms are found exactly on that solution (linear between
events, with jumps at events), and the summary gives margins, violations and event counts.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..crew.metabolism import bvad
from ..systems import eclss
from ..timeutil import at_seconds, iso_z
from .model import StationModel
from .network import Trajectory
from ..record import EventRow, Parameter, RunRecord
from .scenario import Scenario

DAY_S = 86400.0


def _as_parameter(t) -> Parameter:
    """The archive's record of a Telemetry (its derivation dropped: a RunRecord is plain data)."""
    return Parameter(**{f.name: getattr(t, f.name) for f in dataclasses.fields(Parameter)})


class _View:
    """Network values at times ``t`` in segments ``seg`` of a trajectory (see tiangong.subsystem.View)."""

    __slots__ = ("traj", "t", "seg")

    def __init__(self, traj: Trajectory, t: np.ndarray, seg: np.ndarray | None = None) -> None:
        self.traj, self.t = traj, t
        self.seg = traj.segment_of(t) if seg is None else seg

    def st(self, name: str) -> np.ndarray:
        i = self.traj.index(name)
        k = self.seg
        return self.traj.x0[k, i] + self.traj.r[k, i] * (self.t - self.traj.t0[k])

    def ax(self, name: str) -> np.ndarray:
        return self.traj.aux[self.seg, self.traj.aux_names.index(name)]


def _polyline(traj: Trajectory, tel) -> tuple[np.ndarray, np.ndarray]:
    """The exact solution of ``tel`` as a polyline: each segment's start and end point."""
    n = len(traj.t0) - 1
    seg = np.arange(n)
    t_start, t_end = traj.t0[:-1], traj.t0[1:]
    v0 = tel.values(_View(traj, t_start, seg))
    v1 = tel.values(_View(traj, t_end, seg))
    t = np.empty(2 * n)
    v = np.empty(2 * n)
    t[0::2], t[1::2] = t_start, t_end
    v[0::2], v[1::2] = v0, v1
    return t, v


def _crossings(t: np.ndarray, v: np.ndarray, level: float, lo_side: bool, from_start: bool = True):
    """Times where the polyline enters (raise) and leaves (clear) the bad side of ``level``.

    ``from_start``: the polyline starts the run, so starting on the bad side raises at ``t[0]``
    (False for a continuation whose first point was already checked)."""
    bad = v <= level if lo_side else v >= level  # at the limit counts (an empty tank, a battery on its floor)
    change = np.nonzero(bad[1:] != bad[:-1])[0]
    out = []
    for j in change:
        t0, t1, v0, v1 = t[j], t[j + 1], v[j], v[j + 1]
        tc = t0 if t1 == t0 or v1 == v0 else t0 + (level - v0) / (v1 - v0) * (t1 - t0)
        out.append((float(tc), bool(bad[j + 1]), float(v1 if bad[j + 1] else v0)))
    if from_start and bad[0]:
        out.insert(0, (float(t[0]), True, float(v[0])))
    return out


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

    @property
    def commands(self) -> list:
        """The commands the run took (time, text, outcome, detail)."""
        return self.record.commands

    @property
    def parent(self) -> str | None:
        return self.record.parent

    @property
    def fork_t_s(self) -> float | None:
        return self.record.fork_t_s

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
        tel = {x.name: x for x in self.model.telemetry()}[name]
        return float(tel.values(_View(self.trajectory, t))[0])

    def write(self, out_dir: str | Path, force: bool = False, parent_record=None) -> dict[str, Path]:
        """Write ``telemetry.duckdb``, ``summary.json``, ``run.json`` and ``report.html`` into ``out_dir``
        (a path, or a :class:`~tiangong.rundir.RunDir` already entered): crash-safe and exclusive
        (:mod:`tiangong.rundir`); replacing a complete run needs ``force``.  ``run.json`` holds what it
        takes to re-create the run (the scenario as validated, the commands with their times, the
        parent of a fork): ``tiangong fork`` reads it; ``parent_record`` is overlaid in a fork's report."""
        from ..rundir import write_run_dir

        return write_run_dir(out_dir, self.record, force=force, description=self.run_description(),
                             parent=parent_record)

    def run_description(self) -> dict:
        return {"scenario": self.scenario.model_dump(mode="json"), "source_file": self.scenario.source_file,
                "commands": [c.to_json() for c in self.commands], "parent": self.parent, "fork_t_s": self.fork_t_s}


def simulate(scenario: Scenario | str, progress: bool = False, sample_s: float | None = None) -> Result:
    """Run ``scenario`` (a Scenario or a built-in name / TOML path) and return the Result:
    a :class:`~tiangong.sim.live.Simulation` advanced to the end."""
    from ..validation import check_sample_count
    from .live import Simulation

    if not isinstance(scenario, Scenario):
        scenario = Scenario.load(scenario)
    check_sample_count(scenario.duration_s, sample_s or scenario.sample_s, "sample_s")  # before the run
    sim = Simulation(scenario)
    sim.advance(progress=progress)
    return sim.result(sample_s=sample_s)


def build_result(sim, sample_s: float | None = None) -> Result:
    """The Result of a finished :class:`~tiangong.sim.live.Simulation`: exact sampling of every
    parameter on the segments, alarms as the engine found them, the summary."""
    scenario, model = sim.scenario, sim.model
    traj = sim.trajectory()
    duration = sim.end_s  # the scenario's end, or where the run ended (reentry)
    step = sample_s or scenario.sample_s
    from ..validation import check_sample_count

    check_sample_count(duration, step, "sample_s")  # refused up front, before any memory is asked for
    t = np.arange(0.0, duration, step)
    t = np.append(t[t >= traj.t0[0]], duration)
    tels = model.telemetry()
    params = [_as_parameter(x) for x in tels]
    view = _View(traj, t)
    samples = {x.name: x.values(view) for x in tels if x.name != "orbit.beta_deg"}
    samples["orbit.beta_deg"] = model.beta_deg(t)
    # exact solution of every parameter as a polyline, computed once for the summary;
    # the beta angle is not an engine quantity: its polyline is the samples
    lines = {x.name: _polyline(traj, x) for x in tels if x.name != "orbit.beta_deg"}
    lines["orbit.beta_deg"] = (t, samples["orbit.beta_deg"])
    events = [EventRow(ts, kind, src, detail) for ts, kind, src, detail in sim.event_log()]
    alarms = sim.alarm_rows()
    from ..orbit.groundtrack import scenario_ground_track  # the report's one-day map, from the run's own orbit

    track = scenario_ground_track(scenario.start, duration, scenario.tle, scenario.station, model.orbit,
                                  scenario.report.ground_track_start)
    record = RunRecord(scenario.name, scenario.start, scenario.end, params, t, samples, events, alarms,
                       plots=model.plots(), commands=list(sim.commands), parent=sim.parent, fork_t_s=sim.fork_t_s,
                       ground_track=track)
    record.summary = _summary(scenario, model, traj, record, lines, sim.engine_wall_s)
    if model.contacts:
        record.summary["contacts"] = model.contacts.summary(traj, scenario.start)
    if sim.net.halted is not None:
        record.summary["ended_early"] = {"at": iso_z(at_seconds(scenario.start, sim.end_s), 0), "reason": sim.net.halted}
    return Result(scenario, record, traj, model, sim.wall_s)


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
    T = model.params.eclss.cabin.temperature_k
    vol_end = traj.aux[-1, traj.aux_names.index("volume_m3")]
    floor_pa = model.params.eclss.limits.ppo2_limit_lo_pa
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


__all__ = ["simulate", "Result", "element_totals"]
