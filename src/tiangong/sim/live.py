"""A live run of one scenario: advance, step, command, snapshot / restore, fork, observe.

>>> import tiangong as tg
>>> sim = tg.Simulation("electrolyser-failure")
>>> sim.advance("2022-11-30T12:00:00Z")                    # doctest: +SKIP
>>> sim.command("fault co2_removal_off 6h")                # doctest: +SKIP
>>> other = sim.fork()                                     # same state, its own future
>>> sim.advance(); sim.result().summary()["margins"]       # doctest: +SKIP

The engine stops anywhere without cutting the segment under way, so a run advanced in steps is
bit-identical to one advanced in one go, and a snapshot restored and continued is bit-identical to
the uninterrupted run.  Commands act at the current simulation time; each is validated against
the state (an EVA while one is under way, a reboost without propellant are refused with the
reason) and recorded with its time and outcome.  Observers see segments, logged events, alarms
(found exactly on the piecewise solution, batch by batch) and commands as they happen.
"""

from __future__ import annotations

import datetime as dt
import math
import pickle
import re
import shlex
import time
from dataclasses import dataclass

import numpy as np

from ..config.parameters import Parameters, with_overrides
from ..errors import InputError
from ..record import AlarmRow
from ..timeutil import at_seconds, iso_z, parse_utc
from .model import FAULT_KINDS, StationModel
from .network import EventRecorder, Trajectory, TrajectoryRecorder
from .scenario import Scenario

SNAPSHOT_VERSION = 1
ALARM_BATCH = 256
"""Segments checked for limit crossings at once when no observer listens for alarms."""
DAY_S = 86400.0


@dataclass(frozen=True)
class CommandRecord:
    """A command as the run saw it: when (s since the epoch), the text, accepted or refused, why."""

    t_s: float
    command: str
    outcome: str   # "accepted" | "refused"
    detail: str

    def to_json(self) -> dict:
        return {"t_s": self.t_s, "command": self.command, "outcome": self.outcome, "detail": self.detail}


class CommandRefused(InputError):
    """A well-formed command that the current state forbids."""


# ------------------------------------------------------------------------------------------- alarms
class AlarmMonitor:
    """Watches the parameters with limits on the exact piecewise solution, batch by batch.

    A segment is checked once its end is known; its start and end values are joined into the
    run's polyline (jumps at events included), and every crossing of a warning or limit level is
    located exactly on it (the solution is linear within a segment).  Alarms are reported to
    ``emit(row)`` when they open and again when they clear."""

    def __init__(self, telemetry, emit=None) -> None:
        self.checks = []
        for tel in telemetry:
            levels = [(lv, side, v) for lv, side, v in (("warn", "lo", tel.warn_lo), ("limit", "lo", tel.limit_lo),
                                                         ("warn", "hi", tel.warn_hi), ("limit", "hi", tel.limit_hi))
                      if v is not None]
            if levels and tel.name != "orbit.beta_deg":  # beta is not an engine quantity (no segments)
                self.checks.append((tel, levels))
        self.emit = emit
        self.k = 0                      # first segment not yet checked
        self.carry: dict[str, tuple[float, float]] = {}
        self.open: dict[tuple, tuple[float, float, float]] = {}  # (name, level, side) -> (t, value, limit)
        self.rows: list[AlarmRow] = []

    def state(self) -> dict:
        return {"carry": dict(self.carry), "open": dict(self.open), "rows": list(self.rows)}

    def load_state(self, st: dict) -> None:
        self.carry, self.open, self.rows = dict(st["carry"]), dict(st["open"]), list(st["rows"])

    def process(self, rec: TrajectoryRecorder) -> None:
        """Check the segments recorded since the last call whose end is known."""
        n = len(rec.t0) - 1
        if n <= self.k:
            return
        k = self.k
        sl = slice(k, n + 1)
        traj = Trajectory(np.asarray(rec.t0[sl]), np.asarray(rec.x0[sl]), np.asarray(rec.r[sl]),
                          np.asarray(rec.aux[sl], dtype=float).reshape(n + 1 - k, len(rec.aux_names)),
                          rec.names, rec.aux_names)
        from .run import _crossings, _polyline

        for tel, levels in self.checks:
            t, v = _polyline(traj, tel)
            first = tel.name not in self.carry
            if not first:
                ct, cv = self.carry[tel.name]
                t, v = np.concatenate(([ct], t)), np.concatenate(([cv], v))
            self.carry[tel.name] = (float(t[-1]), float(v[-1]))
            for level_name, side, level in levels:
                key = (tel.name, level_name, side)
                for tc, entering, val in _crossings(t, v, level, side == "lo", from_start=first):
                    if entering:
                        self.open[key] = (tc, val, level)
                        if self.emit:
                            self.emit(AlarmRow(tc, tel.name, level_name, side, level, val, None))
                    elif key in self.open:
                        t_open, v_open, _ = self.open.pop(key)
                        row = AlarmRow(t_open, tel.name, level_name, side, level, v_open, tc)
                        self.rows.append(row)
                        if self.emit:
                            self.emit(row)
        self.k = n

    def finished_rows(self) -> list[AlarmRow]:
        rows = list(self.rows)
        for (name, level_name, side), (tc, val, level) in self.open.items():
            rows.append(AlarmRow(tc, name, level_name, side, level, val, None))
        rows.sort(key=lambda a: a.t_s)
        return rows


