"""Real Chinese EVAs as built-in scenarios (``tiangong/data/eva/history/*.toml``, format in docs/eva.md).

Each file holds one real EVA: mission, crew (EV1, EV2, IV, all from the mission's crew), exit airlock,
real hatch-open and hatch-close times (UTC), the reported tasks mapped to library task ids, sources, and
``role``: ``"validation"`` (the three target EVAs, never used to tune the library) or ``"calibration"``
(other EVAs with published times, the only ones the library may be adjusted against).

:func:`replay` plans an EVA with the shared library (``objective = "shortest"``, depress starting one
library depress time before the real hatch opening) and, optionally, runs the Monte Carlo simulation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from ..errors import InputError
from ..timeutil import iso_z, parse_utc, seconds_between
from .library import Library, _Model, load_library, read_toml
from .plan import Crew, Environment, Plan, PlanRequest, TaskRequest, check_eva_date, explain, plan_eva

HORIZON_H = 16.0  # planning window after the earliest start for a replay


class HistoryEva(_Model):
    """One real EVA (see docs/eva.md, "History files")."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    mission: str
    eva_number: int = Field(ge=1)
    role: Literal["validation", "calibration"]
    airlock: Literal["wentian", "tianhe_node"]
    hatch_open: dt.datetime
    hatch_close: dt.datetime
    both_out: dt.datetime | None = None  # published time both EVs were outside, if any
    mission_crew: tuple[str, ...] = Field(min_length=3, max_length=3)
    crew: Crew
    suit_rated_h: float = Field(default=8.0, gt=0, le=12)
    sources: tuple[str, ...] = Field(min_length=1)
    notes: str = ""
    task: tuple[TaskRequest, ...] = Field(min_length=1)

    @field_validator("hatch_open", "hatch_close", "both_out", mode="before")
    @classmethod
    def _utc(cls, v):
        return None if v is None else parse_utc(v)

    @model_validator(mode="after")
    def _check(self):
        check_eva_date(self.hatch_open, self.airlock, "hatch_open")
        if self.hatch_close <= self.hatch_open:
            raise ValueError("hatch_close must be after hatch_open")
        if self.both_out is not None and not self.hatch_open <= self.both_out <= self.hatch_close:
            raise ValueError("both_out must lie between hatch_open and hatch_close")
        people = [self.crew.EV1, self.crew.EV2, self.crew.IV]
        if len(set(people)) != 3:
            raise ValueError("crew: EV1, EV2 and IV must be three different people")
        for role, who in zip(("EV1", "EV2", "IV"), people):
            if who not in self.mission_crew:
                raise ValueError(f"crew.{role}: {who!r} is not in mission_crew {list(self.mission_crew)}")
        return self

    @property
    def real_s(self) -> float:
        """Real hatch-open -> hatch-close duration (s)."""
        return seconds_between(self.hatch_open, self.hatch_close)

    def request(self, lib: Library | None = None) -> PlanRequest:
        """The plan request replaying this EVA: all reported tasks required, shortest objective, depress
        starting one library depress time before the real hatch opening."""
        lib = lib or load_library()
        dep = next(t for t in lib.task if t.kind == "depress").duration_min
        t0 = self.hatch_open - dt.timedelta(minutes=dep)
        return PlanRequest(name=self.name, description=f"{self.mission} EVA-{self.eva_number} (replay)",
                           earliest_start=t0, latest_end=t0 + dt.timedelta(hours=HORIZON_H),
                           hatch_open=self.hatch_open, airlock=self.airlock,
                           crew=self.crew, objective="shortest", suit_rated_h=self.suit_rated_h,
                           suit_reserve_min=30.0, task=self.task)


def load_history(path: str | Path) -> HistoryEva:
    """Read and validate one history file (errors name the file and field)."""
    data, where = read_toml(path)
    try:
        return HistoryEva.model_validate(data)
    except ValidationError as exc:
        raise InputError(where, explain(exc, HistoryEva, data)) from None
    except InputError as exc:
        raise InputError(where, str(exc)) from None


