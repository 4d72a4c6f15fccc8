"""The EVA task library: load and validate ``tiangong/data/eva/tasks.toml`` (or a user file).

Models are pydantic with ``extra="forbid"``: a typo in a field is an :class:`InputError` naming
the file and field with the closest known name. Unknown worksites, unknown precedence ids and
precedence cycles are InputErrors too.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import InputError
from ..validation import explain_validation as _explain
from ..validation import hint as _hint

ROLES = ("EV1", "EV2", "IV", "ARM")
Role = Literal["EV1", "EV2", "IV", "ARM"]
Metabolic = Literal["rest", "light", "moderate", "heavy"]
Kind = Literal["depress", "egress", "egress_second", "work", "closeout", "ingress", "repress"]
AIRLOCK_WORKSITE = "airlock"  # placeholder resolved to the chosen airlock's worksite
PHASES = ("depress", "egress", "ingress", "repress")  # added to every plan
SECOND_EGRESS = "egress_second"  # optional kind: the second EV's egress, right after the first EV's
EVS = ("EV1", "EV2")


class _Model(BaseModel):
    # finite numbers only: ``inf`` / ``nan`` in any EVA file (library, request, history) is refused
    # with the file and field named (issue 9)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class TaskSpec(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    kind: Kind = "work"
    duration_min: float = Field(gt=0, le=600)
    duration_sd_min: float = Field(ge=0)
    roles: tuple[Role, ...] = Field(min_length=1)
    worksite: str
    hardware: tuple[str, ...] = ()
    metabolic: Metabolic
    precedence: tuple[str, ...] = ()
    needs_daylight: bool = False
    needs_comm: bool = False
    arm_support: bool = False
    priority: int = Field(ge=1, le=10)
    # spacewalkers the task needs (1 or 2); default: every EV in ``roles``. Fewer than the EVs listed
    # means the planner chooses which of the listed EVs does it (one-person task).
    ev_count: int | None = Field(default=None, ge=1, le=2)

    @field_validator("roles")
    @classmethod
    def _unique_roles(cls, v):
        if len(set(v)) != len(v):
            raise ValueError(f"repeated role in {list(v)}")
        return v

    @model_validator(mode="after")
    def _ev_count(self):
        n = sum(r in EVS for r in self.roles)
        if self.ev_count is not None and self.ev_count > n:
            raise ValueError(f"ev_count = {self.ev_count} but only {n} EV role(s) in roles")
        return self

    @property
    def ev_roles(self) -> tuple[str, ...]:
        """The EVs that may do the task."""
        return tuple(r for r in self.roles if r in EVS)

    @property
    def evs_needed(self) -> int:
        return len(self.ev_roles) if self.ev_count is None else self.ev_count

    @property
    def ev_choice(self) -> bool:
        """True for a task done by one of several listed EVs (the planner picks)."""
        return self.evs_needed < len(self.ev_roles)


class Worksite(_Model):
    module: str
    site: str  # a site name in data/robotics/station_geometry.toml (arm reach, translation paths)
    pos_m: tuple[float, float, float] | None = None  # legacy rough position, not used by the planner


class Airlock(_Model):
    worksite: str
    egress_extra_min: float = Field(default=0.0, ge=0)


class ArmParams(_Model):
    name: str = "tianhe"  # arm of tiangong.robotics that supports arm tasks (tianhe | wentian | combined)
    setup_min: float = Field(ge=0)
    speed_mps: float | None = Field(default=None, gt=0)  # legacy, unused: arm times come from robotics


class TranslationParams(_Model):
    speed_mps: float = Field(gt=0)  # crew hand-over-hand translation speed along the hull path


class MetabolicTable(_Model):
    rest: float = Field(gt=0)
    light: float = Field(gt=0)
    moderate: float = Field(gt=0)
    heavy: float = Field(gt=0)


class Library(_Model):
    """The whole task library (``task`` is the TOML array of tables ``[[task]]``)."""

    metabolic_w: MetabolicTable
    arm: ArmParams
    translation: TranslationParams
    airlocks: dict[str, Airlock]
    worksites: dict[str, Worksite]
    task: tuple[TaskSpec, ...]
    source: str = "tasks.toml"

    @property
    def tasks(self) -> dict[str, TaskSpec]:
        return {t.name: t for t in self.task}

    def get(self, name: str, where: str = "task") -> TaskSpec:
        """The task called ``name``; an unknown name is an InputError with the closest match."""
        tasks = self.tasks
        if name not in tasks:
            raise InputError(where, f"unknown task {name!r}{_hint(name, tasks)}")
        return tasks[name]

    def worksite_of(self, task: TaskSpec, airlock: str) -> str:
        return self.airlocks[airlock].worksite if task.worksite == AIRLOCK_WORKSITE else task.worksite

    def metabolic_watts(self, task: TaskSpec) -> float:
        return float(getattr(self.metabolic_w, task.metabolic))


def explain_validation(exc: ValidationError, root: type[BaseModel], data: dict | None = None) -> str:
    """One line for the first pydantic error (see :mod:`tiangong.validation`)."""
    return _explain(exc, root)


def read_toml(path: str | Path | None, default_resource: str | None = None) -> tuple[dict, str]:
    """Parse a TOML file (or a packaged resource in ``tiangong.data.eva``) -> (data, where)."""
    if path is None:
        res = resources.files("tiangong.data.eva").joinpath(default_resource)
        text, where = res.read_text(encoding="utf-8"), f"tiangong/data/eva/{default_resource}"
    else:
        p = Path(path)
        if not p.is_file():
            raise InputError(str(path), "file not found")
        where = str(path)
        raw = p.read_bytes()
        if len(raw) > 1_000_000:
            raise InputError(where, f"{len(raw)} bytes: too large for an EVA file (limit 1 MB)")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(where, f"not UTF-8 text (byte {exc.start}: {raw[exc.start:exc.start + 1]!r}); "
                                    "save the file as UTF-8") from None
    try:
        return tomllib.loads(text), where
    except tomllib.TOMLDecodeError as exc:
        raise InputError(where, f"not valid TOML: {exc}") from None
    except RecursionError:
        raise InputError(where, "not valid TOML: nested too deeply") from None


def check_precedence(tasks: dict[str, TaskSpec], where: str, field: str = "precedence") -> None:
    """Every precedence id must be a known task and the precedence graph acyclic."""
    for t in tasks.values():
        for p in t.precedence:
            if p not in tasks:
                raise InputError(where, f"task {t.name!r}: {field}: unknown task {p!r}{_hint(p, tasks)}")
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(n: str, path: list[str]) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            cyc = path[path.index(n):] + [n]
            raise InputError(where, f"{field}: cycle {' -> '.join(cyc)}")
        state[n] = 1
        for p in tasks[n].precedence:
            visit(p, path + [n])
        state[n] = 2

    for n in tasks:
        visit(n, [])


def load_library(path: str | Path | None = None) -> Library:
    """Load and validate the task library (default: the packaged ``tasks.toml``)."""
    data, where = read_toml(path, "tasks.toml")
    try:
        lib = Library.model_validate({**data, "source": where})
    except ValidationError as exc:
        raise InputError(where, explain_validation(exc, Library, data)) from None
    names = [t.name for t in lib.task]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(where, f"task: duplicate name(s) {', '.join(dup)}")
    if sum(t.kind == SECOND_EGRESS for t in lib.task) > 1:
        raise InputError(where, f"task: more than one task of kind {SECOND_EGRESS!r}")
    for phase in PHASES:
        if not any(t.kind == phase for t in lib.task):
            raise InputError(where, f"task: no task of kind {phase!r} (needed in every plan)")
        if sum(t.kind == phase for t in lib.task) > 1:
            raise InputError(where, f"task: more than one task of kind {phase!r}")
    for t in lib.task:
        if t.worksite != AIRLOCK_WORKSITE and t.worksite not in lib.worksites:
            raise InputError(where, f"task {t.name!r}: worksite: unknown worksite {t.worksite!r}"
                                    f"{_hint(t.worksite, list(lib.worksites) + [AIRLOCK_WORKSITE])}")
        if t.arm_support and "ARM" not in t.roles:
            raise InputError(where, f"task {t.name!r}: arm_support = true needs role ARM in roles")
    for name, a in lib.airlocks.items():
        if a.worksite not in lib.worksites:
            raise InputError(where, f"airlocks.{name}.worksite: unknown worksite {a.worksite!r}"
                                    f"{_hint(a.worksite, lib.worksites)}")
    from ..robotics.arm import arm_names
    from ..robotics.geometry import load_geometry

    if lib.arm.name not in arm_names():
        raise InputError(where, f"arm.name: unknown arm {lib.arm.name!r}{_hint(lib.arm.name, arm_names())}")
    sites = load_geometry().sites
    for name, w in lib.worksites.items():
        if w.site not in sites:
            raise InputError(where, f"worksites.{name}.site: unknown station_geometry site {w.site!r}"
                                    f"{_hint(w.site, sites)}")
    check_precedence(lib.tasks, where)
    return lib
