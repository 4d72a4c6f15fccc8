"""Monte Carlo EVA simulation: task-time scatter, suit consumables of each EV, abort rules.

``simulate_eva(tasks, ...)`` runs one EVA ``runs`` times, vectorised over runs with numpy.

Timeline of every run (one shared task sequence for the whole crew):

1. airlock stage-2 depress (``data/eva/airlock.toml``): suits on their own consumables, at rest;
2. hatch open; the tasks in the given order, egress first and ingress last. If the first task is
   not called ``egress*`` (or the last ``ingress*``) the airlock's egress (ingress) is added, both
   EVs, ``moderate`` watts, 10 % spread (U). A task occupies every crew role it names; EVs a task
   does not name wait at the ``rest`` rate. Roles other than ``EV*`` (IV, arm) cost no suit
   consumables. Single sequence: two one-EV tasks do not run in parallel (conservative, simple);
3. hatch closed after the ingress; repress with the suits still on their own consumables, at rest.

Task durations: ``runs == 1`` uses the nominal durations; otherwise each task's duration is
lognormal with mean ``nominal_s`` and standard deviation ``sd_s`` (``sd_s = 0``: nominal), drawn
with ``numpy.random.default_rng(seed)`` - same seed, same result.

Abort rules (before the ingress):

* **hard abort**: as soon as any consumable of any EV reaches its reserve (``SuitParams``: O2 and
  water 30 min at the current rate, absorber 85 % used, battery 30 min), or the hatch-open time
  reaches ``rated_s`` minus the nominal ingress, the current task is cut at that instant and the
  crew goes to the ingress; the rest of the tasks (essential or not) are not done;
* **skip**: a non-essential task is not started if, at its nominal duration, it would take the
  hatch-open time past that limit or bring a consumable of an EV to its reserve.

Recorded per run: hatch-open duration (egress start to ingress end), tasks completed / skipped /
cut, abort reason and hatch-open time, the minimum margin of each consumable (the smallest
"remaining / current use rate" over the suit timeline, in minutes, worst EV; CO2: absorber
capacity left), the final amounts per EV and which consumables ran out (negative amounts).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .airlock import AirlockTimeline, airlock_timeline, load_airlock
from .suit import CONSUMABLES, SuitParams, default_suit

DEFAULT_PHASE_SD = 0.10  # U: relative 1-sigma spread of the default egress / ingress


@dataclass(frozen=True)
class Part:
    """One member of a block of parallel work (see ``TaskSpec.parts``): nominal duration and spread (s),
    and when it may start: ``lead_s`` after the block starts and ``lag_s`` after each predecessor
    (index into the block's parts) ends."""

    nominal_s: float
    sd_s: float = 0.0
    lead_s: float = 0.0
    after: tuple[tuple[int, float], ...] = ()  # (predecessor index, lag_s)


@dataclass(frozen=True)
class TaskSpec:
    """One EVA task: nominal duration and 1-sigma spread (s), metabolic rate of its EVs (W), crew roles.

    ``parts`` (optional): the task is a block of parallel work (EV1 and EV2 doing different things);
    each run draws every part's duration and the block lasts until its last part ends (critical path
    over ``Part.after``), instead of drawing one duration around ``nominal_s``."""

    name: str
    nominal_s: float
    sd_s: float = 0.0
    metabolic_w: float = 293.0
    crew: tuple[str, ...] = ("EV1", "EV2")
    essential: bool = True
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True)
class EvaRun:
    """One Monte Carlo run (times in s, margins in minutes, amounts in the units of suit.UNITS)."""

    duration_s: float
    completed: tuple[str, ...]
    skipped: tuple[str, ...]
    cut: tuple[str, ...]
    aborted: bool
    abort_reason: str | None
    abort_time_s: float | None
    margins_min: dict[str, float]
    final: dict[str, dict[str, float]]
    depleted: tuple[str, ...]


def quantiles(x) -> dict[str, float]:
    """Median, 5th and 95th percentiles of ``x``."""
    p5, med, p95 = np.percentile(np.asarray(x, dtype=float), [5.0, 50.0, 95.0])
    return {"median": float(med), "p5": float(p5), "p95": float(p95)}