# ------------------------------------------------------------------------------------------- the simulation
class Simulation:
    """One live run of one scenario (see the module docstring)."""

    def __init__(self, scenario: Scenario | str, params: Parameters | None = None) -> None:
        wall0 = time.perf_counter()
        self.scenario = scenario if isinstance(scenario, Scenario) else Scenario.load(scenario)
        self.model = StationModel(self.scenario, params).build()
        self.net = self.model.net
        self.t_s = 0.0
        self.end_s = self.scenario.duration_s
        names = [s.name for s in self.net.stores]
        self._traj = TrajectoryRecorder(names, list(self.net.aux_keys))
        self._events = EventRecorder()
        self.net.observers += [self._traj, self._events]
        self._observers: list = []
        self._alarm_listeners = 0
        self._closed = False
        self.alarms = AlarmMonitor(self.model.telemetry(), self._emit_alarm)
        self.commands: list[CommandRecord] = []
        self.settings: dict[str, float] = {}   # parameters changed by ``set`` commands
        self._initial_params = self.model.params
        self.parent: str | None = None
        self.fork_t_s: float | None = None
        self.restored_at_s: float | None = None
        self.engine_wall_s = 0.0
        self._build_wall_s = time.perf_counter() - wall0

    # ------------------------------------------------------------------ time
    @property
    def params(self) -> Parameters:
        return self.model.params

    @property
    def now(self) -> dt.datetime:
        """The current simulation time (UTC)."""
        return at_seconds(self.scenario.start, self.t_s)

    @property
    def finished(self) -> bool:
        return self.net.finished

    def _to_s(self, when, where: str = "until") -> float:
        t = _seconds(self.scenario, when, where)
        if not math.isfinite(t) or t < self.t_s - 1e-9 or t > self.end_s + 1e-9:
            raise InputError(where, f"{iso_z(at_seconds(self.scenario.start, t), 0) if math.isfinite(t) else t} is outside "
                                    f"[{iso_z(self.now, 0)}, {iso_z(self.scenario.end, 0)}] (now .. scenario end)")
        return min(max(t, self.t_s), self.end_s)

    def advance(self, until: dt.datetime | str | float | None = None, progress: bool = False) -> dt.datetime:
        """Run to ``until`` (aware UTC datetime, ISO 8601 string or seconds since the epoch;
        default the scenario's end).  Returns the new simulation time."""
        t = self.end_s if until is None else self._to_s(until)
        w0 = time.perf_counter()
        if progress and t - self.t_s > DAY_S:
            self._advance_with_bar(t)
        else:
            self._advance_to(t)
        self.engine_wall_s += time.perf_counter() - w0
        return self.now

    def _advance_to(self, t: float) -> None:
        net = self.net
        while True:  # in slices, so alarms are reported as the run goes
            stop = min(t, self.t_s + 30 * DAY_S)
            net.advance(stop, self.end_s)
            if net.finished and net.halted is not None:  # ended early (reentry): the run's end is now
                self.end_s = net.t_s
            self.t_s = self.end_s if net.finished else stop
            # alarms: checked in batches (vectorised); every advance when someone listens for them
            if net.finished or self._alarm_listeners or len(self._traj.t0) - self.alarms.k >= ALARM_BATCH:
                self.alarms.process(self._traj)
            for o in self._observers:
                f = getattr(o, "advanced", None)
                if f is not None:
                    f(self.t_s)
            if self.t_s >= t or net.finished:
                break

    def _advance_with_bar(self, t: float) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      TextColumn("day {task.completed:.0f}/{task.total:.0f}"), TimeElapsedColumn()) as bar:
            task = bar.add_task(self.scenario.name, total=self.end_s / DAY_S, completed=self.t_s / DAY_S)
            while self.t_s < t and not self.finished:
                self._advance_to(min(t, self.t_s + DAY_S))
                bar.update(task, completed=self.t_s / DAY_S)

    def step(self) -> dt.datetime:
        """Advance to the next event (scheduled or state event)."""
        if self.net.finished:
            return self.now
        return self.advance(max(self.net.next_event_s(self.end_s), self.t_s))

    def subscribe(self, observer) -> None:
        """Add an observer: any of ``segment(t0_s, x0, r, aux)``, ``event(t_s, kind, source, detail)``,
        ``alarm(row)``, ``command(record)``, ``advanced(t_s)``."""
        self._observers.append(observer)
        if hasattr(observer, "alarm"):
            self._alarm_listeners += 1
        if hasattr(observer, "segment") or hasattr(observer, "event"):
            self.net.observers.append(observer)

    def _emit_alarm(self, row: AlarmRow) -> None:
        for o in self._observers:
            f = getattr(o, "alarm", None)
            if f is not None:
                f(row)

    # ------------------------------------------------------------------ results
    def trajectory(self) -> Trajectory:
        return self._traj.trajectory()

    def event_log(self) -> list[tuple[float, str, str, str]]:
        return list(self._events.log)

    def alarm_rows(self) -> list[AlarmRow]:
        return self.alarms.finished_rows()

    @property
    def wall_s(self) -> float:
        return self._build_wall_s + self.engine_wall_s

    def result(self, sample_s: float | None = None):
        """The :class:`~tiangong.sim.run.Result` of the run (advance to the end first)."""
        if not self.finished:
            raise InputError("result", f"the run is at {iso_z(self.now, 0)}; advance it to the end first")
        from .run import build_result

        res = build_result(self, sample_s)
        if not self._closed:
            self._closed = True
            for o in self._observers:
                f = getattr(o, "finished", None)
                if f is not None:
                    f(res)
        return res

    def record(self, path, sample_s: float | None = None, replace: bool = False, **appender_kw):
        """Write the archive while the run goes (``path``: a run directory or a ``.duckdb`` file).

        Samples on the scenario's grid, events, alarms and commands are written in batches that
        another process can read as the file grows; :meth:`result` closes it with the summary."""
        from .recording import ArchiveRecorder

        rec = ArchiveRecorder(self, path, sample_s, replace, **appender_kw)
        self.subscribe(rec)
        return rec

    # ------------------------------------------------------------------ snapshots
    def snapshot(self) -> bytes:
        """The state of the run (network arrays, queue, subsystem states, commands) as bytes.

        The trajectory recorded so far is not part of it: a restored run records from here on."""
        return pickle.dumps({"version": SNAPSHOT_VERSION, "scenario": self.scenario, "params": self.model.params,
                             "t_s": self.t_s, "net": self.net.state(), "model": self.model.state(),
                             "alarms": self.alarms.state(), "commands": list(self.commands), "settings": dict(self.settings),
                             "parent": self.parent, "fork_t_s": self.fork_t_s}, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def restore(cls, data: bytes) -> "Simulation":
        """A run continued from :meth:`snapshot` bytes."""
        try:
            d = pickle.loads(data)
            version = d["version"]
        except Exception as exc:  # noqa: BLE001 -- anything unreadable is one clear error
            raise InputError("snapshot", f"not a tiangong snapshot ({type(exc).__name__})") from None
        if version != SNAPSHOT_VERSION:
            raise InputError("snapshot", f"version {version} (this tiangong reads {SNAPSHOT_VERSION})")
        sim = cls(d["scenario"])
        sim.net.load_state(d["net"])
        sim.model.load_state(d["model"])
        sim.settings = dict(d["settings"])
        if sim.settings:
            apply_settings(sim.model, d["params"])
        sim.alarms.load_state(d["alarms"])
        sim.alarms.k = 0
        sim.t_s = d["t_s"]
        sim.commands = list(d["commands"])
        sim.parent, sim.fork_t_s = d["parent"], d["fork_t_s"]
        sim.restored_at_s = d["t_s"]
        return sim

    def fork(self, at: dt.datetime | str | float | None = None, commands: tuple[str, ...] = ()) -> "Simulation":
        """A new run with this run's state at ``at`` (default now) and its own future.

        The new run replays this run's commands issued before ``at`` from the start, so it holds
        the whole history up to ``at`` (bit-identical to this run's), then takes ``commands``."""
        t = self.t_s if at is None else _seconds(self.scenario, at, "--at")
        if not (0.0 <= t <= self.end_s):
            raise InputError("--at", f"outside the scenario window [{iso_z(self.scenario.start, 0)}, "
                                     f"{iso_z(self.scenario.end, 0)}]")
        child = Simulation(self.scenario, params=self._initial_params)
        replay(child, [c for c in self.commands if c.t_s <= t])
        child.advance(t)
        child.parent = self.scenario.name
        child.fork_t_s = t
        for c in commands:
            child.command(c)
        return child

    # ------------------------------------------------------------------ commands
    def command(self, cmd: str) -> CommandRecord:
        """Apply a command now.  Syntax errors raise :class:`InputError`; a command the state
        forbids is refused (recorded, nothing changes) and raises :class:`CommandRefused`."""
        text = " ".join(str(cmd).split())
        try:
            words = shlex.split(text)
        except ValueError as exc:
            raise InputError("command", f"{text!r}: {exc}") from None
        if not words:
            raise InputError("command", "empty command")
        verb, args = words[0], words[1:]
        fn = _COMMANDS.get(verb)
        if fn is None:
            raise InputError("command", f"unknown command {verb!r} (known: {', '.join(_COMMANDS)})")
        if self.finished:
            raise InputError("command", "the run has ended")
        try:
            plan = fn(self, args)          # validates; returns the action to run at now
        except CommandRefused as exc:
            rec = CommandRecord(self.t_s, text, "refused", exc.why)
            self._record(rec)
            raise
        self.net.split(self.t_s)
        if self.net.t_s < self.t_s - 1e-9:  # nothing pending: bring the network to now
            self.net.advance(self.t_s, self.end_s)
            self.net.split(self.t_s)
        detail = plan()
        self.net.emit("command", "operator", f"{text}: {detail}", t_s=self.t_s)
        rec = CommandRecord(self.t_s, text, "accepted", detail)
        self._record(rec)
        return rec

    def _record(self, rec: CommandRecord) -> None:
        self.commands.append(rec)
        for o in self._observers:
            f = getattr(o, "command", None)
            if f is not None:
                f(rec)


def _seconds(sc: Scenario, when, where: str) -> float:
    if isinstance(when, (int, float)) and not isinstance(when, bool):
        return float(when)
    if isinstance(when, str):
        return (parse_utc(when, where) - sc.start).total_seconds()
    if isinstance(when, dt.datetime) and when.tzinfo is not None:
        return (when - sc.start).total_seconds()
    raise InputError(where, "needs a timezone-aware UTC datetime or an ISO 8601 string with a zone")


def replay(sim: Simulation, commands: list[CommandRecord]) -> None:
    """Re-apply recorded commands at their times (accepted ones; refused ones changed nothing)."""
    for c in commands:
        if c.outcome != "accepted":
            continue
        sim.advance(c.t_s)
        sim.command(c.command)


# ------------------------------------------------------------------------------------------- command set
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|min|h|d)$")
_UNIT_S = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def _duration_s(text: str) -> float:
    m = _DURATION.match(text)
    if not m or float(m.group(1)) <= 0:
        raise InputError("command", f"{text!r} is not a positive duration (e.g. 48h, 30m, 3600s, 2d)")
    return float(m.group(1)) * _UNIT_S[m.group(2)]


