"""Coverage-guided fuzzing of the parsers with atheris (``make fuzz``; bounded by -max_total_time).

    python fuzz/fuzz_parsers.py -max_total_time=60 -atheris_runs=0 CORPUS_DIR fuzz/seeds

The first byte of an input picks the target (scenario, TLE, station file, time string; see
fuzz/targets.py); seeds are the packaged scenarios, TLEs and station files.  A crash writes
``crash-<sha1>`` in the working directory: keep it in tests/fuzz_regressions/ (named
``<target>-<what>``) so the regression test replays it for ever.
"""

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports():
    import targets  # noqa: E402
    import tiangong.config.station_files  # noqa: F401,E402
    import tiangong.orbit.tle  # noqa: F401,E402
    import tiangong.sim.scenario  # noqa: F401,E402
    import tiangong.validation  # noqa: F401,E402


def main() -> None:
    sys.setrecursionlimit(3000)
    atheris.Setup(sys.argv, targets.run)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
