"""The live archive appender: batches equal to write_run, readers in other processes, kill -9."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import numpy as np
import pytest

from tiangong.archive import (
    ArchiveAppender,
    CommandRow,
    alarms,
    commands,
    connect,
    events,
    export_parquet,
    ground_track,
    read_run,
    run_info,
    write_run,
)
from tiangong.errors import InputError
from tiangong.record import AlarmRow, EventRow, GroundTrack, Parameter, RunRecord

EPOCH = dt.datetime(2022, 9, 17, 5, 35, 0, tzinfo=dt.timezone.utc)
END = EPOCH + dt.timedelta(days=2)
N = 3000
T = 0.25 + 10.0 * np.arange(N)   # s; not whole seconds
PARAMS = [
    Parameter("test.wave.sine_1", "1", "a sine", "test", -0.9, 0.9, -1.5, 1.5),
    Parameter("test.tank.mass_kg", "kg", "a ramp", "test", None, 2500.0, None, 3000.0),
    Parameter("eclss.cabin.ppco2_pa", "Pa", "noise", "eclss"),
]


def samples() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    gappy = rng.standard_normal(N) * 1e3 / 7.0  # arbitrary doubles: every bit must survive
    gappy[100:150] = np.nan
    return {
        "test.wave.sine_1": np.sin(2 * np.pi * T / 5400.0),
        "test.tank.mass_kg": 1000.0 + 0.5 * T,
        "eclss.cabin.ppco2_pa": gappy,
        "test.unlisted.value_1": np.cos(T / 1e3),  # sampled without a Parameter
    }


EVENTS = [
    EventRow(5.25, "eclipse.umbra_start", "orbit", ""),
    EventRow(5.25, "crew.arrive", "crew", "Shenzhou-14"),  # same time: keeps this order
    EventRow(9000.0, "fault.start", "scenario", "electrolyser_off"),
    EventRow(25000.0, "eclipse.umbra_end", "orbit", ""),
]
# the first alarm arrives open in an early batch and again with its clear time in a later one
ALARM_OPEN = AlarmRow(1000.25, "test.wave.sine_1", "warn", "hi", 0.9, 0.95, None)
ALARM_CLEARED = AlarmRow(1000.25, "test.wave.sine_1", "warn", "hi", 0.9, 0.95, 2200.25)
ALARM_OTHER = AlarmRow(1000.25, "test.tank.mass_kg", "limit", "hi", 3000.0, 3001.0, None)
ALARM_LATE = AlarmRow(26000.25, "eclss.cabin.ppco2_pa", "warn", "hi", 500.0, 510.0, 26100.25)


TRACK = GroundTrack(T[::6], np.linspace(-41.5, 41.5, 500), np.linspace(-180.0, 179.9, 500), np.full(500, 390e3),
                    np.linspace(0.0, 1.0, 500), np.arange(500) % 3 > 0, "SGP4 (synthetic)")


def equivalent_record() -> RunRecord:
    return RunRecord(
        "synthetic-live", EPOCH, END, PARAMS, T, samples(), EVENTS,
        [ALARM_CLEARED, ALARM_OTHER, ALARM_LATE], {"n_eclipses": 1, "worst": [1.5, None]}, ground_track=TRACK,
    )


def append_in_batches(path, bounds=(0, 700, 1400, 2100, N), **kw) -> ArchiveAppender:
    """The equivalent record fed as a live run would: samples, events and alarms per batch."""
    app = ArchiveAppender(path, PARAMS, "synthetic-live", EPOCH, END, **kw)
    values = samples()
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        app.add_samples(T[a:b], {n: v[a:b] for n, v in values.items()})
        app.add_events([e for e in EVENTS if T[a] <= e.t_s < (T[b] if b < N else np.inf)])
        if i == 0:
            app.add_alarms([ALARM_OPEN, ALARM_OTHER])
        if i == 1:
            app.add_alarms([ALARM_CLEARED])  # upsert of an alarm already in the file
        if i == 2:
            app.add_alarms([ALARM_LATE])
        if i == len(bounds) - 2:
            app.set_ground_track(TRACK)  # as the recorder does when the run finishes
        app.flush()
    return app


def table_rows(path, table: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("compact", [True, False])
def test_batches_read_back_exactly_as_write_run(tmp_path, compact):
    """Several flushes (one alarm updated across them), then close: what write_run gives."""
    ref = write_run(tmp_path / "ref.duckdb", equivalent_record())
    app = append_in_batches(tmp_path / "live.duckdb")
    path = app.close({"n_eclipses": 1, "worst": [1.5, None]}, compact=compact)
    got, want = read_run(path), read_run(ref)
    np.testing.assert_array_equal(got.t_s, want.t_s)
    assert sorted(got.samples) == sorted(want.samples)
    for name, v in want.samples.items():  # bit-identical, NaN included
        assert got.samples[name].tobytes() == v.tobytes(), name
    assert got.parameters == want.parameters
    assert got.events == want.events == sorted(EVENTS, key=lambda e: e.t_s)
    assert got.alarms == want.alarms  # the open alarm was replaced by its cleared version, in place
    assert got.summary == want.summary
    tables = ("parameters", "samples", "events", "alarms", "commands", "ground_track")
    assert len(table_rows(path, "ground_track")) == 500
    if compact:  # same physical layout as write_run: every table row for row (t included)
        for table in tables:
            assert table_rows(path, table) == table_rows(ref, table), table
    else:  # same rows, samples in flush order (batch, name, t_s)
        for table in tables:
            assert sorted(table_rows(path, table), key=repr) == sorted(table_rows(ref, table), key=repr), table
        rows = [r[:2] for r in table_rows(path, "samples")]
        assert rows != sorted(rows)
    info, ref_info = run_info(path), run_info(ref)
    assert info["status"] == ref_info["status"] == "complete"
    for k in ("scenario", "epoch", "end", "duration_s", "n_parameters", "n_times", "parent", "fork_t_s"):
        assert info[k] == ref_info[k], k


def test_compact_sorts_samples_even_when_batches_arrive_out_of_order(tmp_path):
    values = samples()
    app = ArchiveAppender(tmp_path / "a.duckdb", PARAMS, "s", EPOCH, END)
    for a, b in ((1500, N), (0, 1500)):  # later half first
        app.add_samples(T[a:b], {n: v[a:b] for n, v in values.items()})
        app.flush()
    path = app.close(compact=True)
    rows = [r[:2] for r in table_rows(path, "samples")]
    assert rows == sorted(rows) and len(rows) == N * len(values)
    got = read_run(path)
    for name, v in values.items():
        assert got.samples[name].tobytes() == v.tobytes()


def test_running_archive_is_readable_and_counts_batches(tmp_path):
    app = ArchiveAppender(tmp_path / "run", PARAMS, "s", EPOCH, END)
    info = run_info(tmp_path / "run")
    assert (info["status"], info["n_times"], info["summary"]) == ("running", 0, {})
    values = samples()
    app.add_samples(T[:10], {n: v[:10] for n, v in values.items()})
    assert app.pending and run_info(tmp_path / "run")["n_times"] == 0  # buffered, not written
    app.flush()
    assert not app.pending
    assert run_info(tmp_path / "run")["n_times"] == 10
    assert read_run(tmp_path / "run").samples["test.tank.mass_kg"].tolist() == (1000.0 + 0.5 * T[:10]).tolist()
    assert app.close() == tmp_path / "run" / "telemetry.duckdb"
    with pytest.raises(ValueError, match="closed"):
        app.add_samples(T[:1], {})


# ---------------------------------------------------------------------------- commands, forks


def test_commands_and_fork_origin_are_recorded(tmp_path):
    app = ArchiveAppender(tmp_path / "fork", PARAMS, "s", EPOCH, END, parent="runs/shenzhou-14", fork_t_s=86400.5)
    app.add_command(90000.0, "fault electrolyser_off 48h", "accepted", "electrolyser off until 2022-09-20T05:35Z")
    app.flush()
    assert commands(tmp_path / "fork") == [
        CommandRow(90000.0, "fault electrolyser_off 48h", "accepted", "electrolyser off until 2022-09-20T05:35Z")
    ]
    app.add_command(90000.0, "eva start", "refused", "an EVA is\nunder way")  # same time: order kept
    app.add_command(95000.25, "reboost 2 m/s", "refused", "no propellant")
    path = app.close()
    assert commands(path) == [
        CommandRow(90000.0, "fault electrolyser_off 48h", "accepted", "electrolyser off until 2022-09-20T05:35Z"),
        CommandRow(90000.0, "eva start", "refused", "an EVA is under way"),
        CommandRow(95000.25, "reboost 2 m/s", "refused", "no propellant"),
    ]
    info = run_info(path)
    assert (info["parent"], info["fork_t_s"], info["status"]) == ("runs/shenzhou-14", 86400.5, "complete")
    with connect(path) as con:  # the time rule of every table: t = epoch + round(t_s * 1e6) us
        t = con.execute("SELECT t FROM commands WHERE t_s = 95000.25").fetchall()[0][0]
    assert t == EPOCH + dt.timedelta(seconds=95000, microseconds=250000)


def test_write_run_archive_has_no_commands_and_no_parent(tmp_path):
    path = write_run(tmp_path, equivalent_record())
    info = run_info(path)
    assert (info["parent"], info["fork_t_s"], info["status"]) == (None, None, "complete")
    assert commands(path) == []


def test_archive_from_before_commands_still_reads(tmp_path):
    path = write_run(tmp_path, equivalent_record())
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE commands")
    con.execute("DROP TABLE ground_track")  # newer still than commands
    for col in ("parent", "fork_t_s", "status"):
        con.execute(f"ALTER TABLE run DROP COLUMN {col}")
    con.close()
    info = run_info(path)
    assert (info["parent"], info["fork_t_s"], info["status"]) == (None, None, "complete")
    assert commands(path) == [] and len(events(path)) == len(EVENTS)
    assert ground_track(path) is None and read_run(path).ground_track is None  # no map, no error
    assert [p.stem for p in export_parquet(tmp_path)] == ["run", "parameters", "samples", "events", "alarms"]


# ---------------------------------------------------------------------------- input errors


def test_existing_archive_is_refused_unless_replaced(tmp_path):
    write_run(tmp_path, equivalent_record())
    with pytest.raises(InputError, match="already exists"):
        ArchiveAppender(tmp_path, PARAMS, "s", EPOCH, END)
    assert run_info(tmp_path)["scenario"] == "synthetic-live"  # untouched
    ArchiveAppender(tmp_path, PARAMS, "new", EPOCH, END, replace=True).close()
    assert run_info(tmp_path)["scenario"] == "new" and read_run(tmp_path).events == []


def test_bad_input(tmp_path):
    with pytest.raises(InputError, match="naive"):
        ArchiveAppender(tmp_path / "a.duckdb", PARAMS, "s", dt.datetime(2022, 9, 17), END)
    app = ArchiveAppender(tmp_path / "b.duckdb", PARAMS, "s", EPOCH, END)
    with pytest.raises(ValueError, match="has 2 values but t_s has 3"):
        app.add_samples(T[:3], {"new.name.value_1": np.zeros(3), "test.wave.sine_1": np.zeros(2)})
    with pytest.raises(ValueError, match="non-finite"):
        app.add_samples(np.array([0.0, np.nan]), {"test.wave.sine_1": np.zeros(2)})
    assert not app.pending  # a refused batch buffers nothing


# ---------------------------------------------------------------------------- other processes

READER = textwrap.dedent(
    """
    import sys, time
    import duckdb
    path = sys.argv[1]
    last, deadline = None, time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            con = duckdb.connect(path, read_only=True)
        except duckdb.Error as exc:          # the writer holds the file during a flush
            assert "lock" in str(exc).lower(), exc
            time.sleep(0.005)
            continue
        try:
            n = con.execute("SELECT count(*) FROM samples").fetchall()[0][0]
            status = con.execute("SELECT status FROM run").fetchall()[0][0]
        finally:
            con.close()
        if (n, status) != last:
            print(n, status, flush=True)
            last = (n, status)
        if status == "complete":
            break
        time.sleep(0.005)
    """
)


def test_reader_in_another_process_sees_the_file_grow(tmp_path):
    path = tmp_path / "live.duckdb"
    app = ArchiveAppender(path, PARAMS, "s", EPOCH, END)
    values = samples()
    reader = subprocess.Popen([sys.executable, "-c", READER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        seen = [reader.stdout.readline().split()]
        batch = 500
        for k, a in enumerate(range(0, N, batch), start=1):
            app.add_samples(T[a : a + batch], {n: v[a : a + batch] for n, v in values.items()})
            app.flush()
            while int(seen[-1][0]) < k * batch * len(values):  # wait until the reader sees this batch
                seen.append(reader.stdout.readline().split())
                assert seen[-1], "reader exited early"
        app.close()
        seen += [line.split() for line in reader.stdout]
        assert reader.wait(timeout=30) == 0
    finally:
        reader.kill()
    counts = [int(n) for n, _ in seen]
    rows_per_batch = batch * len(values)
    assert counts[0] == 0 and counts == sorted(counts)
    assert set(range(0, N * len(values) + 1, rows_per_batch)) <= set(counts)  # every batch seen...
    assert all(c % rows_per_batch == 0 for c in counts)                       # ...and never part of one
    assert [s for _, s in seen][-1] == "complete" and {s for _, s in seen[:-1]} == {"running"}


HOLDER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    print("holding", flush=True)
    sys.stdin.read()
    con.close()
    """
)


