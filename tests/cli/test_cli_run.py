"""The CLI end to end: run, scenarios, export, and one-line errors for bad input (exit 2)."""

import json
import subprocess
import sys

import duckdb
import pytest

CLI = [sys.executable, "-c", "from tiangong.cli import main; main()"]


def tiangong(*args, cwd=None):
    return subprocess.run(CLI + list(args), capture_output=True, text=True, cwd=cwd, timeout=300)


SHORT = """
name = "short"
description = "two days in the handover"
start = "2022-11-29T00:00:00Z"
end = "2022-12-01T00:00:00Z"
sample_s = 300
"""


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    f = d / "short.toml"
    f.write_text(SHORT)
    out = d / "out"
    p = tiangong("run", str(f), "--out", str(out), "--json")
    assert p.returncode == 0, p.stderr
    return out, json.loads(p.stdout)


def test_run_json_summary_and_outputs(short_run):
    out, s = short_run
    for key in ("stores", "violations", "events", "margins", "mass_balance_relative_error"):
        assert key in s
    for key in ("o2_reserve_days", "water_reserve_days", "min_battery_soc", "min_altitude_m", "propellant_used_kg"):
        assert key in s["margins"]
    assert (out / "summary.json").exists() and (out / "report.html").exists()
    con = duckdb.connect(str(out / "telemetry.duckdb"), read_only=True)
    names = {r[0] for r in con.execute("select name from parameters").fetchall()}
    assert {"eclss.cabin.ppo2_pa", "power.battery.soc", "orbit.altitude_m", "crew.count"} <= names
    n = con.execute("select count(*) from samples where name = 'crew.count'").fetchone()[0]
    assert n == 2 * 86400 // 300 + 1
    # the SZ-15 crew entered 2022-11-29 23:33 UTC (CMSA): six aboard at the end of the window
    assert con.execute("select value from samples where name='crew.count' order by t_s desc limit 1").fetchone()[0] == 6


def test_export_parquet(short_run):
    out, _ = short_run
    p = tiangong("export", str(out), "--parquet")
    assert p.returncode == 0, p.stderr
    files = p.stdout.split()
    assert any(f.endswith("samples.parquet") for f in files)


def test_scenarios_lists_builtins():
    p = tiangong("scenarios", "--json")
    assert p.returncode == 0
    names = [s["name"] for s in json.loads(p.stdout)]
    assert "shenzhou-14" in names


def _bad(tmp_path, text, *extra):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    return tiangong("run", str(f), "--out", str(tmp_path / "o"), *extra)


def _assert_one_line_error(p, *needles):
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("error:") and "Traceback" not in p.stderr
    for n in needles:
        assert n in lines[0], lines[0]


def test_unknown_scenario():
    _assert_one_line_error(tiangong("run", "shenzou-14"), "unknown scenario", "shenzhou-14")


def test_mistyped_field(tmp_path):
    _assert_one_line_error(_bad(tmp_path, SHORT.replace("sample_s", "sampel_s")), "bad.toml", "sampel_s", "sample_s")


def test_mistyped_nested_field(tmp_path):
    text = SHORT + '\n[[faults]]\nkind = "electrolyser_off"\nstart = "2022-11-29T06:00:00Z"\nduraton_h = 3\n'
    _assert_one_line_error(_bad(tmp_path, text), "faults[0].duraton_h", "duration_h")


def test_negative_duration(tmp_path):
    text = SHORT.replace('end = "2022-12-01T00:00:00Z"', 'end = "2022-11-28T00:00:00Z"')
    _assert_one_line_error(_bad(tmp_path, text), "bad.toml", "end must be after start")


def test_date_before_station_existed(tmp_path):
    text = SHORT.replace("2022-11-29T00", "2020-01-01T00").replace("2022-12-01T00", "2020-01-03T00")
    _assert_one_line_error(_bad(tmp_path, text), "before the station existed")


def test_malformed_toml(tmp_path):
    _assert_one_line_error(_bad(tmp_path, "name = \n"), "not valid TOML")


def test_unknown_fault_kind(tmp_path):
    text = SHORT + '\n[[faults]]\nkind = "gremlins"\nstart = "2022-11-29T06:00:00Z"\nduration_h = 3\n'
    _assert_one_line_error(_bad(tmp_path, text), "faults[0].kind")


def test_bad_sample_interval(tmp_path):
    f = tmp_path / "ok.toml"
    f.write_text(SHORT)
    _assert_one_line_error(tiangong("run", str(f), "--sample-s", "-5"), "--sample-s")


def test_export_missing_run_dir(tmp_path):
    _assert_one_line_error(tiangong("export", str(tmp_path / "nope"), "--parquet"))


def test_usage_errors_are_one_line():
    _assert_one_line_error(tiangong("run"), "Missing argument")
    _assert_one_line_error(tiangong("orbit", "eclipses", "--bogus", "1"), "--bogus")
    _assert_one_line_error(tiangong("run", "shenzhou-14", "--sample-s", "abc"), "--sample-s")


def test_unknown_real_eva_reference(tmp_path):
    text = SHORT + '\n[[eva]]\nhistory = "sz14-eva9"\n'
    _assert_one_line_error(_bad(tmp_path, text), "eva[0]", "sz14-eva9")


def test_eva_crew_not_aboard(tmp_path):
    text = SHORT + '\n[[eva]]\nname = "e"\nstart = "2022-11-29T02:00:00Z"\nend = "2022-11-29T05:00:00Z"\ncrew = ["Fei Junlong"]\n'
    # the Shenzhou-15 crew entered the station only at 2022-11-29 23:33 UTC
    _assert_one_line_error(_bad(tmp_path, text), "eva[0].crew", "Fei Junlong", "not aboard")


def test_eva_simulate_writes_a_self_contained_html(tmp_path):
    from pathlib import Path

    req = Path(__file__).resolve().parents[2] / "src/tiangong/data/eva/plans/sz14-eva2.toml"
    out = tmp_path / "sim.html"
    p = tiangong("eva", "simulate", str(req), "--runs", "50", "--html", str(out))
    assert p.returncode == 0, p.stderr
    page = out.read_text()
    assert "Monte Carlo" in page and "Hatch open, 50 runs" in page
    assert "<script src=" not in page  # plotly.js is inlined: nothing is fetched
