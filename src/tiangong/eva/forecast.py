"""EVA duration forecast: the published tasks, a shared per-EVA pace, and the planned time box.

Public accounts of an EVA name its main tasks; they leave out set-up at each worksite, translation,
photography, checkouts, get-ahead tasks and whatever the press release does not itemise. Real EVAs are
planned into a time box (crew day, suit rating, flight rules; ISS plans are typically 6.5 h,
reference-values.md §2.5). The forecast models that structure explicitly (docs/eva.md, "Forecast"):

* listed work ``A = D * exp(mu + s_re * z)``: ``D`` the Monte Carlo hatch-open time of the task-based plan
  (library durations with their task-level scatter), ``exp(mu + s_re z)`` one shared random effect per EVA
  on all its tasks (this crew's pace, the library's bias);
* time box ``B = exp(box[era] + s_box * z')`` of the station's era (``assembly`` before 2023, ``operations``
  from 2023: after the station's completion, routine maintenance EVAs);
* with probability ``pi`` the account is complete and the EVA lasts ``A``; otherwise the crew fills the
  box with work the account does not list and the EVA lasts ``max(A, B)`` (unlisted work ``B - A`` when
  the box binds; a task list longer than the box still makes the EVA longer).

The six parameters ``pi, mu, s_re, box_assembly, box_operations, s_box`` are estimated from the
CALIBRATION EVAs only (Bayesian: priors from sources below, posterior by importance sampling of a
scrambled Sobol sample of the prior - deterministic; hand-written because the model has six parameters
and eight data points, too small a problem for an MCMC dependency). The posterior draws are stored in
``data/eva/forecast.toml`` and every Monte Carlo run draws its own parameter set from them, so the
forecast carries parameter uncertainty as well as task-level scatter.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import tomllib
from dataclasses import dataclass
from importlib import resources

import numpy as np
from scipy.special import log_ndtr
from scipy.stats import norm, qmc

from ..errors import InputError

OPERATIONS_FROM = dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc)  # station complete at the end of 2022
PARAMS = ("pi", "mu", "s_re", "box_assembly", "box_operations", "s_box")
# Priors (sources, not data): box median 6.5 h = typical ISS EVA plan (reference-values.md §2.5, NASA
# "Operating an Outpost" ch. 17), +-15 % (1 sigma) in log; the library unbiased a priori with the ~20 %
# task-time scatter of ISS experience (tasks.toml header) for mu and both spreads; pi uniform.
PRIOR = {"box_median_min": 390.0, "box_log_sd": 0.15, "mu_sd": 0.20, "s_re_scale": 0.20, "s_box_scale": 0.20}
N_PRIOR = 2 ** 18  # Sobol prior sample
N_DRAWS = 2000  # posterior draws kept
SEED = 20261201


def era_of(when: dt.datetime) -> str:
    return "operations" if when >= OPERATIONS_FROM else "assembly"


@dataclass(frozen=True)
class Obs:
    """One calibration EVA for the fit: the mean and variance of log(simulated hatch-open s) of its
    task-based plan, its era, and the real hatch-open duration (s)."""

    name: str
    m: float
    v: float
    era: str
    real_s: float


@functools.lru_cache(maxsize=1)
def _prior_sample(n: int = N_PRIOR) -> dict[str, np.ndarray]:
    """The Sobol prior sample (deterministic; drawn once per process -- leave-one-out refits
    reuse it; the arrays are read only)."""
    u = qmc.Sobol(d=6, scramble=True, seed=SEED).random(n)
    u = np.clip(u, 1e-12, 1 - 1e-12)
    half = lambda x, scale: scale * norm.ppf(0.5 + x / 2.0)  # noqa: E731  half-normal quantile
    lb = math.log(PRIOR["box_median_min"] * 60.0)
    return {"pi": u[:, 0], "mu": PRIOR["mu_sd"] * norm.ppf(u[:, 1]), "s_re": half(u[:, 2], PRIOR["s_re_scale"]) + 1e-3,
            "box_assembly": lb + PRIOR["box_log_sd"] * norm.ppf(u[:, 3]),
            "box_operations": lb + PRIOR["box_log_sd"] * norm.ppf(u[:, 4]),
            "s_box": half(u[:, 5], PRIOR["s_box_scale"]) + 1e-3}


def log_likelihood(th: dict[str, np.ndarray], o: Obs) -> np.ndarray:
    """log p(real | parameters) of one EVA: mixture of A and max(A, B) (module docstring), in log time."""
    y = math.log(o.real_s)
    sa = np.sqrt(th["s_re"] ** 2 + o.v)
    ma = o.m + th["mu"]
    mb = th["box_" + o.era]
    sb = th["s_box"]
    la, lb = norm.logpdf(y, ma, sa), norm.logpdf(y, mb, sb)
    Fa, Fb = log_ndtr((y - ma) / sa), log_ndtr((y - mb) / sb)
    lmax = np.logaddexp(la + Fb, lb + Fa)  # density of max(A, B) (A, B independent)
    return np.logaddexp(np.log(th["pi"]) + la, np.log1p(-th["pi"]) + lmax)


@functools.lru_cache(maxsize=64)
def _prior_log_likelihood(o: Obs) -> np.ndarray:
    """:func:`log_likelihood` of one EVA on the prior sample, computed once per EVA (leave-one-out
    refits share it)."""
    return log_likelihood(_prior_sample(), o)


@dataclass(frozen=True)
class Posterior:
    draws: dict[str, np.ndarray]  # N_DRAWS equally weighted draws of each parameter
    ess: float  # effective sample size of the importance weights
    fitted_on: tuple[str, ...]

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for k in PARAMS:
            x = self.draws[k]
            q = np.quantile(x, [0.05, 0.5, 0.95])
            out[k] = {"mean": float(x.mean()), "sd": float(x.std()), "p05": float(q[0]), "median": float(q[1]),
                      "p95": float(q[2])}
        return out


def fit(obs: list[Obs], n_draws: int = N_DRAWS) -> Posterior:
    """Posterior of the six parameters given calibration EVAs ``obs`` (deterministic)."""
    if not obs:
        raise InputError("forecast", "no calibration EVA to fit")
    th = _prior_sample()
    ll = np.zeros(N_PRIOR)
    for o in obs:
        ll += _prior_log_likelihood(o)
    w = np.exp(ll - ll.max())
    w /= w.sum()
    ess = float(1.0 / np.sum(w ** 2))
    # systematic resampling (deterministic offset): equally weighted draws
    pos = (np.arange(n_draws) + 0.5) / n_draws
    idx = np.minimum(np.searchsorted(np.cumsum(w), pos), N_PRIOR - 1)
    return Posterior({k: v[idx] for k, v in th.items()}, ess, tuple(o.name for o in obs))


def forecast_samples(log_d: np.ndarray, era: str, post: Posterior, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Forecast hatch-open seconds, one per simulated run: ``log_d`` = log of the runs' simulated hatch-open
    times; each run draws its own parameter set. Returns (seconds, box-binds flags)."""
    rng = np.random.default_rng([SEED, int(seed)])
    n = len(log_d)
    k = rng.integers(0, len(post.draws["pi"]), n)
    th = {p: v[k] for p, v in post.draws.items()}
    z1, z2, u = rng.standard_normal(n), rng.standard_normal(n), rng.random(n)
    a = log_d + th["mu"] + th["s_re"] * z1
    b = th["box_" + era] + th["s_box"] * z2
    boxed = (u >= th["pi"]) & (b > a)
    return np.exp(np.where(boxed, b, a)), boxed


