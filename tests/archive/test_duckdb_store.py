"""The DuckDB telemetry archive against a synthetic run whose values are known analytically."""

from __future__ import annotations

import datetime as dt
import json
import math

import duckdb
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tiangong.archive import (
    DB_NAME,
    TABLES,
    alarms,
    buckets,
    connect,
    db_path,
    events,
    export_parquet,
    ground_track,
    latest,
    parameters,
    read_run,
    read_series,
    run_info,
    write_run,
)
from tiangong.errors import InputError
from tiangong.record import AlarmRow, EventRow, GroundTrack, Parameter, RunRecord
from tiangong.timeutil import at_seconds

EPOCH = dt.datetime(2022, 9, 17, 5, 35, 0, tzinfo=dt.timezone.utc)
N = 4000          # samples per parameter
STEP = 10.0       # s
OFFSET = 0.25     # s; sample times are not whole seconds
PERIOD = 5400.0   # s, period of the sine


def t_grid() -> np.ndarray:
    return OFFSET + STEP * np.arange(N)


def sine(t):
    return np.sin(2 * np.pi * np.asarray(t, dtype=np.float64) / PERIOD)


def ramp(t):
    return 1000.0 + 0.5 * np.asarray(t, dtype=np.float64)


def make_track() -> GroundTrack:
    """A known track: a 41.5-deg sine in latitude, longitude wrapping at +-180, partial sunlight
    and contact windows, times not on whole seconds."""
    t = OFFSET + 60.0 * np.arange(1441)
    lon = (t * 360.0 / 5540.0 - 4.0 * t / 86400.0) % 360.0 - 180.0
    return GroundTrack(t, 41.5 * np.sin(2 * np.pi * t / 5540.0), lon, 390e3 + 1e3 * np.cos(t / 900.0),
                       np.clip(1.5 * np.cos(2 * np.pi * t / 5540.0) + 0.6, 0.0, 1.0), (t % 3000.0) < 2000.0,
                       "SGP4, drag-free, TLE epoch 2022-09-16T10:00:00Z")


def make_record() -> RunRecord:
    t = t_grid()
    gappy = sine(t) * 7.0
    gappy[100:150] = np.nan
    params = [
        Parameter("test.wave.sine_1", "1", "a sine", "test", -0.9, 0.9, -1.5, 1.5),
        Parameter("test.tank.mass_kg", "kg", "a linear ramp", "test", None, 2500.0, None, 3000.0),
        Parameter("test.crew.count", "1", "constant three", "test"),
        Parameter("test.wave.gappy_1", "1", "a sine with a gap", "test", limit_lo=-10.0),
        Parameter("eclss.cabin.ppco2_pa", "Pa", "cabin CO2 partial pressure", "eclss", None, 530.0, None, 700.0),
    ]
    samples = {
        "test.wave.sine_1": sine(t),
        "test.tank.mass_kg": ramp(t),
        "test.crew.count": np.full(N, 3, dtype=np.int64),  # ints are stored as DOUBLE
        "test.wave.gappy_1": gappy,
        "eclss.cabin.ppco2_pa": 400.0 + 50.0 * sine(t + 77.0),
    }
    evs = [EventRow(float(x), "eclipse.umbra_start", "orbit", "enter umbra") for x in np.arange(3000.0, t[-1], PERIOD)]
    evs += [EventRow(float(x), "eclipse.umbra_end", "orbit", "leave umbra") for x in np.arange(5000.0, t[-1], PERIOD)]
    evs += [
        EventRow(1234.5, "crew.arrive", "scenario", "Shenzhou-15: 3 crew"),
        EventRow(1234.5, "docking", "traffic", "same time as the arrival; order kept"),
        EventRow(20000.0, "fault.start", "eclss", "CO2 scrubber 'A' fails"),
        EventRow(25000.0, "fault.end", "eclss", ""),
    ]
    als = [
        AlarmRow(20010.25, "eclss.cabin.ppco2_pa", "warn", "hi", 530.0, 531.5, 24000.25),
        AlarmRow(21000.25, "eclss.cabin.ppco2_pa", "limit", "hi", 700.0, 702.0, None),
    ]
    summary = {
        "margins": {"eclss.cabin.ppco2_pa": np.float64(-2.0)},
        "n_eclipses": np.int64(7),
        "worst": [1.5, float("nan")],
        "end": EPOCH + dt.timedelta(days=1),
    }
    return RunRecord(
        scenario="synthetic-test",
        epoch=EPOCH,
        end=at_seconds(EPOCH, float(t[-1])),
        parameters=params,
        t_s=t,
        samples=samples,
        events=evs,
        alarms=als,
        summary=summary,
        ground_track=make_track(),
    )


