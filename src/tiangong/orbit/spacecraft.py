"""Mass and drag area of the station at a date, from the station configuration.

The same inputs and rule as the simulation's geometry (``systems/propulsion.toml`` [drag]): the
effective drag area is ``area_factor * (sum of module and docked-vehicle side areas L*D + sum of
array areas)``, the mass is modules plus docked vehicles.  Kept here (physics layer) so that
the orbit layer needs no engine.
"""

from __future__ import annotations

import datetime as dt

from ..systems import propulsion
from ..timeutil import as_utc


def drag_area_m2(modules, vehicle_dims, area_factor: float | None = None) -> float:
    """Effective drag area [m^2] from modules (``length_m``, ``diameter_m``, ``array_area_m2``)
    and docked vehicles given as ``(length_m, diameter_m)`` pairs; ``area_factor`` defaults to
    systems/propulsion.toml [drag] (the engine passes its scenario's value)."""
    modules = list(modules)
    side = sum(m.length_m * (m.diameter_m or 0.0) for m in modules)
    side += sum(length * diameter for length, diameter in vehicle_dims)
    arrays = sum(m.array_area_m2 for m in modules)
    factor = propulsion.params().drag.area_factor if area_factor is None else area_factor
    return factor * (side + arrays)


def ballistics_at(when: dt.datetime, config: str = "tiangong") -> tuple[float, float]:
    """``(mass_kg, drag_area_m2)`` of ``config`` at ``when`` (modules plus docked vehicles)."""
    from .. import station

    st = station.station_at(as_utc(when), config)
    cfg = station.load_config(config)
    dims = []
    for v in st.vehicles:
        vt = cfg.vehicle_type(v.type, v.variant)
        dims.append((vt.length_m, vt.diameter_m))
    return st.mass_with_vehicles_kg, drag_area_m2(st.modules, dims)


def configuration_changes(start: dt.datetime, end: dt.datetime, config: str = "tiangong") -> list[dt.datetime]:
    """Times in (start, end) at which modules or vehicles arrive, leave or move."""
    from .. import station

    kinds = {"module_dock", "module_relocate", "vehicle_dock", "vehicle_undock", "vehicle_relocate"}
    out = []
    for ev in station.history(config):
        if start < ev.time < end and ev.kind in kinds:
            out.append(ev.time)
            if getattr(ev, "end_time", None) and start < ev.end_time < end:
                out.append(ev.end_time)
    return sorted(set(out))
