"""Every input that ever broke a parser (tracebacks and silent acceptance of issue 9, and any crash
`make fuzz` finds), replayed through the fuzz targets: each must now end in a validated object or
an InputError, nothing else."""

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
