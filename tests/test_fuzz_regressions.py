"""Every input that ever broke a parser (tracebacks and silent acceptance of issue 9, and any crash
`make fuzz` finds), replayed through the fuzz targets: each must now end in a validated object or
an InputError, nothing else.

Replayed through ``tiangong run`` on the code before issue 9 (commit eda8f1f), 13 of the 15
``scenario-*`` cases broke it: bool-coerced, fault-duration-1e308, inf-initial, naive-time,
path-escape-name and thousand-crew ran as if valid; history-not-a-string (TypeError),
recursion-deep-arrays, unicode-decode, year-2060 and year-9999 (EphemerisRangeError) and
zero-division-water-1e308 were tracebacks; tiny-sample hung.  nul-byte and top-level-array-table
were already refused and stay as guards."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "tests" / "fuzz_regressions").iterdir())


def _targets():
    spec = importlib.util.spec_from_file_location("fuzz_targets", ROOT / "fuzz" / "targets.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


targets = _targets()


def test_there_are_regression_cases():
    assert len(CASES) >= 15


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_regression_input(path):
    data = path.read_bytes()
    assert targets.TARGETS[data[0] % len(targets.TARGETS)] == path.name.split("-")[0]
    targets.run(data)  # raises on anything but a clean refusal or a valid, checked object
