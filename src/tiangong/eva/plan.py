"""EVA planner: a plan request (TOML) + the task library + the ephemeris -> a timed plan (CP-SAT).

Model (OR-Tools CP-SAT, whole minutes; ``docs/eva.md`` has the long version):

* one interval per task, optional unless the task is a ``must``; each role (EV1, EV2, IV, ARM)
  is a no-overlap resource, and a task's single interval sits on every role it needs, so all
  its roles are held simultaneously;
* phases: depress -> egress -> work tasks -> closeout (cleanup) -> ingress -> repress;
* groups of constraints that can be relaxed to explain an infeasible request:
  ``precedence`` (library precedence; a task whose predecessor is dropped is dropped too),
  ``suit`` (hatch open: egress start -> ingress end <= rated - reserve),
  ``daylight`` (a ``needs_daylight`` task lies inside one daylight window: umbra end -> next
  umbra start), ``comm`` (a ``needs_comm`` task inside one Tianlian contact window),
  ``arm`` (arm translation time between consecutive arm tasks at different worksites),
  ``window`` (everything between ``earliest_start`` and ``latest_end``, clipped to the crew day:
  ``wake_utc + prep_h`` to ``wake_utc + crew_day_max_h``);
* objective ``shortest``: minimise depress start -> repress end (ties: earliest end), every
  requested task done; ``priority``: maximise the sum of priorities of the tasks done
  (``must`` tasks always), then shortest.

Daylight and contact windows come from the TLE nearest the date with drag terms removed
(``tiangong.orbit``), are rounded inwards to whole minutes, and can be passed in directly
(``Environment``) to plan without an ephemeris (tests do).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from ..errors import InputError
from ..timeutil import at_seconds, iso_z, parse_utc, seconds_between
from .library import (
    EVS, PHASES, ROLES, SECOND_EGRESS, Library, _hint, _Model, check_precedence, explain_validation, load_library,
    read_toml,
)

GROUPS = ("precedence", "suit", "daylight", "comm", "arm", "window")
DEFAULT_HORIZON_H = 12.0
DEPRESS_MIN_DEFAULT = 40.0  # the packaged library's depress (min): default earliest_start before a hatch_open
PART = "#"  # "lift_panoramic_camera#2": the 2nd item of a window-bound task with count > 1


def base_name(item: str) -> str:
    """The library task of a plan item (``"lift_panoramic_camera#2"`` -> ``"lift_panoramic_camera"``)."""
    return item.split(PART, 1)[0]


# --------------------------------------------------------------------------- request

class Crew(_Model):
    EV1: str = Field(min_length=1)
    EV2: str = Field(min_length=1)
    IV: str = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self):
        people = {"EV1": self.EV1, "EV2": self.EV2, "IV": self.IV}
        for a, b in (("EV1", "EV2"), ("EV1", "IV"), ("EV2", "IV")):
            if people[a].strip().casefold() == people[b].strip().casefold():
                raise ValueError(f"{people[a]!r} is both {a} and {b}: one person cannot hold two roles")
        return self


# The station's history (data/history/tiangong.toml): Tianhe launched 2021-04-29 03:23 UTC, Wentian docked
# 2022-07-24 19:13 UTC; the ephemeris (DE421) ends 2053-10-09.
STATION_FROM = dt.datetime(2021, 4, 29, 3, 23, 15, tzinfo=dt.timezone.utc)
EPHEMERIS_UNTIL = dt.datetime(2053, 10, 1, tzinfo=dt.timezone.utc)


def check_eva_date(when: dt.datetime, airlock: str, field: str = "earliest_start") -> None:
    """An EVA needs the station (and, for the Wentian airlock, Wentian) to exist, inside the ephemeris."""
    from ..station import history

    if when < STATION_FROM:
        raise ValueError(f"{field}: {iso_z(when, 0)} is before the station existed (Tianhe launched {iso_z(STATION_FROM, 0)})")
    if when > EPHEMERIS_UNTIL:
        raise ValueError(f"{field}: {iso_z(when, 0)} is after the end of the ephemeris (DE421, {iso_z(EPHEMERIS_UNTIL, 0)})")
    if airlock == "wentian":
        dock = next(e.time for e in history() if e.kind == "module_dock" and e.name == "Wentian")
        if when < dock:
            raise ValueError(f"airlock: 'wentian' on {iso_z(when, 0)}: Wentian docked only on {iso_z(dock, 0)} "
                             "(use 'tianhe_node')")


class TaskRequest(_Model):
    name: str
    must: bool | None = None  # default: true (always for objective "shortest")
    priority: int | None = Field(default=None, ge=1, le=10)
    worksite: str | None = None  # override of the library worksite (e.g. the same job on Mengtian)
    # identical items: count x duration back to back; a task that needs a daylight or contact window is
    # split into ``count`` items, each in its own window (e.g. several camera lifts in one EVA)
    count: int = Field(default=1, ge=1, le=10)
    after: tuple[str, ...] = ()  # requested tasks that must finish first (on top of the library's precedence)


class PlanRequest(_Model):
    """A plan request (TOML, see ``docs/eva.md``)."""

    name: str = "eva"
    description: str = ""
    earliest_start: dt.datetime | None = None  # default: hatch_open - the library depress time
    latest_end: dt.datetime | None = None  # default earliest_start + 12 h
    # the hatch-open time, if fixed (a real EVA's published time): the plan opens the hatch exactly then
    # (depress right before it) and never slides the EVA to another daylight phase
    hatch_open: dt.datetime | None = None
    airlock: Literal["wentian", "tianhe_node"] = "wentian"
    crew: Crew
    objective: Literal["shortest", "priority"] = "shortest"
    suit_rated_h: float = Field(default=8.0, gt=0, le=12)
    suit_reserve_min: float = Field(default=30.0, ge=0)
    tle: str = "builtin"
    # Crew-day rules (U: Tiangong's are not published).  Depress may start ``prep_h`` after wake-up
    # (suit checkout) and repress must end within ``crew_day_max_h`` of wake-up.  ``wake_utc`` is the
    # wake-up time of day (the crew keeps Beijing time: 06:00 BJT = 22:00 UTC, crew/timeline.py); by
    # default the EVA day is shifted so the crew wakes ``prep_h`` before ``earliest_start`` (EVA days
    # are rescheduled: Shenzhou-17 EVA-2 opened the hatch at 05:40 BJT).  Shenzhou-13 EVA-1 ended at
    # 01:16 BJT, 19.3 h after a 06:00 wake, so the default crew day is 20 h.
    wake_utc: dt.time | None = None
    prep_h: float = Field(default=0.0, ge=0, le=12)
    crew_day_max_h: float = Field(default=20.0, gt=0, le=24)
    task: tuple[TaskRequest, ...] = Field(min_length=1)

    @field_validator("earliest_start", "latest_end", "hatch_open", mode="before")
    @classmethod
    def _utc(cls, v):
        return None if v is None else parse_utc(v)

    @model_validator(mode="after")
    def _check(self):
        if self.earliest_start is None:
            if self.hatch_open is None:
                raise ValueError("earliest_start: give earliest_start (a window) or hatch_open (a fixed hatch-open "
                                 "time)")
            object.__setattr__(self, "earliest_start", self.hatch_open - dt.timedelta(minutes=DEPRESS_MIN_DEFAULT))
        check_eva_date(self.hatch_open or self.earliest_start, self.airlock,
                       "hatch_open" if self.hatch_open is not None else "earliest_start")
        if self.latest_end is None:
            object.__setattr__(self, "latest_end", self.earliest_start + dt.timedelta(hours=DEFAULT_HORIZON_H))
        if self.latest_end <= self.earliest_start:
            raise ValueError("latest_end: must be after earliest_start")
        if self.latest_end - self.earliest_start > dt.timedelta(hours=24):
            raise ValueError("latest_end: latest_end - earliest_start must be at most 24 h")
        if self.hatch_open is not None and not self.earliest_start < self.hatch_open < self.latest_end:
            raise ValueError(f"hatch_open: {iso_z(self.hatch_open, 0)} is outside the window earliest_start "
                             f"{iso_z(self.earliest_start, 0)} - latest_end {iso_z(self.latest_end, 0)}")
        return self

    @property
    def suit_usable_min(self) -> float:
        return self.suit_rated_h * 60.0 - self.suit_reserve_min

    def crew_day(self) -> tuple[dt.datetime, dt.datetime]:
        """(earliest depress, latest repress end) allowed by the crew-day rules, for the crew day
        that contains ``earliest_start`` (the last wake-up at or before it)."""
        if self.wake_utc is None:
            wake = self.earliest_start - dt.timedelta(hours=self.prep_h)
        else:
            wake = dt.datetime.combine(self.earliest_start.date(), self.wake_utc, tzinfo=dt.timezone.utc)
            if wake > self.earliest_start:
                wake -= dt.timedelta(days=1)
        return wake + dt.timedelta(hours=self.prep_h), wake + dt.timedelta(hours=self.crew_day_max_h)


def explain(exc: ValidationError, root, data=None) -> str:
    """One line for a validation error; a whole-request check names its field itself (``hatch_open: ...``)."""
    msg = explain_validation(exc, root, data)
    rest = msg.removeprefix("(top level): ")
    return rest if rest != msg and re.match(r"^[a-z_]+(\.[A-Za-z0-9_]+)*: ", rest) else msg


def load_request(path: str | Path) -> PlanRequest:
    """Read and validate a plan request; errors name the file and the field."""
    data, where = read_toml(path)
    try:
        return PlanRequest.model_validate(data)
    except ValidationError as exc:
        raise InputError(where, explain(exc, PlanRequest, data)) from None
    except InputError as exc:  # a bad date inside a validator
        raise InputError(where, str(exc)) from None


# --------------------------------------------------------------------------- environment

@dataclass(frozen=True)
class Environment:
    """Daylight and contact windows (aware UTC ``(start, end)`` pairs) over the planning span."""

    daylight: tuple[tuple[dt.datetime, dt.datetime], ...]
    comm: tuple[tuple[dt.datetime, dt.datetime], ...]
    source: str = "given"


@functools.lru_cache(maxsize=16)
def environment(start: dt.datetime, end: dt.datetime, tle_spec: str = "builtin") -> Environment:
    """Daylight (outside the umbra) and any-relay contact windows over [start, end] from the TLE
    nearest ``start`` (drag terms removed)."""
    from ..orbit.contacts import any_relay_windows
    from ..orbit.eclipse import find_eclipses
    from ..orbit.tle import select_tle, without_drag

    chosen = select_tle(start, tle_spec)
    sat = without_drag(chosen)
    dark = []
    for e in find_eclipses(sat, start, end):
        if e.umbra_duration_s > 0:
            dark.append((e.umbra_start or start, e.umbra_end or end))
    daylight, t = [], start
    for s, e in sorted(dark):
        if s > t:
            daylight.append((t, s))
        t = max(t, e)
    if t < end:
        daylight.append((t, end))
    comm = tuple((w.start, w.end) for w in any_relay_windows(sat, start, end))
    age_d = abs(seconds_between(chosen.epoch, start)) / 86400.0
    return Environment(tuple(daylight), comm,
                       f"TLE {chosen.norad_id} epoch {iso_z(chosen.epoch, 0)} ({age_d:.0f} d from start), no drag")


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class PlannedTask:
    name: str
    title: str
    role: str
    start: dt.datetime
    end: dt.datetime
    worksite: str
    metabolic_w: float | None = None

    def to_json(self) -> dict:
        return {"name": self.name, "role": self.role, "start": iso_z(self.start, 0), "end": iso_z(self.end, 0),
                "worksite": self.worksite, "title": self.title, "metabolic_w": self.metabolic_w}


@dataclass(frozen=True)
class Plan:
    name: str
    start: dt.datetime  # depress start
    end: dt.datetime  # repress end
    hatch_open: dt.datetime  # egress start
    hatch_close: dt.datetime  # ingress end
    both_out: dt.datetime  # both EVs outside: end of the last egress phase
    tasks: tuple[PlannedTask, ...]  # one row per task and role, plus arm moves; by start
    done: tuple[str, ...]
    dropped: tuple[str, ...]
    daylight: tuple[tuple[dt.datetime, dt.datetime], ...]
    comm: tuple[tuple[dt.datetime, dt.datetime], ...]
    crew: dict
    airlock: str
    objective: str
    status: str
    suit_usable_s: float
    environment: str
    notes: tuple[str, ...] = ()

    @property
    def duration_s(self) -> float:
        return seconds_between(self.start, self.end)

    @property
    def hatch_open_s(self) -> float:
        return seconds_between(self.hatch_open, self.hatch_close)

    def to_json(self) -> dict:
        win = lambda ws: [{"start": iso_z(s, 0), "end": iso_z(e, 0)} for s, e in ws]  # noqa: E731
        return {
            "name": self.name, "start": iso_z(self.start, 0), "end": iso_z(self.end, 0),
            "duration_s": round(self.duration_s, 1),
            "hatch_open": iso_z(self.hatch_open, 0), "hatch_close": iso_z(self.hatch_close, 0),
            "hatch_open_s": round(self.hatch_open_s, 1), "both_out": iso_z(self.both_out, 0),
            "suit_usable_s": round(self.suit_usable_s, 1),
            "airlock": self.airlock, "crew": dict(self.crew), "objective": self.objective, "status": self.status,
            "done": list(self.done), "dropped": list(self.dropped),
            "tasks": [t.to_json() for t in self.tasks],
            "daylight_windows": win(self.daylight), "comm_windows": win(self.comm),
            "environment": self.environment, "notes": list(self.notes),
        }


class InfeasiblePlan(InputError):
    """No plan satisfies the request; ``binding`` names the constraint groups whose relaxation
    makes it feasible (e.g. ``["daylight"]``)."""

    def __init__(self, where: str, why: str, binding: list[str]):
        self.binding = list(binding)
        super().__init__(where, why)


# --------------------------------------------------------------------------- the CP-SAT core

@dataclass(frozen=True)
class Item:
    """One task to schedule, in whole minutes."""

    name: str
    dur: int
    roles: tuple[str, ...]
    worksite: str
    kind: str = "work"
    precedence: tuple[str, ...] = ()
    needs_daylight: bool = False
    needs_comm: bool = False
    arm: bool = False
    priority: int = 5
    must: bool = True
    ev_options: tuple[str, ...] = ()  # one-person task: the planner puts it on ONE of these EVs


@dataclass
class Solution:
    status: str  # optimal | feasible | infeasible | unknown
    start: dict[str, int] = field(default_factory=dict)  # present tasks only
    end: dict[str, int] = field(default_factory=dict)
    evs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # EV(s) chosen for one-person tasks


def schedule(items: list[Item], *, horizon: int, daylight: list[tuple[int, int]], comm: list[tuple[int, int]],
             suit_usable: int, arm_time: dict[tuple[str, str], int] | None = None,
             walk_time: dict[tuple[str, str], int] | None = None, objective: str = "shortest",
             relax: frozenset[str] = frozenset(), extended_horizon: int | None = None,
             time_limit_s: float = 5.0, workers: int = 1, fixed_hatch: bool = False) -> Solution:
    """Solve the scheduling model (times in minutes from the earliest start)."""
    from ortools.sat.python import cp_model

    H = extended_horizon if ("window" in relax and extended_horizon) else horizon
    arm_time = arm_time or {}
    walk_time = walk_time or {}
    m = cp_model.CpModel()
    by = {it.name: it for it in items}
    S, E, P, IV = {}, {}, {}, {}
    X: dict[tuple[str, str], object] = {}  # (task, EV) -> literal "this EV does the one-person task"
    on: dict[str, list] = {r: [] for r in ROLES}  # role -> [(item, presence literal, interval)]
    for it in items:
        S[it.name] = m.NewIntVar(0, H, f"s_{it.name}")
        E[it.name] = m.NewIntVar(0, H, f"e_{it.name}")
        P[it.name] = m.NewConstant(1) if (it.must or objective == "shortest") else m.NewBoolVar(f"p_{it.name}")
        IV[it.name] = m.NewOptionalIntervalVar(S[it.name], it.dur, E[it.name], P[it.name], f"i_{it.name}")
        for r in it.roles:
            on[r].append((it, P[it.name], IV[it.name]))
        if it.ev_options:
            for ev in it.ev_options:
                X[it.name, ev] = m.NewBoolVar(f"x_{it.name}_{ev}")
                on[ev].append((it, X[it.name, ev], m.NewOptionalIntervalVar(
                    S[it.name], it.dur, E[it.name], X[it.name, ev], f"i_{it.name}_{ev}")))
            m.Add(sum(X[it.name, ev] for ev in it.ev_options) == P[it.name])
    for role in ROLES:
        ivs = [iv for _, _, iv in on[role]]
        if len(ivs) > 1:
            m.AddNoOverlap(ivs)

    def phase(kind):
        return [it.name for it in items if it.kind == kind]

    (dep,), (egr,), (ing,), (rep,) = (phase(k) for k in PHASES)
    work = phase("work")
    close = phase("closeout")
    m.Add(E[dep] <= S[egr])
    m.Add(E[ing] <= S[rep])
    if fixed_hatch:  # a given hatch-open time: depress from minute 0, hatch opens right after it
        m.Add(S[dep] == 0)
        m.Add(S[egr] == E[dep])
    second = phase(SECOND_EGRESS)
    for n in second:  # the second EV leaves the airlock after the first one, and works only once outside
        m.Add(S[n] >= E[egr])
        m.Add(E[n] <= S[ing])
        for ev in (r for r in by[n].roles if r in EVS):  # the EV this egress brings out
            for it in items:
                if it.kind in ("work", "closeout"):
                    if ev in it.roles:
                        m.Add(S[it.name] >= E[n]).OnlyEnforceIf(P[it.name])
                    elif ev in it.ev_options:
                        m.Add(S[it.name] >= E[n]).OnlyEnforceIf(X[it.name, ev])
    for n in work + close:
        m.Add(S[n] >= E[egr]).OnlyEnforceIf(P[n])
        m.Add(E[n] <= S[ing]).OnlyEnforceIf(P[n])
    for c in close:
        for n in work:
            m.Add(E[n] <= S[c]).OnlyEnforceIf([P[n], P[c]])

    if "precedence" not in relax:
        for it in items:
            for pred in it.precedence:
                if pred in by:
                    m.Add(E[pred] <= S[it.name]).OnlyEnforceIf([P[pred], P[it.name]])
                    m.AddImplication(P[it.name], P[pred])
    if "suit" not in relax:
        m.Add(E[ing] - S[egr] <= suit_usable)

    def inside(it, windows, tag):
        fits = [(a, b) for a, b in windows if b - a >= it.dur]
        if not fits:
            m.Add(P[it.name] == 0)
            return
        bs = []
        for k, (a, b) in enumerate(fits):
            bk = m.NewBoolVar(f"{tag}_{it.name}_{k}")
            m.Add(S[it.name] >= a).OnlyEnforceIf(bk)
            m.Add(E[it.name] <= b).OnlyEnforceIf(bk)
            bs.append(bk)
        m.Add(sum(bs) == P[it.name])

    for it in items:
        if it.needs_daylight and "daylight" not in relax:
            inside(it, daylight, "day")
        if it.needs_comm and "comm" not in relax:
            inside(it, comm, "comm")

    if "arm" not in relax:
        arm_items = [it for it in items if it.arm]
        for a, b in itertools.combinations(arm_items, 2):
            tab, tba = arm_time.get((a.worksite, b.worksite), 0), arm_time.get((b.worksite, a.worksite), 0)
            if tab == 0 and tba == 0:
                continue  # same worksite: the ARM no-overlap is enough
            o = m.NewBoolVar(f"o_{a.name}_{b.name}")
            m.Add(S[b.name] >= E[a.name] + tab).OnlyEnforceIf([o, P[a.name], P[b.name]])
            m.Add(S[a.name] >= E[b.name] + tba).OnlyEnforceIf([o.Not(), P[a.name], P[b.name]])
        # crew translation: between two tasks of the same EV at different worksites, in either order, the
        # gap is at least the hand-over-hand translation time of that EV (pairwise, like the arm)
        for ev in EVS:
            for (a, pa, _), (b, pb, _) in itertools.combinations(on[ev], 2):
                tab, tba = walk_time.get((a.worksite, b.worksite), 0), walk_time.get((b.worksite, a.worksite), 0)
                if tab == 0 and tba == 0:
                    continue
                o = m.NewBoolVar(f"w_{ev}_{a.name}_{b.name}")
                m.Add(S[b.name] >= E[a.name] + tab).OnlyEnforceIf([o, pa, pb])
                m.Add(S[a.name] >= E[b.name] + tba).OnlyEnforceIf([o.Not(), pa, pb])

    span = (E[rep] - S[dep]) * (H + 1) + E[rep]
    if second:
        # among plans of equal length, the second EV stays in the airlock (suited, at rest) as long as
        # possible: Chinese practice, the second EV joins when first needed (docs/eva.md)
        span = span * (H + 1) - S[second[0]]
    if objective == "priority":
        big = (H + 1) ** 3 + 1  # above any span (span < (H + 1)^3 with the tie-break)
        m.Maximize(sum(big * it.priority * P[it.name] for it in items if not it.must) - span)
    else:
        m.Minimize(span)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = 0  # with one worker (the default) the plan is reproducible
    st = solver.Solve(m)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solution("infeasible" if st == cp_model.INFEASIBLE else "unknown")
    out = Solution("optimal" if st == cp_model.OPTIMAL else "feasible")
    for it in items:
        if solver.Value(P[it.name]):
            out.start[it.name] = solver.Value(S[it.name])
            out.end[it.name] = solver.Value(E[it.name])
            out.evs[it.name] = tuple(ev for ev in it.ev_options if solver.Value(X[it.name, ev]))
    return out


def explain_infeasible(items, relax_time_limit_s: float = 2.0, **kw) -> list[list[str]]:
    """Constraint groups whose relaxation makes the model feasible: the single groups that do,
    else the smallest pairs, else ``[["all"]]`` if even that fails."""
    kw = {**kw, "time_limit_s": relax_time_limit_s}
    singles = [[g] for g in GROUPS if schedule(items, relax=frozenset([g]), **kw).status in ("optimal", "feasible")]
    if singles:
        return singles
    pairs = [list(p) for p in itertools.combinations(GROUPS, 2)
             if schedule(items, relax=frozenset(p), **kw).status in ("optimal", "feasible")]
    return pairs or [["all"]]


# --------------------------------------------------------------------------- request -> plan

def _minutes_in(windows, t0: dt.datetime) -> list[tuple[int, int]]:
    out = []
    for s, e in windows:
        a, b = math.ceil(seconds_between(t0, s) / 60.0 - 1e-9), math.floor(seconds_between(t0, e) / 60.0 + 1e-9)
        if b > a:
            out.append((a, b))
    return out


@functools.lru_cache(maxsize=64)
def site_bases(arm_name: str, site: str) -> tuple[str, ...]:
    """Base points from which ``arm_name`` puts its tip at the work point of geometry ``site``."""
    from ..robotics.geometry import reach_table

    return tuple(reach_table(arm_name).get(site, ()))


NO_COMMON_BASE = "no common base point"


@functools.lru_cache(maxsize=1024)
def arm_carry(arm_name: str, site_a: str, site_b: str):
    """``(SafeCarry, base)``: the fastest hull-clear carry of the foot restraint from the work pose of
    ``site_a`` to that of ``site_b`` over the common base points of ``arm_name`` (``tiangong.robotics``:
    IK at both poses, synchronized trapezoidal profile, booms kept off the hull, detouring through a lifted
    waypoint if the direct path would cut a module; ``robotics.collision``). ``time_s = inf`` and base
    ``""`` if no base point reaches both sites with a clear path. Deterministic (seeded IK), cached."""
    from ..robotics.arm import load_arm
    from ..robotics.collision import SafeCarry, safe_carry
    from ..robotics.geometry import load_geometry

    common = [b for b in site_bases(arm_name, site_a) if b in site_bases(arm_name, site_b)]
    if not common:
        return SafeCarry(math.inf, False, -math.inf, "", NO_COMMON_BASE), ""
    g, arm = load_geometry(), load_arm(arm_name)
    tries = [(safe_carry(arm, g, base, site_a, site_b), base) for base in sorted(common)]
    clear = [(r, base) for r, base in tries if r.ok]
    return min(clear, key=lambda rb: rb[0].time_s) if clear else (tries[0][0], "")


def arm_carry_s(arm_name: str, site_a: str, site_b: str) -> tuple[float, str]:
    """``(time_s, base)`` of :func:`arm_carry` (``(inf, "")`` if there is no clear carry)."""
    r, base = arm_carry(arm_name, site_a, site_b)
    return (float(r.time_s), base) if r.ok else (math.inf, "")


@functools.lru_cache(maxsize=1024)
def translation_m(site_a: str, site_b: str) -> float:
    """Hull-following translation path (m) between two geometry sites (``translation_path_m``)."""
    from ..robotics.geometry import translation_path_m

    return float(translation_path_m(site_a, site_b))


@dataclass(frozen=True)
class Move:
    """How the arm (or, failing that, the crew) gets from one worksite to another."""

    minutes: int
    how: str  # "arm" | "translation"
    seconds: float  # arm trajectory or translation time, before set-up and rounding
    detail: str


def move(lib: Library, a: str, b: str) -> Move:
    """Move between worksites ``a`` and ``b`` for arm-supported work: set-up + arm trajectory time when one
    base point of the library's arm reaches both sites, else set-up + crew translation (path / speed)."""
    sa, sb = lib.worksites[a].site, lib.worksites[b].site
    if sa == sb:
        return Move(0, "arm", 0.0, f"same site {sa}")
    r, base = arm_carry(lib.arm.name, sa, sb)
    if r.ok:
        t = float(r.time_s)
        path = "" if r.via == "direct" else f" via a waypoint ({r.via}: the direct path cuts the hull)"
        return Move(math.ceil(lib.arm.setup_min + t / 60.0 - 1e-9), "arm", t,
                    f"{lib.arm.name} arm from base {base}: trajectory {t:.0f} s{path}, hull clearance "
                    f"{r.clearance_m:.2f} m + set-up {lib.arm.setup_min:g} min")
    d = translation_m(sa, sb)
    t = d / lib.translation.speed_mps
    why = (f"no base point of the {lib.arm.name} arm reaches both {sa} and {sb}" if r.reason == NO_COMMON_BASE
           else f"no hull-clear {lib.arm.name} arm path between {sa} and {sb}")
    return Move(math.ceil(lib.arm.setup_min + t / 60.0 - 1e-9), "translation", t,
                f"{why}: crew translation {d:.1f} m at {lib.translation.speed_mps:g} m/s + set-up "
                f"{lib.arm.setup_min:g} min")


