"""Pydantic schemas of the packaged station files (``data/station/*.toml``, ``data/history/*.toml``).

The station layer (:mod:`tiangong.station`) reads the files through these models and turns them
into its frozen public records; nothing here holds state.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import InputError
from ..validation import decode, first_error, parse_toml

Confidence = Literal["H", "M", "L"]


# ============================================================================ file models (pydantic)
class _FileModel(BaseModel):
    # strict: no coercion (a boolean is not a mass); finite numbers only
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("time needs a UTC offset (write e.g. 2022-11-30T00:00:00Z)")
    return None if value is None else value.astimezone(dt.timezone.utc)


class _ArraysFile(_FileModel):
    wings: int = Field(ge=0)
    array_area_m2: float = Field(ge=0)
    array_power_w: float = Field(ge=0)
    cell_type: str
    cell_efficiency: float = Field(gt=0, le=1)
    degradation_pct_per_yr: float = Field(ge=0, le=100)
    degradation_range_pct_per_yr: tuple[float, float] = Field(strict=False)  # a TOML array
    source: str
    confidence: Confidence


class _PortsFile(_FileModel):
    docking: list[str] = []
    berthing: list[str] = []
    eva_hatch: str | None = None
    source: str
    confidence: Confidence


class _AirlockFile(_FileModel):
    kind: str
    volume_m3: float | None = Field(default=None, gt=0)
    hatch_diameter_m: float | None = Field(default=None, gt=0)
    source: str
    confidence: Confidence


class ModuleFile(_FileModel):
    name: str
    role: str = ""
    launch_time: dt.datetime | None = None
    launch_mass_kg: float | None = Field(default=None, gt=0)
    mass_kg: float = Field(gt=0)
    mass_source: str
    mass_confidence: Confidence
    length_m: float = Field(gt=0)
    diameter_m: float | None = Field(default=None, gt=0)
    pressurized_volume_m3: float = Field(ge=0)
    habitable_volume_m3: float = Field(ge=0)
    volume_source: str = ""
    volume_confidence: Confidence | None = None
    position: str
    arrays: _ArraysFile | None = None
    ports: _PortsFile | None = None
    airlock: _AirlockFile | None = None

    @field_validator("launch_time")
    @classmethod
    def _launch_aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _aware(value)

    @model_validator(mode="after")
    def _habitable_within_pressurized(self) -> "ModuleFile":
        if self.habitable_volume_m3 > self.pressurized_volume_m3:
            raise ValueError("habitable_volume_m3 exceeds pressurized_volume_m3")
        return self


class _PublishedFile(_FileModel):
    mass_kg: float = Field(gt=0)
    mass_source: str
    mass_with_vehicles_kg: float | None = Field(default=None, gt=0)
    mass_with_vehicles_source: str | None = None
    pressurized_volume_m3: float | None = Field(default=None, gt=0)
    pressurized_volume_source: str | None = None
    habitable_volume_m3: float | None = Field(default=None, gt=0)
    habitable_volume_source: str | None = None
    confidence: Confidence


class StationFile(_FileModel):
    name: str
    title: str
    valid_from: dt.datetime
    fixed: bool
    published: _PublishedFile
    modules: list[ModuleFile] = Field(min_length=1)

    @field_validator("valid_from")
    @classmethod
    def _valid_from_aware(cls, value: dt.datetime) -> dt.datetime | None:
        return _aware(value)

    @model_validator(mode="after")
    def _unique_names(self) -> "StationFile":
        names = [m.name for m in self.modules]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"duplicate module names {sorted(dup)}")
        return self


class _VariantFile(_FileModel):
    title: str
    mass_kg: float = Field(gt=0)
    mass_source: str
    mass_confidence: Confidence
    pressurized_volume_m3: float | None = Field(default=None, ge=0)
    cargo_capacity_kg: float | None = Field(default=None, ge=0)
    propellant_capacity_kg: float | None = Field(default=None, ge=0)
    propellant_aboard_kg: float | None = Field(default=None, ge=0)
    propellant_capacity_source: str | None = None
    propellant_capacity_confidence: Confidence | None = None


class _VehicleTypeFile(_FileModel):
    title: str
    crew_capacity: int = Field(ge=0)
    mass_kg: float = Field(gt=0)
    mass_source: str
    mass_confidence: Confidence
    length_m: float = Field(gt=0)
    diameter_m: float = Field(gt=0)
    pressurized_volume_m3: float = Field(ge=0)
    habitable_volume_m3: float = Field(ge=0)
    volume_source: str
    volume_confidence: Confidence
    docked_life_days: float | None = Field(default=None, gt=0)
    cargo_capacity_kg: float | None = Field(default=None, ge=0)
    cargo_capacity_source: str | None = None
    propellant_capacity_kg: float | None = Field(default=None, ge=0)
    propellant_capacity_source: str | None = None
    propellant_capacity_confidence: Confidence | None = None
    source: str
    improved: _VariantFile | None = None


class VehiclesFile(_FileModel):
    vehicles: dict[Literal["shenzhou", "tianzhou"], _VehicleTypeFile]


_CARGO_FIELDS = ("supplies_kg", "propellant_kg", "water_kg", "o2_kg", "n2_kg", "crew_days")


class _CargoFile(_FileModel):
    supplies_kg: float = Field(ge=0)
    propellant_kg: float = Field(ge=0)
    water_kg: float | None = Field(default=None, ge=0)
    o2_kg: float | None = Field(default=None, ge=0)
    n2_kg: float | None = Field(default=None, ge=0)
    crew_days: float | None = Field(default=None, gt=0)
    estimated: list[str] = []
    source: str
    confidence: Confidence

    @model_validator(mode="after")
    def _check(self) -> "_CargoFile":
        unknown = [f for f in self.estimated if f not in _CARGO_FIELDS]
        if unknown:
            raise ValueError(f"estimated names unknown fields {unknown} (known: {list(_CARGO_FIELDS)})")
        parts = sum(x or 0.0 for x in (self.water_kg, self.o2_kg, self.n2_kg))
        if parts > self.supplies_kg:
            raise ValueError("water_kg + o2_kg + n2_kg exceed supplies_kg (they are parts of it)")
        return self


EVENT_KINDS: tuple[str, ...] = (
    "module_launch",
    "module_dock",
    "module_relocate",
    "vehicle_dock",
    "vehicle_undock",
    "vehicle_relocate",
    "crew_arrive",
    "crew_depart",
    "eva",
)
"""The history event kinds, in the order applied when two events share a time stamp."""


class EventFile(_FileModel):
    time: dt.datetime
    end_time: dt.datetime | None = None
    kind: Literal[EVENT_KINDS]
    name: str
    type: Literal["shenzhou", "tianzhou"] | None = None
    variant: Literal["improved"] | None = None
    port: str | None = None
    from_port: str | None = None
    mass_kg: float | None = Field(default=None, gt=0)
    mission: str | None = None
    vehicle: str | None = None
    crew: list[str] = []
    cargo: _CargoFile | None = None
    source: str
    confidence: Confidence
    note: str = ""

    @field_validator("time", "end_time")
    @classmethod
    def _times_aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _aware(value)

    @model_validator(mode="after")
    def _per_kind(self) -> "EventFile":
        k = self.kind
        need: dict[str, tuple[str, ...]] = {
            "module_dock": ("port",),
            "module_relocate": ("port", "from_port"),
            "vehicle_dock": ("type", "port", "mass_kg"),
            "vehicle_undock": ("port",),
            "vehicle_relocate": ("port", "from_port", "end_time"),
            "crew_arrive": ("mission", "vehicle", "crew"),
            "crew_depart": ("mission", "vehicle", "crew"),
            "eva": ("mission", "crew"),
        }
        missing = [f for f in need.get(k, ()) if not getattr(self, f)]
        if missing:
            raise ValueError(f"a {k} event needs {', '.join(missing)}")
        if self.cargo is not None and k != "vehicle_dock":
            raise ValueError("cargo is only allowed on vehicle_dock events")
        if self.end_time is not None and self.end_time <= self.time:
            raise ValueError("end_time must be after time")
        return self


class _EstimatesFile(_FileModel):
    water_kg_per_crew_day: float = Field(ge=0)
    o2_kg_per_crew_day: float = Field(ge=0)
    n2_kg_per_crew_day: float = Field(ge=0)
    propellant_kg_basic: float = Field(ge=0)
    propellant_kg_improved: float = Field(ge=0)
    crew_days_default: float = Field(gt=0)


class HistoryFile(_FileModel):
    estimates: _EstimatesFile
    events: list[EventFile] = Field(min_length=1)


def read_packaged_toml(subdir: str, filename: str) -> tuple[str, dict[str, Any]]:
    """Read a packaged TOML file; return (display path, data)."""
    shown = f"{subdir}/{filename}"
    try:
        data = resources.files("tiangong").joinpath(subdir, filename).read_bytes()
    except FileNotFoundError:
        raise InputError(shown, "data file missing from the package") from None
    return shown, parse_toml(decode(data, shown), shown)


def validate_file(model: type[BaseModel], shown: str, data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        field, why = first_error(exc, model)
        raise InputError(f"{shown}: {field}", why) from None
