"""Scenarios: validated TOML files (pydantic, ``extra="forbid"``).

A scenario names the station configuration, a UTC window, the initial consumables, optional
parameter overrides, crew activities (EVAs) and faults.  The dated assembly and traffic history
(modules, Shenzhou/Tianzhou dockings, crew arrivals and departures, cargo) comes from the station
history shipped with the package, so a scenario only says what differs.  Every validation error
names the file, the field (``faults[0].duration_h``) and the reason -- with a suggestion when a
field name looks like a typo.
"""

from __future__ import annotations

import datetime as dt
import difflib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import InputError
from .. import validation as V


class _Strict(BaseModel):
    # strict: `food_kg = true` is refused, not coerced to 1.0; numbers must be finite
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _utc(v):
    try:
        return V.aware_utc(v, "time")
    except InputError as exc:  # pydantic adds the field path
        raise ValueError(exc.why) from None


def _distinct(names: list[str]) -> list[str]:
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"{', '.join(dup)} listed more than once")
    if any(not n.strip() for n in names):
        raise ValueError("a crew name is empty")
    return names


MAX_FAULT_H = 3660 * 24.0  # the longest scenario window (10 years)


class Initial(_Strict):
    """Consumables aboard at the start (kg).  Defaults are assumptions (U): not published."""

    potable_water_kg: float = Field(900.0, ge=0)
    food_kg: float = Field(800.0, ge=0)
    o2_tank_kg: float = Field(150.0, ge=0)
    n2_tank_kg: float = Field(150.0, ge=0)
    propellant_kg: float = Field(1500.0, ge=0)
    battery_soc: float = Field(1.0, ge=0, le=1)
    altitude_m: float | None = Field(None, gt=150e3, lt=1000e3, description="default: from the nearest TLE")


class Reboost(_Strict):
    floor_altitude_m: float | None = Field(None, gt=150e3, lt=1000e3)
    target_altitude_m: float | None = Field(None, gt=150e3, lt=1000e3)
    enabled: bool = True

    @model_validator(mode="after")
    def _order(self):
        if self.floor_altitude_m and self.target_altitude_m and self.target_altitude_m <= self.floor_altitude_m:
            raise ValueError("target_altitude_m must be above floor_altitude_m")
        return self


class Report(_Strict):
    """What the run report shows beyond the telemetry."""

    ground_track_start: dt.datetime | None = Field(
        None, description="start of the report's one-day ground-track map (default: the scenario start)")

    @field_validator("ground_track_start", mode="before")
    @classmethod
    def _t(cls, v):
        return None if v is None else _utc(v)  # None: unset (a run.json holds it as null)


class Eva(_Strict):
    """A spacewalk as a crew activity: hatch open to hatch close.

    ``history = "sz14-eva2"`` takes name, times, EV crew and airlock from the packaged real-EVA file
    (data/eva/history/), so the station scenario and the EVA module share one source."""

    history: str | None = None
    name: str
    start: dt.datetime
    end: dt.datetime
    crew: list[str] = Field(min_length=1, max_length=3)
    airlock: Literal["wentian", "tianhe_node"] = "wentian"
    source: str = ""

    _t = field_validator("start", "end", mode="before")(_utc)
    _c = field_validator("crew")(_distinct)

    @model_validator(mode="before")
    @classmethod
    def _from_history(cls, data):
        if not isinstance(data, dict) or not data.get("history"):
            return data
        from ..eva.history import builtin_history

        if not isinstance(data["history"], str):
            raise ValueError("history: the name of a real EVA (a string), e.g. 'sz14-eva2'")
        known = {h.name: h for h in builtin_history()}
        h = known.get(data["history"])
        if h is None:
            hint = difflib.get_close_matches(str(data["history"]), list(known), n=1)
            raise ValueError(f"unknown real EVA {data['history']!r}"
                             + (f"; did you mean {hint[0]!r}?" if hint else f"; known: {', '.join(known)}"))
        filled = {"name": f"{h.mission} EVA-{h.eva_number}", "start": h.hatch_open, "end": h.hatch_close,
                  "crew": [h.crew.EV1, h.crew.EV2], "airlock": h.airlock, "source": " ; ".join(h.sources)}
        return {**filled, **data}

    @model_validator(mode="after")
    def _window(self):
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if (self.end - self.start) > dt.timedelta(hours=9):
            raise ValueError("longer than the suit's rated 8 h plus reserve")
        return self


FaultKind = Literal["electrolyser_off", "co2_removal_off", "water_recovery_off", "sabatier_off",
                    "cabin_leak", "array_degraded"]


