"""Benchmark: the default 6-month increment (all subsystems), wall time and events per second.

Run: ``make bench`` (or ``.venv/bin/python bench/increment.py [--repeat N]``).  Prints min and
median over N runs of ``tiangong.simulate("shenzhou-14")`` (model build + orbit/eclipse events +
engine + telemetry sampling + summary; archive and report writing are timed separately).

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
