"""Calibration residuals of the EVA task library against the CALIBRATION real EVAs.

    python bench/calibrate_eva.py            # residuals of the packaged library (planner, nominal times)
    python bench/calibrate_eva.py --scan     # also scan a uniform scale k on every "work" task duration
                                             # and the handrail translation speed
    python bench/calibrate_eva.py --validation   # print the validation EVAs at the end (information only)
    python bench/calibrate_eva.py --forecast     # forecast scores: leave-one-out on the calibration EVAs
                                                 # (and, with --validation, the validation EVAs) vs the baseline
    python bench/calibrate_eva.py --write        # fit the forecast on the calibration EVAs and write
                                                 # src/tiangong/data/eva/forecast.toml

Only ``role = "calibration"`` files of ``tiangong/data/eva/history`` enter the fit; the validation EVAs
(Shenzhou-12 EVA-1, Shenzhou-13 EVA-1, Shenzhou-14 EVA-2) are printed for information only, after the
fit, and never used to choose k.  The objective is the root-mean-square relative error of the planned
hatch-open duration.  docs/eva.md records what was changed in tasks.toml from this output and why.
"""

from __future__ import annotations

import argparse
import math

from tiangong.errors import InputError
from tiangong.eva.history import builtin_history, replay
from tiangong.eva.library import Library, load_library


def scaled(lib: Library, k: float) -> Library:
    """``lib`` with every ``kind = "work"`` duration (and spread) multiplied by ``k``."""
    tasks = tuple(t.model_copy(update={"duration_min": t.duration_min * k, "duration_sd_min": t.duration_sd_min * k})
                  if t.kind == "work" else t for t in lib.task)
    return lib.model_copy(update={"task": tasks})


def with_speed(lib: Library, v: float) -> Library:
    """``lib`` with the crew handrail translation speed ``v`` (m/s)."""
    return lib.model_copy(update={"translation": lib.translation.model_copy(update={"speed_mps": v})})


def replays(lib: Library, role: str) -> list:
    """``(history EVA, Replay or None)`` for every history EVA of ``role`` (None: the plan is infeasible,
    e.g. a scaled daylight task longer than any daylight window)."""
    out = []
    for h in builtin_history(role):
        try:
            out.append((h, replay(h, lib)))
        except InputError:
            out.append((h, None))
    return out


def residuals(lib: Library, role: str, done: list | None = None) -> list[tuple[str, float, float, float]]:
    """(name, real min, planned min, relative error) for every history EVA of ``role``."""
    return [(h.name, h.real_s / 60, math.nan, math.inf) if r is None else
            (h.name, r.real_s / 60, r.planned_s / 60, r.planned_error)
            for h, r in (done if done is not None else replays(lib, role))]


def both_out(done: list) -> list[tuple[str, float, float]]:
    """(name, published, planned) hatch open -> both EVs outside, minutes, where the sources give it."""
    return [(h.name, r.real_both_out_s / 60, r.planned_both_out_s / 60)
            for h, r in done if r is not None and h.both_out is not None]


def show_both_out(title: str, rows) -> None:
    print(title)
    for n, real, plan in rows:
        print(f"  {n:10s} published {real:4.0f} min  planned {plan:4.0f} min  difference {plan - real:+5.0f} min")


def rms(rows) -> float:
    return math.sqrt(sum(e * e for *_, e in rows) / len(rows))