@pytest.fixture(scope="module")
def record() -> RunRecord:
    return make_record()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, record):
    d = tmp_path_factory.mktemp("run")
    path = write_run(d, record)
    assert path == d / DB_NAME
    return d


# ---------------------------------------------------------------------------- write / layout


def test_tables_and_row_counts(run_dir, record):
    with connect(run_dir) as con:
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert set(TABLES) <= names
        assert con.execute("SELECT count(*) FROM samples").fetchall()[0][0] == len(record.samples) * N
        assert con.execute("SELECT count(*) FROM parameters").fetchall()[0][0] == len(record.parameters)
        assert con.execute("SELECT count(*) FROM events").fetchall()[0][0] == len(record.events)
        assert con.execute("SELECT count(*) FROM alarms").fetchall()[0][0] == len(record.alarms)
        assert con.execute("SELECT count(*) FROM run").fetchall()[0][0] == 1
        assert con.execute("SELECT count(*) FROM ground_track").fetchall()[0][0] == 1441
        types = dict(con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'samples'"
        ).fetchall())
    assert types == {"name": "VARCHAR", "t_s": "DOUBLE", "t": "TIMESTAMP WITH TIME ZONE", "value": "DOUBLE"}


def test_samples_stored_sorted_by_name_then_time(run_dir):
    with connect(run_dir) as con:
        got = con.execute("SELECT name, t_s FROM samples ORDER BY rowid").fetchall()
    assert got == sorted(got)


def test_every_sample_round_trips_exactly(run_dir, record):
    for name, values in record.samples.items():
        t, v = read_series(run_dir, name)
        np.testing.assert_array_equal(t, record.t_s)
        np.testing.assert_array_equal(v, np.asarray(values, dtype=np.float64))  # NaN == NaN here
    _, gappy = read_series(run_dir, "test.wave.gappy_1")
    assert np.isnan(gappy[100:150]).all() and np.isfinite(gappy[:100]).all()


def test_nan_is_stored_as_null(run_dir):
    with connect(run_dir) as con:
        nulls = con.execute("SELECT count(*) FROM samples WHERE value IS NULL").fetchall()[0][0]
        nans = con.execute("SELECT count(*) FROM samples WHERE isnan(value)").fetchall()[0][0]
    assert (nulls, nans) == (50, 0)


def test_timestamps_are_epoch_plus_t_s(run_dir, record):
    with connect(run_dir) as con:
        rows = con.execute(
            "SELECT t_s, t FROM samples WHERE name = 'test.tank.mass_kg' AND t_s IN (0.25, 10.25, 39990.25)"
        ).fetchall()
        ev = con.execute("SELECT t_s, t FROM events WHERE kind = 'crew.arrive'").fetchall()
    assert len(rows) == 3
    for t_s, t in rows + ev:
        assert t.utcoffset() == dt.timedelta(0)
        assert t == at_seconds(EPOCH, t_s)


def test_run_row(run_dir, record):
    info = run_info(run_dir)
    assert info["scenario"] == "synthetic-test"
    assert info["epoch"] == record.epoch and info["end"] == record.end
    assert info["duration_s"] == (record.end - record.epoch).total_seconds()
    assert info["n_parameters"] == len(record.parameters) and info["n_times"] == N
    assert info["created"].tzinfo is not None
    assert info["tiangong_version"]
    assert info["summary"] == {
        "margins": {"eclss.cabin.ppco2_pa": -2.0},
        "n_eclipses": 7,
        "worst": [1.5, None],
        "end": "2022-09-18T05:35:00.000000Z",
    }
    json.dumps(info["summary"])


