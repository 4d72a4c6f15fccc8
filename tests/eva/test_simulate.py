"""Monte Carlo EVA: nominal runs, seed determinism, aborts, quantiles, fast path = suit reference."""

import time

import numpy as np
import pytest

from tiangong.errors import InputError
from tiangong.eva.simulate import TaskSpec, simulate_eva
from tiangong.eva.suit import CONSUMABLES, TaskStep, consumables_timeline, default_suit

SUIT = default_suit()


def eva(n=13, sd=300.0, w=(249.0, 293.0, 469.0), nonessential_from=10):
    return ([TaskSpec("egress", 900, 0.1 * 900, 293)]
            + [TaskSpec(f"task{i}", 1440, sd, w[i % len(w)], ("EV1", "EV2") if i % 2 else ("EV1",),
                        essential=i < nonessential_from) for i in range(n)]
            + [TaskSpec("ingress", 1200, 120, 293)])


def test_nominal_single_run_is_the_nominal_sum_and_completes_everything():
    tasks = eva()
    r = simulate_eva(tasks)
    assert r.runs == 1 and not r.aborted[0]
    assert r.duration_s[0] == pytest.approx(sum(t.nominal_s for t in tasks), rel=1e-12)
    assert r.records[0].completed == tuple(t.name for t in tasks)


def test_fast_path_equals_suit_reference_trace():
    tasks = eva()
    r = simulate_eva(tasks)
    tl = r.airlock
    for ev in ("EV1", "EV2"):
        steps = ([TaskStep("stage2", tl.suit_before_hatch_s, SUIT.metabolic_w["rest"])]
                 + [TaskStep(t.name, t.nominal_s, t.metabolic_w if ev in t.crew else SUIT.metabolic_w["rest"])
                    for t in tasks]
                 + [TaskStep("repress", tl.suit_after_hatch_s, SUIT.metabolic_w["rest"])])
        ref = consumables_timeline(steps, SUIT)
        for c in CONSUMABLES:
            assert r.records[0].final[ev][c] == pytest.approx(ref.final[c], rel=1e-9)


def test_median_duration_approaches_nominal_sum_for_small_sd():
    tasks = eva(sd=30.0)
    r = simulate_eva(tasks, runs=2000, seed=3)
    assert not r.aborted.any()
    assert r.median_s == pytest.approx(sum(t.nominal_s for t in tasks), rel=2e-3)
    assert r.p5_s <= r.median_s <= r.p95_s
    for q in r.margin_quantiles().values():
        assert q["p5"] <= q["median"] <= q["p95"]


def test_same_seed_same_result_other_seed_differs():
    a = simulate_eva(eva(), runs=200, seed=7)
    b = simulate_eva(eva(), runs=200, seed=7)
    c = simulate_eva(eva(), runs=200, seed=8)
    assert np.array_equal(a.duration_s, b.duration_s)
    assert a.summary() == b.summary()
    assert not np.array_equal(a.duration_s, c.duration_s)


def test_overlong_eva_aborts_on_time_limit_with_reason():
    # 9 h of light work: hatch-open time reaches rated - ingress before any consumable reserve
    tasks = [TaskSpec("egress", 600, 0, 103)] + [TaskSpec(f"w{i}", 3600, 0, 103) for i in range(9)] \
        + [TaskSpec("ingress", 1200, 0, 103)]
    r = simulate_eva(tasks, rated_s=6 * 3600)
    rec = r.records[0]
    assert rec.aborted and rec.abort_reason == "time limit"
    assert rec.abort_time_s == pytest.approx(6 * 3600 - 1200, rel=1e-12)
    assert rec.duration_s == pytest.approx(6 * 3600, rel=1e-12)
    assert rec.cut and "ingress" in rec.completed
    assert r.abort_probability == 1.0 and r.abort_reasons == {"time limit": 1}


def test_heavy_eva_aborts_on_o2_reserve_at_the_exact_time():
    # both EVs at the 15-min peak rate for a long time; with ample water, CO2 absorber and battery the
    # O2 reserve comes first, at the analytic instant
    import dataclasses

    suit = dataclasses.replace(SUIT, water_initial_kg=100.0, co2_capacity_kg=100.0, battery_energy_j=1e9)
    w = suit.metabolic_w["peak"]
    tasks = [TaskSpec("egress", 600, 0, w), TaskSpec("work", 8 * 3600, 0, w), TaskSpec("ingress", 1200, 0, w)]
    r = simulate_eva(tasks, suit=suit)
    rec = r.records[0]
    assert rec.abort_reason in ("EV1 o2 reserve", "EV2 o2 reserve")
    r_rest, r_w = suit.rates(suit.metabolic_w["rest"])["o2"], suit.rates(w)["o2"]
    o2_at_hatch = suit.o2_initial_kg - r_rest * r.airlock.suit_before_hatch_s
    expect = (o2_at_hatch - r_w * suit.o2_reserve_s) / r_w
    assert rec.abort_time_s == pytest.approx(expect, rel=1e-9)
    assert rec.completed == ("egress", "ingress") and rec.cut == ("work",)