def show(title: str, rows) -> None:
    print(title)
    for n, real, plan, e in rows:
        print(f"  {n:10s} real {real:5.0f} min  planned {plan:5.0f} min  error {100 * e:+6.1f} %")
    print(f"  rms relative error {100 * rms(rows):.1f} %")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scan", action="store_true",
                    help="scan a uniform work-duration scale k (0.5..2.0) and the translation speed")
    ap.add_argument("--validation", action="store_true",
                    help="print the validation EVAs at the end (information only, never fitted)")
    ap.add_argument("--forecast", action="store_true", help="score the forecast (leave-one-out) against the baseline")
    ap.add_argument("--write", action="store_true", help="fit the forecast and write data/eva/forecast.toml")
    a = ap.parse_args()
    lib = load_library()
    if a.write or a.forecast:
        forecast_round(lib, a.write, a.validation)
        return
    cal = replays(lib, "calibration")
    show("calibration set, packaged library:", residuals(lib, "calibration", cal))
    show_both_out("calibration set, hatch open -> both outside:", both_out(cal))
    if a.scan:
        best = None
        for i in range(0, 31):
            k = 0.5 + 0.05 * i
            e = rms(residuals(scaled(lib, k), "calibration"))
            print(f"  k = {k:.2f}: calibration rms {100 * e:.1f} %")
            if best is None or e < best[1]:
                best = (k, e)
        print(f"best uniform work scale on the calibration set: k = {best[0]:.2f} (rms {100 * best[1]:.1f} %)")
        best = None
        for v in (0.02, 0.03, 0.05, 0.1, 0.2, 0.5):
            e = rms(residuals(with_speed(lib, v), "calibration"))
            print(f"  translation {v:.2f} m/s: calibration rms {100 * e:.1f} %")
            if best is None or e < best[1]:
                best = (v, e)
        print(f"best translation speed on the calibration set: {best[0]:.2f} m/s (rms {100 * best[1]:.1f} %)")
    if not a.validation:
        return
    val = replays(lib, "validation")
    show("validation set (information only, not fitted):", residuals(lib, "validation", val))
    show_both_out("validation set, hatch open -> both outside (information only):", both_out(val))


FIT_RUNS, FIT_SEED = 2000, 0  # the packaged fit: `tiangong eva history --runs 2000 --seed 0` refits the same


def forecast_round(lib: Library, write: bool, validation: bool) -> None:
    """Fit the forecast on the calibration EVAs (written with ``write``), print the leave-one-out scores
    beside the climatological baseline, then (``validation``) the validation EVAs."""
    from pathlib import Path

    from tiangong.eva import forecast as F
    from tiangong.eva.predict import observation, score_history

    reps = [replay(h, lib, runs=FIT_RUNS, seed=FIT_SEED) for h in builtin_history()]
    if write:
        from tiangong.eva.predict import _durations

        obs = [observation(r.eva.name, _durations(r), r.eva.hatch_open, r.real_s) for r in reps
               if r.eva.role == "calibration"]
        post = F.fit(obs)
        text = F.write_fit(post, obs, {"runs": FIT_RUNS, "seed": FIT_SEED,
                                       "operations_from": F.OPERATIONS_FROM.date().isoformat()})
        out = Path(__file__).resolve().parents[1] / "src/tiangong/data/eva" / F.FIT_FILE
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out.name}: effective sample size {post.ess:.0f}")
        for k, d in post.summary().items():
            print(f"  {k:15s} median {d['median']:8.4f}  sd {d['sd']:.4f}  (5-95 %: {d['p05']:.4f} .. {d['p95']:.4f})")
    sc = score_history(reps, seed=FIT_SEED)
    roles = ["calibration"] + (["validation"] if validation else [])
    for role in roles:
        what = "leave-one-out" if role == "calibration" else "fit on all calibration EVAs (information only)"
        print(f"{role} EVAs, forecast ({what}) vs climatological baseline:")
        for r in reps:
            if r.eva.role != role:
                continue
            f, b = sc.forecast[r.eva.name], sc.baseline[r.eva.name]
            print(f"  {r.eva.name:10s} real {r.real_s / 60:4.0f} min  forecast {f.median_s / 60:4.0f} "
                  f"({f.p05_s / 60:.0f}-{f.p95_s / 60:.0f}) err {100 * f.error:+6.1f} %  crps {f.crps_s / 60:5.1f} min | "
                  f"baseline {b.median_s / 60:4.0f} err {100 * b.error:+6.1f} %  crps {b.crps_s / 60:5.1f} min")
        t = sc.table(role)
        for who in ("forecast", "baseline"):
            m = t[who]
            print(f"  {who:8s}: MAE {100 * m['mae']:5.1f} %  bias {100 * m['bias']:+5.1f} %  CRPS {m['crps_s'] / 60:5.1f} min "
                  f"({100 * m['crps_rel']:.1f} %)  50 % interval {100 * m['cover_50']:.0f} %  90 % interval "
                  f"{100 * m['cover_90']:.0f} %")


if __name__ == "__main__":
    main()
