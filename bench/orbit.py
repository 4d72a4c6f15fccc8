"""Orbit propagation benchmark (issue 10), one run, min and median of repeats.

(a) 30 days, point mass + J2 + exponential drag (the peer bench scenario: 2022-09-17, a = 6771 km,
    e = 0.0005, i = 41.47 deg, 66 t, 400 m^2, C_D 2.2, inertial atmosphere), a state every 10 s:
    ours (numba DOP853, rtol 1e-11) vs Basilisk (RK4 at 10 s, run in a separate venv given by
    --bsk-python or $BSK_PYTHON; skipped if absent) vs the scipy reference (solve_ivp DOP853, rtol 1e-12,
    numpy right-hand side).  Final-position differences against the scipy reference.
(b) the full model (J2..J8, NRLMSIS 2.1 drag co-rotating, Sun, Moon, SRP), 30 days: set-up
    (ephemerides, density fits) and integration timed separately, after compile; the numba compile /
    cache load printed separately (first call in a fresh process).
(c) ``simulate("shenzhou-14")`` with ``orbit = "propagate"`` (183 days), after compile; the
    propagated orbit is recomputed on every repeat (its in-process cache cleared), with the time split
    into prediction, reboost planning (mean altitude), eclipses, beta and the engine; the replay run
    beside it.  ``--only-c`` runs (c) alone.

    .venv/bin/python bench/orbit.py [--repeats N] [--bsk-python /path/to/venv/bin/python] [--only-c]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp

MU, RE, J2 = 3.986004415e14, 6378136.3, 1.0826261738522227e-3
MASS, AREA, CD = 66000.0, 400.0, 2.2
RHO_REF, H_REF, H_SCALE = 9.518e-12, 350e3, 53.298e3
EPOCH = dt.datetime(2022, 9, 17, tzinfo=dt.timezone.utc)
DAYS = 30.0
DT_OUT = 10.0


def initial_state():
    a, e, i = 6771e3, 0.0005, math.radians(41.47)
    p = a * (1 - e * e)
    r = p / (1 + e)
    v = math.sqrt(MU / p)
    return np.array([r, 0.0, 0.0]), np.array([0.0, v * (e + 1) * math.cos(i), v * (e + 1) * math.sin(i)])


def scipy_reference(r0, v0, t_eval):
    bc = CD * AREA / MASS
    rho_surf = RHO_REF * math.exp(H_REF / H_SCALE)

    def rhs(t, y):
        x, yy, z = y[0], y[1], y[2]
        r2 = x * x + yy * yy + z * z
        r = r2 ** 0.5
        k = 1.5 * J2 * MU * RE * RE / (r2 * r2 * r)
        zr2 = 5.0 * z * z / r2
        vx, vy, vz = y[3], y[4], y[5]
        vn = (vx * vx + vy * vy + vz * vz) ** 0.5
        f = -0.5 * rho_surf * np.exp(-(r - RE) / H_SCALE) * bc * vn
        return np.array([vx, vy, vz, -MU * x / (r2 * r) + k * x * (zr2 - 1) + f * vx,
                         -MU * yy / (r2 * r) + k * yy * (zr2 - 1) + f * vy, -MU * z / (r2 * r) + k * z * (zr2 - 3) + f * vz])

    sol = solve_ivp(rhs, (0.0, t_eval[-1]), np.concatenate([r0, v0]), method="DOP853", t_eval=t_eval, rtol=1e-12,
                    atol=1e-6)
    return sol.y.T


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def line(name, times, extra=""):
    print(f"{name:44s} min {min(times):8.3f} s  median {statistics.median(times):8.3f} s  {extra}", flush=True)
    return min(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--bsk-python", default=os.environ.get("BSK_PYTHON"))
    ap.add_argument("--skip-scipy", action="store_true")
    ap.add_argument("--only-c", action="store_true", help="only (c): the station scenario on the propagated orbit")
    args = ap.parse_args()
    if args.only_c:
        bench_scenario(args.repeats)
        return

    import tempfile

    with tempfile.TemporaryDirectory() as cache:  # cold compile into an empty numba cache, fresh process
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tiangong.orbit.propagate"], check=True,
                       env={**os.environ, "NUMBA_CACHE_DIR": cache})
        print(f"numba compile (empty cache, fresh process, what `make` pays once): {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tiangong.orbit.propagate"], check=True,
                       env={**os.environ, "NUMBA_CACHE_DIR": cache})
        print(f"warm start (cache filled, fresh process, imports + cache load + a 10-min run): {time.perf_counter() - t0:.1f} s")
    t_start = time.perf_counter()
    from tiangong.orbit.propagate import ForceModel, Propagator, warm_cache

    warm_cache()
    print(f"first call in this process (numba cache load + imports): {time.perf_counter() - t_start:.2f} s")

    r0, v0 = initial_state()
    t_eval = np.arange(0.0, DAYS * 86400.0 + 0.5 * DT_OUT, DT_OUT)
    print(f"(a) {DAYS:g} d, point mass + J2 + exponential drag (inertial), {len(t_eval)} states at {DT_OUT:g} s")
    model = ForceModel(zonal_degree=2, drag="exponential", corotating=False, sun=False, moon=False, srp=False, j=(J2,),
                       mu_m3_s2=MU, re_m=RE, pole="gcrs_z", mass_kg=MASS, area_m2=AREA, cd=CD,
                       exponential=(RHO_REF, H_REF, H_SCALE))

    def ours():
        return Propagator(EPOCH, DAYS * 86400.0, model).run(r0, v0).states(t_eval)

    t_ours, s_ours = timed(ours, args.repeats)
    ours_min, ours_med = line("ours (numba DOP853 rtol 1e-11, dense output)", t_ours)
    ref = None
    if not args.skip_scipy:
        t_ref, ref = timed(lambda: scipy_reference(r0, v0, t_eval), 1)
        line("scipy reference (DOP853 rtol 1e-12)", t_ref, f"ratio {min(t_ref) / ours_min:.0f}x")
        print(f"    ours - scipy reference, final position: {np.linalg.norm(s_ours[-1, :3] - ref[-1, :3]):.1f} m")
    if args.bsk_python:
        reps = max(1, min(3, args.repeats))
        out = subprocess.run([args.bsk_python, str(Path(__file__).with_name("peer_basilisk.py")), "orbit",
                              json.dumps(r0.tolist()), json.dumps(v0.tolist()), str(DAYS), str(reps)],
                             capture_output=True, text=True, check=True)
        bsk = json.loads(out.stdout.strip().splitlines()[-1])
        line(f"Basilisk {bsk['version']} (RK4 10 s, separate venv)", bsk["times"],
             f"ratio {min(bsk['times']) / ours_min:.0f}x (medians {statistics.median(bsk['times']) / ours_med:.0f}x)")
        if ref is not None:
            print(f"    Basilisk - scipy reference, final position: {np.linalg.norm(np.array(bsk['final_r']) - ref[-1, :3]):.1f} m")
    else:
        print("Basilisk: not run (give --bsk-python or BSK_PYTHON: a venv with `pip install bsk`)")

    print(f"(b) {DAYS:g} d, full model (J2..J8, NRLMSIS 2.1 co-rotating, Sun, Moon, SRP), 66 t, 400 m^2")
    full = ForceModel(mass_kg=MASS, area_m2=AREA)
    t_setup, prop = timed(lambda: Propagator(EPOCH, DAYS * 86400.0, full), args.repeats)
    line("set-up (ephemerides, density fits)", t_setup)
    t_run, tr = timed(lambda: prop.run(r0, v0), args.repeats)
    line("integration (after compile)", t_run, f"{tr.n_steps} steps")
    t_out, _ = timed(lambda: tr.states(t_eval), args.repeats)
    line(f"dense output, {len(t_eval)} states", t_out)
    bench_scenario(args.repeats)


def bench_scenario(repeats: int) -> None:
    """(c): the Shenzhou-14 increment on the propagated orbit, cold (orbit computed) and warm
    (orbit products from the on-disk cache, orbit/cache.py), and where the cold time goes."""
    import tempfile

    import tiangong as tg
    from tiangong.orbit.predict import predict
    from tiangong.orbit.propagate import warm_cache
    from tiangong.orbit.reboost import plan_reboosts
    from tiangong.orbit.scenario import _products
    from tiangong.orbit.spaceweather import SpaceWeather
    from tiangong.orbit.tle import select_tle
    from tiangong.sim import model as model_mod

    warm_cache()
    cache_dir = tempfile.mkdtemp(prefix="tiangong-bench-cache-")  # cold and warm in a folder of its own
    os.environ["TIANGONG_CACHE_DIR"] = cache_dir
    import atexit
    import shutil

    atexit.register(shutil.rmtree, cache_dir, ignore_errors=True)
    replay = tg.Scenario.load("shenzhou-14")
    sc = tg.Scenario.from_dict({**replay.model_dump(exclude={"source_file"}), "orbit": "propagate"}, "shenzhou-14")
    reps = max(1, min(3, repeats))
    print(f"(c) simulate('shenzhou-14') with orbit = 'propagate' ({sc.duration_s / 86400:g} d), {reps} repeats")

    def cold():
        model_mod._PROPAGATED.clear()  # recompute the propagated orbit every time
        os.environ["TIANGONG_NO_CACHE"] = "1"
        try:
            return tg.simulate(sc)
        finally:
            del os.environ["TIANGONG_NO_CACHE"]

    def warm():
        model_mod._PROPAGATED.clear()  # a new process: the orbit products come from the disk cache
        return tg.simulate(sc)

    t_all, res = timed(cold, reps)
    mn, _ = line("simulate, propagate, cold (target < 2 s)", t_all)
    model_mod._PROPAGATED.clear()
    tg.simulate(sc)  # fill the disk cache
    t_warm, res_w = timed(warm, reps)
    line("simulate, propagate, orbit from the disk cache", t_warm)
    assert res_w.model.orbit.from_cache
    np.testing.assert_array_equal(res_w.trajectory.x0, res.trajectory.x0)  # the same run, bit for bit
    t_rep, _ = timed(lambda: tg.simulate(replay), reps)
    line("simulate, replay (same scenario)", t_rep, f"propagate cold / replay {mn / min(t_rep):.1f}x")
    # where the cold time goes (one repeat each, the same calls propagated_orbit makes)
    tle = select_tle(sc.start, sc.tle, sc.station)
    t_pred, pred = timed(lambda: predict(tle, sc.start, sc.end, SpaceWeather()), 1)
    line("  prediction (fit + NRLMSIS fits + propagation)", t_pred)
    pr = res.model.propulsion
    band = (pr.floor_m, pr.target_m)
    t_plan, plan = timed(lambda: plan_reboosts(pred, band, 1e9), 1)  # propellant: not the limit here
    line("  reboost plan (30-s mean altitude, propagations after burns)", t_plan, f"{len(plan.burns)} burns")
    t_prod, orb = timed(lambda: _products(sc.start, sc.duration_s, pred, plan, SpaceWeather()), 1)
    line("  eclipse events and beta nodes", t_prod, f"{len(orb.eclipse_t_s)} boundaries")
    print(f"    engine (network events and segments), cold run: {res.summary()['wall_time_s']['engine']:.2f} s")


if __name__ == "__main__":
    main()
