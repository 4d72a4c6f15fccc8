"""EVA forecast (issue 8): targets against the climatological baseline on the real EVAs (leave-one-out on
the calibration EVAs, the validation EVAs with the fit on all calibration EVAs), the packaged fit is what
the calibration EVAs give, the model's pieces against independent references (CRPS closed form, the
density of max(A, B) against sampling), `eva predict` through the CLI, and its bad input."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

from tiangong.eva import forecast as F
from tiangong.eva.history import builtin_history, replay
from tiangong.eva.library import load_library

ROOT = Path(__file__).resolve().parents[2]
HIST = ROOT / "src/tiangong/data/eva/history"
CLI = [sys.executable, "-c", "from tiangong.cli import main; main()"]
LIB = load_library()
UTC = dt.timezone.utc
RUNS, SEED = 2000, 0  # the packaged fit's replays (bench/calibrate_eva.py FIT_RUNS, FIT_SEED)

# Measured 2026-12-01 (`tiangong eva history --runs 2000 --seed 0`, docs/eva.md "Forecast: results"):
# (mae, bias, crps_s, cover_50, cover_90) of the forecast and of the baseline.
MEASURED = {
    "calibration": {"forecast": (0.100, -0.000, 32.3 * 60, 0.375, 0.875),
                    "baseline": (0.155, -0.076, 55.9 * 60, 0.25, 0.375)},
    "validation": {"forecast": (0.208, +0.075, 43.2 * 60, 1 / 3, 2 / 3),
                   "baseline": (0.174, +0.140, 48.0 * 60, 1 / 3, 1 / 3)},
}
KEYS = ("mae", "bias", "crps_s", "cover_50", "cover_90")


@pytest.fixture(scope="module")
def scores():
    from tiangong.eva.predict import score_history

    reps = [replay(h, LIB, runs=RUNS, seed=SEED) for h in builtin_history()]
    return score_history(reps, seed=SEED)


# --------------------------------------------------------------------------- targets (issue 8)

def test_calibration_leave_one_out_beats_the_baseline(scores):
    t = scores.table("calibration")
    f, b = t["forecast"], t["baseline"]
    assert f["n"] == 8
    assert f["mae"] < b["mae"]
    assert f["crps_s"] < b["crps_s"]
    assert f["cover_90"] >= 0.8


def test_validation_crps_beats_the_baseline(scores):
    t = scores.table("validation")
    assert t["forecast"]["n"] == 3
    assert t["forecast"]["crps_s"] < t["baseline"]["crps_s"]


@pytest.mark.xfail(strict=True, reason="validation MAE 20.8 % vs baseline 17.4 % (target: below the baseline): "
                                       "sz14-eva2 finished an hour before its own 6-h plan (+42 % / baseline +47 %), "
                                       "and the baseline's 6.5 h / mean of two EVAs happen to be within 4 % of "
                                       "sz12-eva1 / sz13-eva1 (docs/eva.md, Forecast: results)")
def test_validation_mae_beats_the_baseline(scores):
    t = scores.table("validation")
    assert t["forecast"]["mae"] < t["baseline"]["mae"]


@pytest.mark.xfail(strict=True, reason="validation 90 % interval covers 2 of 3 (target >= 80 %): sz14-eva2's "
                                       "4:12 is just below the forecast p5 (~4:37) (docs/eva.md, Forecast: results)")
def test_validation_90_percent_interval_covers_80_percent(scores):
    assert scores.table("validation")["forecast"]["cover_90"] >= 0.8


@pytest.mark.parametrize("role", ["calibration", "validation"])
@pytest.mark.parametrize("who", ["forecast", "baseline"])
def test_measured_skill_is_pinned(scores, role, who):
    """A regression (or an unexplained improvement) of any figure fails: update docs/eva.md with it."""
    got = scores.table(role)[who]
    for k, want in zip(KEYS, MEASURED[role][who]):
        tol = 0.1 * 60 if k == "crps_s" else (1e-9 if k.startswith("cover") else 0.0015)
        assert got[k] == pytest.approx(want, abs=tol), (role, who, k, got[k])


def test_leave_one_out_never_fits_on_the_forecast_eva(scores):
    cal = {h.name for h in builtin_history() if h.role == "calibration"}
    for h in builtin_history():
        used = set(scores.fitted_on[h.name])
        if h.role == "calibration":
            assert used == cal - {h.name}, h.name
        else:
            assert used == cal, h.name  # validation EVAs: never in any fit
    assert set(scores.posterior.fitted_on) == cal


def test_baseline_is_the_earlier_published_durations(scores):
    evas = builtin_history()
    first = evas[0]
    assert first.name == "sz12-eva1"
    assert scores.baseline["sz12-eva1"].median_s == F.ISS_TYPICAL_S  # no earlier station EVA
    # Shenzhou-13 EVA-1: the two Shenzhou-12 EVAs (6:46 and 5:55) before it -> median 6:20.5
    assert scores.baseline["sz13-eva1"].median_s == pytest.approx((406 + 355) / 2 * 60)


# --------------------------------------------------------------------------- the packaged fit

def test_packaged_fit_is_the_calibration_fit():
    """forecast.toml holds the fit of the CALIBRATION EVAs only, and refitting its inputs gives its draws;
    its inputs are those of the replays (2000 runs, seed 0)."""
    from tiangong.eva.predict import _durations, observation

    post, obs, doc = F.load_fit()
    cal = [h for h in builtin_history() if h.role == "calibration"]
    assert set(post.fitted_on) == {h.name for h in cal} and len(obs) == len(cal)
    assert doc["runs"] == RUNS and doc["seed"] == SEED
    again = F.fit(obs)  # the stored inputs are rounded (6 digits): a few resampled draws may differ
    for k in F.PARAMS:
        assert np.mean(np.isclose(again.draws[k], post.draws[k], rtol=1e-4, atol=1e-4)) > 0.98, k
        for q, want in post.summary()[k].items():
            assert again.summary()[k][q] == pytest.approx(want, rel=1e-2, abs=1e-3), (k, q)
    by = {o.name: o for o in obs}
    for h in cal[:3]:  # three replays suffice to check the inputs (all eight run in the scores fixture)
        o = observation(h.name, _durations(replay(h, LIB, runs=RUNS, seed=SEED)), h.hatch_open, h.real_s)
        assert o.m == pytest.approx(by[h.name].m, abs=1e-5) and o.v == pytest.approx(by[h.name].v, rel=1e-4)
        assert o.era == by[h.name].era and o.real_s == by[h.name].real_s


def test_parameter_uncertainty_is_drawn_and_fit_is_informative():
    post, obs, _ = F.load_fit()
    prior = F._prior_sample(4096)
    for k in ("box_assembly", "box_operations"):
        assert post.draws[k].std() < 0.6 * prior[k].std()  # the data inform the boxes
        assert post.draws[k].std() > 0.01  # ... but leave real uncertainty
    log_d = np.full(20000, math.log(5 * 3600.0))
    s_all, _ = F.forecast_samples(log_d, "assembly", post, 1)
    med = {k: np.full(1, np.median(v)) for k, v in post.draws.items()}
    s_one, _ = F.forecast_samples(log_d, "assembly", F.Posterior(med, 1.0, ()), 1)
    iqr = lambda x: np.subtract(*np.quantile(x, [0.75, 0.25]))  # noqa: E731
    assert iqr(s_all) > iqr(s_one)  # parameter uncertainty widens the forecast


def test_a_long_task_list_makes_a_long_eva():
    """max(A, B): a task list far beyond the time box is not capped by it."""
    post, _, _ = F.load_fit()
    long_d = np.full(4000, math.log(11 * 3600.0))
    s, boxed = F.forecast_samples(long_d, "assembly", post, 0)
    assert np.median(s) > 9 * 3600 and boxed.mean() < 0.05


def test_max_density_against_sampling_and_normalised():
    th = {"pi": np.array([0.3]), "mu": np.array([-0.1]), "s_re": np.array([0.15]),
          "box_assembly": np.array([math.log(6 * 3600)]), "box_operations": np.array([math.log(8 * 3600)]),
          "s_box": np.array([0.1])}
    o = F.Obs("x", math.log(5 * 3600), 0.01, "assembly", 1.0)

    def dens(y):  # density in log-time
        return float(np.exp(F.log_likelihood(th, F.Obs("x", o.m, o.v, o.era, math.exp(y))))[0])

    total, _ = integrate.quad(dens, 8.0, 12.0, limit=200)
    assert total == pytest.approx(1.0, abs=1e-6)
    log_d = o.m + math.sqrt(o.v) * np.random.default_rng(5).standard_normal(200_000)  # task-level scatter
    s, _ = F.forecast_samples(log_d, "assembly", F.Posterior(th, 1.0, ()), 3)
    y = np.log(s)
    for q in (9.6, 9.8, 9.95, 10.1):
        cdf, _ = integrate.quad(dens, 8.0, q, limit=200)
        assert np.mean(y <= q) == pytest.approx(cdf, abs=0.005)


def test_crps_against_the_normal_closed_form():
    """CRPS(N(m, s), y) = s [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)] (Gneiting & Raftery 2007)."""
    rng = np.random.default_rng(0)
    x = rng.normal(10.0, 2.0, 400_000)
    for y in (7.0, 10.0, 13.5):
        z = (y - 10.0) / 2.0
        exact = 2.0 * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi))
        assert F.crps(x, y) == pytest.approx(exact, rel=5e-3)
    assert F.crps(np.array([5.0]), 7.0) == 2.0  # a point forecast: absolute error


def test_era_boundary():
    assert F.era_of(dt.datetime(2022, 12, 31, 23, 59, tzinfo=UTC)) == "assembly"
    assert F.era_of(dt.datetime(2023, 2, 9, 9, 10, tzinfo=UTC)) == "operations"


# --------------------------------------------------------------------------- eva predict (CLI)

def _run(args, **kw):
    return subprocess.run(CLI + ["eva", *args], capture_output=True, text=True, timeout=300, **kw)


def _strip_outcome(src: Path, dst: Path) -> Path:
    text = "\n".join(line for line in src.read_text().splitlines()
                     if not line.startswith(("hatch_close", "both_out")))
    dst.write_text(text + "\n")
    return dst


def test_predict_json_schema_and_fixed_hatch_open(tmp_path):
    f = _strip_outcome(HIST / "sz14-eva2.toml", tmp_path / "sz14-eva2-public.toml")
    r = _run(["predict", str(f), "--runs", "300", "--seed", "4", "--json"])
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    q = doc["hatch_open_s"]
    assert q["p05"] <= q["p25"] <= q["median"] <= q["p75"] <= q["p95"]
    assert 0.0 <= doc["p_exceed_suit_limit"] <= 1.0 and doc["runs"] == 300 and doc["seed"] == 4
    plan = doc["plan"]
    assert plan["hatch_open"] == "2022-09-17T05:35:00Z" == doc["hatch_open"]  # starts there, no sliding
    assert {"name", "role", "start", "end", "worksite"} <= set(plan["tasks"][0])
    assert plan["tasks"][0]["name"] == "depress" and plan["tasks"][0]["end"] == "2022-09-17T05:35:00Z"
    # the same EVA by built-in name gives the same forecast
    by_name = json.loads(_run(["predict", "sz14-eva2", "--runs", "300", "--seed", "4", "--json"]).stdout)
    assert by_name["hatch_open_s"] == q


def test_predict_table_and_html(tmp_path):
    out = tmp_path / "p.html"
    r = _run(["predict", "sz13-eva2", "--runs", "100", "--html", str(out)])
    assert r.returncode == 0, r.stderr
    assert "median" in r.stdout and "P(beyond the usable suit time" in r.stdout
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "EVA forecast sz13-eva2" in page and "<script src=" not in page


def test_a_window_plan_request_is_a_valid_input():
    r = _run(["predict", "sz12-eva1-priority", "--runs", "50", "--json"])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["era"] == "assembly"


def test_a_task_list_beyond_the_suit_time_is_forecast_with_its_risk(tmp_path):
    """A list that does not fit the usable suit time (7:30) is not an error for a forecast: planned without
    the suit limit, the risk reported (beyond the packaged station history: crew not checked)."""
    f = tmp_path / "long.toml"
    f.write_text('name = "long"\nhatch_open = "2030-03-01T02:00:00Z"\nairlock = "wentian"\n'
                 '[crew]\nEV1 = "A"\nEV2 = "B"\nIV = "C"\n' + "".join(
                     f'[[task]]\nname = "{n}"\n' for n in ("tool_prep", "install_debris_shield", "install_debris_shield_wentian",
                                                         "install_debris_shield_mengtian", "repair_external_equipment",
                                                         "cleanup")))
    r = _run(["predict", str(f), "--runs", "200", "--json"])
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["task_plan_hatch_open_s"] > doc["suit_usable_s"] == 7.5 * 3600
    assert doc["p_exceed_suit_limit"] > 0.5 and "does not fit the usable suit time" in doc["notes"][0]
    assert doc["era"] == "operations"


def _bad_inputs(tmp_path):
    base = _strip_outcome(HIST / "sz14-eva2.toml", tmp_path / "base.toml").read_text()
    cases = {
        "unknown_task": (base.replace('name = "install_hatch_handle"', 'name = "install_hatch_handel"'),
                         "task[2].name", "unknown task"),
        "unknown_worksite": (base.replace('worksite = "wentian_handles"', 'worksite = "wentian_handels"'),
                             "task[1].worksite", "unknown worksite"),
        "count_0": (base.replace('name = "install_hatch_handle"', 'name = "install_hatch_handle"\ncount = 0'),
                    "count", "greater than or equal to 1"),
        "count_50": (base.replace('name = "install_hatch_handle"', 'name = "install_hatch_handle"\ncount = 50'),
                     "count", "less than or equal to 10"),
        "hatch_outside_window": (base.replace('hatch_open = "2022-09-17T05:35:00Z"',
                                              'hatch_open = "2022-09-17T05:35:00Z"\nearliest_start = '
                                              '"2022-09-17T06:00:00Z"'), "hatch_open", "outside the window"),
        "crew_not_aboard": (base.replace('EV2 = "Cai Xuzhe"', 'EV2 = "Wang Yaping"'), "crew.EV2", "not aboard"),
        "outcome_field": ((HIST / "sz14-eva2.toml").read_text(), "hatch_close", "outcome field"),
    }
    return cases


@pytest.mark.parametrize("case", ["unknown_task", "unknown_worksite", "count_0", "count_50", "hatch_outside_window",
                                  "crew_not_aboard", "outcome_field"])
def test_predict_bad_input_one_line_naming_file_and_field(tmp_path, case):
    text, field, why = _bad_inputs(tmp_path)[case]
    f = tmp_path / f"{case}.toml"
    f.write_text(text)
    r = _run(["predict", str(f), "--runs", "20"])
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.startswith(f"error: {f}") and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert field in r.stderr and why in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("cmd", [["predict", "sz14-eva2"], ["simulate", "sz14-eva2"], ["history"]])
def test_negative_seed_is_one_line_error(cmd):
    r = _run([*cmd, "--seed", "-1", "--runs", "5"])
    assert r.returncode == 2 and r.stderr.startswith("error: --seed") and len(r.stderr.strip().splitlines()) == 1