def builtin_history(role: str | None = None) -> list[HistoryEva]:
    """The packaged real EVAs (optionally only ``role``), by hatch-open time."""
    folder = resources.files("tiangong.data.eva").joinpath("history")
    out = []
    for f in sorted(folder.iterdir(), key=lambda p: p.name):
        if f.name.endswith(".toml"):
            with resources.as_file(f) as p:
                out.append(load_history(p))
    out.sort(key=lambda h: h.hatch_open)
    return [h for h in out if role is None or h.role == role]


@dataclass(frozen=True)
class Replay:
    """Real vs planned vs simulated hatch-open -> hatch-close duration of one real EVA."""

    eva: HistoryEva
    plan: Plan
    sim: object | None = None  # the simulation result (tiangong.eva.simulate), if run
    sim_median_s: float | None = None
    sim_p5_s: float | None = None
    sim_p95_s: float | None = None
    abort_probability: float | None = None

    @property
    def real_s(self) -> float:
        return self.eva.real_s

    @property
    def planned_s(self) -> float:
        return self.plan.hatch_open_s

    @property
    def planned_error(self) -> float:
        """(planned - real) / real."""
        return (self.planned_s - self.real_s) / self.real_s

    @property
    def real_both_out_s(self) -> float | None:
        """Published hatch open -> both EVs outside (s), if the sources give it."""
        e = self.eva
        return None if e.both_out is None else seconds_between(e.hatch_open, e.both_out)

    @property
    def planned_both_out_s(self) -> float:
        """Planned hatch open -> both EVs outside (s)."""
        return seconds_between(self.plan.hatch_open, self.plan.both_out)

    @property
    def sim_error(self) -> float | None:
        return None if self.sim_median_s is None else (self.sim_median_s - self.real_s) / self.real_s

    def to_json(self) -> dict:
        r = lambda x: None if x is None else round(x, 1)  # noqa: E731
        e = self.eva
        return {
            "name": e.name, "mission": e.mission, "eva_number": e.eva_number, "role": e.role,
            "airlock": e.airlock, "crew": e.crew.model_dump(),
            "hatch_open": iso_z(e.hatch_open, 0), "hatch_close": iso_z(e.hatch_close, 0),
            "tasks": [t.name for t in e.task],
            "real_s": r(self.real_s), "planned_s": r(self.planned_s),
            "planned_error": round(self.planned_error, 4),
            "real_both_out_s": r(self.real_both_out_s), "planned_both_out_s": r(self.planned_both_out_s),
            "sim_median_s": r(self.sim_median_s), "sim_p5_s": r(self.sim_p5_s), "sim_p95_s": r(self.sim_p95_s),
            "sim_error": None if self.sim_error is None else round(self.sim_error, 4),
            "abort_probability": self.abort_probability,
            "plan_status": self.plan.status, "sources": list(e.sources),
        }


def replay(eva: HistoryEva, lib: Library | None = None, *, runs: int = 0, seed: int = 0,
           env: Environment | None = None, time_limit_s: float = 5.0, progress=None) -> Replay:
    """Plan ``eva`` with the shared library (ephemeris daylight/contact windows unless ``env``) and, if
    ``runs > 0``, simulate the planned task sequence ``runs`` times."""
    lib = lib or load_library()
    req = eva.request(lib)
    plan = plan_eva(req, lib, env=env, where=f"history {eva.name}", time_limit_s=time_limit_s)
    if runs <= 0:
        return Replay(eva, plan)
    from .montecarlo import simulate_plan

    res = simulate_plan(plan, req, lib, runs=runs, seed=seed, progress=progress)
    return Replay(eva, plan, res.result, res.median_s, res.p5_s, res.p95_s, res.abort_probability)