_q = quantiles


class DurationStats:
    """Distribution properties shared by run collections with ``duration_s`` and ``aborted`` arrays."""

    duration_s: np.ndarray
    aborted: np.ndarray

    @property
    def median_s(self) -> float:
        return quantiles(self.duration_s)["median"]

    @property
    def p5_s(self) -> float:
        return quantiles(self.duration_s)["p5"]

    @property
    def p95_s(self) -> float:
        return quantiles(self.duration_s)["p95"]

    @property
    def abort_probability(self) -> float:
        return float(np.mean(self.aborted))


@dataclass(frozen=True)
class EvaSimResult(DurationStats):
    """All runs of :func:`simulate_eva` and their distributions."""

    runs: int
    seed: int
    rated_s: float
    tasks: tuple[TaskSpec, ...]
    crew: tuple[str, ...]
    airlock: AirlockTimeline
    duration_s: np.ndarray  # (runs,) hatch-open durations
    margins_min: dict[str, np.ndarray]  # consumable -> (runs,) minimum margin, worst EV
    aborted: np.ndarray  # (runs,) bool
    records: tuple[EvaRun, ...]

    @property
    def abort_reasons(self) -> dict[str, int]:
        return dict(Counter(r.abort_reason for r in self.records if r.aborted))

    def duration_quantiles(self) -> dict[str, float]:
        return _q(self.duration_s)

    def margin_quantiles(self) -> dict[str, dict[str, float]]:
        """consumable -> {median, p5, p95} of the minimum margin (minutes; inf if never used)."""
        return {c: _q(v) for c, v in self.margins_min.items()}

    def task_completion(self) -> dict[str, float]:
        """Fraction of runs in which each task was completed."""
        n = Counter(name for r in self.records for name in r.completed)
        return {t.name: n[t.name] / self.runs for t in self.tasks}

    def summary(self) -> dict:
        """JSON-ready summary (seconds, minutes; inf -> None)."""
        def fin(v: float):
            return round(v, 2) if math.isfinite(v) else None
        return {"runs": self.runs, "seed": self.seed, "rated_s": self.rated_s, "airlock": self.airlock.airlock,
                "hatch_open_s": {k: fin(v) for k, v in self.duration_quantiles().items()},
                "margins_min": {c: {k: fin(v) for k, v in d.items()} for c, d in self.margin_quantiles().items()},
                "abort_probability": self.abort_probability, "abort_reasons": self.abort_reasons,
                "task_completion": self.task_completion(),
                "prebreathe_s": fin(self.airlock.prebreathe_s),
                "gas_lost_kg": {k: fin(v) for k, v in self.airlock.gas_lost_kg.items()}}


def _check_tasks(tasks) -> list[TaskSpec]:
    if isinstance(tasks, TaskSpec) or not hasattr(tasks, "__iter__"):
        raise InputError("tasks", "expected a list of TaskSpec")
    tasks = list(tasks)
    if not tasks:
        raise InputError("tasks", "is empty")
    for i, t in enumerate(tasks):
        w = f"tasks[{i}] ({getattr(t, 'name', '?')})"
        if not isinstance(t, TaskSpec):
            raise InputError(f"tasks[{i}]", f"expected a TaskSpec, got {type(t).__name__}")
        for f in ("nominal_s", "sd_s", "metabolic_w"):
            v = getattr(t, f)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise InputError(f"{w}: {f}", f"must be a finite number >= 0, got {v!r}")
        if isinstance(t.crew, str) or not all(isinstance(c, str) for c in t.crew):
            raise InputError(f"{w}: crew", f"must be a tuple of role names, got {t.crew!r}")
        for j, pt in enumerate(t.parts):
            if not isinstance(pt, Part) or any(not (math.isfinite(v) and v >= 0)
                                               for v in (pt.nominal_s, pt.sd_s, pt.lead_s)):
                raise InputError(f"{w}: parts[{j}]", "must be a Part with finite durations >= 0")
            if any(not (0 <= i < j) or not (math.isfinite(lag) and lag >= 0) for i, lag in pt.after):
                raise InputError(f"{w}: parts[{j}].after", "predecessors must be earlier parts, lags >= 0")
    return tasks


