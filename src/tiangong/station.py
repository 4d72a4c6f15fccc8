"""Station configuration: which modules, docked vehicles and crew a station has at a date.

Data live in ``tiangong/data/station/*.toml`` (modules, vehicles) and ``tiangong/data/history/*.toml``
(dated assembly and traffic events); every figure there carries its source and a confidence tag.
The files are validated with pydantic models (``extra="forbid"``): a bad file raises
:class:`~tiangong.errors.InputError` naming the file and the field.

Public API::

    load_config(name="tiangong") -> StationConfig      # "tiangong" or "iss"
    history(name="tiangong") -> list[HistoryEvent]      # sorted, aware UTC times
    station_at(when, config="tiangong") -> StationState # modules, docked vehicles, crew, totals

Conventions (see docs/station.md):

* ``mass_kg`` of a state counts modules only; ``mass_with_vehicles_kg`` adds the docked ships.
* ``pressurized_volume_m3`` and ``habitable_volume_m3`` count modules only (a docked Shenzhou is the
  crew's lifeboat, a Tianzhou's hold is full of bags); ``*_with_vehicles_m3`` add the ships.
* ``array_area_m2`` / ``array_power_w`` are the modules' wings at beginning of life (BOL);
  ``array_power_degraded_w`` applies each module's nominal degradation since its launch.
* A crew is aboard from hatch opening (``crew_arrive``) until its vehicle undocks (``crew_depart``).

Loaded files are cached; :func:`station_at` is memoised, so repeated calls are cheap.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping


from .config.station_files import (
    EVENT_KINDS,  # noqa: F401  (re-exported: station.EVENT_KINDS)
    EventFile,
    HistoryFile,
    ModuleFile,
    StationFile,
    VehiclesFile,
    read_packaged_toml,
    validate_file,
)
from .errors import InputError
from .timeutil import as_utc, iso_z, parse_utc

CONFIGS: tuple[str, ...] = ("tiangong", "iss")
"""Built-in station configurations."""

# Same-time ordering: arrivals before departures; a crew leaves before its ship undocks.
_KIND_ORDER = {
    "module_launch": 0,
    "module_dock": 1,
    "module_relocate": 2,
    "vehicle_dock": 3,
    "vehicle_relocate": 4,
    "crew_arrive": 5,
    "eva": 6,
    "crew_depart": 7,
    "vehicle_undock": 8,
}
_PORT_ORDER = {"forward": 0, "aft": 1, "nadir": 2, "zenith": 3, "port": 4, "starboard": 5}

_STATION_DIR = "data/station"
_HISTORY_DIR = "data/history"

# ============================================================================ public values
@dataclass(frozen=True)
class Module:
    """One module: SI values as flown (mass in orbit, BOL arrays) and where it sits (``position``).

    ``position`` is ``core`` for Tianhe, the Tianhe port a lab module occupies (``forward``,
    ``port``, ``starboard``), or a segment label for the ISS.  Sources: data/station/<config>.toml.
    """

    name: str
    mass_kg: float
    length_m: float
    diameter_m: float | None
    pressurized_volume_m3: float
    habitable_volume_m3: float
    array_area_m2: float
    array_power_w: float
    position: str
    launch_mass_kg: float | None = None
    launch_time: dt.datetime | None = None
    cell_efficiency: float | None = None
    degradation_pct_per_yr: float = 0.0
    role: str = ""

    def array_power_at_w(self, when: dt.datetime) -> float:
        """Array power (W) at ``when``: BOL compounded down by ``degradation_pct_per_yr`` since launch."""
        if self.launch_time is None or self.array_power_w == 0.0:
            return self.array_power_w
        years = max(0.0, (as_utc(when) - self.launch_time).total_seconds() / (365.25 * 86400.0))
        return self.array_power_w * (1.0 - self.degradation_pct_per_yr / 100.0) ** years


@dataclass(frozen=True)
class VehicleType:
    """A visiting-vehicle type (and variant): default docked mass, size, volumes, capacities (SI)."""

    type: str
    variant: str | None
    title: str
    crew_capacity: int
    mass_kg: float
    length_m: float
    diameter_m: float
    pressurized_volume_m3: float
    habitable_volume_m3: float
    cargo_capacity_kg: float | None = None
    propellant_capacity_kg: float | None = None


@dataclass(frozen=True)
class PublishedTotals:
    """Whole-station figures published by the operator/press (for comparison), with sources."""

    mass_kg: float
    mass_source: str
    mass_with_vehicles_kg: float | None
    pressurized_volume_m3: float | None
    habitable_volume_m3: float | None


@dataclass(frozen=True)
class StationConfig:
    """A station configuration: its modules (final positions), vehicle types, published totals.

    ``valid_from`` is the first instant the station existed; ``fixed`` means there is no history
    (the same modules are returned for every date).
    """

    name: str
    title: str
    valid_from: dt.datetime
    fixed: bool
    modules: tuple[Module, ...]
    vehicle_types: Mapping[str, VehicleType]
    published: PublishedTotals

    def module(self, name: str) -> Module:
        for m in self.modules:
            if m.name == name:
                return m
        raise KeyError(name)

    def vehicle_type(self, type_: str, variant: str | None = None) -> VehicleType:
        """The vehicle type, e.g. ``("tianzhou", "improved")``; KeyError if unknown."""
        return self.vehicle_types[f"{type_}/{variant}" if variant else type_]


@dataclass(frozen=True)
class Cargo:
    """What a Tianzhou brought: packaged supplies and station propellant (kg).

    ``water_kg``, ``o2_kg`` and ``n2_kg`` are parts of ``supplies_kg``.  Field names listed in
    ``estimated`` are not published: they are estimates (confidence L), see the history file.
    """

    supplies_kg: float
    propellant_kg: float
    water_kg: float | None
    o2_kg: float | None
    n2_kg: float | None
    crew_days: float | None
    estimated: tuple[str, ...]
    source: str
    confidence: str

    @property
    def total_kg(self) -> float:
        """Supplies plus station propellant (kg)."""
        return self.supplies_kg + self.propellant_kg


@dataclass(frozen=True)
class HistoryEvent:
    """One dated event of a station's history (times aware UTC).

    ``kind`` is one of :data:`EVENT_KINDS`.  ``name`` is the module or vehicle (for crew events
    "<mission> crew", for EVAs "<mission> EVA-n").  ``port`` is where something docks or moves to,
    ``from_port`` where a relocation starts.  ``end_time`` ends a vehicle relocation (free flight in
    between) or an EVA.  Crew events name the ``mission`` (crew identity) and the ``vehicle`` used.
    """

    time: dt.datetime
    kind: str
    name: str
    source: str
    confidence: str
    vehicle_type: str | None = None
    variant: str | None = None
    port: str | None = None
    from_port: str | None = None
    mass_kg: float | None = None
    cargo: Cargo | None = None
    crew: tuple[str, ...] = ()
    mission: str | None = None
    vehicle: str | None = None
    end_time: dt.datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class DockedVehicle:
    """A visiting vehicle docked at ``port`` since ``docked_at`` (mass and volumes in SI)."""

    name: str
    type: str
    port: str
    mass_kg: float
    docked_at: dt.datetime
    pressurized_volume_m3: float
    habitable_volume_m3: float
    variant: str | None = None


@dataclass(frozen=True)
class StationState:
    """The station at instant ``at``: modules (with positions), docked vehicles, crew aboard.

    Totals: ``mass_kg`` and the volumes count modules only; the ``*_with_vehicles_*`` totals add
    the docked ships.  Array figures are BOL sums over modules.
    """

    config: str
    at: dt.datetime
    modules: tuple[Module, ...]
    vehicles: tuple[DockedVehicle, ...]
    crew: tuple[str, ...]
    fixed: bool = False
    history_until: dt.datetime | None = None

    @property
    def mass_kg(self) -> float:
        """Sum of module in-orbit masses (kg), without visiting vehicles."""
        return float(sum(m.mass_kg for m in self.modules))

    @property
    def vehicles_mass_kg(self) -> float:
        return float(sum(v.mass_kg for v in self.vehicles))

    @property
    def mass_with_vehicles_kg(self) -> float:
        """Modules plus docked Shenzhou/Tianzhou (kg)."""
        return self.mass_kg + self.vehicles_mass_kg

    @property
    def pressurized_volume_m3(self) -> float:
        """Pressurised volume of the modules only (m3)."""
        return float(sum(m.pressurized_volume_m3 for m in self.modules))

    @property
    def habitable_volume_m3(self) -> float:
        """Habitable volume of the modules only (m3); docked vehicles are not counted."""
        return float(sum(m.habitable_volume_m3 for m in self.modules))

    @property
    def pressurized_volume_with_vehicles_m3(self) -> float:
        return self.pressurized_volume_m3 + float(sum(v.pressurized_volume_m3 for v in self.vehicles))

    @property
    def habitable_volume_with_vehicles_m3(self) -> float:
        return self.habitable_volume_m3 + float(sum(v.habitable_volume_m3 for v in self.vehicles))

    @property
    def array_area_m2(self) -> float:
        """Solar-array area of the modules (m2)."""
        return float(sum(m.array_area_m2 for m in self.modules))

    @property
    def array_power_w(self) -> float:
        """Solar-array power of the modules at beginning of life (W)."""
        return float(sum(m.array_power_w for m in self.modules))

    @property
    def array_power_degraded_w(self) -> float:
        """Array power (W) after each module's nominal degradation since its launch."""
        return float(sum(m.array_power_at_w(self.at) for m in self.modules))

    @property
    def configuration(self) -> str | None:
        """Tiangong shape: ``"T"`` (labs port and starboard), ``"L"`` (one lab at a side),
        ``"一"`` (lab on the forward axis only), ``"single"`` (Tianhe alone); None for fixed configs."""
        if self.fixed:
            return None
        lateral = sum(1 for m in self.modules if m.position in ("port", "starboard"))
        axial = sum(1 for m in self.modules if m.position == "forward")
        if lateral >= 2:
            return "T"
        if lateral == 1:
            return "L"
        if axial:
            return "一"
        return "single"

    def module(self, name: str) -> Module:
        for m in self.modules:
            if m.name == name:
                return m
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (SI units, ISO Z times)."""
        return {
            "config": self.config,
            "at": iso_z(self.at, 0),
            "configuration": self.configuration,
            "modules": [
                {
                    "name": m.name,
                    "position": m.position,
                    "mass_kg": m.mass_kg,
                    "length_m": m.length_m,
                    "diameter_m": m.diameter_m,
                    "pressurized_volume_m3": m.pressurized_volume_m3,
                    "habitable_volume_m3": m.habitable_volume_m3,
                    "array_area_m2": m.array_area_m2,
                    "array_power_w": m.array_power_w,
                }
                for m in self.modules
            ],
            "vehicles": [
                {
                    "name": v.name,
                    "type": v.type,
                    "port": v.port,
                    "mass_kg": v.mass_kg,
                    "docked_at": iso_z(v.docked_at, 0),
                }
                for v in self.vehicles
            ],
            "crew": list(self.crew),
            "mass_kg": round(self.mass_kg, 3),
            "mass_with_vehicles_kg": round(self.mass_with_vehicles_kg, 3),
            "pressurized_volume_m3": round(self.pressurized_volume_m3, 3),
            "habitable_volume_m3": round(self.habitable_volume_m3, 3),
            "pressurized_volume_with_vehicles_m3": round(self.pressurized_volume_with_vehicles_m3, 3),
            "habitable_volume_with_vehicles_m3": round(self.habitable_volume_with_vehicles_m3, 3),
            "array_area_m2": round(self.array_area_m2, 3),
            "array_power_w": round(self.array_power_w, 3),
            "array_power_degraded_w": round(self.array_power_degraded_w, 1),
            "fixed_configuration": self.fixed,
            "history_until": iso_z(self.history_until, 0) if self.history_until else None,
        }


# ============================================================================ loading
def _check_name(name: str) -> str:
    key = str(name).strip().lower()
    if key not in CONFIGS:
        raise InputError("--config", f"unknown configuration {name!r} (choose {' or '.join(CONFIGS)})")
    return key


def _module_from_file(m: ModuleFile) -> Module:
    a = m.arrays
    return Module(
        name=m.name,
        mass_kg=float(m.mass_kg),
        length_m=float(m.length_m),
        diameter_m=None if m.diameter_m is None else float(m.diameter_m),
        pressurized_volume_m3=float(m.pressurized_volume_m3),
        habitable_volume_m3=float(m.habitable_volume_m3),
        array_area_m2=float(a.array_area_m2) if a else 0.0,
        array_power_w=float(a.array_power_w) if a else 0.0,
        position=m.position,
        launch_mass_kg=None if m.launch_mass_kg is None else float(m.launch_mass_kg),
        launch_time=m.launch_time,
        cell_efficiency=a.cell_efficiency if a else None,
        degradation_pct_per_yr=a.degradation_pct_per_yr if a else 0.0,
        role=m.role,
    )


@functools.lru_cache(maxsize=None)
def _vehicle_types() -> Mapping[str, VehicleType]:
    shown, data = read_packaged_toml(_STATION_DIR, "vehicles.toml")
    vf: VehiclesFile = validate_file(VehiclesFile, shown, data)
    out: dict[str, VehicleType] = {}
    for key, t in vf.vehicles.items():
        base = VehicleType(
            type=key,
            variant=None,
            title=t.title,
            crew_capacity=t.crew_capacity,
            mass_kg=float(t.mass_kg),
            length_m=float(t.length_m),
            diameter_m=float(t.diameter_m),
            pressurized_volume_m3=float(t.pressurized_volume_m3),
            habitable_volume_m3=float(t.habitable_volume_m3),
            cargo_capacity_kg=t.cargo_capacity_kg,
            propellant_capacity_kg=t.propellant_capacity_kg,
        )
        out[key] = base
        if t.improved is not None:
            v = t.improved
            out[f"{key}/improved"] = replace(
                base,
                variant="improved",
                title=v.title,
                mass_kg=float(v.mass_kg),
                pressurized_volume_m3=base.pressurized_volume_m3
                if v.pressurized_volume_m3 is None
                else float(v.pressurized_volume_m3),
                cargo_capacity_kg=v.cargo_capacity_kg if v.cargo_capacity_kg is not None else base.cargo_capacity_kg,
                propellant_capacity_kg=v.propellant_capacity_kg
                if v.propellant_capacity_kg is not None
                else base.propellant_capacity_kg,
            )
    return MappingProxyType(out)


@functools.lru_cache(maxsize=None)
def _load_config(key: str) -> StationConfig:
    shown, data = read_packaged_toml(_STATION_DIR, f"{key}.toml")
    sf: StationFile = validate_file(StationFile, shown, data)
    if sf.name != key:
        raise InputError(f"{shown}: name", f"is {sf.name!r}, expected {key!r}")
    p = sf.published
    return StationConfig(
        name=sf.name,
        title=sf.title,
        valid_from=sf.valid_from,
        fixed=sf.fixed,
        modules=tuple(_module_from_file(m) for m in sf.modules),
        vehicle_types=_vehicle_types() if not sf.fixed else MappingProxyType({}),
        published=PublishedTotals(
            mass_kg=float(p.mass_kg),
            mass_source=p.mass_source,
            mass_with_vehicles_kg=p.mass_with_vehicles_kg,
            pressurized_volume_m3=p.pressurized_volume_m3,
            habitable_volume_m3=p.habitable_volume_m3,
        ),
    )


def load_config(name: str = "tiangong") -> StationConfig:
    """The station configuration ``name`` ("tiangong" or "iss"); InputError("--config") otherwise."""
    return _load_config(_check_name(name))


def _event_from_file(e: EventFile) -> HistoryEvent:
    c = e.cargo
    cargo = None
    if c is not None:
        cargo = Cargo(
            supplies_kg=float(c.supplies_kg),
            propellant_kg=float(c.propellant_kg),
            water_kg=c.water_kg,
            o2_kg=c.o2_kg,
            n2_kg=c.n2_kg,
            crew_days=c.crew_days,
            estimated=tuple(c.estimated),
            source=c.source,
            confidence=c.confidence,
        )
    return HistoryEvent(
        time=e.time,
        kind=e.kind,
        name=e.name,
        source=e.source,
        confidence=e.confidence,
        vehicle_type=e.type,
        variant=e.variant,
        port=e.port,
        from_port=e.from_port,
        mass_kg=None if e.mass_kg is None else float(e.mass_kg),
        cargo=cargo,
        crew=tuple(e.crew),
        mission=e.mission,
        vehicle=e.vehicle,
        end_time=e.end_time,
        note=e.note,
    )


@functools.lru_cache(maxsize=None)
def _load_history(key: str) -> tuple[HistoryEvent, ...]:
    cfg = _load_config(key)
    if cfg.fixed:
        return ()
    shown, data = read_packaged_toml(_HISTORY_DIR, f"{key}.toml")
    hf: HistoryFile = validate_file(HistoryFile, shown, data)
    names = {m.name for m in cfg.modules}
    for i, e in enumerate(hf.events):
        if e.kind.startswith("module_") and e.name not in names:
            raise InputError(f"{shown}: events.{i}.name", f"unknown module {e.name!r} (known: {sorted(names)})")
        if e.type is not None:
            try:
                cfg.vehicle_type(e.type, e.variant)
            except KeyError:
                raise InputError(f"{shown}: events.{i}.variant", f"no vehicle type {e.type}/{e.variant}") from None
    events = sorted(
        (_event_from_file(e) for e in hf.events), key=lambda ev: (ev.time, _KIND_ORDER[ev.kind])
    )
    if events[0].time != cfg.valid_from:
        raise InputError(f"{shown}: events", "the first event must be at the configuration's valid_from")
    return tuple(events)


def history(name: str = "tiangong") -> list[HistoryEvent]:
    """All dated events of station ``name``, sorted by time (empty for a fixed configuration)."""
    return list(_load_history(_check_name(name)))


def history_end(events) -> dt.datetime | None:
    """End of a known history: the last moment any of its events reaches (a relocation ends at
    its ``end_time``); None for a fixed configuration."""
    return max((max(e.time, e.end_time or e.time) for e in events), default=None)


# ============================================================================ state at a date
def _when_text(when: dt.datetime) -> str:
    if when.time() == dt.time(0, 0):
        return when.date().isoformat()
    return iso_z(when, 0)


def _founding_text(cfg: StationConfig) -> str:
    for m in cfg.modules:
        if m.launch_time == cfg.valid_from:
            return f"{m.name} launched {_when_text(cfg.valid_from)}"
    first = cfg.modules[0].name
    return f"{first} launched {_when_text(cfg.valid_from)}"


@dataclass
class Configuration:
    """What the history changes, as plain data: module positions, docked vehicles, the crews aboard
    by mission, and ships in free flight between two ports (a relocation under way)."""

    positions: dict[str, str] = field(default_factory=dict)
    docked: dict[str, DockedVehicle] = field(default_factory=dict)
    crews: dict[str, tuple[str, ...]] = field(default_factory=dict)
    relocating: dict[str, DockedVehicle] = field(default_factory=dict)

    def crew(self) -> tuple[str, ...]:
        return tuple(name for names in self.crews.values() for name in names)


def apply(ev: HistoryEvent, conf: Configuration, cfg: StationConfig, end: bool = False) -> None:
    """Apply one history event to ``conf`` -- the one replay rule, shared by :func:`station_at`
    and the engine.  A relocation is two steps: the ship leaves its port (``end=False``, at
    ``ev.time``) and docks at the new one (``end=True``, at ``ev.end_time``)."""
    k = ev.kind
    if k == "module_launch":
        if ev.port:  # only the core module joins the station at launch
            conf.positions[ev.name] = ev.port
    elif k in ("module_dock", "module_relocate"):
        conf.positions[ev.name] = ev.port  # type: ignore[assignment]
    elif k == "vehicle_dock":
        vt = cfg.vehicle_type(ev.vehicle_type, ev.variant)  # type: ignore[arg-type]
        conf.docked[ev.name] = DockedVehicle(
            name=ev.name, type=vt.type, variant=vt.variant, port=ev.port,  # type: ignore[arg-type]
            mass_kg=ev.mass_kg if ev.mass_kg is not None else vt.mass_kg, docked_at=ev.time,
            pressurized_volume_m3=vt.pressurized_volume_m3, habitable_volume_m3=vt.habitable_volume_m3)
    elif k == "vehicle_undock":
        conf.docked.pop(ev.name, None)
    elif k == "vehicle_relocate":
        if not end:
            v = conf.docked.pop(ev.name, None)
            if v is not None:
                conf.relocating[ev.name] = v
        else:
            v = conf.relocating.pop(ev.name, None)
            if v is not None and ev.end_time is not None:
                conf.docked[ev.name] = replace(v, port=ev.port, docked_at=ev.end_time)
    elif k == "crew_arrive":
        conf.crews[ev.mission] = ev.crew  # type: ignore[index]
    elif k == "crew_depart":
        conf.crews.pop(ev.mission, None)  # type: ignore[arg-type]


def configuration_at(when: dt.datetime, config: str = "tiangong") -> Configuration:
    """The replayable configuration at ``when`` (for the engine's start)."""
    key = _check_name(config)
    cfg = _load_config(key)
    conf = Configuration()
    if cfg.fixed:
        return conf
    for ev in _load_history(key):
        if ev.time > when:
            break
        apply(ev, conf, cfg)
        if ev.kind == "vehicle_relocate" and ev.end_time is not None and ev.end_time <= when:
            apply(ev, conf, cfg, end=True)
    return conf


def station_at(when: dt.datetime | dt.date | str, config: str = "tiangong") -> StationState:
    """The station ``config`` at instant ``when`` (aware datetime, date or ISO 8601 text).

    Events at exactly ``when`` are applied.  A date before the station existed raises
    ``InputError("--at", ...)``; an unknown ``config`` raises ``InputError("--config", ...)``.
    """
    key = _check_name(config)
    if isinstance(when, (str, dt.date)):
        when = parse_utc(when, "--at")
    else:
        when = as_utc(when, "--at")
    return _state_at(key, when)


@functools.lru_cache(maxsize=512)
def _state_at(key: str, when: dt.datetime) -> StationState:
    cfg = _load_config(key)
    if when < cfg.valid_from:
        if key == "tiangong":
            why = f"{_when_text(when)} is before the station existed (Tianhe launched {iso_z(cfg.valid_from, 0)})"
        else:
            why = f"{_when_text(when)} is before the station existed ({_founding_text(cfg)})"
        raise InputError("--at", why)
    if cfg.fixed:
        return StationState(config=key, at=when, modules=cfg.modules, vehicles=(), crew=(), fixed=True)

    events = _load_history(key)
    conf = configuration_at(when, key)
    positions, docked, crews = conf.positions, conf.docked, conf.crews
    modules = tuple(replace(m, position=positions[m.name]) for m in cfg.modules if m.name in positions)
    vehicles = tuple(sorted(docked.values(), key=lambda v: (_PORT_ORDER.get(v.port, 99), v.port, v.name)))
    crew = tuple(name for names in crews.values() for name in names)
    return StationState(
        config=key,
        at=when,
        modules=modules,
        vehicles=vehicles,
        crew=crew,
        fixed=False,
        history_until=history_end(events),
    )
