"""The telemetry archive: one DuckDB file per run, plus Parquet export.

A run directory holds ``telemetry.duckdb`` (:data:`DB_NAME`) with seven tables (see
``docs/telemetry-schema.md``):

``run``         one row: scenario, epoch, end, created, tiangong_version, summary (JSON),
                parent run and fork time (NULL unless a fork), status ``running``/``complete``
``parameters``  the parameter dictionary (name is the primary key)
``samples``     long format ``(name, t_s, t, value)``, physically sorted by ``(name, t_s)``
``events``      the event log ``(t, t_s, kind, source, detail)``
``alarms``      limit violations ``(t, t_s, parameter, level, side, limit, value, cleared_t, cleared_t_s)``
``commands``    commands sent to the running simulation ``(t, t_s, command, outcome, detail)``
``ground_track`` the report's one-day map ``(t, t_s, latitude_deg, longitude_deg, altitude_m, sunlit,
                contact, source)``: WGS84, sunlit fraction 0..1, relay line of sight; empty if the run
                has none (archives written before it lack the table: :func:`ground_track` gives None)

:func:`write_run` writes a finished run at once; :class:`tiangong.archive.live.ArchiveAppender`
writes one while it runs (status ``running`` until it is closed).

Every time is stored twice: ``t_s`` (DOUBLE, seconds since the run epoch, exactly as the
engine produced it) and ``t`` (TIMESTAMPTZ, the UTC instant, microsecond resolution).  The
query helpers take and return ``t_s``.  Missing samples (NaN) are stored as SQL NULL and read
back as NaN.

The helpers accept either an open DuckDB connection or a path (a run directory or the
``.duckdb`` file itself); a path is opened read-only and closed again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import errno
import json
import math
import os
from pathlib import Path
from typing import Iterator, NamedTuple

import duckdb
import numpy as np
import pandas as pd

from ..errors import InputError
from ..record import AlarmRow, EventRow, GroundTrack, Parameter, RunRecord
from ..timeutil import UTC, as_utc, iso_z

DB_NAME = "telemetry.duckdb"
"""File name of the archive inside a run directory."""

TABLES = ("run", "parameters", "samples", "events", "alarms", "commands", "ground_track")
"""All tables, in the order :func:`export_parquet` writes them."""

_REQUIRED = TABLES[:5]  # archives written before ``commands``/``ground_track`` existed still open (without them)

RUN_DEFAULTS = {"parent": None, "fork_t_s": None, "status": "complete"}
"""Values :func:`run_info` gives for ``run`` columns that older archives lack."""

_DB_SUFFIXES = (".duckdb", ".db")

_SCHEMA = """
CREATE TABLE run (
    scenario          VARCHAR     NOT NULL,
    epoch             TIMESTAMPTZ NOT NULL,
    "end"             TIMESTAMPTZ NOT NULL,
    duration_s        DOUBLE      NOT NULL,
    created           TIMESTAMPTZ NOT NULL,
    tiangong_version  VARCHAR     NOT NULL,
    n_parameters      INTEGER     NOT NULL,
    n_times           BIGINT      NOT NULL,
    summary           JSON,
    parent            VARCHAR,
    fork_t_s          DOUBLE,
    status            VARCHAR     NOT NULL DEFAULT 'complete' CHECK (status IN ('running', 'complete'))
);
CREATE TABLE parameters (
    name        VARCHAR PRIMARY KEY,
    unit        VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    subsystem   VARCHAR NOT NULL,
    warn_lo     DOUBLE,
    warn_hi     DOUBLE,
    limit_lo    DOUBLE,
    limit_hi    DOUBLE
);
CREATE TABLE samples (
    name  VARCHAR     NOT NULL,
    t_s   DOUBLE      NOT NULL,
    t     TIMESTAMPTZ NOT NULL,
    value DOUBLE
);
CREATE TABLE events (
    t      TIMESTAMPTZ NOT NULL,
    t_s    DOUBLE      NOT NULL,
    kind   VARCHAR     NOT NULL,
    source VARCHAR     NOT NULL,
    detail VARCHAR     NOT NULL
);
CREATE TABLE alarms (
    t           TIMESTAMPTZ NOT NULL,
    t_s         DOUBLE      NOT NULL,
    parameter   VARCHAR     NOT NULL,
    level       VARCHAR     NOT NULL,
    side        VARCHAR     NOT NULL,
    "limit"     DOUBLE      NOT NULL,
    value       DOUBLE,
    cleared_t   TIMESTAMPTZ,
    cleared_t_s DOUBLE
);
CREATE TABLE commands (
    t       TIMESTAMPTZ NOT NULL,
    t_s     DOUBLE      NOT NULL,
    command VARCHAR     NOT NULL,
    outcome VARCHAR     NOT NULL,
    detail  VARCHAR     NOT NULL
);
CREATE TABLE ground_track (
    t             TIMESTAMPTZ NOT NULL,
    t_s           DOUBLE      NOT NULL,
    latitude_deg  DOUBLE      NOT NULL,
    longitude_deg DOUBLE      NOT NULL,
    altitude_m    DOUBLE      NOT NULL,
    sunlit        DOUBLE      NOT NULL,
    contact       BOOLEAN     NOT NULL,
    source        VARCHAR     NOT NULL
);
"""

_RUN_COLUMNS = (
    'scenario, epoch, "end", duration_s, created, tiangong_version, n_parameters, n_times, summary, '
    "parent, fork_t_s, status"
)

# t_s (seconds since epoch, DOUBLE) -> TIMESTAMPTZ, rounded to the microsecond.
_T_EXPR = "CAST($epoch AS TIMESTAMPTZ) + to_microseconds(CAST(round({col} * 1e6) AS BIGINT))"


class Sample(NamedTuple):
    """One telemetry sample: time (s since epoch) and value (SI unit of its parameter)."""

    t_s: float
    value: float


class CommandRow(NamedTuple):
    """One command sent to a running simulation, at simulation time ``t_s`` (s since epoch)."""

    t_s: float
    command: str   # as sent, e.g. "fault electrolyser_off 48h"
    outcome: str   # e.g. "accepted" or "refused"
    detail: str    # one line: what it did, or why it was refused


# ---------------------------------------------------------------------------- paths


def db_path(path: str | os.PathLike) -> Path:
    """The archive file of a run directory (or ``path`` itself if it is a ``.duckdb`` file).

    Raises :class:`InputError` if it does not exist.
    """
    p = Path(path)
    if p.is_dir():
        from ..rundir import STATUS, require_complete

        if (p / STATUS).is_file():  # a run directory: a half-written, interrupted or failed run is never read
            require_complete(p)
        db = p / DB_NAME
        if not db.is_file():
            raise InputError(str(p), f"not a run directory (no {DB_NAME} in it)")
        return db
    if p.is_file():
        return p
    if p.suffix in _DB_SUFFIXES:
        raise InputError(str(p), "no such telemetry archive")
    raise InputError(str(p), "no such run directory")


def _target_file(path: str | os.PathLike) -> Path:
    p = Path(path)
    if p.suffix in _DB_SUFFIXES and not p.is_dir():
        p.parent.mkdir(parents=True, exist_ok=True)
        return p
    if p.exists() and not p.is_dir():
        raise InputError(str(p), "exists and is not a directory (give a run directory or a .duckdb file)")
    p.mkdir(parents=True, exist_ok=True)
    return p / DB_NAME


@contextlib.contextmanager
def _connect(con_or_path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection: the caller's own, or a read-only one on a path (closed afterwards)."""
    if isinstance(con_or_path, duckdb.DuckDBPyConnection):
        yield con_or_path
        return
    db = db_path(con_or_path)
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        raise InputError(str(db), f"cannot open as a DuckDB telemetry archive ({_first_line(exc)})") from None
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET preserve_insertion_order = true")
        have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        missing = [t for t in _REQUIRED if t not in have]
        if missing:
            raise InputError(str(db), f"not a tiangong telemetry archive (missing tables: {', '.join(missing)})")
        yield con
    finally:
        con.close()