class Fault(_Strict):
    """A fault changes a process for a while: ``kind`` at ``start`` for ``duration_h`` hours."""

    kind: FaultKind
    start: dt.datetime
    duration_h: float = Field(gt=0)
    severity: float = Field(1.0, ge=0, le=1, description="fraction of capacity lost / of arrays lost")
    hole_diameter_mm: float | None = Field(None, gt=0, le=100, description="cabin_leak only")

    _t = field_validator("start", mode="before")(_utc)

    @field_validator("duration_h")
    @classmethod
    def _duration(cls, v):
        if v > MAX_FAULT_H:
            raise ValueError(f"{v:g} h is longer than the longest scenario window (10 years = {MAX_FAULT_H:g} h)")
        return v


def _known(names: list[str], known: list[str], what: str) -> list[str]:
    """``names`` spelled as the shipped ``known`` ones (case-insensitive), or a ValueError naming
    the closest."""
    by_lower = {k.lower(): k for k in known}
    out = []
    for n in names:
        if n.lower() not in by_lower:
            hint = difflib.get_close_matches(n.lower(), list(by_lower), n=1)
            raise ValueError(f"unknown {what} {n!r}" + (f"; did you mean {by_lower[hint[0]]!r}?" if hint
                                                       else f"; known: {', '.join(known)}"))
        out.append(by_lower[n.lower()])
    return _distinct(out)


class Contacts(_Strict):
    """Contact windows as engine events (opt-in: ``[contacts]`` or ``contacts = true``): line of
    sight to the Tianlian relays and passes over the shipped TT&C ground stations
    (data/orbit/ground_stations.toml), from the scenario's orbit (replay or propagate)."""

    relays: bool | list[str] = Field(True, description="true: every Tianlian relay; false: none; or their names")
    stations: list[str] = Field([], description='ground stations by name, or "all"')
    min_elevation_deg: float | None = Field(None, ge=-5, le=89, description="ground-station mask (default 5 deg)")

    @field_validator("relays", mode="before")
    @classmethod
    def _relays(cls, v):
        from ..orbit.contacts import DEFAULT_RELAYS

        if isinstance(v, bool):
            return v
        if not isinstance(v, list) or not all(isinstance(n, str) for n in v):
            raise ValueError("true, false or a list of relay names")
        return _known(v, [r.name for r in DEFAULT_RELAYS], "relay")

    @field_validator("stations", mode="before")
    @classmethod
    def _stations(cls, v):
        from ..orbit.passes import ground_stations

        known = [s.name for s in ground_stations()]
        if v == "all":
            return known
        if not isinstance(v, list) or not all(isinstance(n, str) for n in v):
            raise ValueError(f'"all" or a list of ground-station names ({", ".join(known)})')
        return _known(v, known, "ground station")

    @model_validator(mode="after")
    def _some_link(self):
        if self.relays is False or self.relays == []:
            if not self.stations:
                raise ValueError("no relay and no ground station: nothing to be in contact with")
        return self


def _contacts_switch(v):
    """``contacts = true`` is ``[contacts]`` with its defaults, ``contacts = false`` no contacts."""
    if isinstance(v, bool):
        return {} if v else None
    if v is not None and not isinstance(v, dict):
        raise ValueError("true, false or a table [contacts] with relays, stations, min_elevation_deg")
    return v


