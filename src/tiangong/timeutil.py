"""Time at the edges: timezone-aware UTC datetimes in and out, float seconds inside.

Inside the engine a time is float seconds since the scenario epoch (``t_s``).  At the edges
(CLI, files, JSON) it is an ISO 8601 UTC string ending in ``Z``.  Naive datetimes are refused.
"""

from __future__ import annotations

import datetime as dt

from .errors import InputError

UTC = dt.timezone.utc


def parse_utc(text: str, where: str = "time", naive: bool = True) -> dt.datetime:
    """Parse ``YYYY-MM-DD`` or ISO 8601 (``Z``/offset or none, taken as UTC) into an aware UTC datetime.

    ``naive=False`` refuses a time without a zone (a bare date still means 00:00 UTC)."""
    if isinstance(text, dt.datetime):
        return as_utc(text, where)
    if isinstance(text, dt.date):
        return dt.datetime(text.year, text.month, text.day, tzinfo=UTC)
    s = str(text).strip()
    if len(s) > 64:
        raise InputError(where, "not an ISO 8601 date/time (too long)")
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        value = dt.datetime.fromisoformat(s)
    except ValueError:
        raise InputError(where, f"{text!r} is not an ISO 8601 date/time (e.g. 2022-09-17T05:35:00Z)") from None
    if value.tzinfo is None:
        if not naive and len(s) > 10:
            raise InputError(where, f"{text!r} has no time zone: write it with Z (UTC), e.g. {s}Z")
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 is after the last representable instant
        raise InputError(where, f"{text!r} is outside the representable years 1..9999 in UTC") from None


def as_utc(value: dt.datetime, where: str = "time") -> dt.datetime:
    """Return ``value`` in UTC; refuse naive datetimes (ambiguous time zone)."""
    if value.tzinfo is None:
        raise InputError(where, "naive datetime: give a time zone (UTC)")
    return value.astimezone(UTC)


def iso_z(value: dt.datetime, decimals: int = 2) -> str:
    """ISO 8601 UTC with ``Z``, rounded to ``decimals`` digits of seconds (0 for whole seconds)."""
    value = as_utc(value)
    q = 10 ** (6 - decimals) if decimals < 6 else 1
    us = int(round(value.microsecond / q)) * q
    value = value.replace(microsecond=0) + dt.timedelta(microseconds=us)
    base = value.strftime("%Y-%m-%dT%H:%M:%S")
    if decimals > 0:
        base += "." + f"{value.microsecond:06d}"[:decimals]
    return base + "Z"


def seconds_between(epoch: dt.datetime, value: dt.datetime) -> float:
    """Seconds from ``epoch`` to ``value`` (both aware)."""
    return (as_utc(value) - as_utc(epoch)).total_seconds()


def at_seconds(epoch: dt.datetime, t_s: float) -> dt.datetime:
    """The UTC datetime ``t_s`` seconds after ``epoch``."""
    return as_utc(epoch) + dt.timedelta(seconds=float(t_s))