def connect(path: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    """Open a run's archive read-only (session time zone UTC); the caller closes it.

    Use this when issuing many queries (the mission-control console): pass the connection to
    :func:`latest`, :func:`buckets`, ... instead of a path.
    """
    db = db_path(path)
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        raise InputError(str(db), f"cannot open as a DuckDB telemetry archive ({_first_line(exc)})") from None
    con.execute("SET TimeZone = 'UTC'")
    return con


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# ---------------------------------------------------------------------------- writing


def _jsonable(obj):
    """Make ``summary`` strictly JSON: numpy scalars/arrays, datetimes, non-finite floats."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, dt.datetime):
        return iso_z(obj, 6) if obj.tzinfo is not None else obj.isoformat()
    if isinstance(obj, (dt.date, dt.timedelta)):
        return obj.isoformat() if isinstance(obj, dt.date) else obj.total_seconds()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return str(obj)


def _nullable(x) -> float | None:
    return None if x is None else float(x)


def _parameters_frame(ps: list[Parameter]) -> pd.DataFrame:
    """Rows of the ``parameters`` table, in the order given."""
    return pd.DataFrame(
        {
            "name": [p.name for p in ps],
            "unit": [p.unit or "" for p in ps],
            "description": [p.description or "" for p in ps],
            "subsystem": [p.subsystem or "" for p in ps],
            **{
                k: pd.array([_nullable(getattr(p, k)) for p in ps], dtype="Float64")
                for k in ("warn_lo", "warn_hi", "limit_lo", "limit_hi")
            },
        }
    )


def _events_frame(rows: list[EventRow]) -> pd.DataFrame:
    """Events stably sorted by time (ties keep the engine's order), without ``t``."""
    evs = sorted(rows, key=lambda e: e.t_s)
    return pd.DataFrame(
        {
            "t_s": np.array([e.t_s for e in evs], dtype=np.float64),
            "kind": pd.array([e.kind for e in evs], dtype=object),
            "source": pd.array([e.source for e in evs], dtype=object),
            "detail": pd.array([e.detail or "" for e in evs], dtype=object),
        }
    )


def _alarms_frame(rows: list[AlarmRow]) -> pd.DataFrame:
    """Alarms stably sorted by time, without ``t``/``cleared_t``."""
    alms = sorted(rows, key=lambda a: a.t_s)
    return pd.DataFrame(
        {
            "t_s": np.array([a.t_s for a in alms], dtype=np.float64),
            "parameter": pd.array([a.parameter for a in alms], dtype=object),
            "level": pd.array([a.level for a in alms], dtype=object),
            "side": pd.array([a.side for a in alms], dtype=object),
            "limit": np.array([a.limit for a in alms], dtype=np.float64),
            "value": np.array([a.value for a in alms], dtype=np.float64),
            "cleared_t_s": pd.array([_nullable(a.cleared_t_s) for a in alms], dtype="Float64"),
        }
    )


_TRACK_COLUMNS = ("latitude_deg", "longitude_deg", "altitude_m", "sunlit")

# the one INSERT of a ground track (write_run and the live appender): {db} is the target schema
_TRACK_INSERT = ("INSERT INTO {db}ground_track SELECT " + _T_EXPR.format(col="t_s") + ", t_s, "
                 + ", ".join(_TRACK_COLUMNS) + ", contact, source FROM track_df")


def _track_frame(track: GroundTrack) -> pd.DataFrame:
    """Rows of the ``ground_track`` table (without ``t``)."""
    cols = {"t_s": np.asarray(track.t_s, dtype=np.float64)}
    cols.update({c: np.asarray(getattr(track, c), dtype=np.float64) for c in _TRACK_COLUMNS})
    cols["contact"] = np.asarray(track.contact, dtype=bool)
    cols["source"] = pd.array([str(track.source)] * len(cols["t_s"]), dtype=object)
    return pd.DataFrame(cols)


def write_run(path: str | os.PathLike, record: RunRecord) -> Path:
    """Write ``record`` to a new DuckDB archive and return the file's path.

    ``path`` is a run directory (created if needed; the file is ``<path>/telemetry.duckdb``)
    or a file name ending in ``.duckdb``.  An existing archive is replaced atomically.
    Samples are inserted in bulk from numpy, sorted by ``(name, t_s)``.
    """
    target = _target_file(path)
    epoch = as_utc(record.epoch, "record.epoch")
    end = as_utc(record.end, "record.end")

    # --- samples: one long table built from numpy without Python row loops
    t_s = np.asarray(record.t_s, dtype=np.float64).ravel()
    order = None
    if t_s.size > 1 and np.any(np.diff(t_s) < 0):
        order = np.argsort(t_s, kind="stable")
        t_s = t_s[order]
    if not np.all(np.isfinite(t_s)):
        raise ValueError("record.t_s contains non-finite times")
    names = sorted(record.samples)
    columns = []
    for name in names:
        v = np.asarray(record.samples[name], dtype=np.float64).ravel()
        if v.shape != t_s.shape:
            raise ValueError(f"samples[{name!r}] has {v.size} values but t_s has {t_s.size}")
        columns.append(v if order is None else v[order])
    n_t, n_p = t_s.size, len(names)
    samples_df = pd.DataFrame(
        {
            "name": pd.Categorical.from_codes(np.repeat(np.arange(n_p, dtype=np.int32), n_t), categories=names)
            if n_p
            else pd.Categorical([], categories=[]),
            "t_s": np.tile(t_s, n_p),
            "value": np.concatenate(columns) if columns else np.empty(0),
        },
        copy=False,  # no 2-D block consolidation: DuckDB scans the numpy buffers directly
    )

    # --- parameter dictionary (sampled names without an entry get a minimal one)
    params = {p.name: p for p in record.parameters}
    for name in names:
        if name not in params:
            params[name] = Parameter(name=name, unit="", description="", subsystem=name.split(".", 1)[0])
    params_df = _parameters_frame(list(params.values())).sort_values("name", kind="stable")
    events_df = _events_frame(record.events)
    alarms_df = _alarms_frame(record.alarms)

    from .. import __version__

    summary = json.dumps(_jsonable(record.summary or {}), allow_nan=False, sort_keys=False)
    created = dt.datetime.now(UTC)

    tmp = target.with_name(target.name + ".tmp")
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET preserve_insertion_order = true")  # rows stay in (name, t_s) order
        con.execute(_SCHEMA)
        con.execute(
            f"INSERT INTO run ({_RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'complete')",
            [record.scenario, epoch, end, (end - epoch).total_seconds(), created, __version__, len(params), n_t, summary,
             None if record.parent is None else str(record.parent), _nullable(record.fork_t_s)],
        )
        for c in record.commands:  # commands a live run took (t_s, command, outcome, detail)
            con.execute(f"INSERT INTO commands SELECT {_T_EXPR.format(col='$t_s')}, $t_s, $c, $o, $d",
                        {"epoch": epoch, "t_s": float(c.t_s), "c": c.command, "o": c.outcome,
                         "d": " ".join(str(c.detail).split())})
        con.register("params_df", params_df)
        con.execute("INSERT INTO parameters SELECT * FROM params_df")
        con.register("samples_df", samples_df)
        con.execute(
            f"INSERT INTO samples SELECT CAST(name AS VARCHAR), t_s, {_T_EXPR.format(col='t_s')}, value FROM samples_df",
            {"epoch": epoch},
        )
        con.register("events_df", events_df)
        con.execute(
            f"INSERT INTO events SELECT {_T_EXPR.format(col='t_s')}, t_s, kind, source, detail "
            "FROM events_df",
            {"epoch": epoch},
        )
        con.register("alarms_df", alarms_df)
        con.execute(
            f"INSERT INTO alarms SELECT {_T_EXPR.format(col='t_s')}, t_s, parameter, level, side, \"limit\", value, "
            f"{_T_EXPR.format(col='cleared_t_s')}, cleared_t_s FROM alarms_df",
            {"epoch": epoch},
        )
        views = ["params_df", "samples_df", "events_df", "alarms_df"]
        if record.ground_track is not None:
            con.register("track_df", _track_frame(record.ground_track))
            con.execute(_TRACK_INSERT.format(db=""), {"epoch": epoch})
            views.append("track_df")
        for view in views:
            con.unregister(view)
        con.execute("CHECKPOINT")
    except BaseException as exc:
        con.close()
        tmp.unlink(missing_ok=True)
        if isinstance(exc, duckdb.Error) and "No space left on device" in str(exc):
            # DuckDB reports a full disk as its own (Fatal/IO) error: make it the OSError it is,
            # which the run directory records and reports in one line
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp)) from None
        raise
    con.close()
    os.replace(tmp, target)
    return target


