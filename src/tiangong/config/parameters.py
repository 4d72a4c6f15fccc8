"""Subsystem parameters as values: pydantic models of ``data/systems/*.toml``.

Each subsystem receives its own model (``Parameters.eclss`` …) instead of reading a global cache,
so a scenario can override any value by dotted path (``[parameters] "power.battery.capacity_j" =
2.0e9``) and a campaign can send a dispersed copy to a worker (the models pickle).  Unknown fields
are refused (a typo in a data file or an override is a one-line error naming the path).
"""

from __future__ import annotations

import copy
import functools
import math
import tomllib
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import InputError
from ..validation import first_error, hint


class _P(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @field_validator("*")
    @classmethod
    def _finite(cls, v):
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v


# ----------------------------------------------------------------------------- ECLSS
class Cabin(_P):
    temperature_k: float = Field(gt=150, lt=400)
    total_pressure_pa: float = Field(gt=0)
    ppo2_setpoint_pa: float = Field(gt=0)
    ppo2_backup_pa: float = Field(gt=0)
    ppn2_setpoint_pa: float = Field(ge=0)
    ppco2_setpoint_pa: float = Field(gt=0)
    leak_fraction_per_day: float = Field(ge=0, lt=1)
    free_volume_fraction: float = Field(gt=0, le=1)


class CabinLimits(_P):
    ppo2_warn_lo_pa: float
    ppo2_limit_lo_pa: float
    ppo2_warn_hi_pa: float
    ppo2_limit_hi_pa: float
    ppco2_warn_hi_pa: float
    ppco2_limit_hi_pa: float
    pressure_warn_lo_pa: float
    pressure_limit_lo_pa: float
    pressure_limit_hi_pa: float


class Electrolyser(_P):
    max_o2_kg_per_day: float = Field(ge=0)
    energy_j_per_kg_o2: float = Field(ge=0)


class Co2Removal(_P):
    max_co2_kg_per_day: float = Field(ge=0)
    power_w: float = Field(ge=0)


class Sabatier(_P):
    conversion: float = Field(ge=0, le=1)


class WaterRecovery(_P):
    recovery_fraction: float = Field(ge=0, le=1)
    power_w: float = Field(ge=0)


class EclssParams(_P):
    cabin: Cabin
    limits: CabinLimits
    electrolyser: Electrolyser
    co2_removal: Co2Removal
    sabatier: Sabatier
    water_recovery: WaterRecovery


# ----------------------------------------------------------------------------- power
class Battery(_P):
    capacity_j_per_module: dict[str, float]
    capacity_j: float | None = Field(None, gt=0, description="total capacity; overrides the per-module sum")
    charge_efficiency: float = Field(gt=0, le=1)
    discharge_efficiency: float = Field(gt=0, le=1)
    min_soc: float = Field(ge=0, lt=1)
    warn_soc: float = Field(ge=0, le=1)


class CrewLoads(_P):
    sleep: float
    nominal: float
    exercise: float
    eva: float


class Loads(_P):
    by_module: dict[str, float]
    by_vehicle: dict[str, float]
    eva_support: float
    per_crew: CrewLoads


class PowerParams(_P):
    solar_constant_w_m2: float = Field(gt=0)
    penumbra_fraction: float = Field(ge=0, le=1)
    tracking_factor: float = Field(gt=0, le=1)
    battery: Battery
    loads_w: Loads


# ----------------------------------------------------------------------------- propulsion
class Drag(_P):
    drag_coefficient: float = Field(gt=0)
    area_factor: float = Field(gt=0)
    density_altitude_km: list[float] = Field(min_length=2)
    density_kg_m3: list[float] = Field(min_length=2)
    mu_m3_s2: float = Field(gt=0)
    earth_radius_m: float = Field(gt=0)


class Chemical(_P):
    isp_s: float = Field(gt=0)
    g0: float = Field(gt=0)


class ReboostRule(_P):
    floor_altitude_m: float = Field(gt=150e3, lt=1000e3)
    target_altitude_m: float = Field(gt=150e3, lt=1000e3)


class PropulsionParams(_P):
    drag: Drag
    chemical: Chemical
    reboost: ReboostRule


class Parameters(_P):
    """All subsystem parameters of a run (SI)."""

    eclss: EclssParams
    power: PowerParams
    propulsion: PropulsionParams


_FILES = {"eclss": "eclss.toml", "power": "power.toml", "propulsion": "propulsion.toml"}


@functools.lru_cache(maxsize=1)
def _defaults_raw() -> dict[str, Any]:
    out = {}
    for key, name in _FILES.items():
        with resources.files("tiangong.data.systems").joinpath(name).open("rb") as f:
            out[key] = tomllib.load(f)
    return out


@functools.lru_cache(maxsize=1)
def default_parameters() -> Parameters:
    """The packaged values (``data/systems/*.toml``)."""
    return _validate(copy.deepcopy(_defaults_raw()), "data/systems")


def _validate(data: dict, where: str) -> Parameters:
    try:
        return Parameters.model_validate(data)
    except ValidationError as exc:
        field, why = first_error(exc, Parameters)
        raise InputError(f"{where}: {field}", why) from None


def with_overrides(overrides: dict[str, Any], where: str = "parameters") -> Parameters:
    """The packaged parameters with ``{"dotted.path": value}`` overrides applied and validated.

    A path must name an existing value (``power.battery.capacity_j`` and the other optional
    fields count); the error names the path and the closest known name."""
    if not overrides:
        return default_parameters()
    data = default_parameters().model_dump()
    for path, value in overrides.items():
        parts = str(path).split(".")
        node = data
        for depth, part in enumerate(parts):
            if not isinstance(node, dict) or part not in node:
                known = list(node) if isinstance(node, dict) else []
                at = ".".join(parts[:depth]) or "(top level)"
                more = hint(part, known) or (f"; known: {', '.join(known)}" if known else "")
                raise InputError(f'{where}."{path}"', f"no parameter {part!r} in {at}{more}")
            if depth == len(parts) - 1:
                if isinstance(node[part], dict):
                    raise InputError(f'{where}."{path}"', "names a table, not a value")
                node[part] = value
            else:
                node = node[part]
    try:
        return Parameters.model_validate(data)
    except ValidationError as exc:
        field, why = first_error(exc, Parameters)
        raise InputError(f'{where}."{field}"', why) from None


__all__ = ["Parameters", "EclssParams", "PowerParams", "PropulsionParams", "default_parameters", "with_overrides"]
