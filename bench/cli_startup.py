"""Benchmark: CLI start-up latency (whole process, as a user pays it).

Run: ``.venv/bin/python bench/cli_startup.py [--repeat N]``.  Prints min and median wall time of
``tiangong --help``, ``tiangong scenarios``, ``tiangong eva --help`` and ``tiangong orbit predict --days 30`` over N runs, beside
``python -c pass`` (the interpreter's own start, the floor no CLI can beat) measured in the same
run.  Target (issue 7): ``--help`` and ``scenarios`` under 0.3 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

TIANGONG = str(Path(sys.executable).with_name("tiangong"))
CASES = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "tiangong --help": [TIANGONG, "--help"],
    "tiangong scenarios": [TIANGONG, "scenarios"],
    "tiangong eva --help": [TIANGONG, "eva", "--help"],
    # a numerical prediction as a user pays it: imports, the compiled kernels from numba's cache,
    # the state fit, 30 days of the full force model
    "tiangong orbit predict --days 30": [TIANGONG, "orbit", "predict", "--days", "30", "--step-s", "600", "--json"],
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    floor = None
    for name, cmd in CASES.items():
        subprocess.run(cmd, capture_output=True, check=True)  # warm the file cache
        walls = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True)
            walls.append(time.perf_counter() - t0)
        floor = floor or min(walls)
        print(f"{name:22s} min {min(walls):.3f} s   median {statistics.median(walls):.3f} s   "
              f"({min(walls) / floor:.1f}x the interpreter start)")
    print("target                 tiangong --help and tiangong scenarios < 0.300 s")


if __name__ == "__main__":
    main()
