"""Telemetry archive: one DuckDB file per run (``telemetry.duckdb``) and Parquet export."""

from .duckdb_store import (
    DB_NAME,
    TABLES,
    Sample,
    alarms,
    buckets,
    connect,
    db_path,
    events,
    export_parquet,
    latest,
    parameters,
    read_run,
    read_series,
    run_info,
    write_run,
)

__all__ = [
    "DB_NAME",
    "TABLES",
    "Sample",
    "alarms",
    "buckets",
    "connect",
    "db_path",
    "events",
    "export_parquet",
    "latest",
    "parameters",
    "read_run",
    "read_series",
    "run_info",
    "write_run",
]