def test_a_reader_holding_the_file_delays_flushes_without_losing_data(tmp_path):
    path = tmp_path / "live.duckdb"
    app = ArchiveAppender(path, PARAMS, "s", EPOCH, END, min_interval_s=0.0, lock_timeout_s=0.2)
    values = samples()
    app.add_samples(T[:100], {n: v[:100] for n, v in values.items()})
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert app.maybe_flush() is False  # does not wait
        with pytest.raises(InputError, match="held open by a reader"):
            app.flush()
        assert app.pending
    finally:
        holder.communicate("", timeout=30)
    assert app.maybe_flush() is True and not app.pending
    with connect(path) as con:  # a connection of this process blocks it the same way
        app.add_samples(T[100:101], {n: v[100:101] for n, v in values.items()})
        with pytest.raises(InputError, match="held open by a reader"):
            app.flush()
        assert con.execute("SELECT count(*) FROM samples").fetchall()[0][0] == 100 * len(values)
    app.flush()
    assert read_run(app.close()).samples["test.tank.mass_kg"].tobytes() == values["test.tank.mass_kg"][:101].tobytes()


def test_maybe_flush_waits_for_the_interval_or_a_full_buffer(tmp_path):
    values = samples()
    app = ArchiveAppender(tmp_path / "a.duckdb", PARAMS, "s", EPOCH, END, min_interval_s=3600.0, max_buffer_rows=1000)
    assert app.maybe_flush() is False  # nothing buffered
    app.add_samples(T[:100], {n: v[:100] for n, v in values.items()})  # 400 rows
    assert app.maybe_flush() is False and app.pending
    app.add_samples(T[100:200], {n: v[100:200] for n, v in values.items()})
    app.add_samples(T[200:300], {n: v[200:300] for n, v in values.items()})  # 1200 rows
    assert app.maybe_flush() is True and run_info(tmp_path / "a.duckdb")["n_times"] == 300
    app.close()


