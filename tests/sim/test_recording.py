"""The archive written while a live run goes: equal to the batch archive, readable while it grows,
and intact after kill -9 of the writer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import tiangong as tg
from tiangong.archive import commands as archive_commands
from tiangong.archive import read_run, run_info

SC = {"name": "rec", "start": "2022-06-10T00:00:00Z", "end": "2022-06-14T00:00:00Z"}


def test_live_archive_equals_the_batch_archive(tmp_path, live_and_batch_archives):
    a, b, _ = live_and_batch_archives(tg.Scenario.from_dict(SC))
    assert a.events == b.events
    assert a.alarms == b.alarms
    assert run_info(tmp_path / "live")["status"] == "complete"


WRITER = """
import sys, tiangong as tg
sc = tg.Scenario.from_dict({"name": "rec", "start": "2022-06-10T00:00:00Z", "end": "2022-09-10T00:00:00Z"})
sim = tg.Simulation(sc)
sim.record(sys.argv[1], min_interval_s=0.0)
import datetime as dt
t = sc.start
while not sim.finished:
    t += dt.timedelta(days=1)
    sim.advance(min(t, sc.end))
    if t == sc.start + dt.timedelta(days=3):
        sim.command("fault co2_removal_off 6h")
    print(sim.t_s, flush=True)
sim.result()
print("done", flush=True)
"""


def _count(path):
    code = ("import sys, duckdb\n"
            "for _ in range(200):\n"
            "    try:\n"
            "        con = duckdb.connect(sys.argv[1], read_only=True); break\n"
            "    except duckdb.Error:\n"
            "        import time; time.sleep(0.02)\n"
            "print(con.execute('select count(*) from samples').fetchone()[0]); con.close()")
    r = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return int(r.stdout)


def test_another_process_sees_the_archive_grow_and_kill_9_leaves_it_readable(tmp_path):
    out = tmp_path / "run"
    p = subprocess.Popen([sys.executable, "-c", WRITER, str(out)], stdout=subprocess.PIPE, text=True)
    counts, days = [], 0
    try:
        for line in p.stdout:
            days += 1
            if days in (10, 20, 30):
                counts.append(_count(out / "telemetry.duckdb"))
            if days == 40:
                os.kill(p.pid, signal.SIGKILL)
                break
    finally:
        p.kill()
        p.wait()
    assert counts == sorted(counts) and counts[0] > 0 and counts[-1] > counts[0], counts
    # killed mid-run: the file opens, holds at least what the reader saw, and says it is not complete
    info = run_info(out)
    assert info["status"] == "running"
    rec = read_run(out)
    n = sum(v.size for v in rec.samples.values())
    assert n >= counts[-1]
    assert np.all(np.isfinite(rec.samples["eclss.cabin.ppo2_pa"]))
    cmds = archive_commands(out)
    assert [c.command for c in cmds] == ["fault co2_removal_off 6h"] and cmds[0].outcome == "accepted"
    assert cmds[0].t_s == 3 * 86400.0
    # the whole record reads back with the run's commands (the report of a re-rendered run shows them)
    assert [(c.t_s, c.command, c.outcome) for c in rec.commands] == [(3 * 86400.0, "fault co2_removal_off 6h", "accepted")]
    assert rec.parent is None and rec.fork_t_s is None


def test_live_recording_refuses_an_unreasonable_sample_interval_up_front(tmp_path):
    """As the batch result does (validation.check_sample_count): one InputError naming the field,
    not an attempt to allocate a 100-GiB grid."""
    from tiangong.errors import InputError
    from tiangong.sim.live import Simulation

    sim = Simulation("shenzhou-14")
    with pytest.raises(InputError, match="sample_s"):
        sim.record(tmp_path / "telemetry.duckdb", sample_s=1e-3)