def walk_times(lib: Library, worksites) -> dict[tuple[str, str], int]:
    """Crew hand-over-hand translation minutes between every ordered pair of distinct worksites: hull path
    ``translation_path_m`` / ``[translation] speed_mps``, rounded up (0 for the same geometry site)."""
    out = {}
    for a, b in itertools.permutations(sorted(set(worksites)), 2):
        sa, sb = lib.worksites[a].site, lib.worksites[b].site
        out[a, b] = 0 if sa == sb else math.ceil(translation_m(sa, sb) / lib.translation.speed_mps / 60.0 - 1e-9)
    return out


def arm_times(lib: Library, worksites) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], Move]]:
    """Move minutes between every ordered pair of distinct worksites (and the moves themselves)."""
    moves = {(a, b): move(lib, a, b) for a, b in itertools.permutations(sorted(set(worksites)), 2)}
    return {k: m.minutes for k, m in moves.items()}, moves


def check_reach(lib: Library, task: str, worksite: str, where: str) -> None:
    """An arm-supported task needs a worksite that some base point of the library's arm reaches."""
    site = lib.worksites[worksite].site
    if not site_bases(lib.arm.name, site):
        raise InputError(where, f"task {task!r}: worksite {worksite!r} (site {site}) is out of reach of the "
                                f"{lib.arm.name} arm from every base point; choose another worksite or arm")


