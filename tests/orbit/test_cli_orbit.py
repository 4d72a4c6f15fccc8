"""``tiangong orbit eclipses|state`` through the real entry point ``tiangong.cli.main`` in a
subprocess: JSON schema, physically sane values, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tiangong.timeutil import parse_utc

RUNNER = """
import sys
sys.argv[0] = "tiangong"
from tiangong.cli import main
main()
"""

L1 = "1 48274U 21035A   22304.18675865  .00026780  00000+0  30760-3 0  9994"
L2 = "2 48274  41.4738 110.2742 0005031 271.1801 256.0620 15.61416173 86033"
START = "2022-10-31T04:30:00Z"


def tiangong(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUNNER, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "120"})


@pytest.fixture(scope="module")
def day_of_eclipses():
    out = tiangong("orbit", "eclipses", "--start", START, "--days", "1", "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_eclipses_json_schema_and_counts(day_of_eclipses):
    eclipses = day_of_eclipses
    assert 15 <= len(eclipses) <= 17  # 15.6 orbits a day, Tiangong always has eclipses
    keys = {"penumbra_start", "umbra_start", "umbra_end", "penumbra_end", "duration_s", "penumbra_duration_s"}
    for e in eclipses:
        assert keys <= set(e)
        stamps = [e[k] for k in ("penumbra_start", "umbra_start", "umbra_end", "penumbra_end") if e[k] is not None]
        for s in stamps:
            assert s.endswith("Z") and len(s) == len("2022-10-31T04:47:16.74Z")
        assert stamps == sorted(stamps)
        if None not in (e["umbra_start"], e["umbra_end"]):
            umbra = (parse_utc(e["umbra_end"]) - parse_utc(e["umbra_start"])).total_seconds()
            assert e["duration_s"] == pytest.approx(umbra, abs=0.011)
            assert 20 * 60 < e["duration_s"] < 37 * 60  # beta -53 deg on this date: ~29 min
            assert 0 < e["penumbra_duration_s"] - e["duration_s"] < 60
    starts = [parse_utc(e["penumbra_start"]) for e in eclipses if e["penumbra_start"]]
    periods = np.diff([s.timestamp() for s in starts]) / 60
    assert np.all((91.5 < periods) & (periods < 93.0))  # orbital period ~92.2 min


def test_eclipses_table_has_summary():
    out = tiangong("orbit", "eclipses", "--start", START, "--days", "0.5")
    assert out.returncode == 0, out.stderr
    assert "eclipses;" in out.stdout and "beta" in out.stdout and "umbra" in out.stdout


def test_state_json_is_sane_and_consistent_with_eclipses(day_of_eclipses):
    e = next(x for x in day_of_eclipses if x["penumbra_start"] and x["umbra_end"])
    umbra_mid = parse_utc(e["umbra_start"]) + (parse_utc(e["umbra_end"]) - parse_utc(e["umbra_start"])) / 2
    after = parse_utc(e["penumbra_end"]) + (parse_utc(e["penumbra_end"]) - parse_utc(e["penumbra_start"])) / 4
    in_penumbra = parse_utc(e["penumbra_start"]) + (parse_utc(e["umbra_start"]) - parse_utc(e["penumbra_start"])) / 2
    results = {}
    for label, when in (("umbra", umbra_mid), ("sun", after), ("penumbra", in_penumbra)):
        out = tiangong("orbit", "state", "--at", when.isoformat(), "--json")
        assert out.returncode == 0, out.stderr
        results[label] = json.loads(out.stdout)
    s = results["sun"]
    for key in ("epoch_tle", "r_gcrs_m", "v_gcrs_mps", "altitude_m", "latitude_deg", "longitude_deg", "sunlit", "beta_deg"):
        assert key in s
    assert s["epoch_tle"].endswith("Z")
    r, v = np.linalg.norm(s["r_gcrs_m"]), np.linalg.norm(s["v_gcrs_mps"])
    assert 350e3 < s["altitude_m"] < 420e3
    assert r == pytest.approx(6.75e6, rel=0.01)
    assert v == pytest.approx(7.67e3, rel=0.01)
    assert abs(s["latitude_deg"]) <= 41.6  # inclination 41.47 deg (geodetic latitude slightly more)
    assert abs(np.dot(s["r_gcrs_m"], s["v_gcrs_mps"])) / (r * v) < 0.01  # near-circular
    assert results["sun"]["sunlit"] is True
    assert results["umbra"]["sunlit"] is False
    assert 0.0 < results["penumbra"]["sunlit"] < 1.0
    assert results["umbra"]["beta_deg"] == pytest.approx(e["beta_deg"], abs=0.5)


def one_line_error(out: subprocess.CompletedProcess, *fragments: str) -> str:
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("error: ")
    for frag in fragments:
        assert frag in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("line1, line2, lineno, reason", [
    (L1[:-3], L2, 2, "line 1 has 66 characters, expected 69"),
    (L1[:-1] + "5", L2, 2, "checksum is 5, expected 4"),
    (L1, L2[:-1] + "0", 3, "checksum is 0, expected 3"),
], ids=["short-line", "bad-checksum-line1", "bad-checksum-line2"])
def test_malformed_tle_file(tmp_path, line1, line2, lineno, reason):
    path = tmp_path / "bad.tle"
    path.write_text(f"CSS (TIANHE)\n{line1}\n{line2}\n")
    msg = one_line_error(tiangong("orbit", "eclipses", "--tle", str(path), "--start", START), f"bad.tle:{lineno}", reason)
    assert msg == f"error: {path}:{lineno}: {reason}"
    one_line_error(tiangong("orbit", "state", "--tle", str(path), "--at", START), f"bad.tle:{lineno}")


@pytest.mark.parametrize("args, fragments", [
    (("--start", START, "--days", "-1"), ("--days", "-1")),
    (("--start", START, "--days", "0"), ("--days",)),
    (("--start", START, "--days", "400"), ("--days", "366")),
    (("--start", START, "--days", "many"), ("--days", "not a number")),
    (("--start", "2022-13-45T00:00:00Z"), ("--start", "ISO 8601")),
    (("--start", "yesterday"), ("--start",)),
    (("--days", "2"), ("--start", "required")),
    (("--start", START, "--tle", "/nonexistent/x.tle"), ("/nonexistent/x.tle", "not found")),
])
def test_bad_eclipse_arguments(args, fragments):
    one_line_error(tiangong("orbit", "eclipses", *args), *fragments)


def test_bad_state_time():
    one_line_error(tiangong("orbit", "state", "--at", "31/10/2022"), "--at")
    one_line_error(tiangong("orbit", "state"), "--at", "required")


def test_tle_file_option_uses_nearest_set(tmp_path):
    path = tmp_path / "two.tle"
    builtin = Path(__file__).resolve().parents[2] / "src" / "tiangong" / "data" / "tle" / "tiangong.tle"
    path.write_text(builtin.read_text())
    out = tiangong("orbit", "state", "--tle", str(path), "--at", "2024-05-18T00:00:00Z", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["epoch_tle"].startswith("2024-05-17T19:37")