def _options(args: list[str], allowed: dict[str, type]) -> tuple[list[str], dict]:
    pos, opts = [], {}
    for a in args:
        if "=" in a:
            k, v = a.split("=", 1)
            if k not in allowed:
                raise InputError("command", f"unknown option {k!r} (known: {', '.join(allowed) or 'none'})")
            try:
                val = allowed[k](v)
            except ValueError:
                raise InputError("command", f"{k}={v!r} is not a valid {allowed[k].__name__}") from None
            if isinstance(val, float) and not math.isfinite(val):
                raise InputError("command", f"{k}={v!r} must be finite")
            opts[k] = val
        else:
            pos.append(a)
    return pos, opts


def _cmd_fault(sim: Simulation, args):
    """``fault KIND [DURATION] [severity=F] [hole_mm=D]``: inject a fault of the library now."""
    pos, o = _options(args, {"severity": float, "hole_mm": float})
    if not pos or pos[0] not in FAULT_KINDS:
        raise InputError("command", f"fault needs a kind: {', '.join(FAULT_KINDS)}")
    kind = pos[0]
    dur = _duration_s(pos[1]) if len(pos) > 1 else None
    sev = o.get("severity", 1.0)
    if not 0.0 <= sev <= 1.0:
        raise InputError("command", "severity must be in [0, 1]")
    hole = o.get("hole_mm")
    if kind == "cabin_leak" and not (hole and 0 < hole <= 100):
        raise InputError("command", "cabin_leak needs hole_mm=D with 0 < D <= 100")
    m = sim.model
    if any(f["kind"] == kind for f in m.faults_active.values()):
        raise CommandRefused("command", f"a {kind} fault is already active (clear it first)")

    def act():
        fid = f"cmd-{len(sim.commands)}"
        d = {"id": fid, "kind": kind, "severity": sev, "hole_diameter_mm": hole}
        m._on_fault_start(d)
        if dur is not None:
            sim.net.schedule(sim.t_s + dur, "fault.end", {**d, "detail": kind})
        return f"{kind} (severity {sev:g})" + (f" for {dur / 3600:g} h" if dur else " until cleared")
    return act