def build_items(req: PlanRequest, lib: Library, where: str = "request") -> list[Item]:
    """The request's tasks plus the four airlock phases, as :class:`Item` (durations rounded up)."""
    if req.airlock not in lib.airlocks:
        raise InputError(where, f"airlock: unknown airlock {req.airlock!r}{_hint(req.airlock, lib.airlocks)}")
    extra = lib.airlocks[req.airlock].egress_extra_min
    names = [t.name for t in req.task]
    for i, t in enumerate(req.task):
        spec = lib.get(t.name, f"{where}: task[{i}].name")
        if spec.kind in PHASES:
            raise InputError(where, f"task[{i}].name: {t.name!r} is added to every plan; do not request it")
        if t.worksite is not None and t.worksite not in lib.worksites:
            raise InputError(where, f"task[{i}].worksite: unknown worksite {t.worksite!r}{_hint(t.worksite, lib.worksites)}")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(where, f"task: requested twice: {', '.join(dup)}")
    for i, t in enumerate(req.task):
        for a in t.after:
            if a not in names:
                raise InputError(where, f"task[{i}].after: {a!r} is not a task of this request"
                                        f"{_hint(a, dict.fromkeys(names))}")
    reqs = {t.name: t for t in req.task}
    chosen = {t.name: lib.tasks[t.name] for t in lib.task if t.kind in PHASES + (SECOND_EGRESS,)}
    chosen.update({t.name: lib.tasks[t.name] for t in req.task})
    chosen = {n: s.model_copy(update={"precedence": tuple(dict.fromkeys(
        [p for p in s.precedence if p in chosen] + list(reqs[n].after if n in reqs else ())))})
        for n, s in chosen.items()}
    check_precedence(chosen, where, "precedence (library + after)")
    # a window-bound task (daylight / contact) with count > 1 becomes ``count`` chained items, each inside
    # its own window; whatever waits for the task waits for its last item
    parts = {n: (reqs[n].count if (n in reqs and (s.needs_daylight or s.needs_comm)) else 1)
             for n, s in chosen.items()}
    last = {n: (n if k == 1 else f"{n}{PART}{k}") for n, k in parts.items()}
    items = []
    for n, s in chosen.items():
        r = reqs.get(n)
        k_parts = parts[n]
        per = (r.count if r else 1) if k_parts == 1 else 1
        dur = s.duration_min * per + (extra if s.kind in ("egress", SECOND_EGRESS, "ingress") else 0.0)
        ws = r.worksite if (r and r.worksite) else lib.worksite_of(s, req.airlock)
        if s.arm_support:
            check_reach(lib, n, ws, where)
        prec = tuple(last[p] for p in s.precedence)
        for k in range(1, k_parts + 1):
            items.append(Item(
                name=n if k == 1 else f"{n}{PART}{k}", dur=math.ceil(dur - 1e-9), worksite=ws,
                roles=tuple(x for x in s.roles if not (s.ev_choice and x in EVS)),
                ev_options=s.ev_roles if s.ev_choice else (),
                kind=s.kind, precedence=prec if k == 1 else ((n if k == 2 else f"{n}{PART}{k - 1}"),),
                needs_daylight=s.needs_daylight, arm=s.arm_support,
                # a given hatch-open time is a fact: the (U) relay model does not move the hatch opening
                needs_comm=s.needs_comm and not (s.kind == "egress" and req.hatch_open is not None),
                priority=(r.priority if r and r.priority is not None else s.priority),
                must=(s.kind in PHASES + (SECOND_EGRESS,)) or req.objective == "shortest" or (r.must if r and r.must is not None else True),
            ))
    return items