def test_parameters_round_trip(run_dir, record):
    assert parameters(run_dir) == sorted(record.parameters, key=lambda p: p.name)
    assert [p.name for p in parameters(run_dir, subsystem="eclss")] == ["eclss.cabin.ppco2_pa"]
    assert parameters(run_dir, subsystem="nope") == []


def test_events_and_alarms_round_trip(run_dir, record):
    assert events(run_dir) == sorted(record.events, key=lambda e: e.t_s)  # stable: ties keep engine order
    assert alarms(run_dir) == record.alarms
    assert alarms(run_dir, parameter="test.wave.sine_1") == []


def test_event_filters(run_dir, record):
    ecl = events(run_dir, kind="eclipse")
    assert ecl and all(e.kind.startswith("eclipse.") for e in ecl)
    assert len(ecl) == sum(e.kind.startswith("eclipse.") for e in record.events)
    assert [e.kind for e in events(run_dir, kind="eclipse.umbra_end")] == ["eclipse.umbra_end"] * sum(
        e.kind == "eclipse.umbra_end" for e in record.events)
    window = events(run_dir, t0_s=1234.5, t1_s=20000.0)
    assert [e.kind for e in window] == ["crew.arrive", "docking", "eclipse.umbra_start", "eclipse.umbra_end",
                                        "eclipse.umbra_start", "eclipse.umbra_end", "eclipse.umbra_start",
                                        "eclipse.umbra_end", "eclipse.umbra_start", "fault.start"]


def test_read_run_round_trip(run_dir, record):
    back = read_run(run_dir)
    assert back.scenario == record.scenario and back.epoch == record.epoch and back.end == record.end
    np.testing.assert_array_equal(back.t_s, record.t_s)
    assert set(back.samples) == set(record.samples)
    for name, values in record.samples.items():
        np.testing.assert_array_equal(back.samples[name], np.asarray(values, dtype=np.float64))
    assert back.parameters == sorted(record.parameters, key=lambda p: p.name)
    assert back.events == sorted(record.events, key=lambda e: e.t_s)
    assert back.alarms == record.alarms
    g, want = back.ground_track, record.ground_track
    for name in ("t_s", "latitude_deg", "longitude_deg", "altitude_m", "sunlit", "contact"):  # bit for bit
        assert getattr(g, name).tobytes() == np.asarray(getattr(want, name)).tobytes(), name
    assert g.contact.dtype == bool and g.source == want.source
    assert 0.0 < g.sunlit_fraction < 1.0 and g.contact_fraction == np.mean((want.t_s % 3000.0) < 2000.0)


def test_ground_track_times_are_epoch_plus_t_s(run_dir, record):
    with connect(run_dir) as con:
        rows = con.execute("SELECT t, t_s FROM ground_track ORDER BY t_s LIMIT 3").fetchall()
    assert [r[0] for r in rows] == [at_seconds(EPOCH, float(x)) for x in record.ground_track.t_s[:3]]


def test_run_without_ground_track_has_an_empty_table(tmp_path, record):
    import dataclasses

    path = write_run(tmp_path, dataclasses.replace(record, ground_track=None))
    assert ground_track(path) is None and read_run(path).ground_track is None


# ---------------------------------------------------------------------------- display queries


def test_latest_at_sample_times_equals_analytic_value(run_dir):
    t = t_grid()
    with connect(run_dir) as con:
        for k in (0, 1, 777, 2500, N - 1):
            got = latest(con, "test.wave.sine_1", t[k])
            assert got.t_s == t[k]
            assert got.value == sine(t[k])
            ramp_got = latest(con, "test.tank.mass_kg", t[k])
            assert ramp_got.value == ramp(t[k]) == 1000.0 + 0.5 * (OFFSET + STEP * k)


