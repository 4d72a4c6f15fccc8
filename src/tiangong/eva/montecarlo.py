"""Plan -> Monte Carlo: turn a planned EVA into the simulation's task list and summarise the runs.

The simulation (suit consumables, airlock depress/repress, task-time scatter, aborts) is
``tiangong.eva.simulate.simulate_eva``; it runs ONE task sequence for the whole crew. This module maps
the planner's timeline (hatch open -> hatch close) onto such a sequence, so that the nominal simulated
hatch-open time equals the planned one:

* ``egress`` first and ``ingress`` last, with the LIBRARY's durations and spreads (incl. the Tianhe
  node's extra minutes), so planner and simulation share one set of task times;
* between them the plan's work, close-out and arm-move intervals, merged into blocks of intervals
  that overlap in time (EV1 and EV2 working in parallel). A block of one task is that task:
  library nominal (x ``count``) and spread (x sqrt(count)), the watts of its metabolic class, its crew
  roles (EV1 / EV2 / IV; the arm is not crew). A block of several tasks becomes one task whose
  length is re-timed in every run (``TaskSpec.parts``): each member drawn from its own spread, started
  after the previous member of each crew role it shares (planned gaps kept as lags), the block ending
  with its last member (so parallel work lasts as long as the slower EV); nominal = the planned span;
  the highest watts and the union of crews for consumables (U: simple and conservative);
* an arm move alone: its planned length, 10 % spread (U), ``rest`` watts, crew EV1 + IV (EV1 rides
  the foot restraint, IV drives the arm);
* planned idle time (waiting for a daylight or contact window): a ``wait`` task, ``rest`` watts, no
  spread, both EVs;
* ``essential``: every task the request made mandatory (all, for ``objective = "shortest"``).

The runs are done in chunks (for the progress bar): ``runs <= CHUNK`` is one ``simulate_eva`` call with
``seed``; more runs are split into near-equal chunks seeded ``seed * 1_000_003 + i`` - deterministic.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from .library import PHASES, SECOND_EGRESS, Library
from .plan import Plan, PlanRequest, base_name
from .simulate import DurationStats
from .simulate import quantiles as _q

ARM_MOVE_SD = 0.10  # U: relative 1-sigma spread of an arm move (operator pace, checks)
CHUNK = 250


def task_specs(plan: Plan, req: PlanRequest, lib: Library) -> list:
    """The simulation tasks of ``plan`` (see the module docstring), in time order."""
    from .simulate import Part, TaskSpec

    reqs = {t.name: t for t in req.task}
    extra = lib.airlocks[plan.airlock].egress_extra_min
    rest_w = float(lib.metabolic_w.rest)

    planned_roles: dict[str, list[str]] = {}
    for row in plan.tasks:
        planned_roles.setdefault(row.name, []).append(row.role)

    def spec_of(name: str) -> "TaskSpec":
        s = lib.tasks[base_name(name)]
        r = reqs.get(base_name(name))
        n = r.count if r and not (s.needs_daylight or s.needs_comm) else 1  # window-bound: one item each
        must = req.objective == "shortest" or r is None or r.must is None or r.must
        add = extra if s.kind in ("egress", SECOND_EGRESS, "ingress") else 0.0
        roles = planned_roles.get(name, s.roles)  # a one-person task: the EV the planner chose
        return TaskSpec(name=name, nominal_s=(s.duration_min * n + add) * 60.0,
                        sd_s=s.duration_sd_min * 60.0 * math.sqrt(n), metabolic_w=lib.metabolic_watts(s),
                        crew=tuple(x for x in roles if x != "ARM"), essential=bool(must))

    spans: dict[str, tuple] = {}
    for r in plan.tasks:
        spans.setdefault(r.name, (r.start, r.end))
    egress = next(t.name for t in lib.task if t.kind == "egress")
    ingress = next(t.name for t in lib.task if t.kind == "ingress")
    inner = sorted(((s, e, n) for n, (s, e) in spans.items()
                    if (n.startswith("arm_move:") or lib.tasks[base_name(n)].kind not in PHASES) and e > s),
                   key=lambda x: (x[0], x[1], x[2]))
    blocks: list[list] = []
    for s, e, n in inner:
        if blocks and s < blocks[-1][1]:
            blocks[-1][1] = max(blocks[-1][1], e)
            blocks[-1][2].append(n)
        else:
            blocks.append([s, e, [n]])

    def arm_spec(name, nominal):
        return TaskSpec(name=name, nominal_s=nominal, sd_s=ARM_MOVE_SD * nominal, metabolic_w=rest_w,
                        crew=("EV1", "IV"), essential=True)

    def wait_spec(gap_s):  # planned idle time (a daylight or contact window): both EVs at rest
        return TaskSpec(name="wait", nominal_s=gap_s, sd_s=0.0, metabolic_w=rest_w, crew=("EV1", "EV2"),
                        essential=True)

    def _parts(block_start, names, members, spans):
        """The block's members as ``Part``s: each after the previous member of every crew role it shares
        (EV1, EV2, IV; an arm move rides with EV1 + IV) with the planned gap (translation or waiting) as
        lag, or, with no predecessor in the block, at its planned lead: nominal parts give the planned
        span, and a part starts early when its predecessors end early."""
        order = sorted(range(len(names)), key=lambda i: (spans[names[i]][0], i))
        parts, last, index = [], {}, {}
        for j, i in enumerate(order):
            s_i = spans[names[i]][0]
            after = {}
            for role in members[i].crew:
                if role in last:
                    p = last[role]
                    after[index[p]] = max(0.0, (s_i - spans[names[p]][1]).total_seconds())
            lead = 0.0 if after else (s_i - block_start).total_seconds()  # a part with predecessors starts
            parts.append(Part(nominal_s=(spans[names[i]][1] - s_i).total_seconds(),  # when they allow
                              sd_s=members[i].sd_s, lead_s=lead, after=tuple(sorted(after.items()))))
            index[i] = j
            for role in members[i].crew:
                last[role] = i
        return tuple(parts)

    out = [spec_of(egress)]
    t = spans[egress][1]
    for s, e, names in blocks:
        gap = (s - t).total_seconds()
        if gap > 0:
            out.append(wait_spec(gap))
        members = [arm_spec(n, (spans[n][1] - spans[n][0]).total_seconds()) if n.startswith("arm_move:")
                   else spec_of(n) for n in names]
        if len(members) == 1:
            out.append(members[0])
        else:
            crew = tuple(sorted({c for m in members for c in m.crew}))
            # the runs re-time the block part by part (``parts``: each EV's own sequence, joined where a
            # task holds both); sd_s is only the summary figure: the larger EV chain's root-sum-square
            chains = [math.sqrt(sum(m.sd_s ** 2 for m in members if ev in m.crew)) for ev in ("EV1", "EV2")]
            out.append(TaskSpec(name="+".join(names), nominal_s=(e - s).total_seconds(),
                                sd_s=max(chains + [m.sd_s for m in members]),
                                metabolic_w=max(m.metabolic_w for m in members),
                                crew=crew, essential=any(m.essential for m in members),
                                parts=_parts(s, names, members, spans)))
        t = e
    gap = (spans[ingress][0] - t).total_seconds()
    if gap > 0:
        out.append(wait_spec(gap))
    out.append(spec_of(ingress))
    return out


@dataclass(frozen=True)
class SimSummary(DurationStats):
    """Distribution summary of the runs (hatch-open seconds; minimum consumable margins in minutes)."""

    runs: int
    seed: int
    duration_s: np.ndarray
    aborted: np.ndarray
    abort_reasons: dict[str, int]
    margins_min: dict[str, dict[str, float]]
    tasks: tuple = ()
    results: tuple = field(default=(), repr=False)  # the simulate_eva results (one per chunk)

    @property
    def result(self):
        return self.results[0] if len(self.results) == 1 else self.results

    def to_json(self) -> dict:
        fin = lambda v: round(v, 2) if math.isfinite(v) else None  # noqa: E731
        return {"runs": self.runs, "seed": self.seed,
                "hatch_open_s": {k: fin(v) for k, v in _q(self.duration_s).items()},
                "margins_min": {c: {k: fin(v) for k, v in d.items()} for c, d in self.margins_min.items()},
                "abort_probability": self.abort_probability, "abort_reasons": dict(self.abort_reasons),
                "tasks": [{"name": t.name, "nominal_s": round(t.nominal_s, 1), "sd_s": round(t.sd_s, 1),
                           "metabolic_w": t.metabolic_w, "crew": list(t.crew), "essential": t.essential}
                          for t in self.tasks]}


def simulate_plan(plan: Plan, req: PlanRequest, lib: Library, *, runs: int = 200, seed: int = 0,
                  progress=None) -> SimSummary:
    """Run the simulation ``runs`` times on the planned sequence; ``progress``: a rich Progress or None."""
    if isinstance(runs, bool) or int(runs) != runs or runs < 1:
        raise InputError("--runs", f"{runs} is below 1 (give at least one Monte Carlo run)")
    from .simulate import simulate_eva

    tasks = task_specs(plan, req, lib)
    rated_s = req.suit_rated_h * 3600.0
    if runs <= CHUNK:
        sizes, seeds = [runs], [seed]
    else:
        sizes = [len(a) for a in np.array_split(np.arange(runs), math.ceil(runs / CHUNK))]
        seeds = [seed * 1_000_003 + i for i in range(len(sizes))]
    bar = progress.add_task("Monte Carlo", total=runs) if progress is not None else None
    results = []
    for n, s in zip(sizes, seeds):
        results.append(simulate_eva(list(tasks), airlock=plan.airlock, runs=n, seed=s, rated_s=rated_s))
        if bar is not None:
            progress.advance(bar, n)
    dur = np.concatenate([r.duration_s for r in results])
    aborted = np.concatenate([r.aborted for r in results])
    reasons = Counter()
    for r in results:
        reasons.update(r.abort_reasons)
    cons = list(results[0].margins_min)
    margins = {c: _q(np.concatenate([r.margins_min[c] for r in results])) for c in cons}
    return SimSummary(runs=runs, seed=seed, duration_s=dur, aborted=aborted, abort_reasons=dict(reasons),
                      margins_min=margins, tasks=tuple(results[0].tasks), results=tuple(results))