def _precheck(items: list[Item], req: PlanRequest, daylight, comm, where: str) -> None:
    """Cheap checks with specific messages before the solver runs."""
    by = {it.name: it for it in items}
    usable = req.suit_usable_min
    need = by["egress"].dur + by["ingress"].dur + sum(it.dur for it in items if it.kind == SECOND_EGRESS)
    if usable < need:
        raise InputError(where, f"suit_rated_h/suit_reserve_min: usable suit time {usable:.0f} min "
                                f"(rated {req.suit_rated_h:g} h - reserve {req.suit_reserve_min:g} min) is below "
                                f"egress + ingress = {need} min")
    for it in items:
        if not it.must:
            continue
        for flag, wins, what in ((it.needs_daylight, daylight, "daylight"), (it.needs_comm, comm, "comm")):
            if flag:
                longest = max((b - a for a, b in wins), default=0)
                if longest < it.dur:
                    raise InfeasiblePlan(where, f"infeasible: binding constraint: {what}: task {it.name!r} needs "
                                                f"{it.dur} min of {what}, the longest {what} window is {longest} min",
                                         [what])


def plan_eva(req: PlanRequest, lib: Library | None = None, *, env: Environment | None = None,
             where: str = "request", time_limit_s: float = 5.0, workers: int = 1,
             explain: bool = True) -> Plan:
    """Plan an EVA. ``env`` (daylight/comm windows) defaults to the ephemeris for the request."""
    lib = lib or load_library()
    items = build_items(req, lib, where)
    day_start, day_end = req.crew_day()
    t0 = max(req.earliest_start, day_start)
    t_end = min(req.latest_end, day_end)
    fixed = req.hatch_open is not None
    if fixed:  # the depress ends at the given hatch-open time; the plan does not move
        dep_min = next(it.dur for it in items if it.kind == "depress")
        t0 = req.hatch_open - dt.timedelta(minutes=dep_min)
        if t0 < day_start:
            raise InfeasiblePlan(where, f"infeasible: binding constraint: crew day: hatch_open {iso_z(req.hatch_open, 0)} "
                                        f"needs the depress from {iso_z(t0, 0)}, before wake + prep "
                                        f"{iso_z(day_start, 0)}", ["window"])
        if t0 < req.earliest_start:
            raise InputError(where, f"hatch_open: {iso_z(req.hatch_open, 0)} leaves less than the {dep_min} min "
                                    f"depress after earliest_start {iso_z(req.earliest_start, 0)}")
    if t_end <= t0:
        raise InfeasiblePlan(where, f"infeasible: binding constraint: crew day: the window {iso_z(t0, 0)} - "
                                    f"{iso_z(t_end, 0)} is empty (wake {iso_z(day_start - dt.timedelta(hours=req.prep_h), 0)}, "
                                    f"prep {req.prep_h:g} h, crew day {req.crew_day_max_h:g} h)", ["window"])
    horizon = int((t_end - t0).total_seconds() // 60)
    ext = horizon + 12 * 60
    if env is None:
        env = environment(t0, at_seconds(t0, ext * 60.0), req.tle)
    daylight, comm = _minutes_in(env.daylight, t0), _minutes_in(env.comm, t0)
    _precheck(items, req, daylight, comm, where)
    arm_ws = [it.worksite for it in items if it.arm]
    arm, moves = arm_times(lib, arm_ws)
    walk = walk_times(lib, [it.worksite for it in items if set(it.roles + it.ev_options) & set(EVS)])
    usable = int(math.floor(req.suit_usable_min))
    kw = dict(horizon=horizon, daylight=daylight, comm=comm, suit_usable=usable, arm_time=arm, walk_time=walk,
              objective=req.objective, extended_horizon=ext, workers=workers, fixed_hatch=fixed)
    sol = schedule(items, time_limit_s=time_limit_s, **kw)
    if sol.status in ("infeasible", "unknown"):
        binding = explain_infeasible(items, **kw) if explain else []
        flat = sorted({g for combo in binding for g in combo})
        text = " or ".join("+".join(c) for c in binding) if binding else "not analysed"
        why = "no plan found within the time limit" if sol.status == "unknown" else "infeasible"
        raise InfeasiblePlan(where, f"{why}: binding constraint(s): {text} (relaxing that group makes the "
                                    f"request feasible; groups: {', '.join(GROUPS)})", flat)

    def when(minute):
        return at_seconds(t0, minute * 60.0)

    specs = lib.tasks
    rows = []
    for it in items:
        if it.name not in sol.start:
            continue
        s = specs[base_name(it.name)]
        for role in sorted(it.roles + sol.evs.get(it.name, ()), key=ROLES.index):
            rows.append(PlannedTask(it.name, s.title, role, when(sol.start[it.name]), when(sol.end[it.name]),
                                    it.worksite, lib.metabolic_watts(s) if role in ("EV1", "EV2") else None))
    notes: list[str] = []
    arm_done = sorted(((sol.start[it.name], it.name), it) for it in items if it.arm and it.name in sol.start)
    for (_, a), (_, b) in zip(arm_done, arm_done[1:]):
        if a.worksite != b.worksite and moves[(a.worksite, b.worksite)].minutes > 0:
            e = sol.end[a.name]
            mv = moves[(a.worksite, b.worksite)]
            title = "Arm carry (robotics trajectory)" if mv.how == "arm" else "Crew translation (arm cannot reach both)"
            rows.append(PlannedTask(f"arm_move:{a.worksite}->{b.worksite}", title, "ARM",
                                    when(e), when(e + mv.minutes), b.worksite))
            notes.append(f"arm_move {a.worksite}->{b.worksite}: {mv.minutes} min = {mv.detail}")
    rows.sort(key=lambda r: (r.start, ROLES.index(r.role) if r.role in ROLES else 9, r.name))
    notes[:0] = [f"crew translation between worksites of an EV: hull path at {lib.translation.speed_mps:g} m/s "
                 f"(idle gaps on EV rows); one-person tasks go to the EV chosen by the planner",
                 f"arm moves: set-up {lib.arm.setup_min:g} min + {lib.arm.name} arm trajectory time "
                 f"(tiangong.robotics) when one base point reaches both worksites, else crew translation along "
                 f"the hull path at {lib.translation.speed_mps:g} m/s"]
    start, end = when(sol.start["depress"]), when(sol.end["repress"])
    overlap = lambda ws: tuple((a, b) for a, b in ws if b > start and a < end)  # noqa: E731
    done = tuple(it.name for it in items if it.name in sol.start)
    dropped = tuple(it.name for it in items if it.name not in sol.start)
    return Plan(name=req.name, start=start, end=end, hatch_open=when(sol.start["egress"]),
                hatch_close=when(sol.end["ingress"]),
                both_out=when(max(sol.end[it.name] for it in items if it.kind in ("egress", SECOND_EGRESS))),
                tasks=tuple(rows), done=done, dropped=dropped,
                daylight=overlap(env.daylight), comm=overlap(env.comm), crew=req.crew.model_dump(),
                airlock=req.airlock, objective=req.objective, status=sol.status,
                suit_usable_s=req.suit_usable_min * 60.0, environment=env.source, notes=tuple(notes))


def plan_file(path: str | Path, **kw) -> Plan:
    """Load a plan request file and plan it (errors name the file)."""
    req = load_request(path)
    return plan_eva(req, where=str(path), **kw)