WRITER = textwrap.dedent(
    """
    import datetime as dt, sys
    import numpy as np
    from tiangong.archive import ArchiveAppender
    from tiangong.record import AlarmRow, EventRow, Parameter
    path, per = sys.argv[1], int(sys.argv[2])
    names = [f"test.p{i}.value_1" for i in range(5)]
    epoch = dt.datetime(2022, 9, 17, tzinfo=dt.timezone.utc)
    app = ArchiveAppender(path, [Parameter(n, "1", "", "test") for n in names], "kill", epoch,
                          epoch + dt.timedelta(days=30))
    for k in range(10_000):
        t = (k * per + np.arange(per)) * 1.0
        app.add_samples(t, {n: np.sin(t * (i + 1)) for i, n in enumerate(names)})
        app.add_events([EventRow(float(t[0]), "batch.start", "test", str(k))])
        app.add_command(float(t[0]), f"cmd {k}", "accepted", "")
        app.add_alarms([AlarmRow(float(t[0]), names[0], "warn", "hi", 0.5, 0.6, None)])
        if k:  # the previous batch's alarm clears now: an update of a row already in the file
            app.add_alarms([AlarmRow(float(t[0] - per), names[0], "warn", "hi", 0.5, 0.6, float(t[0]))])
        app.flush()
        print(k, flush=True)
    """
)