def test_nonessential_task_is_skipped_not_aborted():
    tasks = [TaskSpec("egress", 600, 0, 293), TaskSpec("main", 5 * 3600, 0, 293),
             TaskSpec("get_ahead", 3600, 0, 293, essential=False), TaskSpec("ingress", 1200, 0, 293)]
    # limit = 6 h - 20 min ingress = 20400 s; after main 18600 s; +3600 s would pass it -> skip
    rec = simulate_eva(tasks, rated_s=6 * 3600).records[0]
    assert not rec.aborted and rec.skipped == ("get_ahead",)
    assert rec.duration_s == pytest.approx(600 + 5 * 3600 + 1200)


def test_default_egress_ingress_added_and_iv_roles_ignored():
    r = simulate_eva([TaskSpec("arm_move", 600, 60, 103, ("EV1", "IV"))], airlock="tianhe_node")
    assert [t.name for t in r.tasks] == ["egress", "arm_move", "ingress"]
    assert r.crew == ("EV1",)


def test_thousand_runs_of_fifteen_tasks_under_two_seconds():
    t0 = time.perf_counter()
    r = simulate_eva(eva(), runs=1000, seed=0)
    assert time.perf_counter() - t0 < 2.0
    assert len(r.records) == 1000 and len(r.tasks) == 15


@pytest.mark.parametrize("kw", [dict(runs=0), dict(runs=1.5), dict(airlock="quest"), dict(rated_s=-1.0)])
def test_bad_options_raise_input_error(kw):
    with pytest.raises(InputError):
        simulate_eva(eva(), **kw)


def test_bad_tasks_raise_input_error():
    with pytest.raises(InputError):
        simulate_eva([TaskSpec("x", -5.0, 0, 293)])
    with pytest.raises(InputError):
        simulate_eva([TaskSpec("x", 5.0, -1.0, 293)])
    with pytest.raises(InputError):
        simulate_eva([])
    with pytest.raises(InputError):
        simulate_eva([TaskSpec("x", 5.0, 0, 293, ("IV",))])


# --------------------------------------------------------------------------- parallel blocks, re-timed per run

def test_block_parts_critical_path_without_spread():
    from tiangong.eva.simulate import Part, _block_durations

    z = np.zeros((3, 4))
    # EV1: a (600 s) then c (300 s) after a 60-s translation; EV2: b starts 120 s in (1200 s); d holds both
    parts = (Part(600.0), Part(1200.0, lead_s=120.0), Part(300.0, after=((0, 60.0),)),
             Part(900.0, after=((1, 0.0), (2, 0.0))))
    assert np.allclose(_block_durations(parts, z), 120.0 + 1200.0 + 900.0)  # b is the critical chain
    fast_b = (parts[0], Part(200.0, lead_s=120.0), parts[2], parts[3])
    assert np.allclose(_block_durations(fast_b, z), 600.0 + 60.0 + 300.0 + 900.0)  # now EV1's chain


def test_block_of_two_parallel_parts_lasts_the_slower_of_the_two():
    # Two independent parts N(m, s) in parallel: E[max] = m + s / sqrt(pi) (order statistics of two
    # normals); the lognormal with a 5 % spread is close to normal. Tolerance: 4 standard errors + skew.
    from tiangong.eva.simulate import Part, _block_durations

    m, s, n = 3600.0, 180.0, 200_000
    z = np.random.default_rng(3).standard_normal((n, 2))
    d = _block_durations((Part(m, s), Part(m, s)), z)
    assert abs(d.mean() - (m + s / np.sqrt(np.pi))) < 4 * d.std() / np.sqrt(n) + 2.0
    one = _block_durations((Part(m, s),), z[:, :1])
    assert abs(one.mean() - m) < 4 * s / np.sqrt(n)  # one part: the lognormal keeps its mean


def test_block_parts_are_used_by_the_simulation_and_checked():
    from tiangong.eva.simulate import Part

    block = TaskSpec("a+b", 3600.0, 180.0, 293.0, ("EV1", "EV2"), parts=(Part(3600.0, 180.0), Part(3600.0, 180.0)))
    plain = TaskSpec("a", 3600.0, 180.0, 293.0, ("EV1", "EV2"))
    eg, ing = TaskSpec("egress", 600.0), TaskSpec("ingress", 600.0)
    r_block = simulate_eva([eg, block, ing], runs=4000, seed=5, rated_s=1e6)
    r_plain = simulate_eva([eg, plain, ing], runs=4000, seed=5, rated_s=1e6)
    assert np.mean(r_block.duration_s) > np.mean(r_plain.duration_s) + 0.4 * 180.0  # the slower of two
    nominal = simulate_eva([eg, block, ing], runs=1, rated_s=1e6)
    assert nominal.duration_s[0] == 4800.0  # one run = nominal: parts do not change the plan
    with pytest.raises(InputError, match="predecessors must be earlier parts"):
        simulate_eva([eg, TaskSpec("x", 60.0, parts=(Part(60.0, after=((1, 0.0),)), Part(60.0))), ing])
