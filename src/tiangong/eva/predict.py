"""``tiangong eva predict``: forecast a real EVA's hatch-open duration from its public description.

Input (docs/eva.md, "EVA description"): a plan request or a history file WITHOUT its outcome (crew,
airlock, hatch-open time or a window, tasks with counts). The plan starts at the given hatch-open time
(no sliding to another daylight phase); the plan's Monte Carlo gives the listed work's task-level scatter
and :mod:`tiangong.eva.forecast` adds the per-EVA pace, the time box of the era and the parameter
uncertainty. Built-in plans and history EVAs can be given by name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from ..errors import InputError
from ..timeutil import iso_z
from . import forecast as F
from .library import Library, load_library, read_toml
from .plan import Plan, PlanRequest, explain, plan_eva

OUTCOME_FIELDS = ("hatch_close", "both_out", "duration_s", "duration_min", "real_s", "duration_hhmm", "end_time")
HISTORY_ONLY = ("mission", "eva_number", "role", "mission_crew", "sources", "notes")


def builtin_names() -> dict[str, list[str]]:
    """Names of the packaged plans and history EVAs."""
    base = resources.files("tiangong.data.eva")
    out = {}
    for kind in ("plans", "history"):
        out[kind] = sorted(f.name[:-5] for f in base.joinpath(kind).iterdir() if f.name.endswith(".toml"))
    return out


def resolve(spec: str) -> tuple[Path, str]:
    """(file, kind) for a path or a built-in name: kind ``"file"``, ``"plans"`` or ``"history"``."""
    p = Path(spec)
    if p.is_file():
        return p, "file"
    names = builtin_names()
    stem = spec[:-5] if spec.endswith(".toml") else spec
    if "/" not in spec and "\\" not in spec:
        for kind in ("plans", "history"):
            if stem in names[kind]:
                with resources.as_file(resources.files("tiangong.data.eva").joinpath(kind, f"{stem}.toml")) as f:
                    return Path(f), kind
    from ..validation import hint

    known = names["plans"] + [n for n in names["history"] if n not in names["plans"]]
    raise InputError(spec, f"file not found and not a built-in EVA{hint(stem, known)} "
                           f"(built-in: {', '.join(known)}; list them with 'tiangong eva plans')")


def check_crew_aboard(req: PlanRequest, where: str) -> None:
    """EV1, EV2 and IV must be aboard the station on the EVA date (data/history/tiangong.toml)."""
    from ..station import station_at

    when = req.hatch_open or req.earliest_start
    st = station_at(when)
    if st.history_until is not None and when > st.history_until:
        return  # beyond the packaged history: who is aboard is not known
    for role in ("EV1", "EV2", "IV"):
        who = getattr(req.crew, role)
        if who not in st.crew:
            raise InputError(where, f"crew.{role}: {who!r} is not aboard the station on {iso_z(when, 0)} "
                                    f"(aboard: {', '.join(st.crew) or 'nobody'})")


def load_description(spec: str, *, allow_outcome: bool = False) -> tuple[PlanRequest, dict, str]:
    """(plan request, history-only fields, where) of an EVA description (path or built-in name).

    A file with an outcome field (``hatch_close``, ``both_out``, ...) is an InputError unless
    ``allow_outcome`` (built-in history EVAs given by name: their outcome is dropped)."""
    path, kind = resolve(spec)
    data, where = read_toml(path)
    where = spec if kind != "file" else where
    for k in OUTCOME_FIELDS:
        if k in data and not (allow_outcome or kind == "history"):
            raise InputError(where, f"{k}: an outcome field: predict forecasts an EVA from its description "
                                    "(crew, airlock, hatch-open time or window, tasks); remove it")
    meta = {k: data.pop(k) for k in HISTORY_ONLY if k in data}
    outcome = {k: data.pop(k) for k in OUTCOME_FIELDS if k in data}
    data.setdefault("objective", "shortest")
    try:
        req = PlanRequest.model_validate(data)
    except ValidationError as exc:
        raise InputError(where, explain(exc, PlanRequest, data)) from None
    except InputError as exc:
        raise InputError(where, str(exc)) from None
    check_crew_aboard(req, where)
    meta["outcome"] = outcome
    return req, meta, where


@dataclass(frozen=True)
class Prediction:
    name: str
    plan: Plan
    era: str
    samples_s: np.ndarray  # forecast hatch-open seconds, one per Monte Carlo run
    boxed: np.ndarray  # run in which the time box bound (unlisted work)
    sim: object  # SimSummary of the task-based plan
    runs: int
    seed: int
    fitted_on: tuple[str, ...]
    suit_usable_s: float  # the request's usable suit time (rated - reserve)
    note: str = ""

    @property
    def quantiles(self) -> dict[str, float]:
        q = np.quantile(self.samples_s, [0.05, 0.25, 0.5, 0.75, 0.95])
        return dict(zip(("p05", "p25", "median", "p75", "p95"), map(float, q)))

    @property
    def p_exceed_suit_limit(self) -> float:
        return float(np.mean(self.samples_s > self.suit_usable_s))

    def to_json(self) -> dict:
        q = self.quantiles
        return {
            "name": self.name, "runs": self.runs, "seed": self.seed, "era": self.era,
            "hatch_open": iso_z(self.plan.hatch_open, 0),
            "hatch_open_s": {**{k: round(v, 1) for k, v in q.items()}, "mean": round(float(self.samples_s.mean()), 1)},
            "p_exceed_suit_limit": round(self.p_exceed_suit_limit, 4),
            "suit_usable_s": round(self.suit_usable_s, 1), "notes": [self.note] if self.note else [],
            "p_unlisted_work": round(float(np.mean(self.boxed)), 4),
            "task_plan_hatch_open_s": round(self.plan.hatch_open_s, 1),
            "task_plan_simulated_s": {k: round(float(v), 1) for k, v in zip(
                ("p05", "median", "p95"), np.quantile(self.sim.duration_s, [0.05, 0.5, 0.95]))},
            "model": {"file": f"tiangong/data/eva/{F.FIT_FILE}", "fitted_on": list(self.fitted_on)},
            "plan": self.plan.to_json(),
        }


def predict_request(req: PlanRequest, lib: Library | None = None, *, runs: int = 2000, seed: int = 0,
                    post: F.Posterior | None = None, where: str = "request", progress=None,
                    time_limit_s: float = 5.0) -> Prediction:
    """Plan ``req`` (fixed hatch-open time if given), simulate the task scatter ``runs`` times and turn
    every run into a forecast with its own parameter draw (``post``: default the packaged fit)."""
    from .montecarlo import simulate_plan

    from .plan import InfeasiblePlan

    lib = lib or load_library()
    post = post or F.load_fit()[0]
    usable_s = req.suit_usable_min * 60.0
    note = ""
    try:
        plan = plan_eva(req, lib, where=where, time_limit_s=time_limit_s)
    except InfeasiblePlan as exc:
        if "suit" not in exc.binding:
            raise
        # the listed tasks do not fit the usable suit time: forecast the EVA anyway (planned without the
        # suit limit) and report the risk; a real crew would split the list or extend the EVA
        req = req.model_copy(update={"suit_rated_h": 12.0, "suit_reserve_min": 0.0})
        plan = plan_eva(req, lib, where=where, time_limit_s=time_limit_s)
        from .gantt import hm

        note = f"the task list does not fit the usable suit time ({hm(usable_s)}): planned without the suit limit"
    sim = simulate_plan(plan, req, lib, runs=runs, seed=seed, progress=progress)
    era = F.era_of(plan.hatch_open)
    samples, boxed = F.forecast_samples(np.log(sim.duration_s), era, post, seed)
    return Prediction(req.name, plan, era, samples, boxed, sim, runs, seed, post.fitted_on, usable_s, note)


def observation(name: str, sim_durations_s: np.ndarray, when: dt.datetime, real_s: float) -> F.Obs:
    d = np.log(np.asarray(sim_durations_s, dtype=float))
    return F.Obs(name, float(d.mean()), float(d.var()), F.era_of(when), float(real_s))


@dataclass(frozen=True)
class HistoryScore:
    """Forecast and baseline of every real EVA: leave-one-out for calibration EVAs, the fit on all
    calibration EVAs for the validation EVAs."""

    replays: list  # history.Replay (with simulations)
    forecast: dict  # name -> forecast.Scored
    baseline: dict  # name -> forecast.Scored
    samples: dict  # name -> forecast samples (s)
    posterior: F.Posterior  # fit on all calibration EVAs
    fitted_on: dict  # name -> the calibration EVAs its forecast was fitted on (never itself)

    def table(self, role: str) -> dict:
        names = [r.eva.name for r in self.replays if r.eva.role == role]
        return {"forecast": F.summary([self.forecast[n] for n in names]),
                "baseline": F.summary([self.baseline[n] for n in names])}


def score_history(replays: list, seed: int = 0) -> HistoryScore:
    """Score the forecast against the climatological baseline on replayed history EVAs (each replay with
    a simulation)."""
    obs = {r.eva.name: observation(r.eva.name, _durations(r), r.eva.hatch_open, r.real_s)
           for r in replays if r.eva.role == "calibration"}
    full = F.fit(list(obs.values()))
    published = [(r.eva.hatch_open, r.real_s) for r in replays]
    fc, base, samples, fitted = {}, {}, {}, {}
    for r in replays:
        n = r.eva.name
        post = F.fit([o for k, o in obs.items() if k != n]) if n in obs else full
        s, _ = F.forecast_samples(np.log(_durations(r)), F.era_of(r.eva.hatch_open), post, seed)
        samples[n] = s
        fitted[n] = post.fitted_on
        fc[n] = F.score(n, s, r.real_s)
        base[n] = F.score(n, F.climatology(r.eva.hatch_open, published), r.real_s)
    return HistoryScore(replays, fc, base, samples, full, fitted)


def _durations(replay) -> np.ndarray:
    sim = replay.sim
    if isinstance(sim, tuple):
        return np.concatenate([x.duration_s for x in sim])
    return np.asarray(sim.duration_s, dtype=float)
