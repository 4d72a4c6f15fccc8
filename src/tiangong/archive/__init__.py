"""Telemetry archive: one DuckDB file per run (``telemetry.duckdb``), written at once
(:func:`write_run`) or while the run goes (:class:`ArchiveAppender`), and Parquet export."""

from .duckdb_store import (
    DB_NAME,
    TABLES,
    CommandRow,
    Sample,
    alarms,
    buckets,
    commands,
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
from .live import ArchiveAppender

__all__ = [
    "DB_NAME",
    "TABLES",
    "ArchiveAppender",
    "CommandRow",
    "Sample",
    "alarms",
    "buckets",
    "commands",
    "connect",
    "db_path",
    "events",
    "export_parquet",
    "ground_track",
    "latest",
    "parameters",
    "read_run",
    "read_series",
    "run_info",
    "write_run",
]