def _cmd_clear(sim: Simulation, args):
    """``clear KIND``: end an active fault now."""
    pos, _ = _options(args, {})
    m = sim.model
    ids = [k for k, f in m.faults_active.items() if pos and f["kind"] == pos[0]]
    if len(pos) != 1:
        raise InputError("command", "clear needs one fault kind")
    if not ids:
        raise CommandRefused("command", f"no active {pos[0]} fault")

    def act():
        for fid in ids:
            m._on_fault_end({"id": fid, **m.faults_active[fid]})
        return f"{pos[0]} cleared"
    return act


def _cmd_reboost(sim: Simulation, args):
    """``reboost [TARGET_KM] [at=ISO8601]``: raise the orbit now (or at a later time)."""
    pos, o = _options(args, {"at": str})
    prop = sim.model.propulsion
    if prop.command_refusal():
        raise CommandRefused("command", prop.command_refusal())
    target = float(pos[0]) * 1e3 if pos else prop.target_m
    if not 150e3 < target < 1000e3:
        raise InputError("command", "target must be in (150, 1000) km")
    net = sim.net
    h = net.value_at(net.si("orbit.altitude_m"), sim.t_s)
    if "at" in o:
        t = _seconds(sim.scenario, o["at"], "command: at")
        if not sim.t_s < t <= sim.end_s:
            raise InputError("command", "at= must be after now and inside the scenario")

        def act_later():
            net.schedule(t, "propulsion.reboost_planned", {"target_m": target, "detail": f"to {target / 1e3:.1f} km"})
            return f"reboost to {target / 1e3:.1f} km planned at {iso_z(at_seconds(sim.scenario.start, t), 0)}"
        return act_later
    if target <= h:
        raise CommandRefused("command", f"target {target / 1e3:.1f} km is not above the altitude now ({h / 1e3:.1f} km)")
    dv, need = prop.plan(h, target, sim.model.mass_kg)
    have = net.value_at(net.si("propulsion.propellant_kg"), sim.t_s)
    if have < need:
        raise CommandRefused("command", f"needs {need:.1f} kg propellant, {have:.1f} kg aboard")

    def act():
        ok, why = prop.reboost(net, target)
        net.emit("propulsion.reboost", "propulsion", why, t_s=sim.t_s)
        return why
    return act