class Scenario(_Strict):
    """A validated scenario.  Load with :meth:`Scenario.load` (built-in name or TOML path)."""

    name: str = Field(max_length=64, description="a safe slug: the default output directory is runs/<name>")
    description: str = Field("", max_length=2000)
    station: Literal["tiangong", "iss"] = "tiangong"
    start: dt.datetime
    end: dt.datetime
    sample_s: float = Field(120.0, gt=0, le=86400)
    tle: str = Field("builtin", max_length=4096, description="'builtin' or a path to a TLE file")
    orbit: Literal["replay", "propagate"] = Field(
        "replay", description="'replay': SGP4 on the real TLEs and the decay table; 'propagate': the numerical "
                              "propagator from the TLE nearest the start, with planned reboosts")
    contacts: Contacts | None = Field(None, description="contact windows as events and telemetry (default off)")
    crew: list[str] = Field([], description="extra crew aboard at the start (e.g. for a configuration without history)")
    initial: Initial = Initial()
    reboost: Reboost = Reboost()
    eva: list[Eva] = []
    faults: list[Fault] = []
    report: Report = Report()
    parameters: dict[str, float | int | str | bool | list[float]] = Field(
        {}, description='subsystem parameter overrides by dotted path, e.g. "power.battery.capacity_j" = 2.0e9')
    source_file: str = Field("", exclude=True)

    _t = field_validator("start", "end", mode="before")(_utc)
    _c = field_validator("crew")(_distinct)
    _k = field_validator("contacts", mode="before")(_contacts_switch)

    @field_validator("name")
    @classmethod
    def _slug(cls, v):
        try:
            return V.check_slug(v, "name")
        except InputError as exc:
            raise ValueError(exc.why) from None

    @model_validator(mode="after")
    def _window(self):
        if self.end <= self.start:
            raise ValueError("end must be after start (the duration must be positive)")
        if (self.end - self.start) > dt.timedelta(days=3660):
            raise ValueError("window longer than 10 years")
        if self.orbit == "propagate":
            if self.initial.altitude_m is not None:
                raise ValueError("initial.altitude_m: not used with orbit = 'propagate' "
                                 "(the altitude comes from the propagated orbit)")
            if (self.end - self.start) > dt.timedelta(days=366):
                raise ValueError("orbit = 'propagate' predicts at most 366 days")
        return self

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, name_or_path: str | Path) -> "Scenario":
        """A built-in scenario by name (``tiangong scenarios`` lists them) or a TOML file."""
        text, where = _read(str(name_or_path))
        return cls.from_dict(V.parse_toml(text, where), where)

    @classmethod
    def from_dict(cls, data: dict, where: str = "scenario") -> "Scenario":
        if not isinstance(data, dict):
            raise InputError(where, "a scenario is a TOML table")
        sc = V.validate(cls, {**data, "source_file": where}, where)
        _check_dates(sc, where)
        V.check_sample_count(sc.duration_s, sc.sample_s, f"{where}: sample_s")
        from ..limits import check_scenario

        check_scenario(sc, where)
        if sc.parameters:
            from ..config.parameters import with_overrides

            with_overrides(sc.parameters, f"{where}: parameters")  # a typo'd path is an error now, not at run time
        return sc


def builtin_names() -> list[str]:
    d = resources.files("tiangong.data.scenarios")
    return sorted(p.name[:-5] for p in d.iterdir() if p.name.endswith(".toml"))


def builtin_descriptions() -> list[tuple[str, str, str, str]]:
    """(name, start date, end date, description) of each built-in scenario, read without building
    anything (the listing stays instant; every built-in is validated by the tests)."""
    out = []
    d = resources.files("tiangong.data.scenarios")
    for n in builtin_names():
        data = V.parse_toml(d.joinpath(n + ".toml").read_text(encoding="utf-8"), f"{n}.toml")
        out.append((n, str(data["start"])[:10], str(data["end"])[:10], str(data.get("description", ""))))
    return out


def _read(name_or_path: str) -> tuple[str, str]:
    p = Path(name_or_path)
    if p.suffix == ".toml" or "/" in name_or_path or "\x00" in name_or_path or _exists(p):
        if "\x00" not in name_or_path and not _exists(p):
            raise InputError(name_or_path, "no such scenario file")
        return V.read_text(p, name_or_path), str(p)
    names = builtin_names()
    if name_or_path not in names:
        hint = difflib.get_close_matches(name_or_path, names, n=1)
        more = f"; did you mean {hint[0]!r}?" if hint else f"; built-in scenarios: {', '.join(names)}"
        raise InputError("scenario", f"unknown scenario {name_or_path!r}{more}")
    res = resources.files("tiangong.data.scenarios").joinpath(name_or_path + ".toml")
    return res.read_text(encoding="utf-8"), f"{name_or_path}.toml"


def _exists(p: Path) -> bool:
    try:
        return p.exists()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False


def _check_dates(sc: Scenario, where: str) -> None:
    if sc.station == "tiangong":
        first = dt.datetime(2021, 4, 29, 3, 23, 15, tzinfo=dt.timezone.utc)
        if sc.start < first:
            raise InputError(where, f"start: {sc.start.date()} is before the station existed "
                                    f"(Tianhe launched {first.isoformat().replace('+00:00', 'Z')})")
    for i, e in enumerate(sc.eva):
        if not (sc.start <= e.start and e.end <= sc.end):
            raise InputError(where, f"eva[{i}]: {e.name} is outside the scenario window")
    g = sc.report.ground_track_start
    if g is not None and not (sc.start <= g < sc.end):
        raise InputError(where, f"report.ground_track_start: {g.isoformat().replace('+00:00', 'Z')} is outside "
                                "the scenario window (the map shows one day from it)")
    for i, f in enumerate(sc.faults):
        if not (sc.start <= f.start <= sc.end):
            raise InputError(where, f"faults[{i}].start: outside the scenario window")
        if f.kind == "cabin_leak" and f.hole_diameter_mm is None:
            raise InputError(where, f"faults[{i}].hole_diameter_mm: required for a cabin_leak")