def _lognormal(nom: np.ndarray, sd: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Lognormal durations with mean ``nom`` and standard deviation ``sd`` from standard normals ``z``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.where(nom > 0, np.log1p((sd / np.where(nom > 0, nom, 1.0)) ** 2), 0.0)
        mu = np.where(nom > 0, np.log(np.where(nom > 0, nom, 1.0)) - s2 / 2.0, 0.0)
    return np.where(nom > 0, np.exp(mu + np.sqrt(s2) * z), 0.0)


def _block_durations(parts: tuple[Part, ...], z: np.ndarray) -> np.ndarray:
    """(runs,) block lengths: each part drawn from ``z[:, j]``, started at the latest of its lead and its
    predecessors' ends plus lags; the block ends with its last part."""
    d = _lognormal(np.array([p.nominal_s for p in parts]), np.array([p.sd_s for p in parts]), z)
    end = np.empty_like(d)
    for j, p in enumerate(parts):
        start = np.full(d.shape[0], p.lead_s)
        for i, lag in p.after:
            start = np.maximum(start, end[:, i] + lag)
        end[:, j] = start + d[:, j]
    return end.max(axis=1)


def simulate_eva(tasks, *, suit: SuitParams | None = None, airlock: str = "wentian", runs: int = 1,
                 seed: int = 0, rated_s: float | None = None) -> EvaSimResult:
    """Simulate the EVA ``tasks`` (in order) ``runs`` times; see the module docstring for the rules."""
    suit = suit or default_suit()
    tasks = _check_tasks(tasks)
    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1:
        raise InputError("runs", f"must be an integer >= 1, got {runs!r}")
    runs = int(runs)
    rated_s = suit.rated_s if rated_s is None else rated_s
    if not (isinstance(rated_s, (int, float)) and math.isfinite(rated_s) and rated_s > 0):
        raise InputError("rated_s", f"must be a finite number > 0, got {rated_s!r}")
    al = load_airlock(airlock)
    tl = airlock_timeline(al, suit.suit_pressure_pa)

    evs = tuple(sorted({r for t in tasks for r in t.crew if r.startswith("EV")}))
    if not evs:
        raise InputError("tasks", "no task names a spacewalker (EV1 / EV2)")
    mod_w = suit.watts("moderate")
    if not tasks[0].name.lower().startswith("egress"):
        tasks.insert(0, TaskSpec("egress", al.egress_s, DEFAULT_PHASE_SD * al.egress_s, mod_w, evs))
    if len(tasks) < 2 or not tasks[-1].name.lower().startswith("ingress"):
        tasks.append(TaskSpec("ingress", al.ingress_s, DEFAULT_PHASE_SD * al.ingress_s, mod_w, evs))
    K, E, C = len(tasks), len(evs), len(CONSUMABLES)
    rest_w = suit.watts("rest")

    # durations (runs, K)
    nom = np.array([t.nominal_s for t in tasks], dtype=float)
    sd = np.array([t.sd_s for t in tasks], dtype=float)
    if runs == 1:
        dur = nom[None, :].copy()
    else:
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((runs, K))
        dur = _lognormal(nom, sd, z)
        for k, t in enumerate(tasks):  # blocks of parallel work: re-timed per run (extra draws, after z)
            if t.parts:
                dur[:, k] = _block_durations(t.parts, rng.standard_normal((runs, len(t.parts))))

    # rates and reserve levels per task and EV: (K, E, C)
    def rl(w: float) -> tuple[list[float], list[float]]:
        r = suit.rates(w)
        lv = suit.reserve_levels(r)
        return [r[c] for c in CONSUMABLES], [lv[c] for c in CONSUMABLES]

    R = np.empty((K, E, C))
    L = np.empty((K, E, C))
    for k, t in enumerate(tasks):
        for e, ev in enumerate(evs):
            R[k, e], L[k, e] = rl(t.metabolic_w if ev in t.crew else rest_w)
    r_rest = np.array(rl(rest_w)[0])
    init = np.array([suit.initial[c] for c in CONSUMABLES])

    A = np.broadcast_to(init, (runs, E, C)).copy()
    margin = np.full((runs, C), np.inf)

    def use(mask: np.ndarray | None, rate: np.ndarray, dt: np.ndarray | float) -> None:
        dt_a = np.broadcast_to(np.asarray(dt, dtype=float), (runs,))
        m = np.ones(runs, bool) if mask is None else mask
        rr = np.broadcast_to(rate, (E, C))
        A[m] -= rr[None, :, :] * dt_a[m, None, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            mg = np.where(rr > 0, A / rr, np.inf).min(axis=1)  # (runs, C), worst EV
        upd = m & (dt_a > 0)
        margin[upd] = np.minimum(margin[upd], mg[upd])

    use(None, r_rest, tl.suit_before_hatch_s)  # stage-2 depress

    T = np.zeros(runs)
    active = np.ones(runs, bool)
    completed = np.zeros((runs, K), bool)
    skipped = np.zeros((runs, K), bool)
    abort_code = np.full(runs, -2, int)  # -2 none, -1 time limit, e*C + c consumable reserve
    abort_t = np.full(runs, np.nan)
    limit = rated_s - tasks[-1].nominal_s

    for k in range(K - 1):
        t, d = tasks[k], dur[:, k]
        doing = active.copy()
        if not t.essential:
            pred = (T + t.nominal_s > limit) | (A - t.nominal_s * R[k] < L[k]).any(axis=(1, 2))
            skip = doing & pred
            skipped[skip, k] = True
            doing &= ~skip
        with np.errstate(divide="ignore", invalid="ignore"):
            tc = np.where(A <= L[k], 0.0, np.where(R[k] > 0, (A - L[k]) / R[k], np.inf)).reshape(runs, E * C)
        which = tc.argmin(axis=1)
        tc_min = tc[np.arange(runs), which]
        tlim = np.maximum(limit - T, 0.0)
        stop = np.minimum(tc_min, tlim)
        cut = doing & (stop < d)
        dt = np.where(cut, stop, d)
        use(doing, R[k], dt)
        T = np.where(doing, T + dt, T)
        completed[doing & ~cut, k] = True
        abort_code[cut] = np.where(tlim[cut] <= tc_min[cut], -1, which[cut])
        abort_t[cut] = T[cut]
        active &= ~cut

    use(None, R[K - 1], dur[:, K - 1])  # ingress, always
    T = T + dur[:, K - 1]
    completed[:, K - 1] = True
    use(None, r_rest, tl.suit_after_hatch_s)  # repress

    margins = {c: margin[:, i] / 60.0 for i, c in enumerate(CONSUMABLES)}
    names = [t.name for t in tasks]
    records = []
    for i in range(runs):
        code = int(abort_code[i])
        reason = None if code == -2 else "time limit" if code == -1 else \
            f"{evs[code // C]} {CONSUMABLES[code % C]} reserve"
        comp = tuple(n for n, f in zip(names, completed[i]) if f)
        skp = tuple(n for n, f in zip(names, skipped[i]) if f)
        cut_names = tuple(n for n, c, s in zip(names, completed[i], skipped[i]) if not c and not s)
        records.append(EvaRun(
            duration_s=float(T[i]), completed=comp, skipped=skp, cut=cut_names, aborted=code != -2,
            abort_reason=reason, abort_time_s=None if code == -2 else float(abort_t[i]),
            margins_min={c: float(margins[c][i]) for c in CONSUMABLES},
            final={ev: {c: float(A[i, e, j]) for j, c in enumerate(CONSUMABLES)} for e, ev in enumerate(evs)},
            depleted=tuple(f"{ev} {c}" for e, ev in enumerate(evs) for j, c in enumerate(CONSUMABLES)
                           if A[i, e, j] < 0)))
    return EvaSimResult(runs=runs, seed=seed, rated_s=float(rated_s), tasks=tuple(tasks), crew=evs, airlock=tl,
                        duration_s=T, margins_min=margins, aborted=abort_code != -2, records=tuple(records))