def test_latest_between_samples_and_edges(run_dir):
    t = t_grid()
    assert latest(run_dir, "test.wave.sine_1", t[10] + 9.99) == (t[10], sine(t[10]))
    assert latest(run_dir, "test.wave.sine_1", t[-1] + 1e6) == (t[-1], sine(t[-1]))
    assert latest(run_dir, "test.wave.sine_1", 0.0) is None  # before the first sample (0.25 s)
    assert math.isnan(latest(run_dir, "test.wave.gappy_1", t[120]).value)


def _numpy_buckets(t, v, t0, t1, n):
    """Reference: the same bucketing done independently with numpy."""
    w = (t1 - t0) / n
    m = (t >= t0) & (t <= t1)
    b = np.minimum(np.floor((t[m] - t0) / w).astype(np.int64), n - 1)
    vm = v[m]
    out = []
    for i in range(n):
        sel = vm[(b == i) & np.isfinite(vm)]
        out.append((sel.size, sel.min() if sel.size else np.nan, sel.max() if sel.size else np.nan,
                    sel.mean() if sel.size else np.nan))
    return np.array(out, dtype=np.float64).reshape(n, 4)


@pytest.mark.parametrize(
    "name, t0, t1, n",
    [
        ("test.wave.sine_1", 0.25, 39990.25, 100),   # the whole run
        ("test.wave.sine_1", 123.0, 20000.0, 37),    # edges between samples
        ("test.tank.mass_kg", 5000.25, 5100.25, 10),  # one sample per bucket (+ t1 in the last)
        ("test.wave.gappy_1", 0.0, 3000.0, 30),      # NaN samples are ignored; bucket 10..14 empty-ish
        ("test.wave.sine_1", 1000.0, 1100.0, 50),    # more buckets than samples: empty ones
    ],
)
def test_buckets_match_numpy(run_dir, record, name, t0, t1, n):
    t = np.asarray(record.t_s, dtype=np.float64)
    v = np.asarray(record.samples[name], dtype=np.float64)
    df = buckets(run_dir, name, t0, t1, n)
    assert len(df) == n and list(df["bucket"]) == list(range(n))
    ref = _numpy_buckets(t, v, t0, t1, n)
    np.testing.assert_array_equal(df["count"].to_numpy(), ref[:, 0].astype(np.int64))
    np.testing.assert_array_equal(df["min"].to_numpy(), ref[:, 1])
    np.testing.assert_array_equal(df["max"].to_numpy(), ref[:, 2])
    np.testing.assert_allclose(df["mean"].to_numpy(), ref[:, 3], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(df["t0_s"].to_numpy(), t0 + np.arange(n) * (t1 - t0) / n)
    assert df["count"].sum() == np.count_nonzero((t >= t0) & (t <= t1) & np.isfinite(v))


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    a=st.floats(min_value=-100.0, max_value=40_100.0, allow_nan=False),
    width=st.floats(min_value=1.0, max_value=50_000.0, allow_nan=False),
    n=st.integers(min_value=1, max_value=300),
)
def test_buckets_property(run_dir, record, a, width, n):
    t = np.asarray(record.t_s, dtype=np.float64)
    v = np.asarray(record.samples["test.wave.sine_1"], dtype=np.float64)
    df = buckets(run_dir, "test.wave.sine_1", a, a + width, n)
    ref = _numpy_buckets(t, v, a, a + width, n)
    np.testing.assert_array_equal(df["count"].to_numpy(), ref[:, 0].astype(np.int64))
    np.testing.assert_array_equal(df["min"].to_numpy(), ref[:, 1])
    np.testing.assert_array_equal(df["max"].to_numpy(), ref[:, 2])


def test_query_errors(run_dir):
    with pytest.raises(InputError, match="unknown parameter 'test.wave.sine'.*did you mean"):
        latest(run_dir, "test.wave.sine", 10.0)
    with pytest.raises(InputError, match="unknown parameter"):
        read_series(run_dir, "nope")
    with pytest.raises(InputError, match="t0_s < t1_s"):
        buckets(run_dir, "test.wave.sine_1", 10.0, 10.0, 5)
    with pytest.raises(InputError, match="positive integer"):
        buckets(run_dir, "test.wave.sine_1", 0.0, 10.0, 0)


