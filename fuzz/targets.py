"""Fuzz targets for the parsers at the edges: bytes in, a validated object or an InputError out.

Anything else (a traceback of another type, a NaN that slips through, a value outside its
physical range) is a bug.  Used by ``fuzz/fuzz_parsers.py`` (atheris, ``make fuzz``) and by the
regression test over ``tests/fuzz_regressions/`` (every input that ever broke a parser).
"""

from __future__ import annotations

import math

from tiangong.errors import InputError

TARGETS = ("scenario", "tle", "station", "time")


def _check_scenario(sc) -> None:
    from tiangong.validation import DE421_FIRST, DE421_LAST, SLUG

    assert SLUG.fullmatch(sc.name) and ".." not in sc.name, sc.name
    assert DE421_FIRST <= sc.start < sc.end <= DE421_LAST
    for v in sc.initial.model_dump().values():
        assert v is None or (not isinstance(v, bool) and math.isfinite(v)), v
    for f in sc.faults:
        assert math.isfinite(f.duration_h) and f.duration_h > 0
    assert len(set(sc.crew)) == len(sc.crew)


def scenario(data: bytes) -> None:
    from tiangong.sim.scenario import Scenario
    from tiangong.validation import decode, parse_toml

    try:
        sc = Scenario.from_dict(parse_toml(decode(data, "fuzz.toml"), "fuzz.toml"), "fuzz.toml")
    except InputError:
        return
    _check_scenario(sc)


def tle(data: bytes) -> None:
    from tiangong.orbit.tle import parse_tle_text
    from tiangong.validation import decode

    try:
        sets = parse_tle_text(decode(data, "fuzz.tle"), "fuzz.tle")
    except InputError:
        return
    for s in sets:
        assert s.name is not None


def station(data: bytes) -> None:
    from tiangong.config.station_files import HistoryFile, StationFile, VehiclesFile, validate_file
    from tiangong.validation import decode, parse_toml

    try:
        d = parse_toml(decode(data, "fuzz.toml"), "fuzz.toml")
    except InputError:
        return
    for model in (StationFile, VehiclesFile, HistoryFile):
        try:
            validate_file(model, "fuzz.toml", d)
        except InputError:
            pass


def time(data: bytes) -> None:
    from tiangong.validation import aware_utc, check_in_ephemeris

    try:
        t = aware_utc(data.decode("utf-8", "replace"), "--at")
        check_in_ephemeris(t, "--at")
    except InputError:
        return
    assert t.tzinfo is not None


def run(data: bytes) -> None:
    """All targets on one input: the first byte picks the target."""
    if not data:
        return
    globals()[TARGETS[data[0] % len(TARGETS)]](data[1:])
