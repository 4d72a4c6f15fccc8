"""The README's Python example runs as written (documentation that cannot rot)."""

import re
from pathlib import Path

import pytest


def test_readme_python_example_runs(tmp_path, monkeypatch):
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(code, "README.md", "exec"), ns)  # noqa: S102 - our own documentation
    assert (tmp_path / "runs/sz14/summary.json").exists()
    assert ns["result"].summary()["margins"]["o2_reserve_days"] > 0
    assert ns["tg"].station_at("2022-11-30").mass_with_vehicles_kg == pytest.approx(100e3, rel=0.05)
