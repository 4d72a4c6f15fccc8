"""Run directories under abuse, through the CLI: ``kill -9`` at random moments of a run (20 times)
and two runs into one directory at once.  Never a mixed directory, always a clear status."""

import json
import os
import random
import signal
import subprocess
import sys
import time

from tiangong import rundir

CLI = [sys.executable, "-c", "from tiangong.cli import main; main()"]

ONE_DAY = """name = "one-day"
start = "2022-11-29T00:00:00Z"
end = "2022-11-30T00:00:00Z"
sample_s = 600
"""


def _check_target(out):
    """The target is absent or one complete run whose files all match its status.json."""
    if not out.exists():
        return None
    st = json.loads((out / "status.json").read_text())
    assert st["state"] == "complete", st
    assert set(st["files"]) == {"telemetry.duckdb", "summary.json", "run.json", "report.html"}
    for name, meta in st["files"].items():
        assert rundir._sha256(out / name) == meta["sha256"], f"{name} is not the file its run wrote"
    assert set(p.name for p in out.iterdir()) == {"status.json", *st["files"]}
    return st


def _check_leftovers(parent, out):
    """Anything else beside the target is a temporary directory that says what it is and is refused."""
    for d in parent.iterdir():
        if not d.name.startswith(out.name + "."):
            continue  # the target itself, its lock, another target
        assert d.name.startswith(out.name + ".partial-") or d.name.startswith(out.name + ".old-"), d
        state, _ = rundir.describe(d)
        assert state in ("interrupted", "complete", "not-a-run"), (d, state)
        if state != "complete":
            p = subprocess.run(CLI + ["export", str(d), "--parquet"], capture_output=True, text=True, timeout=120)
            assert p.returncode == 2 and "not a complete run" in p.stderr, p.stderr


def _kill_lane(tmp_path, f, out, full_s, seed, kills):
    """``kills`` runs into ``out``, each killed with SIGKILL at a random moment; checked after each."""
    rng = random.Random(seed)
    first = _check_target(out)
    kept = 0
    for _ in range(kills):
        proc = subprocess.Popen(CLI + ["run", str(f), "--out", str(out), "--json", "--force"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.1) * full_s)  # from the engine's start to after the final rename
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        st = _check_target(out)
        assert st is not None, "a complete run never disappears"
        kept += st["pid"] == first["pid"]
        first = st
        _check_leftovers(tmp_path, out)
    return kept


def test_kill_9_at_random_moments(tmp_path):
    f = tmp_path / "one.toml"
    f.write_text(ONE_DAY)
    out = tmp_path / "out"
    t0 = time.perf_counter()
    p = subprocess.run(CLI + ["run", str(f), "--out", str(out), "--json"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    full_s = time.perf_counter() - t0
    kept = _kill_lane(tmp_path, f, out, full_s, 9, 20)
    print(f"kill -9 x20 (run {full_s:.1f} s): previous run kept {kept}, new run complete {20 - kept}")
    # the next run cleans the leftovers of the killed ones and completes
    p = subprocess.run(CLI + ["run", str(f), "--out", str(out), "--json", "--force"], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    _check_target(out)
    assert sorted(d.name for d in tmp_path.iterdir()) == [".out.lock", "one.toml", "out"]


def test_two_runs_into_one_directory(tmp_path):
    f = tmp_path / "one.toml"
    f.write_text(ONE_DAY)
    out = tmp_path / "out"
    cmd = CLI + ["run", str(f), "--out", str(out), "--json"]
    a = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    b = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ra, rb = a.communicate(timeout=300), b.communicate(timeout=300)
    codes = sorted([a.returncode, b.returncode])
    assert codes == [0, 2], (ra, rb)
    loser = ra if a.returncode == 2 else rb
    lines = loser[1].strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --out:"), loser[1]
    assert "being written by another run (pid" in lines[0] or "already holds a complete run" in lines[0]
    winner = ra if a.returncode == 0 else rb
    st = _check_target(out)
    assert json.loads((out / "summary.json").read_text()) == json.loads(winner[0])
    assert st["pid"] == (a.pid if a.returncode == 0 else b.pid)


def test_two_forced_runs_at_once_leave_one_whole_run(tmp_path):
    f = tmp_path / "one.toml"
    f.write_text(ONE_DAY)
    out = tmp_path / "out"
    cmd = CLI + ["run", str(f), "--out", str(out), "--json", "--force"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    res = [p.communicate(timeout=300) for p in procs]
    ok = [p for p in procs if p.returncode == 0]
    assert len(ok) >= 1 and all(p.returncode in (0, 2) for p in procs), res
    for p, (o, e) in zip(procs, res):
        if p.returncode == 2:
            assert "being written by another run (pid" in e, e
    st = _check_target(out)
    assert st["pid"] in {p.pid for p in ok}
    assert os.listdir(tmp_path).count("out") == 1


def test_sigterm_and_ctrl_c_leave_a_failed_status_with_the_reason(tmp_path):
    f = tmp_path / "month.toml"
    f.write_text(ONE_DAY.replace("2022-11-30", "2022-12-20"))  # a longer engine run to interrupt
    out = tmp_path / "out"
    for sig in (signal.SIGTERM, signal.SIGINT):
        proc = subprocess.Popen(CLI + ["run", str(f), "--out", str(out), "--json", "--force"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # the run has begun: its own partial directory (a failed run's may still lie beside it)
        while not (tmp_path / f"out.partial-{proc.pid}").exists():
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 130 and err.strip() == f"error: interrupted ({sig.name})", err
        st = json.loads((out / "status.json").read_text())
        assert st["state"] == "failed" and st["reason"] == f"interrupted ({sig.name})"
        assert rundir.describe(out)[0] == "failed"


def test_real_full_disk_on_a_small_tmpfs(tmp_path):
    """A 2 MiB tmpfs (mounting needs root with CAP_SYS_ADMIN; the monkeypatched ENOSPC test in
    tests/cli/test_cli_bad_input.py covers the rest): one line, and a failed status with the reason."""
    import pytest

    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2M", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN)")
    try:
        f = tmp_path / "one.toml"
        f.write_text(ONE_DAY)
        p = subprocess.run(CLI + ["run", str(f), "--out", str(mnt / "run"), "--json"], capture_output=True,
                           text=True, timeout=300)
        assert p.returncode == 2 and p.stderr.strip().endswith("no space left on the device"), p.stderr
        assert len(p.stderr.strip().splitlines()) == 1
        st = json.loads((mnt / "run" / "status.json").read_text())
        assert st["state"] == "failed" and "No space left" in st["reason"]
        assert sorted(x.name for x in (mnt / "run").iterdir()) == ["status.json"]  # no partial outputs
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)
