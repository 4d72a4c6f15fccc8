"""Property tests of the loaders at the edges (hypothesis): whatever the input, a validated object
whose numbers are finite and inside their physical ranges, or one InputError -- never another
exception, never a hang."""

import datetime as dt
import math
import tomllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tiangong.errors import InputError
from tiangong.sim.scenario import Scenario
from tiangong.validation import DE421_FIRST, DE421_LAST, SLUG, aware_utc, parse_toml

SETTINGS = settings(max_examples=300, deadline=5000, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30), st.booleans(),
                    st.sampled_from([0, -1, 1e308, -1e308, 5e-324, 1e-9, 0.001, 120, 86400, 1e6]),
                    st.text(max_size=8))
times = st.one_of(st.sampled_from(["2022-11-29T00:00:00Z", "2022-12-01T00:00:00Z", "2022-11-29T00:00:00",
                                   "2060-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1800-01-01", "2022-11-30",
                                   "2026-01-01T00:00:00Z", "2021-04-29T03:23:15Z", "2022-11-29T00:00:00+14:00",
                                   "not a time", ""]),
                  st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30),
                               timezones=st.one_of(st.none(), st.just(dt.timezone.utc))),
                  numbers)
names = st.one_of(st.sampled_from(["short", "../../escape", "a/b", "", ".", "..", "x" * 65, "ok-1.2_3", "a\x00"]),
                  st.text(max_size=70))
crew = st.lists(st.sampled_from(["Chen Dong", "Liu Yang", "A", "B", "", " "]) | st.text(max_size=5), max_size=12)
initial = st.dictionaries(st.sampled_from(["potable_water_kg", "food_kg", "o2_tank_kg", "n2_tank_kg",
                                           "propellant_kg", "battery_soc", "altitude_m", "bogus"]), numbers, max_size=4)
fault = st.fixed_dictionaries({"kind": st.sampled_from(["electrolyser_off", "cabin_leak", "gremlins"]),
                               "start": times, "duration_h": numbers},
                              optional={"severity": numbers, "hole_diameter_mm": numbers})
eva = st.fixed_dictionaries({}, optional={"history": st.one_of(st.sampled_from(["sz14-eva2", "nope"]), numbers),
                                          "name": names, "start": times, "end": times, "crew": crew})
wild = st.fixed_dictionaries(
    {},
    optional={"name": names, "start": times, "end": times, "sample_s": numbers, "station": st.sampled_from(["tiangong", "iss", "mir"]), "crew": crew,
              "initial": initial, "faults": st.lists(fault, max_size=2), "eva": st.lists(eva, max_size=2),
              "reboost": st.dictionaries(st.sampled_from(["floor_altitude_m", "target_altitude_m", "enabled"]),
                                         numbers, max_size=3),
              "description": st.text(max_size=20),
              "tle": st.sampled_from(["builtin", "", "/dev/zero", "/nonexistent.tle", "/tmp", "a\x00b", "/bin/sh"])})
BASE = {"name": "short", "start": "2022-11-29T00:00:00Z", "end": "2022-12-01T00:00:00Z", "sample_s": 300.0}
valid_initial = st.fixed_dictionaries({}, optional={
    k: st.floats(0, hi) for k, hi in (("potable_water_kg", 5e5), ("food_kg", 5e5), ("o2_tank_kg", 5e5),
                                      ("n2_tank_kg", 5e5), ("propellant_kg", 1e5), ("battery_soc", 1.0))})
# a valid scenario with a few fields replaced by wild values: most examples get past the first check
scenario = st.tuples(valid_initial, wild).map(lambda iw: {**BASE, "initial": iw[0], **iw[1]})


def _check(sc: Scenario) -> None:
    assert SLUG.fullmatch(sc.name) and ".." not in sc.name
    assert DE421_FIRST <= sc.start < sc.end <= DE421_LAST
    assert sc.start.tzinfo is not None and sc.end.tzinfo is not None
    for k, v in sc.initial.model_dump().items():
        assert v is None or (type(v) is float and math.isfinite(v) and v >= 0), (k, v)
    assert 0 < sc.sample_s and (sc.end - sc.start).total_seconds() / sc.sample_s <= 5_000_000
    for f in sc.faults:
        assert math.isfinite(f.duration_h) and 0 < f.duration_h <= 87840
    assert len(set(sc.crew)) == len(sc.crew)


@SETTINGS
@given(scenario)
def test_scenario_dicts(data):
    try:
        sc = Scenario.from_dict(data, "prop.toml")
    except InputError as exc:
        assert exc.where.startswith("prop.toml") and "\n" not in str(exc)
        return
    _check(sc)


@SETTINGS
@given(st.text(max_size=400))
def test_scenario_text(text):
    """Arbitrary text (mostly not TOML) through the parser and the model."""
    try:
        sc = Scenario.from_dict(parse_toml(text, "prop.toml"), "prop.toml")
    except InputError:
        return
    _check(sc)


@SETTINGS
@given(scenario)
def test_scenario_round_trip_through_toml(data):
    """Scenarios written as TOML by a real writer parse the same as the dict (where TOML can hold it)."""
    import json

    try:
        text = "\n".join(f"{k} = {json.dumps(v)}" for k, v in data.items() if isinstance(v, (str, int, float, bool))
                         and not (isinstance(v, float) and not math.isfinite(v)))
        tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, TypeError):
        return
    try:
        Scenario.from_dict(parse_toml(text, "prop.toml"), "prop.toml")
    except InputError:
        pass


@SETTINGS
@given(times)
def test_times(value):
    try:
        t = aware_utc(value, "--at")
    except InputError as exc:
        assert exc.where == "--at"
        return
    assert t.tzinfo is not None and t.utcoffset() == dt.timedelta(0)
    if isinstance(value, str) and len(value.strip()) > 10 and not value.strip().endswith(("Z", "z")):
        assert "+" in value or "-" in value[10:]  # a time was accepted only with its zone


def _leaves(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, path + (i,))
    else:
        yield path


def _set(obj, path, value):
    import copy

    obj = copy.deepcopy(obj)
    cur = obj
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return obj


@settings(max_examples=200, deadline=5000, database=None)
@given(st.sampled_from([("data/station", "vehicles.toml"), ("data/station", "tiangong.toml"),
                        ("data/history", "tiangong.toml")]), st.data())
def test_station_files_with_one_wild_value(which, data):
    """The packaged station files with one leaf replaced by a wild value: refused with a field path,
    or accepted with every number still finite (strict models: no bool or string coerced)."""
    from tiangong.config.station_files import HistoryFile, StationFile, VehiclesFile, read_packaged_toml, validate_file

    model = {"vehicles.toml": VehiclesFile, "tiangong.toml": StationFile}[which[1]] if which[0] == "data/station" \
        else HistoryFile
    shown, doc = read_packaged_toml(*which)
    leaves = list(_leaves(doc))
    path = data.draw(st.sampled_from(leaves))
    value = data.draw(numbers)
    try:
        obj = validate_file(model, shown, _set(doc, path, value))
    except InputError as exc:
        assert exc.where.startswith(shown)
        return
    for leaf in _leaves(obj.model_dump()):
        v = obj.model_dump()
        for p in leaf:
            v = v[p]
        assert not (isinstance(v, float) and not math.isfinite(v)), (leaf, v)
