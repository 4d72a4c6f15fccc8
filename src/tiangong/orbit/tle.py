"""Two-line element sets (TLE): strict parsing, loading, choosing and drag-free copies.

Format: the NORAD/Space-Track two-line format (fixed columns, 69 characters a line, modulo-10
checksum in column 69: digits count their value, ``-`` counts 1, everything else 0), as
documented by CelesTrak (https://celestrak.org/columns/v04n03/) and used by ``sgp4``.
A file may hold one or more sets, each 2 lines or 3 lines (a name line first, optionally
``0 NAME``), with blank lines and ``#`` comment lines anywhere.

Every defect raises :class:`~tiangong.errors.InputError` with ``where = "<source>:<line>"`` and a
one-line reason, e.g. ``checksum is 3, expected 4``.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from sgp4.api import WGS72, Satrec

from ..errors import InputError
from ..timeutil import UTC, as_utc

TLE_LINE_LENGTH = 69
MIN_PERIGEE_KM = 100.0  # below this (the Karman line) nothing stays in orbit for even one revolution

# Field columns (0-based slices) of the two lines; names follow the CelesTrak column description.
_LINE1_FIELDS = {
    "catalogue number": slice(2, 7),
    "classification": slice(7, 8),
    "epoch year": slice(18, 20),
    "epoch day": slice(20, 32),
    "first derivative of mean motion": slice(33, 43),
    "second derivative of mean motion": slice(44, 52),
    "BSTAR drag term": slice(53, 61),
    "ephemeris type": slice(62, 63),
    "element set number": slice(64, 68),
}
_LINE2_FIELDS = {
    "catalogue number": slice(2, 7),
    "inclination": slice(8, 16),
    "right ascension of ascending node": slice(17, 25),
    "eccentricity": slice(26, 33),
    "argument of perigee": slice(34, 42),
    "mean anomaly": slice(43, 51),
    "mean motion": slice(52, 63),
    "revolution number": slice(63, 68),
}
# Columns that must be blank (0-based).
_LINE1_BLANKS = (1, 8, 17, 32, 43, 52, 61, 63)
_LINE2_BLANKS = (1, 7, 16, 25, 33, 42, 51)

_CATNUM = re.compile(r"^[0-9A-HJ-NP-Z][0-9]{4}$")  # 5 digits, or Alpha-5 (letter first, no I/O)
_EXP_FIELD = re.compile(r"^[ +-][0-9]{5}[+-][0-9]$")  # " 62585-4" = 0.62585e-4 (implied decimal point)
_DATA_LINE = re.compile(r"^[1-9] ")  # "0 NAME" is the 3-line name-line convention


def tle_checksum(line: str) -> int:
    """Modulo-10 checksum of the first 68 columns: digits add their value, '-' adds 1."""
    total = 0
    for ch in line[:68]:
        if ch.isdigit():
            total += ord(ch) - 48
        elif ch == "-":
            total += 1
    return total % 10


@dataclass(frozen=True)
class TLE:
    """One validated element set. ``epoch`` is the aware UTC datetime decoded from line 1."""

    name: str
    line1: str
    line2: str
    norad_id: int
    epoch: dt.datetime
    source: str = field(default="", compare=False)

    @functools.cached_property
    def satrec(self) -> Satrec:
        """The ``sgp4`` record (WGS72 constants, AFSPC mode, as ``twoline2rv`` defaults)."""
        return Satrec.twoline2rv(self.line1, self.line2)

    def __repr__(self) -> str:
        return f"TLE({self.name!r}, norad_id={self.norad_id}, epoch={self.epoch.isoformat()})"


def _fail(source: str, lineno: int, why: str) -> InputError:
    return InputError(f"{source}:{lineno}", why)


def _parse_float(text: str, what: str, source: str, lineno: int) -> float:
    s = text.strip()
    try:
        if not s or not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", s):
            raise ValueError
        return float(s)
    except ValueError:
        raise _fail(source, lineno, f"{what} {text.strip()!r} is not a number") from None


def _parse_exp(text: str, what: str, source: str, lineno: int) -> float:
    """Parse the implied-decimal exponent format, e.g. ' 62585-4' -> 0.62585e-4."""
    if not _EXP_FIELD.match(text):
        raise _fail(source, lineno, f"{what} {text.strip()!r} is not in the form ±NNNNN±E")
    sign = -1.0 if text[0] == "-" else 1.0
    return sign * float("0." + text[1:6]) * 10.0 ** int(text[6:8])


def _check_line(line: str, number: str, source: str, lineno: int) -> None:
    """Length, line number, blank separators, checksum: the checks common to both lines."""
    if len(line) != TLE_LINE_LENGTH:
        raise _fail(source, lineno, f"line {number} has {len(line)} characters, expected {TLE_LINE_LENGTH}")
    bad = next((c for c in line if not (" " <= c <= "~")), None)
    if bad is not None:  # a TLE is printable ASCII; sgp4 itself raises on a NUL (found by make fuzz)
        raise _fail(source, lineno, f"character {bad!r} at column {line.index(bad) + 1}: a TLE line is printable ASCII")
    if line[0] != number:
        raise _fail(source, lineno, f"line number is {line[0]!r}, expected {number!r}")
    if not line[68].isdigit():
        raise _fail(source, lineno, f"checksum column 69 is {line[68]!r}, expected a digit")
    expected = tle_checksum(line)
    if int(line[68]) != expected:
        raise _fail(source, lineno, f"checksum is {line[68]}, expected {expected}")
    for col in _LINE1_BLANKS if number == "1" else _LINE2_BLANKS:
        if line[col] != " ":
            raise _fail(source, lineno, f"column {col + 1} of line {number} is {line[col]!r}, expected a blank")


def _catalogue(line: str, source: str, lineno: int) -> str:
    cat = line[2:7]
    padded = cat.replace(" ", "0") if cat.strip() else cat  # old sets blank-pad the number
    if not _CATNUM.match(padded):
        raise _fail(source, lineno, f"catalogue number {cat.strip()!r} is not 5 digits")
    return padded


def _alpha5_to_int(cat: str) -> int:
    if cat[0].isdigit():
        return int(cat)
    letter = ord(cat[0]) - ord("A") + 10
    letter -= (cat[0] > "I") + (cat[0] > "O")  # Alpha-5 skips I and O
    return letter * 10000 + int(cat[1:])


def _parse_set(name: str, l1: str, l2: str, n1: int, n2: int, source: str) -> TLE:
    _check_line(l1, "1", source, n1)
    _check_line(l2, "2", source, n2)
    cat1 = _catalogue(l1, source, n1)
    cat2 = _catalogue(l2, source, n2)
    if cat1 != cat2:
        raise _fail(source, n2, f"catalogue number {cat2} does not match line 1's {cat1}")

    # Line 1 numeric fields.
    f1 = {k: l1[s] for k, s in _LINE1_FIELDS.items()}
    if f1["classification"] not in "UCS ":
        raise _fail(source, n1, f"classification {f1['classification']!r} is not U, C or S")
    if not f1["epoch year"].isdigit():
        raise _fail(source, n1, f"epoch year {f1['epoch year']!r} is not 2 digits")
    day = _parse_float(f1["epoch day"], "epoch day", source, n1)
    yy = int(f1["epoch year"])
    year = 1900 + yy if yy >= 57 else 2000 + yy  # the TLE convention: 57..99 -> 19xx
    days_in_year = 366 if dt.date(year, 12, 31).timetuple().tm_yday == 366 else 365
    if not 1.0 <= day < days_in_year + 1:
        raise _fail(source, n1, f"epoch day {day} is outside 1..{days_in_year + 1} for {year}")
    _parse_float(f1["first derivative of mean motion"], "first derivative of mean motion", source, n1)
    _parse_exp(f1["second derivative of mean motion"], "second derivative of mean motion", source, n1)
    _parse_exp(f1["BSTAR drag term"], "BSTAR drag term", source, n1)
    for key in ("ephemeris type", "element set number"):
        if not f1[key].strip().isdigit():
            raise _fail(source, n1, f"{key} {f1[key].strip()!r} is not a whole number")

    # Line 2 numeric fields, with the ranges the elements must lie in.
    f2 = {k: l2[s] for k, s in _LINE2_FIELDS.items()}
    ranges = {
        "inclination": (0.0, 180.0),
        "right ascension of ascending node": (0.0, 360.0),
        "argument of perigee": (0.0, 360.0),
        "mean anomaly": (0.0, 360.0),
    }
    for key, (lo, hi) in ranges.items():
        value = _parse_float(f2[key], key, source, n2)
        if not lo <= value <= hi:
            raise _fail(source, n2, f"{key} {value} is outside {lo:g}..{hi:g} degrees")
    if not f2["eccentricity"].isdigit():
        raise _fail(source, n2, f"eccentricity {f2['eccentricity']!r} is not 7 digits (implied leading '0.')")
    mean_motion = _parse_float(f2["mean motion"], "mean motion", source, n2)
    if not mean_motion > 0.0:
        raise _fail(source, n2, f"mean motion {mean_motion} rev/day is not positive")
    # Kepler's third law (WGS72 GM, as SGP4): a set whose perigee is below 100 km is not an orbit
    ecc = float("0." + f2["eccentricity"]) if f2["eccentricity"].isdigit() else 0.0
    a_m = (3.986008e14 / (mean_motion * 2.0 * math.pi / 86400.0) ** 2) ** (1.0 / 3.0)
    perigee_km = (a_m * (1.0 - ecc) - 6378135.0) / 1e3
    if perigee_km < MIN_PERIGEE_KM:
        raise _fail(source, n2, f"mean motion {mean_motion:g} rev/day (eccentricity {ecc:g}) puts the perigee at "
                                f"{perigee_km:.0f} km, below {MIN_PERIGEE_KM:g} km: not an orbit")
    if not f2["revolution number"].strip().isdigit():
        raise _fail(source, n2, f"revolution number {f2['revolution number'].strip()!r} is not a whole number")

    satrec = Satrec.twoline2rv(l1, l2)
    if satrec.error:
        raise _fail(source, n1, f"sgp4 rejects the elements (error code {satrec.error})")

    epoch = dt.datetime(year, 1, 1, tzinfo=UTC) + dt.timedelta(days=day - 1.0)
    tle = TLE(
        name=name or f"NORAD {_alpha5_to_int(cat1)}",
        line1=l1,
        line2=l2,
        norad_id=_alpha5_to_int(cat1),
        epoch=epoch,
        source=f"{source}:{n1}",
    )
    tle.__dict__["satrec"] = satrec  # prime the cached property
    return tle


def parse_tle_text(text: str, source: str = "<tle>") -> list[TLE]:
    """Parse every 2- or 3-line set in ``text``; ``source`` names the file in error messages."""
    lines = text.splitlines()
    tles: list[TLE] = []
    name: str | None = None
    name_lineno = 0
    pending: tuple[str, int] | None = None  # line 1 waiting for its line 2
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            if pending is not None:
                raise _fail(source, pending[1], "line 1 is not followed by line 2")
            continue
        is_data = bool(_DATA_LINE.match(line)) or len(line) == TLE_LINE_LENGTH
        if not is_data:
            if pending is not None:
                raise _fail(source, lineno, f"expected line 2 after line {pending[1]}, found {line.strip()[:30]!r}")
            if name is not None:
                raise _fail(source, name_lineno, f"name line {name!r} is not followed by a TLE line 1")
            name = line.strip()
            if name.startswith("0 "):
                name = name[2:].strip()
            name_lineno = lineno
            continue
        if pending is None:
            if line[0] != "1":
                raise _fail(source, lineno, f"line number is {line[0]!r}, expected '1' (a set starts with line 1)")
            _check_line(line, "1", source, lineno)  # report a bad line 1 at its own line number
            pending = (line, lineno)
        else:
            if line[0] != "2":
                raise _fail(source, lineno, f"line number is {line[0]!r}, expected '2'")
            tles.append(_parse_set(name or "", pending[0], line, pending[1], lineno, source))
            pending, name = None, None
    if pending is not None:
        raise _fail(source, pending[1], "line 1 is not followed by line 2 (end of file)")
    if name is not None:
        raise _fail(source, name_lineno, f"name line {name!r} is not followed by a TLE line 1 (end of file)")
    if not tles:
        raise InputError(source, "no TLE sets found")
    return tles


def load_tle_file(path: str | Path) -> list[TLE]:
    """Read and parse a TLE file (UTF-8). A missing, unreadable, non-regular (``/dev/zero``) or
    over-large file is an InputError (the one reader of user files, :func:`tiangong.validation.read_text`)."""
    from ..validation import read_text

    if Path(path).is_dir():
        raise InputError(str(path), "is a directory, expected a TLE file")
    return parse_tle_text(read_text(path, str(path)), str(path))


@functools.lru_cache(maxsize=None)
def _builtin(station: str) -> tuple[TLE, ...]:
    resource = f"data/tle/{station}.tle"
    res = importlib.resources.files("tiangong").joinpath(resource)
    if not res.is_file():
        raise InputError("tle", f"no built-in TLEs for station {station!r}")
    return tuple(parse_tle_text(res.read_text(encoding="utf-8"), f"tiangong/{resource}"))


def builtin_tles(station: str = "tiangong") -> list[TLE]:
    """Real TLEs shipped in ``tiangong/data/tle/<station>.tle`` (Tiangong's history; the ISS), by epoch."""
    return sorted(_builtin(station), key=lambda t: t.epoch)


def select_tle(when: dt.datetime, spec: str | None = None, station: str = "tiangong") -> TLE:
    """The set nearest ``when`` from a TLE file ``spec``, or from the station's built-in sets when
    ``spec`` is None, "" or "builtin".  The one place that turns a user's TLE choice into a set."""
    tles = builtin_tles(station) if spec in (None, "", "builtin") else load_tle_file(spec)
    return nearest_tle(tles, when)


def nearest_tle(tles: Iterable[TLE], when: dt.datetime) -> TLE:
    """The set whose epoch is nearest ``when`` (aware datetime); ties go to the earlier epoch."""
    when = as_utc(when)
    tles = list(tles)
    if not tles:
        raise InputError("tle", "no TLE sets to choose from")
    return min(tles, key=lambda t: (abs((t.epoch - when).total_seconds()), t.epoch))


def without_drag(tle: TLE | Satrec) -> Satrec:
    """A copy of the set's ``Satrec`` with ndot, nddot and BSTAR zeroed (same epoch and elements).

    SGP4 with a real BSTAR decays the orbit by km per week; long scenarios that only need the
    geometry (eclipses, beta) months away from the epoch use this instead.
    """
    src = tle.satrec if isinstance(tle, TLE) else tle
    sat = Satrec()
    epoch_days = (src.jdsatepoch - 2433281.5) + src.jdsatepochF  # days since 1949-12-31 00:00 UTC
    sat.sgp4init(
        WGS72, "i", src.satnum, epoch_days,
        0.0, 0.0, 0.0,  # bstar, ndot, nddot
        src.ecco, src.argpo, src.inclo, src.mo, src.no_kozai, src.nodeo,
    )
    return sat
