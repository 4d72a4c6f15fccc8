"""The validation layer at the edges: user files and flags in, one-line errors out.

:func:`read_text` / :func:`parse_toml` / :func:`validate` read bytes, decode, parse with limits and
validate with a strict pydantic model; :func:`check_finite`, :func:`check_sample_count`,
:func:`check_slug`, :func:`check_seed`, :func:`check_in_ephemeris` and :func:`aware_utc` check
single values the same way for files and CLI flags.  A pydantic ``ValidationError`` becomes a
one-line message (:func:`explain_validation`), used by every validated data file (scenarios,
station data, EVA library, plan requests, real-EVA files): the first error, its field path (``faults[0].duration_h``), the reason, a "did you mean"
for a mistyped field name, and how many more errors there are.
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
import math
import re
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .errors import InputError


def hint(name, known) -> str:
    """``"; did you mean 'x'?"`` for the closest known name, or ``""``."""
    m = difflib.get_close_matches(str(name), list(known), n=1)
    return f"; did you mean {m[0]!r}?" if m else ""


def field_path(loc) -> str:
    """A pydantic location as a field path: ``("faults", 0, "kind")`` -> ``faults[0].kind``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def explain_validation(exc: ValidationError, root: type[BaseModel]) -> str:
    """One line ``field: reason`` for the first pydantic error (see :func:`first_error`)."""
    field, why = first_error(exc, root)
    return f"{field}: {why}"


def first_error(exc: ValidationError, root: type[BaseModel]) -> tuple[str, str]:
    """(field path, reason) of the first pydantic error; an unknown field gets the closest known
    name.  Typos are reported first: they usually explain the other errors (a missing field)."""
    errs = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    err = errs[0]
    loc = [p for p in err["loc"] if p not in ("function-after", "function-before")]
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        model = root
        for part in loc[:-1]:
            if isinstance(part, int) or model is None:
                continue
            f = model.model_fields.get(part)
            if f is None:  # a dict key (e.g. a worksite name): the value type stays
                continue
            t = f.annotation
            for arg in (getattr(t, "__args__", None) or (t,)):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    model = arg
                    break
        known = list(model.model_fields) if model else []
        h = hint(loc[-1], known)
        msg = "unknown field" + (h if h else f"; known fields: {', '.join(known)}")
    n = len(errs)
    more = f" (and {n - 1} more error{'s' if n > 2 else ''})" if n > 1 else ""
    return field_path(loc) or "(top level)", f"{msg}{more}"


# ============================================================================ the edges
# Every file a user hands us goes through read_text -> parse_toml -> a strict pydantic model, and
# every number through the checks below, so a bad input is one InputError naming the file or flag,
# the field and the reason -- never a traceback, a hang or a silently absurd run.
MAX_FILE_BYTES = 4 * 1024 * 1024
"""Largest input file read (bytes): the biggest packaged file is ~60 kB."""

MAX_SAMPLES = 5_000_000
"""Most telemetry samples per parameter a run may ask for (~25 parameters x 8 bytes x 5e6 = 1 GB;
a 10-year run at the default 120 s has 2.6e6)."""

DE421_FIRST = dt.datetime(1899, 7, 29, tzinfo=dt.timezone.utc)
DE421_LAST = dt.datetime(2053, 10, 9, tzinfo=dt.timezone.utc)
"""The span of the JPL DE421 ephemeris shipped with skyfield-data (Sun and Moon positions)."""

SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def read_text(path: str | Path, where: str | None = None) -> str:
    """The text of a user's file: bytes read with a size limit, decoded as UTF-8 (BOM allowed)."""
    where = where or str(path)
    if "\x00" in str(path):
        raise InputError(where, "the path contains a NUL byte")
    p = Path(path)
    try:
        if not p.is_file():
            raise InputError(where, "file not found" if not p.exists() else "not a regular file")
        with p.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except InputError:
        raise
    except (OSError, ValueError) as exc:  # permission, a NUL byte or an over-long name in the path
        raise InputError(where, f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(where, f"larger than {MAX_FILE_BYTES // 1024 // 1024} MiB: not an input file")
    return decode(data, where)


def decode(data: bytes, where: str) -> str:
    """UTF-8 text of ``data`` or one InputError giving the offset of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(where, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def parse_toml(text: str, where: str) -> dict:
    """Parse TOML with limits: malformed text and absurd nesting are one-line errors."""
    if "\x00" in text:
        raise InputError(where, "not valid TOML: contains a NUL character")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(where, f"not valid TOML: {exc}") from None
    except RecursionError:
        raise InputError(where, "not valid TOML: nested too deeply") from None


def validate(model: type[BaseModel], data, where: str):
    """``model.model_validate(data)`` with every failure as one InputError naming ``where``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(where, explain_validation(exc, model)) from None
    except InputError as exc:  # raised inside a validator (e.g. a bad time string)
        raise InputError(where, exc.why if exc.where in ("", "time") else str(exc)) from None
    except RecursionError:
        raise InputError(where, "nested too deeply") from None


def check_finite(value: float, where: str, lo: float | None = None, hi: float | None = None,
                 why: str = "") -> float:
    """``value`` as a float if finite and inside [lo, hi]; else an InputError (with ``why``)."""
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(where, f"{value!r} is not a number") from None
    if not math.isfinite(x):
        raise InputError(where, f"{value!r} is not a finite number")
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        rng = f"[{'' if lo is None else f'{lo:g}'}, {'' if hi is None else f'{hi:g}'}]"
        raise InputError(where, f"{x:g} is outside {rng}" + (f": {why}" if why else ""))
    return x


def check_sample_count(duration_s: float, sample_s: float, where: str, limit: int = MAX_SAMPLES) -> int:
    """The number of telemetry samples of a run, refused up front when unreasonable."""
    sample_s = check_finite(sample_s, where)
    if sample_s <= 0:
        raise InputError(where, f"{sample_s:g} s: the sample interval must be positive")
    n = duration_s / sample_s
    if not math.isfinite(n) or n + 1 > limit:
        raise InputError(where, f"{sample_s:g} s over {duration_s / 86400:g} days is {n:.3g} samples per "
                                f"parameter; at most {limit:,} (use a sample interval of at least "
                                f"{math.ceil(duration_s / (limit - 1)):g} s)")
    return int(n) + 1


def check_slug(name: str, where: str) -> str:
    """A name that is safe as a file or directory name (no path, no '..', no control characters)."""
    if not isinstance(name, str) or not SLUG.fullmatch(name) or ".." in name:
        raise InputError(where, f"{name!r} is not a safe name: use 1-64 letters, digits, '.', '_' or '-', "
                                "starting with a letter or digit (no '/', no '..')")
    return name


def check_in_ephemeris(when: dt.datetime, where: str) -> dt.datetime:
    """``when`` if inside the DE421 span (1899-07-29 .. 2053-10-09) the Sun positions come from."""
    if not (DE421_FIRST <= when <= DE421_LAST):
        raise InputError(where, f"{when.date()} is outside the DE421 ephemeris "
                                f"({DE421_FIRST.date()} .. {DE421_LAST.date()}) used for the Sun and eclipses")
    return when


def check_seed(seed: int, where: str = "--seed") -> int:
    """A random seed numpy accepts: an integer in [0, 2**32 - 1]."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not (0 <= seed < 2**32):
        raise InputError(where, f"{seed!r} is not a seed: use an integer in [0, {2**32 - 1}]")
    return seed


def aware_utc(value, where: str = "time") -> dt.datetime:
    """An ISO 8601 time with an explicit zone (``Z`` or an offset) or a date (00:00 UTC), as UTC.

    A time without a zone is refused: it is ambiguous (local time? UTC?)."""
    from .timeutil import parse_utc

    if not isinstance(value, (str, dt.date)):
        raise InputError(where, f"{value!r} is not a time: write an ISO 8601 string like 2022-09-17T05:35:00Z")
    return parse_utc(value, where, naive=False)
