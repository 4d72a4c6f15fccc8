"""`tiangong station show`: JSON output and bad input, through the real entry point and directly."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from tiangong.cli.station import station_app

ENTRY = [sys.executable, "-c", "from tiangong.cli import main; main()"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ENTRY, "station", "show", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_json_document_via_main():
    proc = _run("--json", "--at", "2022-11-30")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    for key in (
        "modules",
        "vehicles",
        "mass_kg",
        "mass_with_vehicles_kg",
        "pressurized_volume_m3",
        "habitable_volume_m3",
        "array_area_m2",
        "array_power_w",
        "crew",
        "at",
        "config",
    ):
        assert key in doc, key
    assert doc["at"] == "2022-11-30T00:00:00Z" and doc["config"] == "tiangong"
    assert [m["name"] for m in doc["modules"]] == ["Tianhe", "Wentian", "Mengtian"]
    for m in doc["modules"]:
        assert {"name", "mass_kg", "length_m", "diameter_m", "pressurized_volume_m3", "habitable_volume_m3"} <= set(m)
    assert {v["name"]: v["port"] for v in doc["vehicles"]} == {
        "Shenzhou-15": "forward",
        "Tianzhou-5": "aft",
        "Shenzhou-14": "nadir",
    }
    assert len(doc["crew"]) == 6
    assert doc["configuration"] == "T"
    # CGTN 2021-06-17: ~66 t modules, nearly 100 t with ships docked (within 5 %)
    assert doc["mass_kg"] == pytest.approx(66_000, rel=0.05)
    assert doc["mass_with_vehicles_kg"] == pytest.approx(100_000, rel=0.05)


def test_iss_json_via_main():
    proc = _run("--json", "--config", "iss", "--at", "2023-06-01")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    # NASA facts and figures: 419,455 kg
    assert doc["mass_kg"] == pytest.approx(419_455, rel=0.05)
    assert doc["vehicles"] == [] and doc["crew"] == []


def test_table_output_via_main():
    proc = _run("--at", "2022-08-01")
    assert proc.returncode == 0, proc.stderr
    assert "Wentian" in proc.stdout and "forward" in proc.stdout and "Chen Dong" in proc.stdout


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (("--at", "2021-01-01"), "--at"),
        (("--at", "2022-13-45"), "--at"),
        (("--at", "yesterday"), "--at"),
        (("--config", "mir", "--at", "2022-11-30"), "--config"),
        (("--json", "--config", "ISS-2", "--at", "2022-11-30"), "--config"),
    ],
)
def test_bad_input_one_line_exit_2(args, where):
    proc = _run(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: {where}: ")
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_before_existence_message_via_main():
    proc = _run("--at", "2021-01-01")
    assert proc.stderr.strip() == (
        "error: --at: 2021-01-01 is before the station existed (Tianhe launched 2021-04-29T03:23:15Z)"
    )


# ---- the sub-app directly (no dependency on the other CLI modules)
runner = CliRunner()


def test_station_app_json():
    res = runner.invoke(station_app, ["show", "--json", "--at", "2022-07-01"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert set(doc["crew"]) == {"Chen Dong", "Liu Yang", "Cai Xuzhe"}


def test_station_app_default_date_is_the_end_of_the_history():
    """Without --at: the last known event (inside the history, said so), not today past its end."""
    from tiangong.station import history
    from tiangong.timeutil import iso_z

    last = history("tiangong")[-1]
    res = runner.invoke(station_app, ["show", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["at"] == iso_z(last.end_time or last.time, 0)
    res = runner.invoke(station_app, ["show"])
    assert res.exit_code == 0 and "--at not given: showing the end of the known history" in res.output
    # a fixed configuration has no history: today, also said so
    res = runner.invoke(station_app, ["show", "--config", "iss"])
    assert res.exit_code == 0 and "--at not given: today" in res.output


def test_station_app_bad_config():
    res = runner.invoke(station_app, ["show", "--config", "skylab"])
    assert res.exit_code == 2
    assert "error: --config:" in res.output


def test_station_tables_fit_80_columns():
    """At 80 columns every line fits and no number is wrapped onto a second line."""
    import re

    for config in ("tiangong", "iss"):
        res = CliRunner().invoke(station_app, ["show", "--config", config, "--at", "2022-11-30"],
                                 env={"COLUMNS": "80"})
        assert res.exit_code == 0, res.output
        lines = res.output.splitlines()
        assert max(len(ln) for ln in lines) <= 80
        start = next(i for i, ln in enumerate(lines) if ln.startswith("Module")) + 2
        for ln in lines[start:]:
            if not ln.strip() or ln.startswith(("Docked", "Totals")):
                break
            nums = [x for x in ln.split() if re.fullmatch(r"[\d,]+(\.\d+)?", x)]
            assert len(nums) in (0, 6), ln  # all six numbers on a module's first line, none on wrapped text