def test_user_connection_is_left_open(run_dir):
    con = duckdb.connect(str(db_path(run_dir)), read_only=True)
    try:
        assert latest(con, "test.crew.count", 1e9).value == 3.0
        assert len(buckets(con, "test.crew.count", 0.0, 1e5, 4)) == 4
        assert con.execute("SELECT 1").fetchall() == [(1,)]
    finally:
        con.close()


# ---------------------------------------------------------------------------- Parquet


def test_export_parquet_readable_with_same_rows(run_dir, tmp_path, record):
    paths = export_parquet(run_dir, tmp_path / "pq")
    assert [p.name for p in paths] == [f"{t}.parquet" for t in TABLES]
    con = duckdb.connect()
    with connect(run_dir) as src:
        for table, path in zip(TABLES, paths):
            assert path.is_file()
            n_src = src.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
            n_pq = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchall()[0][0]
            assert n_pq == n_src, table
    got = con.execute(
        "SELECT t_s, value FROM read_parquet(?) WHERE name = 'test.wave.sine_1' ORDER BY t_s",
        [str(paths[TABLES.index("samples")])],
    ).fetchnumpy()
    np.testing.assert_array_equal(got["t_s"], record.t_s)
    np.testing.assert_array_equal(got["value"], sine(record.t_s))
    con.close()


def test_export_parquet_default_dir(tmp_path, record):
    write_run(tmp_path / "r", record)
    paths = export_parquet(tmp_path / "r")
    assert all(p.parent == tmp_path / "r" / "parquet" and p.is_file() for p in paths)


# ---------------------------------------------------------------------------- paths and errors


def test_write_to_file_path_and_replace(tmp_path, record):
    target = tmp_path / "sub" / "x.duckdb"
    assert write_run(target, record) == target
    small = make_record()
    small.scenario = "second"
    write_run(target, small)
    assert run_info(target)["scenario"] == "second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["x.duckdb"]  # no temp/WAL left


def test_unsorted_times_are_sorted_on_write(tmp_path):
    t = np.array([30.0, 10.0, 20.0])
    rec = RunRecord("u", EPOCH, EPOCH + dt.timedelta(seconds=30), [Parameter("a.b.c_m", "m", "", "a")], t,
                    {"a.b.c_m": np.array([3.0, 1.0, 2.0]), "x.y.z_kg": np.array([30.0, 10.0, 20.0])})
    write_run(tmp_path, rec)
    assert [list(a) for a in read_series(tmp_path, "a.b.c_m")] == [[10.0, 20.0, 30.0], [1.0, 2.0, 3.0]]
    # a sampled name without a Parameter gets a minimal dictionary entry
    assert [p.name for p in parameters(tmp_path)] == ["a.b.c_m", "x.y.z_kg"]
    assert parameters(tmp_path)[1].subsystem == "x"


def test_misaligned_samples_refused(tmp_path):
    rec = RunRecord("bad", EPOCH, EPOCH, [], np.arange(3.0), {"a.b.c_m": np.arange(4.0)})
    with pytest.raises(ValueError, match="has 4 values"):
        write_run(tmp_path, rec)


def test_empty_record(tmp_path):
    rec = RunRecord("empty", EPOCH, EPOCH, [], np.array([]), {})
    write_run(tmp_path, rec)
    assert parameters(tmp_path) == [] and events(tmp_path) == [] and alarms(tmp_path) == []
    assert all(p.is_file() for p in export_parquet(tmp_path))


def test_missing_and_wrong_run_dirs(tmp_path):
    with pytest.raises(InputError, match="no such run directory"):
        latest(tmp_path / "nope", "a", 0.0)
    with pytest.raises(InputError, match="no such run directory"):
        export_parquet(tmp_path / "nope")
    with pytest.raises(InputError, match="not a run directory"):
        export_parquet(tmp_path)
    junk = tmp_path / "junk.duckdb"
    junk.write_text("this is not a database")
    with pytest.raises(InputError, match="cannot open"):
        parameters(junk)
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    with pytest.raises(InputError, match="not a tiangong telemetry archive"):
        events(other)
