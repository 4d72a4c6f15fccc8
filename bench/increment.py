"""Benchmark: the default 6-month increment (all subsystems), wall time and events per second.

Run: ``make bench`` (or ``.venv/bin/python bench/increment.py [--repeat N] [--baseline SRC]``).
Prints min and median over N runs of ``tiangong.simulate("shenzhou-14")`` (model build +
orbit/eclipse events + engine + telemetry sampling + summary; archive and report writing are
timed separately), the same run driven live with ``Simulation.advance`` in 1-hour steps (ratio to
batch), and ``Simulation.snapshot()`` mid-run (time and size).  ``--baseline SRC`` times the
batch run of another checkout's ``src`` folder in a subprocess in the same session (before/after a
change: ``git worktree add /tmp/before <commit>`` then ``--baseline /tmp/before/src``).

Peer: Basilisk (``pip install bsk``, not a dependency: 267 MB) has no life-support or traffic
models; its closest equivalent is the 1-day power scenario of the shared peer bench (spacecraft +
SPICE Sun + eclipse + solar panel + battery at a 1 s step).  If ``Basilisk`` is importable this
script measures a 1-day eclipse + battery run in the same process and prints the ratio per
simulated day; otherwise it says so and prints our per-day cost only.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import tiangong as tg


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--scenario", default="shenzhou-14")
    ap.add_argument("--baseline", default=None, help="src/ folder of another checkout to time in the same run")
    args = ap.parse_args()
    sc = tg.Scenario.load(args.scenario)
    tg.simulate(sc)  # warm-up: imports, DE421 kernel, caches
    walls, engine = [], []
    res = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = tg.simulate(sc)
        walls.append(time.perf_counter() - t0)
        engine.append(res.summary()["wall_time_s"]["engine"])
    ev = res.summary()["events"]
    n = ev["total_processed"]
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        res.write(d)
        write_s = time.perf_counter() - t0
    print(f"scenario            {sc.name} ({sc.duration_s / 86400:.1f} days, crew 3->6->3)")
    print(f"events processed    {n} ({ev['state_events']} state events, {ev['segments']} segments)")
    print(f"simulate() wall     min {min(walls):.3f} s   median {statistics.median(walls):.3f} s   (N={len(walls)})")
    print(f"  build+engine      min {min(engine):.3f} s   median {statistics.median(engine):.3f} s")
    print(f"events/s            {n / min(walls):,.0f} (on min wall)")
    print(f"write outputs       {write_s:.3f} s (telemetry.duckdb + summary.json + report.html)")
    per_day = min(walls) / (sc.duration_s / 86400.0)
    print(f"cost per sim. day   {per_day * 1e3:.2f} ms (all subsystems)")
    peer = _basilisk_power_day()
    if peer is None:
        print("peer                Basilisk not installed: no same-run ratio (pip install bsk to measure)")
    else:
        print(f"peer                Basilisk power scenario (orbit+SPICE+eclipse+panel+battery), 1 day at 1 s: "
              f"{peer:.3f} s/day (min of 3) -> Basilisk / tiangong per simulated day = {peer / per_day:.0f}x")
    target = 2.0
    print(f"target              < {target:.1f} s on one core: {'met' if min(walls) < target else 'NOT met'}")
    _live(sc, walls, args.repeat)
    if args.baseline:
        base = _baseline(args.baseline, args.scenario, args.repeat)
        print(f"baseline ({args.baseline}) simulate() min {min(base):.3f} s median {statistics.median(base):.3f} s"
              f" -> this / baseline = {min(walls) / min(base):.2f} (min), "
              f"{statistics.median(walls) / statistics.median(base):.2f} (median)")


def _live(sc, walls, repeat: int) -> None:
    """The same run advanced live in 1-hour steps, and snapshots mid-run."""
    import datetime as dt

    steps = []
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        sim = tg.Simulation(sc)
        t = sc.start
        while not sim.finished:
            t = min(t + dt.timedelta(hours=1), sc.end)
            sim.advance(t)
        sim.result()
        steps.append(time.perf_counter() - t0)
    print(f"live, 1-h advance   min {min(steps):.3f} s   median {statistics.median(steps):.3f} s   "
          f"-> live / batch = {min(steps) / min(walls):.2f} (min), {statistics.median(steps) / statistics.median(walls):.2f} (median); target <= 1.5")
    sim = tg.Simulation(sc)
    sim.advance(sc.start + (sc.end - sc.start) / 2)
    snaps, size = [], 0
    for _ in range(50):
        t0 = time.perf_counter()
        blob = sim.snapshot()
        snaps.append(time.perf_counter() - t0)
        size = len(blob)
    print(f"snapshot() mid-run  min {min(snaps) * 1e3:.2f} ms   median {statistics.median(snaps) * 1e3:.2f} ms   "
          f"size {size / 1e3:.0f} kB; targets < 10 ms, < 1 MB")


def _baseline(src: str, scenario: str, repeat: int) -> list[float]:
    import json
    import os
    import subprocess
    import sys

    code = ("import json,time,tiangong as tg\n"
            f"sc=tg.Scenario.load({scenario!r}); tg.simulate(sc); w=[]\n"
            f"for _ in range({repeat}):\n t=time.perf_counter(); tg.simulate(sc); w.append(time.perf_counter()-t)\n"
            "print(json.dumps(w))")
    env = {**os.environ, "PYTHONPATH": src}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _basilisk_power_day() -> float | None:
    """Min wall time of the Basilisk power scenario (1 day at 1 s, bench/peer_basilisk.py), or None."""
    try:
        import Basilisk  # noqa: F401
    except ImportError:
        return None
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from peer_basilisk import power_day_s

    return min(power_day_s() for _ in range(3))


if __name__ == "__main__":
    main()