def test_kill_9_leaves_every_flushed_batch_and_no_partial_one(tmp_path):
    rng = random.Random(20221129)
    per, n_names = 4000, 5
    started = time.monotonic()
    for trial in range(5):
        path = tmp_path / f"killed{trial}.duckdb"
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(per)], stdout=subprocess.PIPE, text=True
        )
        try:
            wanted = rng.randint(1, 6)  # batches to see reported, then a random moment inside the next ones
            reported = -1
            while reported + 1 < wanted:
                line = writer.stdout.readline()
                assert line, "writer died"
                reported = int(line)
            time.sleep(rng.uniform(0.0, 0.15))
        finally:
            os.kill(writer.pid, signal.SIGKILL)
            writer.wait(timeout=30)
        reported = max([reported] + [int(line) for line in writer.stdout.read().split()])
        assert writer.returncode == -signal.SIGKILL

        rec = read_run(path)  # opens read-only, replaying the WAL if the kill left one
        b = len(rec.t_s) // per
        assert b >= reported + 1, (trial, b, reported)
        np.testing.assert_array_equal(rec.t_s, np.arange(b * per) * 1.0)  # whole batches only
        for i, name in enumerate(sorted(rec.samples)):
            np.testing.assert_array_equal(rec.samples[name], np.sin(rec.t_s * (i + 1)))
        assert len(rec.samples) == n_names
        assert [e.detail for e in rec.events] == [str(k) for k in range(b)]
        assert [c.command for c in commands(path)] == [f"cmd {k}" for k in range(b)]
        alms = alarms(path)
        assert [a.t_s for a in alms] == [k * per * 1.0 for k in range(b)]
        assert [a.cleared_t_s for a in alms] == [(k + 1) * per * 1.0 for k in range(b - 1)] + [None]
        info = run_info(path)
        assert (info["status"], info["n_times"]) == ("running", b * per)
    assert time.monotonic() - started < 60