def _cmd_eva(sim: Simulation, args):
    """``eva start NAME CREW1,CREW2 [airlock=wentian] [duration=6.5h]`` | ``eva abort``."""
    pos, o = _options(args, {"airlock": str, "duration": str})
    m = sim.model
    if pos[:1] == ["abort"]:
        if m.eva_active is None:
            raise CommandRefused("command", "no EVA under way")
        e = dict(m.eva_active)

        def act_abort():
            m._on_eva_end(e)
            return f"{e['name']} aborted: hatch closed"
        return act_abort
    if pos[:1] != ["start"] or len(pos) != 3:
        raise InputError("command", "use: eva start NAME CREW1,CREW2 [airlock=wentian] [duration=6.5h] | eva abort")
    name, crew = pos[1], [c for c in pos[2].split(",") if c]
    airlock = o.get("airlock", "wentian")
    if airlock not in ("wentian", "tianhe_node"):
        raise InputError("command", f"airlock {airlock!r}: wentian or tianhe_node")
    dur = _duration_s(o.get("duration", "6.5h"))
    if dur > 9 * 3600:
        raise InputError("command", "duration longer than the suit's rated 8 h plus reserve")
    if m.eva_active is not None:
        raise CommandRefused("command", f"an EVA is under way ({m.eva_active['name']})")
    if len(set(crew)) != len(crew) or not 1 <= len(crew) <= 3:
        raise InputError("command", "1 to 3 distinct crew members")
    missing = [c for c in crew if c not in m.crew]
    if missing:
        raise CommandRefused("command", f"{', '.join(missing)} not aboard (aboard: {', '.join(sorted(m.crew)) or 'nobody'})")
    if airlock == "wentian" and "Wentian" not in m.modules and m.scenario.station == "tiangong":
        raise CommandRefused("command", "the Wentian airlock is not at the station now")

    def act():
        d = m.eva_payload(name, crew, airlock)
        m._on_eva_start(d)
        sim.net.schedule(sim.t_s + dur, "eva.hatch_close", {**d, "detail": name})
        return f"{name}: {', '.join(crew)} outside for up to {dur / 3600:g} h ({airlock} airlock)"
    return act


