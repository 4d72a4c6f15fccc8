"""``tiangong fork`` through the real entry point: a fork with no commands reproduces its parent,
a command changes the future only, the report overlays the parent, bad input is one line."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tiangong.archive import commands, read_run, run_info

CLI = [sys.executable, "-c", "from tiangong.cli import main; main()"]
SCENARIO = """name = "fork-me"
start = "2022-06-10T00:00:00Z"
end = "2022-06-13T00:00:00Z"
"""


def _run(*args, timeout=300):
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def parent(tmp_path_factory):
    d = tmp_path_factory.mktemp("fork")
    f = d / "fork-me.toml"
    f.write_text(SCENARIO)
    r = _run("run", f, "--out", d / "parent", "--json")
    assert r.returncode == 0, r.stderr
    return d


def _summary(path):
    s = json.loads((path / "summary.json").read_text())
    s.pop("wall_time_s")
    return s


def test_fork_without_commands_reproduces_the_parent(parent):
    r = _run("fork", parent / "parent", "--at", "2022-06-11T10:00:00Z", "--out", parent / "same", "--json")
    assert r.returncode == 0, r.stderr
    assert _summary(parent / "same") == _summary(parent / "parent")
    a, b = read_run(parent / "parent"), read_run(parent / "same")
    for name in a.samples:
        np.testing.assert_array_equal(a.samples[name], b.samples[name])
    desc = json.loads((parent / "same" / "run.json").read_text())
    assert desc["parent"] == str(parent / "parent") and desc["fork_t_s"] == 34 * 3600.0


def test_fork_with_a_command_changes_only_the_future(parent):
    r = _run("fork", parent / "parent", "--at", "2022-06-11T10:00:00Z", "--command", "fault co2_removal_off 6h",
             "--out", parent / "co2", "--json")
    assert r.returncode == 0, r.stderr
    a, b = read_run(parent / "parent"), read_run(parent / "co2")
    t_fork = 34 * 3600.0
    co2a, co2b = a.samples["eclss.cabin.ppco2_pa"], b.samples["eclss.cabin.ppco2_pa"]
    before = a.t_s <= t_fork
    np.testing.assert_array_equal(co2a[before], co2b[before])
    assert co2b[~before].max() > co2a[~before].max() + 100.0  # CO2 builds up without removal
    html = (parent / "co2" / "report.html").read_text()
    assert '"name":"parent"' in html  # the parent drawn beneath each series
    assert "<b>Fork of</b>" in html and "2022-06-11T10:00:00Z" in html
    info = run_info(parent / "co2")  # the archive says where it came from and what was commanded
    assert info["parent"] == str(parent / "parent") and info["fork_t_s"] == t_fork
    assert [(c.t_s, c.command, c.outcome) for c in commands(parent / "co2")] == [(t_fork, "fault co2_removal_off 6h", "accepted")]
    rec = b  # read_run gives the whole record back: the fork header of a re-rendered report needs it
    assert rec.parent == str(parent / "parent") and rec.fork_t_s == t_fork
    assert [(c.t_s, c.command) for c in rec.commands] == [(t_fork, "fault co2_removal_off 6h")]
    desc = json.loads((parent / "co2" / "run.json").read_text())
    assert desc["commands"][0]["command"] == "fault co2_removal_off 6h"
    assert desc["commands"][0]["outcome"] == "accepted" and desc["commands"][0]["t_s"] == t_fork


@pytest.mark.parametrize(("args", "expect"), [
    (["--at", "2030-01-01T00:00:00Z"], "--at: outside the scenario window"),
    (["--at", "2022-06-11T10:00:00Z", "--command", "fault warp_core_breach"], "fault needs a kind"),
    (["--at", "2022-06-11T10:00:00Z", "--command", "clear cabin_leak"], "refused"),
])
def test_fork_bad_input_one_line_exit_2(parent, args, expect):
    r = _run("fork", parent / "parent", *args, "--out", parent / "bad")
    assert r.returncode == 2
    assert r.stderr.startswith("error: ") and expect in r.stderr and r.stderr.count("\n") == 1, r.stderr


def test_fork_refuses_a_directory_that_is_not_a_run(tmp_path):
    r = _run("fork", tmp_path, "--at", "2022-06-11T10:00:00Z")
    assert r.returncode == 2 and "not a complete run" in r.stderr and r.stderr.count("\n") == 1
