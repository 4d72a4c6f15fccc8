"""Every class of bad input found in issue 9, through the CLI: one line ``error: where: why``,
exit 2, never a traceback, a hang or a silently absurd run.  Each case that once broke the
program (traceback, hang, silent acceptance) is kept here as a regression case."""

import pytest

SHORT = """name = "short"
start = "2022-11-29T00:00:00Z"
end = "2022-12-01T00:00:00Z"
sample_s = 300
"""


def _run_file(cli, tmp_path, text, *extra, data: bytes | None = None):
    f = tmp_path / "bad.toml"
    if data is not None:
        f.write_bytes(data)
    else:
        f.write_text(text)
    return cli("scenario", "check", f, *extra) if extra == ("check",) else cli("run", f, "--out", tmp_path / "o", *extra)


CASES = {
    # strict types: no coercion of a boolean to 1 kg
    "bool_for_number": (SHORT + "[initial]\nfood_kg = true\n", ["initial.food_kg", "valid number"]),
    "string_for_number": (SHORT + '[initial]\nfood_kg = "800"\n', ["initial.food_kg"]),
    # finite numbers and physical ranges with their reason
    "inf_consumable": (SHORT + "[initial]\npotable_water_kg = inf\n", ["initial.potable_water_kg", "finite"]),
    "nan_consumable": (SHORT + "[initial]\no2_tank_kg = nan\n", ["initial.o2_tank_kg", "finite"]),
    "huge_water": (SHORT + "[initial]\npotable_water_kg = 1e308\n", ["initial.potable_water_kg", "pressurised volume"]),
    "huge_food": (SHORT + "[initial]\nfood_kg = 1e7\n", ["initial.food_kg", "does not fit"]),
    "huge_propellant": (SHORT + "[initial]\npropellant_kg = 1e9\n", ["initial.propellant_kg", "whole mass"]),
    "fault_inf_duration": (SHORT + '[[faults]]\nkind = "electrolyser_off"\nstart = "2022-11-29T06:00:00Z"\n'
                           "duration_h = inf\n", ["faults[0].duration_h", "finite"]),
    "fault_1e308_duration": (SHORT + '[[faults]]\nkind = "electrolyser_off"\nstart = "2022-11-29T06:00:00Z"\n'
                             "duration_h = 1e308\n", ["faults[0].duration_h", "longest scenario"]),
    "thousand_crew": (SHORT + "crew = [" + ", ".join(f'"c{i}"' for i in range(1000)) + "]\n",
                      ["crew", "1006 aboard", "life support", "at most 8 crew"]),
    "crew_twice": (SHORT + 'crew = ["A", "A"]\n', ["crew", "more than once"]),
    "crew_already_aboard": (SHORT + 'crew = ["Chen Dong"]\n', ["crew", "already aboard"]),
    "eva_same_person_twice": (SHORT + '[[eva]]\nname = "e"\nstart = "2022-11-30T02:00:00Z"\n'
                              'end = "2022-11-30T05:00:00Z"\ncrew = ["Chen Dong", "Chen Dong"]\n',
                              ["eva[0].crew", "more than once"]),
    "history_not_a_string": (SHORT + "[[eva]]\nhistory = [1]\n", ["eva[0]", "string"]),
    # times: zone required, inside DE421 and the station's history
    "naive_time_string": (SHORT.replace('2022-11-29T00:00:00Z', '2022-11-29T00:00:00'), ["start", "no time zone"]),
    "naive_toml_datetime": (SHORT.replace('"2022-11-29T00:00:00Z"', "2022-11-29T00:00:00"), ["start", "time zone"]),
    "after_de421": (SHORT.replace("2022-11-29", "2060-01-01").replace("2022-12-01", "2060-01-03"), ["DE421"]),
    "year_9999": (SHORT.replace("2022-11-29", "9999-12-29").replace("2022-12-01", "9999-12-31"), ["DE421"]),
    "after_history": (SHORT.replace("2022-12-01", "2026-01-01"), ["end", "station history"]),
    "before_station": (SHORT.replace("2022-11-29", "2019-01-01").replace("2022-12-01", "2019-01-03"),
                       ["before the station existed"]),
    # a name is a safe slug: never a path out of runs/
    "escape_name": (SHORT.replace('"short"', '"../../escape"'), ["name", "not a safe name"]),
    "nul_in_name": (SHORT.replace('"short"', '"a\\u0000b"'), ["name", "not a safe name"]),
    "long_name": (SHORT.replace('"short"', '"' + "a" * 300 + '"'), ["name"]),
    # sample counts refused up front
    "tiny_sample": (SHORT.replace("sample_s = 300", "sample_s = 0.001"), ["sample_s", "samples per parameter"]),
    # checked before anything runs (scenario check says so too)
    "tle_file_missing": (SHORT + 'tle = "no-such.tle"\n', ["tle", "no-such.tle"]),
    "tle_dev_zero": (SHORT + 'tle = "/dev/zero"\n', ["tle", "/dev/zero", "not a regular file"]),  # hung
    "tle_not_utf8": (SHORT + 'tle = "/bin/sh"\n', ["tle", "/bin/sh"]),
    "airlock_before_its_module": (SHORT.replace("2022-11-29", "2022-06-06").replace("2022-12-01", "2022-06-08")
                                  + '[[eva]]\nname = "e"\nstart = "2022-06-07T02:00:00Z"\n'
                                  'end = "2022-06-07T05:00:00Z"\ncrew = ["Chen Dong"]\n',
                                  ["eva[0].airlock", "Wentian", "not part of the station"]),
    # the report's one-day map starts inside the window, at an aware time
    "ground_track_outside": (SHORT + '[report]\nground_track_start = "2022-12-01T00:00:00Z"\n',
                             ["report.ground_track_start", "outside the scenario window"]),
    "ground_track_naive": (SHORT + '[report]\nground_track_start = "2022-11-30T00:00:00"\n',
                           ["report.ground_track_start", "time zone"]),
    "ground_track_typo": (SHORT + '[report]\nground_track_star = "2022-11-30T00:00:00Z"\n',
                          ["report.ground_track_star", "ground_track_start"]),
    # parse limits
    "deep_nesting": ("a = " + "[" * 100_000 + "]" * 100_000 + "\n", ["nested too deeply"]),
    "not_a_table_value": ("name = 1\n" + SHORT.split("\n", 1)[1], ["name"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_scenario_is_one_line_error(cli, assert_error, tmp_path, case):
    text, needles = CASES[case]
    p = _run_file(cli, tmp_path, text)
    assert_error(p, "bad.toml", *needles)
    assert not (tmp_path / "o").exists(), "nothing is written for a refused scenario"


@pytest.mark.parametrize("case", ["bool_for_number", "thousand_crew", "after_history", "escape_name",
                                  "tle_file_missing", "airlock_before_its_module", "ground_track_outside"])
def test_scenario_check_refuses_the_same(cli, assert_error, tmp_path, case):
    text, needles = CASES[case]
    f = tmp_path / "bad.toml"
    f.write_text(text)
    assert_error(cli("scenario", "check", f), "bad.toml", *needles)


def test_not_utf8(cli, assert_error, tmp_path):
    p = _run_file(cli, tmp_path, "", data=SHORT.encode() + b'description = "\xff\xfe"\n')
    assert_error(p, "bad.toml", "not UTF-8", "offset")


def test_utf16_file(cli, assert_error, tmp_path):
    assert_error(_run_file(cli, tmp_path, "", data=SHORT.encode("utf-16")), "bad.toml", "not UTF-8")


def test_nul_byte_in_file(cli, assert_error, tmp_path):
    assert_error(_run_file(cli, tmp_path, "", data=SHORT.encode() + b"\x00"), "bad.toml", "NUL")


def test_directory_as_scenario(cli, assert_error, tmp_path):
    (tmp_path / "d.toml").mkdir()
    assert_error(cli("run", tmp_path / "d.toml"), "not a regular file")


def test_nul_byte_in_scenario_path(cli, assert_error):
    assert_error(cli("run", "a\x00b.toml"), "NUL")


def test_sample_flag_refused_up_front(cli, assert_error, tmp_path):
    f = tmp_path / "ok.toml"
    f.write_text(SHORT)
    # 6.75 PiB of samples once; now refused before anything runs
    assert_error(cli("run", "shenzhou-14", "--sample-s", "1e-9", "--out", tmp_path / "o"), "--sample-s")
    assert_error(cli("run", f, "--sample-s", "0.01", "--out", tmp_path / "o"), "--sample-s", "samples per parameter")
    for bad in ("inf", "nan", "-5", "0"):
        assert_error(cli("run", f, "--sample-s", bad, "--out", tmp_path / "o"), "--sample-s")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("out, needle", [
    ("/dev/null/x", "not a directory"),
    ("FILE", "not a directory"),
    ("/proc/tiangong-no-such", "cannot create"),
    ("a" * 300, "longer than"),
    ("x\x00y", "NUL"),
])
def test_bad_output_directory(cli, assert_error, tmp_path, monkeypatch, out, needle):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "FILE").write_text("not a directory")
    f = tmp_path / "ok.toml"
    f.write_text(SHORT)
    assert_error(cli("run", f, "--out", out), "--out", needle)


def test_export_bad_output(cli, assert_error, tmp_path):
    (tmp_path / "FILE").write_text("x")
    assert_error(cli("export", tmp_path, "--parquet"), "not a complete run", "no status.json")
    assert_error(cli("export", "x\x00", "--parquet"), "NUL")
    # found by the CLI property test: a 300-character RUN_DIR raised OSError (name too long)
    assert_error(cli("export", "a" * 300, "--parquet"), "not a complete run", "name too long")
    assert_error(cli("export", "/" + "a/" * 3000, "--parquet"), "not a complete run")


def test_full_disk_is_one_line_and_keeps_nothing_mixed(cli, assert_error, tmp_path, monkeypatch):
    """A full disk while writing the outputs (simulated: the report's write raises ENOSPC)."""
    import errno
    import json

    from tiangong.report import html

    f = tmp_path / "ok.toml"
    f.write_text(SHORT)

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(html, "write_report", full)
    assert_error(cli("run", f, "--out", tmp_path / "o"), "--out", "no space left on the device")
    st = json.loads((tmp_path / "o" / "status.json").read_text())
    assert st["state"] == "failed" and "No space left" in st["reason"]
    assert_error(cli("export", tmp_path / "o", "--parquet"), "not a complete run", "a failed run")