def _cmd_set(sim: Simulation, args):
    """``set PATH VALUE``: change a parameter (a set point) from now on, e.g.
    ``set eclss.cabin.ppo2_setpoint_pa 21000`` or ``set propulsion.reboost.floor_altitude_m 370000``."""
    if len(args) != 2:
        raise InputError("command", "use: set PATH VALUE")
    path, raw = args
    try:
        value = float(raw)
    except ValueError:
        raise InputError("command", f"{raw!r} is not a number") from None
    if not path.startswith(SETTABLE):
        raise InputError("command", f"{path!r} cannot change during a run (set points: {', '.join(SETTABLE)}...)")
    m = sim.model
    flat = {**m.scenario.parameters, **sim.settings, path: value}
    new = with_overrides(flat, "command: set")  # validates the path and the value

    def act():
        sim.settings[path] = value
        apply_settings(m, new, path, value)
        return f"{path} = {value:g}"
    return act


SETTABLE = ("eclss.cabin.", "eclss.electrolyser.", "eclss.co2_removal.", "propulsion.reboost.", "power.loads_w.")
"""Parameter paths a ``set`` command may change: values the controllers read at every event."""


def apply_settings(m: StationModel, new: Parameters, path: str | None = None, value: float | None = None) -> None:
    m.params = new
    for key, s in m.subsystems.items():
        s.p = getattr(new, key)
        if hasattr(s, "reconfigure"):
            s.reconfigure()
    prop = m.propulsion
    if path == "propulsion.reboost.floor_altitude_m":
        prop.floor_m = value
    elif path == "propulsion.reboost.target_altitude_m":
        prop.target_m = value