# --------------------------------------------------------------------------- stored fit

FIT_FILE = "forecast.toml"


def write_fit(post: Posterior, obs: list[Obs], meta: dict) -> str:
    """TOML text of a fit (summary, inputs, posterior draws)."""
    lines = ["# EVA forecast fit (tiangong.eva.forecast, docs/eva.md \"Forecast\"). Written by",
             "#   python bench/calibrate_eva.py --write",
             "# from the CALIBRATION history EVAs only. Do not edit by hand: tests refit and compare.", ""]
    for k, v in meta.items():
        lines.append(f"{k} = {v!r}".replace("'", '"'))
    lines.append(f"ess = {post.ess:.1f}")
    lines.append(f"fitted_on = {list(post.fitted_on)!r}".replace("'", '"'))
    lines.append("")
    lines.append("[prior]")
    for k, v in PRIOR.items():
        lines.append(f"{k} = {v!r}")
    for k, d in post.summary().items():
        lines.append("")
        lines.append(f"[parameters.{k}]")
        for q, x in d.items():
            lines.append(f"{q} = {x:.6g}")
    for o in obs:
        lines.append("")
        lines.append("[[observation]]")
        lines.append(f'name = "{o.name}"')
        lines.append(f'era = "{o.era}"')
        lines.append(f"log_sim_mean = {o.m:.6f}")
        lines.append(f"log_sim_var = {o.v:.6g}")
        lines.append(f"real_s = {o.real_s:.1f}")
    lines.append("")
    lines.append("[draws]")
    for k in PARAMS:
        lines.append(f"{k} = [{', '.join(f'{x:.5g}' for x in post.draws[k])}]")
    return "\n".join(lines) + "\n"


