"""Property tests of the CLI (hypothesis, in-process): any arguments end in exit 0 with sane
output or exit 2 with one line ``error: ...`` -- no traceback, no hang, no NaN in the output."""

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = dict(deadline=20000, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SHORT = """name = "short"
start = "2022-11-29T00:00:00Z"
end = "2022-11-30T00:00:00Z"
sample_s = 600
"""

tokens = st.sampled_from(["run", "scenario", "check", "new", "scenarios", "export", "station", "show", "--json",
                          "--force", "--out", "--sample-s", "--at", "--config", "--parquet", "--version", "--help",
                          "shenzhou-14", "iss", "tiangong", "-1", "0", "1e-9", "inf", "nan", "1e308", "/dev/null/x",
                          "2060-01-01", "9999-12-31", "", "\x00", "../../x", "a" * 300])
numbers = st.one_of(st.sampled_from(["-1", "0", "1e-9", "0.5", "60", "600", "86400", "86401", "inf", "nan", "1e308",
                                     "abc", "", "-0"]), st.floats().map(repr))
paths = st.sampled_from(["OUT", "OUT/sub", "/dev/null/x", "FILE", "a" * 300, "x\x00y", "", ".", "/proc/nope"])
times = st.one_of(st.sampled_from(["2022-11-29", "2022-11-29T00:00:00Z", "2022-11-29T00:00", "2060-01-01",
                                   "1800-01-01", "9999-12-31T23:59:59Z", "0001-01-01", "x", "", "2021-04-29"]),
                  st.text(max_size=30))


def _no_nan(text):
    def refuse(c):
        raise AssertionError(f"{c} in the output")

    return json.loads(text, parse_constant=refuse)


def _assert_clean(p):
    assert p.returncode in (0, 2), p
    assert "Traceback" not in p.stderr + p.stdout
    if p.returncode == 2:
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), p
    else:
        for v in ("nan", "NaN", "inf"):
            assert f" {v} " not in p.stdout and f": {v}" not in p.stdout.lower().replace("information", ""), p


def _paths(tmp_path, p):
    (tmp_path / "FILE").write_text("x")
    return str(tmp_path / p) if p in ("OUT", "OUT/sub", "FILE") else p


@settings(max_examples=150, **SETTINGS)
@given(st.lists(tokens, max_size=6))
def test_random_tokens(cli, tmp_path_factory, args):
    if args[:1] == ["run"] and not {"--sample-s", "--out"} & set(args):
        args = args + ["--sample-s", "1e-9"]  # never start a 6-month run by accident
    if "new" in args:
        args = [a for a in args if a != "new"]
    _assert_clean(cli(*args))


@settings(max_examples=120, **SETTINGS)
@given(times, st.sampled_from(["tiangong", "iss", "TIANGONG", "mir", "", "\x00"]), st.booleans())
def test_station_show(cli, at, config, as_json):
    p = cli("station", "show", "--at", at, "--config", config, *(["--json"] if as_json else []))
    _assert_clean(p)
    if p.returncode == 0 and as_json:
        _no_nan(p.stdout)


@settings(max_examples=40, **SETTINGS)
@given(numbers, paths, st.booleans())
def test_run_flags(cli, tmp_path_factory, sample_s, out, force):
    tmp_path = tmp_path_factory.mktemp("run")
    f = tmp_path / "short.toml"
    f.write_text(SHORT)
    p = cli("run", f, "--sample-s", sample_s, "--out", _paths(tmp_path, out), "--json", *(["--force"] if force else []))
    _assert_clean(p)
    if p.returncode == 0:
        s = _no_nan(p.stdout)
        assert math.isfinite(s["margins"]["o2_reserve_days"])


@settings(max_examples=60, **SETTINGS)
@given(paths, paths)
def test_export_paths(cli, tmp_path_factory, run_dir, out):
    tmp_path = tmp_path_factory.mktemp("export")
    _assert_clean(cli("export", _paths(tmp_path, run_dir), "--parquet", "--out", _paths(tmp_path, out)))


@settings(max_examples=60, **SETTINGS)
@given(st.dictionaries(st.sampled_from(["sample_s", "name", "start", "end", "crew", "station", "tle"]),
                       st.one_of(st.integers(-5, 10**6), st.floats(), st.text(max_size=10), st.booleans(),
                                 st.lists(st.text(max_size=4), max_size=3)), max_size=3))
def test_scenario_check(cli, tmp_path_factory, over):
    tmp_path = tmp_path_factory.mktemp("check")
    lines = [ln for ln in SHORT.splitlines() if ln.split(" = ")[0] not in over]
    for k, v in over.items():
        lines.append(f"{k} = {json.dumps(v)}" if not (isinstance(v, float) and not math.isfinite(v)) else f"{k} = {v}")
    f = tmp_path / "s.toml"
    f.write_text("\n".join(lines).replace("Infinity", "inf").replace("NaN", "nan") + "\n")
    p = cli("scenario", "check", f, "--json")
    _assert_clean(p)
    if p.returncode == 0:
        _no_nan(p.stdout)


# The orbit, EVA and fork commands under the same properties (issue 9: "every CLI argument").
@settings(max_examples=40, **SETTINGS)
@given(st.sampled_from(["state", "eclipses"]), times, numbers, st.booleans())
def test_orbit_state_and_eclipses(cli, command, at, days, as_json):
    args = ["orbit", command] + (["--at", at] if command == "state" else ["--start", at, "--days", days])
    p = cli(*args, *(["--json"] if as_json else []))
    _assert_clean(p)
    if p.returncode == 0 and as_json:
        _no_nan(p.stdout)


@settings(max_examples=30, **SETTINGS)
@given(numbers, numbers, numbers, numbers)
def test_orbit_passes(cli, lat, lon, min_el, days):
    p = cli("orbit", "passes", "--lat", lat, "--lon", lon, "--min-elevation", min_el, "--days", days,
            "--start", "2022-11-01T00:00:00Z", "--json")
    _assert_clean(p)
    if p.returncode == 0:
        _no_nan(p.stdout)


@settings(max_examples=15, **SETTINGS)
@given(st.sampled_from(["simulate", "predict"]), numbers, numbers)
def test_eva_runs_and_seeds(cli, command, runs, seed):
    p = cli("eva", command, "sz14-eva2", "--runs", runs, "--seed", seed, "--json")
    _assert_clean(p)
    if p.returncode == 0:
        _no_nan(p.stdout)


@settings(max_examples=12, **SETTINGS)
@given(times, st.sampled_from(["fault electrolyser_off 48h", "fault", "clear x", "reboost 1e308", "eva abort",
                               "set eclss.cabin.ppo2_setpoint_pa nan", "dock tianzhou X aft", "undock nobody",
                               "\x00", "'", "warp 9"]))
def test_fork_arguments(cli, tmp_path_factory, at, command):
    tmp_path = tmp_path_factory.mktemp("fork")
    f = tmp_path / "short.toml"
    f.write_text(SHORT)
    assert cli("run", f, "--out", tmp_path / "parent", "--json").returncode == 0
    p = cli("fork", tmp_path / "parent", "--at", at, "--command", command, "--out", tmp_path / "child", "--json")
    _assert_clean(p)
