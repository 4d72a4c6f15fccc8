"""Propulsion: drag decay of the mean altitude and reboosts paid for by the rocket equation.

Decay of a near-circular orbit: ``da/dt = -rho(h) sqrt(mu a) / B`` with ballistic coefficient
``B = m / (C_D A)`` (reference-values.md 4).  Density is log-linear in altitude between NRLMSIS
2.1 table points (data/systems/propulsion.toml).  The engine keeps the decay rate constant between
events and re-evaluates it at every event (eclipse boundaries come every ~45 min, so the rate
changes by < 0.02 % within a segment: ~5 m of decay against a ~58 km scale height).  Reaching the
floor altitude is a state event: a two-burn Hohmann reboost to the target altitude, propellant
``m (1 - exp(-dv / (Isp g0)))``.
"""

from __future__ import annotations

import bisect
import math
import tomllib
from functools import lru_cache
from math import inf as INF
from importlib import resources



@lru_cache(maxsize=None)
def params() -> dict:
    with resources.files("tiangong.data.systems").joinpath("propulsion.toml").open("rb") as f:
        return tomllib.load(f)


@lru_cache(maxsize=None)
def _density_table() -> tuple[tuple[float, ...], tuple[float, ...]]:
    d = params()["drag"]
    return tuple(d["density_altitude_km"]), tuple(math.log(r) for r in d["density_kg_m3"])


def density_kg_m3(altitude_m: float) -> float:
    """Mean thermospheric density (kg/m^3): log-linear in altitude between the NRLMSIS table
    points, extrapolated with the end intervals' scale heights."""
    hs, lrho = _density_table()
    h_km = altitude_m / 1000.0
    i = min(max(bisect.bisect_left(hs, h_km) - 1, 0), len(hs) - 2)
    slope = (lrho[i + 1] - lrho[i]) / (hs[i + 1] - hs[i])
    return math.exp(lrho[i] + slope * (h_km - hs[i]))


def decay_rate_m_s(altitude_m: float, mass_kg: float, area_m2: float) -> float:
    """Rate of change of the mean altitude (m/s, negative) for a circular orbit.

    ``mass_kg`` must be positive and finite (a ValueError otherwise, never a ZeroDivisionError)."""
    if not (0.0 < mass_kg < math.inf):
        raise ValueError(f"decay rate needs a positive, finite station mass, got {mass_kg!r} kg")
    d = params()["drag"]
    a = d["earth_radius_m"] + altitude_m
    return -density_kg_m3(altitude_m) * math.sqrt(d["mu_m3_s2"] * a) * d["drag_coefficient"] * area_m2 / mass_kg


def hohmann_dv_mps(h1_m: float, h2_m: float) -> float:
    """Total delta-v (m/s) of a two-burn Hohmann transfer between circular orbits."""
    d = params()["drag"]
    mu, R = d["mu_m3_s2"], d["earth_radius_m"]
    r1, r2 = R + h1_m, R + h2_m
    at = 0.5 * (r1 + r2)
    dv1 = abs(math.sqrt(mu * (2 / r1 - 1 / at)) - math.sqrt(mu / r1))
    dv2 = abs(math.sqrt(mu / r2) - math.sqrt(mu * (2 / r2 - 1 / at)))
    return dv1 + dv2


def propellant_for_dv_kg(mass_kg: float, dv_mps: float) -> float:
    """Tsiolkovsky: propellant (kg) for ``dv_mps`` from initial mass ``mass_kg``."""
    c = params()["chemical"]
    return mass_kg * (1.0 - math.exp(-dv_mps / (c["isp_s"] * c["g0"])))


def install(model) -> None:
    net = model.net
    p = params()
    net.store("propulsion.propellant_kg", "kg", 0.0, description="station propellant (MMH/NTO)")
    net.store("vent.propellant_kg", "kg", 0.0, -INF, INF, "propellant expelled", ledger=True)
    net.store("supply.propellant_kg", "kg", 0.0, -INF, INF, "propellant delivered (negative)", ledger=True)
    net.store("orbit.altitude_m", "m", model.initial_altitude_m, -INF, INF, "mean altitude")
    net.add_process("orbit.decay", {"orbit.altitude_m": 1.0})
    i_alt, i_prop = net.si("orbit.altitude_m"), net.si("propulsion.propellant_kg")
    i_decay = net.pi("orbit.decay")
    floor = model.reboost_floor_m if model.reboost_floor_m is not None else p["reboost"]["floor_altitude_m"]
    target = model.reboost_target_m if model.reboost_target_m is not None else p["reboost"]["target_altitude_m"]

    def controller(net) -> None:
        h = net.x[i_alt]
        if h <= floor + 1e-6 and model.reboost_enabled:
            dv = hohmann_dv_mps(h, target)
            need = propellant_for_dv_kg(model.mass_kg, dv)
            have = net.x[i_prop]
            if have >= need:
                net.x[i_prop] -= need
                net.x[net.si("vent.propellant_kg")] += need
                net.x[i_alt] = target
                model.propellant_used_kg += need
                model.reboosts.append((net.t_s, h, target, dv, need))
                net.emit("propulsion.reboost", "propulsion",
                         f"{h/1e3:.1f} -> {target/1e3:.1f} km, dv {dv:.2f} m/s, propellant {need:.1f} kg")
            else:
                model.reboost_enabled = False
                net.emit("propulsion.reboost_failed", "propulsion",
                         f"needs {need:.1f} kg propellant, {have:.1f} kg aboard")
            h = net.x[i_alt]
        net.a[i_decay] = decay_rate_m_s(h, model.mass_kg, model.drag_area_m2)
        if model.reboost_enabled:
            net.watches.append((i_alt, floor))

    net.controllers.append(controller)