def load_fit() -> tuple[Posterior, list[Obs], dict]:
    """The packaged fit: (posterior draws, calibration inputs, whole document)."""
    text = resources.files("tiangong.data.eva").joinpath(FIT_FILE).read_text(encoding="utf-8")
    doc = tomllib.loads(text)
    draws = {k: np.asarray(doc["draws"][k], dtype=float) for k in PARAMS}
    obs = [Obs(o["name"], o["log_sim_mean"], o["log_sim_var"], o["era"], o["real_s"]) for o in doc["observation"]]
    return Posterior(draws, float(doc["ess"]), tuple(doc["fitted_on"])), obs, doc


# --------------------------------------------------------------------------- scores

def crps(samples: np.ndarray, y: float) -> float:
    """CRPS of an ensemble (sample) forecast: E|X - y| - E|X - X'| / 2 (Gneiting & Raftery 2007, exact for
    the empirical distribution; hand-written: a few lines, sorted-sample form)."""
    x = np.sort(np.asarray(samples, dtype=float))
    n = len(x)
    i = np.arange(1, n + 1)
    return float(np.mean(np.abs(x - y)) - np.sum((2 * i - n - 1) * x) / n ** 2)


ISS_TYPICAL_S = 6.5 * 3600.0  # first station EVA: no earlier station EVA; typical ISS plan (ref §2.5)


def climatology(when: dt.datetime, published: list[tuple[dt.datetime, float]]) -> np.ndarray:
    """The baseline: the hatch-open durations (s) of the station EVAs published before ``when`` (all
    history files, both roles: published facts, not a fit); none before -> the typical ISS EVA plan."""
    prior = [s for t, s in published if t < when]
    return np.asarray(prior if prior else [ISS_TYPICAL_S], dtype=float)


@dataclass(frozen=True)
class Scored:
    name: str
    real_s: float
    median_s: float
    p05_s: float
    p25_s: float
    p75_s: float
    p95_s: float
    crps_s: float

    @property
    def error(self) -> float:
        return (self.median_s - self.real_s) / self.real_s

    @property
    def in50(self) -> bool:
        return self.p25_s <= self.real_s <= self.p75_s

    @property
    def in90(self) -> bool:
        return self.p05_s <= self.real_s <= self.p95_s

    def to_json(self) -> dict:
        r = lambda x: round(float(x), 1)  # noqa: E731
        return {"real_s": r(self.real_s), "median_s": r(self.median_s), "p05_s": r(self.p05_s),
                "p25_s": r(self.p25_s), "p75_s": r(self.p75_s), "p95_s": r(self.p95_s), "crps_s": r(self.crps_s),
                "error": round(self.error, 4), "in_50": self.in50, "in_90": self.in90}


def score(name: str, samples: np.ndarray, real_s: float) -> Scored:
    q = np.quantile(np.asarray(samples, dtype=float), [0.05, 0.25, 0.5, 0.75, 0.95])
    return Scored(name, float(real_s), float(q[2]), float(q[0]), float(q[1]), float(q[3]), float(q[4]),
                  crps(samples, real_s))


def summary(rows: list[Scored]) -> dict:
    """Mean absolute % error and bias of the median, mean CRPS (s and relative), interval coverage."""
    if not rows:
        return {}
    e = np.array([r.error for r in rows])
    return {"n": len(rows), "mae": float(np.mean(np.abs(e))), "bias": float(np.mean(e)),
            "crps_s": float(np.mean([r.crps_s for r in rows])),
            "crps_rel": float(np.mean([r.crps_s / r.real_s for r in rows])),
            "cover_50": float(np.mean([r.in50 for r in rows])), "cover_90": float(np.mean([r.in90 for r in rows]))}
