"""Run directories (tiangong.rundir): never mixed, always a clear status, exclusive, crash-safe."""

import errno
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tiangong import rundir
from tiangong.errors import InputError
from tiangong.record import Parameter, RunRecord
import datetime as dt


def _record(summary=None):
    t = np.arange(0.0, 3600.0, 600.0)
    return RunRecord("unit", dt.datetime(2022, 11, 29, tzinfo=dt.timezone.utc),
                     dt.datetime(2022, 11, 29, 1, tzinfo=dt.timezone.utc),
                     [Parameter("crew.count", "1", "crew aboard", "crew")], t, {"crew.count": np.full(t.size, 3.0)},
                     summary={"margins": {"x": 1.0}} if summary is None else summary)


def _consistent(d):
    st = json.loads((d / "status.json").read_text())
    assert st["state"] == "complete"
    for name, meta in st["files"].items():
        assert rundir._sha256(d / name) == meta["sha256"], name
    assert set(st["files"]) == {"telemetry.duckdb", "summary.json", "run.json", "report.html"}
    return st


def test_write_and_describe(tmp_path):
    out = tmp_path / "run"
    paths = rundir.write_run_dir(out, _record())
    assert paths["summary"] == out / "summary.json"
    _consistent(out)
    assert rundir.describe(out)[0] == "complete"
    assert rundir.require_complete(out) == out
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("run.")] == []


def test_complete_needs_force_and_force_swaps_whole(tmp_path):
    out = tmp_path / "run"
    rundir.write_run_dir(out, _record({"n": 1.0}))
    with pytest.raises(InputError, match="--force"):
        rundir.write_run_dir(out, _record({"n": 2.0}))
    assert json.loads((out / "summary.json").read_text()) == {"n": 1.0}
    rundir.write_run_dir(out, _record({"n": 2.0}), force=True)
    assert json.loads((out / "summary.json").read_text()) == {"n": 2.0}
    _consistent(out)


def test_foreign_directory_never_replaced(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    for force in (False, True):
        with pytest.raises(InputError, match="not a run directory"):
            rundir.write_run_dir(tmp_path, _record(), force=force)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_failure_keeps_the_previous_run(tmp_path, monkeypatch):
    out = tmp_path / "run"
    rundir.write_run_dir(out, _record({"n": 1.0}))
    from tiangong.report import html

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(html, "write_report", full)
    with pytest.raises(InputError, match="no space left on the device"):
        rundir.write_run_dir(out, _record({"n": 2.0}), force=True)
    assert json.loads((out / "summary.json").read_text()) == {"n": 1.0}
    _consistent(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".run.lock", "run"]


def test_failure_into_a_new_directory_leaves_a_failed_status(tmp_path, monkeypatch):
    out = tmp_path / "run"
    from tiangong import archive

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(archive, "write_run", full)
    with pytest.raises(InputError, match="no space left"):
        rundir.write_run_dir(out, _record())
    st = json.loads((out / "status.json").read_text())
    assert st["state"] == "failed" and "space" in st["reason"]
    state, why = rundir.describe(out)
    assert state == "failed"
    with pytest.raises(InputError, match="not a complete run: a failed run"):
        rundir.require_complete(out)
    monkeypatch.undo()
    rundir.write_run_dir(out, _record())  # a failed run is replaced without --force
    _consistent(out)


def test_nan_in_summary_is_refused(tmp_path):
    with pytest.raises(InputError, match="margins.x is not finite"):
        rundir.write_run_dir(tmp_path / "run", _record({"margins": {"x": float("nan")}}))
    assert not (tmp_path / "run").exists()


def test_lock_names_the_holder(tmp_path):
    out = tmp_path / "run"
    with rundir.RunDir(out, "first") as rd:
        st = json.loads((rd.path / "status.json").read_text())
        assert st["state"] == "running" and st["pid"] == os.getpid()
        code = ("import sys; from tiangong import rundir; from tiangong.errors import InputError\n"
                f"try:\n    rundir.RunDir({str(out)!r}).__enter__()\nexcept InputError as e:\n    print(e)")
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert f"being written by another run (pid {os.getpid()} on" in p.stdout, p
        assert "started 20" in p.stdout
        # a half-written directory is never mistaken for a run
        with pytest.raises(InputError, match="a run is still writing it"):
            rundir.require_complete(rd.path)
        (rd.path / "summary.json").write_text("{}")
    assert rundir.describe(out)[0] == "complete"


def test_stale_leftovers_of_dead_pids_are_cleaned(tmp_path):
    out = tmp_path / "run"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    part = tmp_path / f"run.partial-{dead}"
    part.mkdir()
    import socket

    (part / "status.json").write_text(json.dumps({"format": rundir.FORMAT, "state": "running", "pid": int(dead),
                                                  "host": socket.gethostname(), "started": "2026-01-01T00:00:00Z"}))
    (part / "summary.json").write_text("{half")
    assert rundir.describe(part)[0] == "interrupted"
    with pytest.raises(InputError, match="interrupted run"):
        rundir.require_complete(part)
    # a stale lock file naming a dead pid does not block (flock is released by the kernel)
    (tmp_path / ".run.lock").write_text(json.dumps({"pid": int(dead), "host": "x", "started": "y"}))
    rundir.write_run_dir(out, _record())
    assert not part.exists()
    _consistent(out)


def test_exchange_fallback(tmp_path, monkeypatch):
    monkeypatch.setattr(rundir, "_exchange", lambda a, b: False)
    out = tmp_path / "run"
    rundir.write_run_dir(out, _record({"n": 1.0}))
    rundir.write_run_dir(out, _record({"n": 2.0}), force=True)
    assert json.loads((out / "summary.json").read_text()) == {"n": 2.0}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".run.lock", "run"]


@pytest.mark.parametrize("bad, needle", [("", "empty"), ("a\x00b", "NUL"), ("x" * 300, "longer than")])
def test_bad_paths(bad, needle):
    with pytest.raises(InputError, match=needle):
        rundir.check_out_path(bad)