def _cmd_dock(sim: Simulation, args):
    """``dock TYPE NAME PORT [mass_kg=X]``: a visiting vehicle docks now."""
    from ..station import DockedVehicle

    pos, o = _options(args, {"mass_kg": float})
    if len(pos) != 3:
        raise InputError("command", "use: dock shenzhou|tianzhou NAME PORT [mass_kg=X]")
    type_, name, port = pos
    m = sim.model
    if m._cfg.fixed:
        raise CommandRefused("command", f"the {m.scenario.station} configuration has no docking model")
    try:
        vt = m._cfg.vehicle_type(type_)
    except KeyError:
        raise InputError("command", f"unknown vehicle type {type_!r} (shenzhou, tianzhou)") from None
    if name in m.conf.docked:
        raise CommandRefused("command", f"{name} is already docked")
    taken = {v.port: v.name for v in m.conf.docked.values()}
    if port in taken:
        raise CommandRefused("command", f"port {port} is taken by {taken[port]}")
    mass = o.get("mass_kg", vt.mass_kg)
    if not 0 < mass < 1e5:
        raise InputError("command", "mass_kg must be in (0, 100000)")

    def act():
        m.conf.docked[name] = DockedVehicle(name=name, type=vt.type, port=port, mass_kg=mass, docked_at=sim.now,
                                            pressurized_volume_m3=vt.pressurized_volume_m3,
                                            habitable_volume_m3=vt.habitable_volume_m3, variant=vt.variant)
        m._reconfigure()
        return f"{name} ({type_}) docked at {port}, {mass:.0f} kg"
    return act


def _cmd_undock(sim: Simulation, args):
    """``undock NAME``: a docked vehicle leaves now."""
    pos, _ = _options(args, {})
    m = sim.model
    if len(pos) != 1:
        raise InputError("command", "use: undock NAME")
    if pos[0] not in m.conf.docked:
        raise CommandRefused("command", f"{pos[0]} is not docked (docked: {', '.join(m.conf.docked) or 'none'})")

    def act():
        del m.conf.docked[pos[0]]
        m._reconfigure()
        return f"{pos[0]} undocked"
    return act


_COMMANDS = {"fault": _cmd_fault, "clear": _cmd_clear, "reboost": _cmd_reboost, "eva": _cmd_eva,
             "set": _cmd_set, "dock": _cmd_dock, "undock": _cmd_undock}
"""Command verbs -> validator returning the action to run at the current time."""

COMMAND_HELP = {k: (f.__doc__ or "").split("\n")[0] for k, f in _COMMANDS.items()}

__all__ = ["Simulation", "CommandRecord", "CommandRefused", "COMMAND_HELP", "replay"]