# ---------------------------------------------------------------------------- queries


def _check_name(con: duckdb.DuckDBPyConnection, name: str) -> None:
    if not con.execute("SELECT 1 FROM parameters WHERE name = ?", [name]).fetchall():
        known = [r[0] for r in con.execute("SELECT name FROM parameters").fetchall()]
        close = difflib.get_close_matches(name, known, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise InputError("parameter", f"unknown parameter {name!r}{hint}")


def latest(con_or_path, name: str, at_s: float) -> Sample | None:
    """The last sample of ``name`` at or before ``at_s`` (s since epoch), or None if none yet.

    Display query 1 (current value); see ``docs/telemetry-schema.md``.
    """
    with _connect(con_or_path) as con:
        _check_name(con, name)
        rows = con.execute(
            "SELECT t_s, coalesce(value, 'NaN'::DOUBLE) FROM samples "
            "WHERE name = ? AND t_s <= ? ORDER BY t_s DESC LIMIT 1",
            [name, float(at_s)],
        ).fetchall()
    return Sample(float(rows[0][0]), float(rows[0][1])) if rows else None


_BUCKETS_SQL = """
WITH agg AS (
    SELECT least(CAST(floor((t_s - $t0) / $w) AS BIGINT), $n - 1) AS bucket,
           count(value) AS count, min(value) AS min, max(value) AS max, avg(value) AS mean
    FROM samples
    WHERE name = $name AND t_s >= $t0 AND t_s <= $t1
    GROUP BY bucket
)
SELECT r.bucket,
       $t0 + r.bucket * $w       AS t0_s,
       $t0 + (r.bucket + 1) * $w AS t1_s,
       coalesce(agg.count, 0)    AS count,
       agg.min, agg.max, agg.mean
FROM range($n) AS r(bucket) LEFT JOIN agg USING (bucket)
ORDER BY r.bucket
"""


def buckets(con_or_path, name: str, t0_s: float, t1_s: float, n: int) -> pd.DataFrame:
    """Min/max/mean of ``name`` over ``n`` equal buckets spanning ``[t0_s, t1_s]`` (one SQL query).

    Bucket ``i`` covers ``[t0_s + i*w, t0_s + (i+1)*w)`` with ``w = (t1_s - t0_s) / n``; the
    last one also includes ``t1_s``.  Returns exactly ``n`` rows with columns ``bucket, t0_s,
    t1_s, count, min, max, mean`` (empty buckets: count 0, NaN).  Display query 2 (plots).
    """
    t0, t1 = float(t0_s), float(t1_s)
    if not (math.isfinite(t0) and math.isfinite(t1)) or t1 <= t0:
        raise InputError("buckets", f"need t0_s < t1_s (got {t0_s!r}, {t1_s!r})")
    if int(n) != n or int(n) < 1:
        raise InputError("buckets", f"n must be a positive integer (got {n!r})")
    n = int(n)
    with _connect(con_or_path) as con:
        _check_name(con, name)
        df = con.execute(_BUCKETS_SQL, {"name": name, "t0": t0, "t1": t1, "w": (t1 - t0) / n, "n": n}).df()
    for col in ("min", "max", "mean"):
        df[col] = df[col].astype(np.float64)
    df["count"] = df["count"].astype(np.int64)
    return df


def read_series(path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """All samples of ``name``: ``(t_s, values)`` as float64 arrays (NULL read back as NaN)."""
    with _connect(path) as con:
        _check_name(con, name)
        got = con.execute(
            "SELECT t_s, coalesce(value, 'NaN'::DOUBLE) AS value FROM samples WHERE name = ? ORDER BY t_s",
            [name],
        ).fetchnumpy()
    return np.asarray(got["t_s"], dtype=np.float64), np.asarray(got["value"], dtype=np.float64)


def _opt(x) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def parameters(con_or_path, subsystem: str | None = None) -> list[Parameter]:
    """The parameter dictionary (optionally one subsystem), sorted by name."""
    with _connect(con_or_path) as con:
        sql = "SELECT name, unit, description, subsystem, warn_lo, warn_hi, limit_lo, limit_hi FROM parameters"
        args: list = []
        if subsystem is not None:
            sql += " WHERE subsystem = ?"
            args.append(subsystem)
        rows = con.execute(sql + " ORDER BY name", args).fetchall()
    return [Parameter(r[0], r[1], r[2], r[3], *(_opt(x) for x in r[4:8])) for r in rows]


def _kind_filter(column: str, value: str | None, args: list) -> str:
    if value is None:
        return ""
    args.extend([value, value.rstrip(".") + ".%"])
    return f" AND ({column} = ? OR {column} LIKE ?)"


def events(
    con_or_path, kind: str | None = None, t0_s: float | None = None, t1_s: float | None = None
) -> list[EventRow]:
    """Events in time order; ``kind`` matches exactly or as a dotted prefix (``eclipse``
    matches ``eclipse.umbra_start``); ``t0_s``/``t1_s`` bound the time (inclusive)."""
    args: list = []
    where = "WHERE TRUE" + _kind_filter("kind", kind, args)
    if t0_s is not None:
        where += " AND t_s >= ?"
        args.append(float(t0_s))
    if t1_s is not None:
        where += " AND t_s <= ?"
        args.append(float(t1_s))
    with _connect(con_or_path) as con:
        rows = con.execute(f"SELECT t_s, kind, source, detail FROM events {where} ORDER BY t_s, rowid", args).fetchall()
    return [EventRow(float(r[0]), r[1], r[2], r[3]) for r in rows]


def alarms(con_or_path, parameter: str | None = None) -> list[AlarmRow]:
    """Limit violations in time order (optionally of one parameter)."""
    args: list = []
    where = ""
    if parameter is not None:
        where = " WHERE parameter = ?"
        args.append(parameter)
    with _connect(con_or_path) as con:
        rows = con.execute(
            'SELECT t_s, parameter, level, side, "limit", value, cleared_t_s FROM alarms' + where + " ORDER BY t_s, rowid",
            args,
        ).fetchall()
    return [
        AlarmRow(float(r[0]), r[1], r[2], r[3], float(r[4]), float("nan") if r[5] is None else float(r[5]), _opt(r[6]))
        for r in rows
    ]


def run_info(con_or_path) -> dict:
    """The ``run`` row as a dict (datetimes aware UTC, ``summary`` parsed from JSON).

    Keys: scenario, epoch, end, duration_s, created, tiangong_version, n_parameters, n_times,
    summary, parent (run the fork started from, or None), fork_t_s (s since epoch, or None),
    status (``running`` while an appender writes it, then ``complete``).
    """
    with _connect(con_or_path) as con:
        cur = con.execute('SELECT * REPLACE (CAST(summary AS VARCHAR) AS summary) FROM run')
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    if not rows:
        raise InputError("run", "archive has no run row")
    info = dict(zip(cols, rows[0]))
    for k, default in RUN_DEFAULTS.items():
        info.setdefault(k, default)
    for k in ("epoch", "end", "created"):
        info[k] = info[k].astimezone(UTC)
    info["summary"] = json.loads(info["summary"]) if info["summary"] else {}
    return info


def commands(con_or_path) -> list[CommandRow]:
    """Commands sent to the running simulation, in the order they were sent (empty for a batch run)."""
    with _connect(con_or_path) as con:
        have = con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'commands'").fetchall()
        if not have:
            return []
        rows = con.execute("SELECT t_s, command, outcome, detail FROM commands ORDER BY t_s, rowid").fetchall()
    return [CommandRow(float(r[0]), r[1], r[2], r[3]) for r in rows]


def ground_track(con_or_path) -> GroundTrack | None:
    """The run's ground track (the report's map), or None: an archive written before the
    ``ground_track`` table existed, or a run without one."""
    with _connect(con_or_path) as con:
        have = con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'ground_track'").fetchall()
        if not have:
            return None
        got = con.execute("SELECT t_s, " + ", ".join(_TRACK_COLUMNS) + ", contact FROM ground_track ORDER BY t_s, rowid"
                          ).fetchnumpy()
        source = con.execute("SELECT any_value(source) FROM ground_track").fetchone()[0]
    if len(got["t_s"]) == 0:
        return None
    cols = {c: np.asarray(got[c], dtype=np.float64) for c in ("t_s",) + _TRACK_COLUMNS}
    return GroundTrack(contact=np.asarray(got["contact"], dtype=bool), source=source or "", **cols)


def read_run(path) -> RunRecord:
    """Read a whole archive back into a :class:`RunRecord` (e.g. to re-render the report)."""
    with _connect(path) as con:
        info = run_info(con)
        params = parameters(con)
        t_s = con.execute("SELECT DISTINCT t_s FROM samples ORDER BY t_s").fetchnumpy()["t_s"]
        t_s = np.asarray(t_s, dtype=np.float64)
        counts = con.execute("SELECT name, count(*) FROM samples GROUP BY name ORDER BY name").fetchall()
        cols = con.execute(
            "SELECT t_s, coalesce(value, 'NaN'::DOUBLE) AS value FROM samples ORDER BY name, t_s"
        ).fetchnumpy()
        all_t = np.asarray(cols["t_s"], dtype=np.float64)
        all_v = np.asarray(cols["value"], dtype=np.float64)
        samples = {}
        start = 0
        for name, count in counts:  # one slice per parameter, not per row
            ts, v = all_t[start : start + count], all_v[start : start + count]
            start += count
            if ts.shape == t_s.shape and np.array_equal(ts, t_s):
                samples[name] = v
            else:  # not on the common grid (cannot come from write_run): align, NaN elsewhere
                full = np.full(t_s.shape, np.nan)
                full[np.searchsorted(t_s, ts)] = v
                samples[name] = full
        evs = events(con)
        alms = alarms(con)
        track = ground_track(con)
        cmds = commands(con)
    return RunRecord(
        scenario=info["scenario"],
        epoch=info["epoch"],
        end=info["end"],
        parameters=params,
        t_s=t_s,
        samples=samples,
        events=evs,
        alarms=alms,
        summary=info["summary"],
        ground_track=track,
        commands=cmds,
        parent=info["parent"],
        fork_t_s=info["fork_t_s"],
    )


# ---------------------------------------------------------------------------- Parquet


def _sql_str(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def export_parquet(run_dir: str | os.PathLike, out_dir: str | os.PathLike | None = None) -> list[Path]:
    """Write each table to ``<out_dir>/<table>.parquet`` (ZSTD) with DuckDB's ``COPY``.

    ``out_dir`` defaults to ``<run_dir>/parquet``.  Returns the paths in :data:`TABLES` order
    (an archive from before the ``commands`` table has none to write).
    """
    db = db_path(run_dir)
    out = Path(out_dir) if out_dir is not None else db.parent / "parquet"
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    with _connect(db) as con:
        have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        for table in (t for t in TABLES if t in have):
            dest = out / f"{table}.parquet"
            # tables are stored in (name, t_s) / t_s order; COPY keeps that order
            con.execute(f'COPY "{table}" TO {_sql_str(dest)} (FORMAT PARQUET, COMPRESSION ZSTD)')
            paths.append(dest)
    return paths
