"""EVA suit consumables: O2, CO2 absorber, battery and cooling water of one suit (pure functions).

Model (parameters and sources in ``data/eva/suit.toml``, tags P/S/D/U there):

* **O2** (kg): metabolic use ``q_o2 = P_met / e_O2 * rho_O2,STP`` with ``e_O2`` ≈ 20.1 kJ per litre
  of O2 at STP and ``rho_O2,STP = p0 M_O2 / (R T0)`` (ideal gas, 101.325 kPa, 273.15 K), plus a
  constant suit leak. Reserve: ``reserve_s`` of use at the *current* rate.
* **CO2 absorber** (kg of remaining capacity): absorbs all metabolic CO2,
  ``q_co2 = q_o2,met * RQ * M_CO2 / M_O2`` (leaked O2 makes no CO2). Reserve: the absorber is
  ``reserve_fraction_used`` used.
* **Battery** (J): constant suit draw ``P_el``. Reserve: ``reserve_s`` at that draw.
* **Cooling water** (kg): sublimator feedwater
  ``q_w = max(0, P_met + P_el - P_rad) / (L_sub * eta)`` (all metabolic power taken as heat; the
  suit's electrical power ends as heat; ``P_rad`` is what the suit sheds without water).
  Reserve: ``reserve_s`` at the current rate.

Rates are constant within a :class:`TaskStep`, so every amount is piecewise linear in time and
every crossing time is exact (``t0 + (a - level) / rate``), like an event-driven engine locating a
g-function root. Amounts may go below zero in a trace (the suit would have run out): the
arithmetic is kept so that used + remaining = initial holds exactly; ``depletion_s`` says when.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from ..chem import R_J_MOL_K, molar_mass_kg
from ..errors import InputError

CONSUMABLES = ("o2", "co2", "battery", "water")
"""Consumables of a suit, in this order everywhere (arrays use axis order o2, co2, battery, water)."""

UNITS = {"o2": "kg", "co2": "kg", "battery": "J", "water": "kg"}

P_STP_PA = 101325.0
T_STP_K = 273.15
RHO_O2_STP_KG_M3 = P_STP_PA * molar_mass_kg("O2") / (R_J_MOL_K * T_STP_K)
"""Ideal-gas density of O2 at 0 °C and 1 atm (≈ 1.4276 kg/m³)."""


@dataclass(frozen=True)
class SuitParams:
    """Consumable loads, rates and reserve rules of one suit (SI units; see data/eva/suit.toml)."""

    name: str
    suit_pressure_pa: float
    rated_s: float
    energy_per_l_o2_j: float
    rq: float
    metabolic_w: dict[str, float]
    o2_initial_kg: float
    o2_leak_kg_s: float
    o2_reserve_s: float
    co2_capacity_kg: float
    co2_reserve_fraction_used: float
    battery_energy_j: float
    battery_power_w: float
    battery_reserve_s: float
    water_initial_kg: float
    water_latent_heat_j_kg: float
    water_radiated_w: float
    water_efficiency: float
    water_reserve_s: float

    @classmethod
    def load(cls, path: str | Path | None = None) -> SuitParams:
        """Read ``path`` (default: the packaged ``data/eva/suit.toml``)."""
        where = str(path) if path else "data/eva/suit.toml"
        try:
            if path is None:
                raw = tomllib.loads(resources.files("tiangong.data.eva").joinpath("suit.toml").read_text("utf-8"))
            else:
                raw = tomllib.loads(Path(path).read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InputError(where, f"cannot read suit parameters: {exc}") from None
        try:
            o2, co2, bat, w = raw["o2"], raw["co2"], raw["battery"], raw["water"]
            p = cls(
                name=str(raw.get("name", "suit")),
                suit_pressure_pa=float(raw["suit_pressure_pa"]),
                rated_s=float(raw["rated_s"]),
                energy_per_l_o2_j=float(raw["energy_per_l_o2_j"]),
                rq=float(raw["rq"]),
                metabolic_w={str(k): float(v) for k, v in raw["metabolic_w"].items()},
                o2_initial_kg=float(o2["initial_kg"]),
                o2_leak_kg_s=float(o2["leak_kg_s"]),
                o2_reserve_s=float(o2["reserve_s"]),
                co2_capacity_kg=float(co2["capacity_kg"]),
                co2_reserve_fraction_used=float(co2["reserve_fraction_used"]),
                battery_energy_j=float(bat["capacity_wh"]) * 3600.0,
                battery_power_w=float(bat["power_w"]),
                battery_reserve_s=float(bat["reserve_s"]),
                water_initial_kg=float(w["initial_kg"]),
                water_latent_heat_j_kg=float(w["latent_heat_j_kg"]),
                water_radiated_w=float(w["radiated_w"]),
                water_efficiency=float(w["efficiency"]),
                water_reserve_s=float(w["reserve_s"]),
            )
        except KeyError as exc:
            raise InputError(where, f"missing key {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise InputError(where, f"bad value: {exc}") from None
        p.validate(where)
        return p

    def validate(self, where: str = "suit") -> None:
        positive = ("suit_pressure_pa", "rated_s", "energy_per_l_o2_j", "rq", "o2_initial_kg", "co2_capacity_kg",
                    "battery_energy_j", "water_initial_kg", "water_latent_heat_j_kg", "water_efficiency")
        for f in positive:
            if not getattr(self, f) > 0:
                raise InputError(f"{where}: {f}", f"must be > 0, got {getattr(self, f)}")
        for f in ("o2_leak_kg_s", "o2_reserve_s", "battery_power_w", "battery_reserve_s", "water_radiated_w",
                  "water_reserve_s"):
            if not getattr(self, f) >= 0:
                raise InputError(f"{where}: {f}", f"must be >= 0, got {getattr(self, f)}")
        if not 0 < self.co2_reserve_fraction_used <= 1:
            raise InputError(f"{where}: co2.reserve_fraction_used", "must be in (0, 1]")
        if not self.water_efficiency <= 1:
            raise InputError(f"{where}: water.efficiency", "must be <= 1")

    # --- rates ----------------------------------------------------------------------------------
    @property
    def o2_kg_per_j(self) -> float:
        """kg of O2 per joule of metabolic energy (``rho_O2,STP / (e_O2 per m³)``)."""
        return RHO_O2_STP_KG_M3 / (self.energy_per_l_o2_j * 1000.0)

    @property
    def co2_per_o2_kg(self) -> float:
        """kg of CO2 produced per kg of metabolic O2 (``RQ * M_CO2 / M_O2``)."""
        return self.rq * molar_mass_kg("CO2") / molar_mass_kg("O2")

    @property
    def initial(self) -> dict[str, float]:
        """Initial amounts (o2 kg, co2 absorber capacity kg, battery J, water kg)."""
        return {"o2": self.o2_initial_kg, "co2": self.co2_capacity_kg, "battery": self.battery_energy_j,
                "water": self.water_initial_kg}

    def rates(self, metabolic_w: float) -> dict[str, float]:
        """Use rates at a metabolic rate (o2 kg/s incl. leak, co2 kg/s, battery W, water kg/s)."""
        q_o2_met = metabolic_w * self.o2_kg_per_j
        heat_w = metabolic_w + self.battery_power_w - self.water_radiated_w
        return {"o2": q_o2_met + self.o2_leak_kg_s,
                "co2": q_o2_met * self.co2_per_o2_kg,
                "battery": self.battery_power_w,
                "water": max(0.0, heat_w) / (self.water_latent_heat_j_kg * self.water_efficiency)}

    def reserve_levels(self, rates: dict[str, float]) -> dict[str, float]:
        """Remaining amount at which each consumable triggers a return, at the given use rates."""
        return {"o2": rates["o2"] * self.o2_reserve_s,
                "co2": (1.0 - self.co2_reserve_fraction_used) * self.co2_capacity_kg,
                "battery": rates["battery"] * self.battery_reserve_s,
                "water": rates["water"] * self.water_reserve_s}

    def watts(self, metabolic_class: str) -> float:
        """Metabolic rate (W) of a work class (rest / light / moderate / heavy / peak)."""
        try:
            return self.metabolic_w[metabolic_class]
        except KeyError:
            raise InputError("metabolic class", f"unknown {metabolic_class!r}; known: "
                                                f"{', '.join(sorted(self.metabolic_w))}") from None


_DEFAULT: SuitParams | None = None


def default_suit() -> SuitParams:
    """The packaged Feitian parameters (read once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = SuitParams.load()
    return _DEFAULT


@dataclass(frozen=True)
class TaskStep:
    """One step of one crew member's timeline at a constant metabolic rate."""

    name: str
    duration_s: float
    metabolic_w: float


@dataclass(frozen=True)
class SuitTrace:
    """Result of :func:`consumables_timeline` (amounts in the units of :data:`UNITS`).

    ``t_s``: step boundaries (n+1, from 0); ``remaining[c]``: amount at each boundary;
    ``initial``/``used``: totals (used + remaining[-1] = initial); ``o2_metabolic_kg``,
    ``o2_leak_kg``, ``co2_produced_kg``; ``reserve_s[c]`` / ``depletion_s[c]``: first time the
    amount reaches its reserve level / zero (None if never within the trace);
    ``min_margin_s[c]``: the smallest "remaining / current use rate" over the trace (inf if never used).
    """

    steps: tuple[TaskStep, ...]
    t_s: np.ndarray
    remaining: dict[str, np.ndarray]
    initial: dict[str, float]
    used: dict[str, float]
    o2_metabolic_kg: float
    o2_leak_kg: float
    co2_produced_kg: float
    reserve_s: dict[str, float | None]
    depletion_s: dict[str, float | None]
    min_margin_s: dict[str, float]
    reserve_step: dict[str, str | None] = field(default_factory=dict)

    @property
    def final(self) -> dict[str, float]:
        return {c: float(self.remaining[c][-1]) for c in CONSUMABLES}

    @property
    def first_reserve(self) -> tuple[str, float] | None:
        """(consumable, time) of the earliest reserve crossing, or None."""
        hits = [(t, c) for c, t in self.reserve_s.items() if t is not None]
        return (min(hits)[1], min(hits)[0]) if hits else None


def crossing_s(amount: float, rate: float, level: float) -> float:
    """Time from now until ``amount - rate * t`` reaches ``level`` (0 if already at/below; inf if never)."""
    if amount <= level:
        return 0.0
    if rate <= 0.0:
        return math.inf
    return (amount - level) / rate


def _check_steps(steps) -> tuple[TaskStep, ...]:
    out = []
    for i, s in enumerate(steps):
        if not isinstance(s, TaskStep):
            raise InputError(f"steps[{i}]", f"expected a TaskStep, got {type(s).__name__}")
        if not (math.isfinite(s.duration_s) and s.duration_s >= 0):
            raise InputError(f"steps[{i}] ({s.name}): duration_s", f"must be finite and >= 0, got {s.duration_s}")
        if not (math.isfinite(s.metabolic_w) and s.metabolic_w >= 0):
            raise InputError(f"steps[{i}] ({s.name}): metabolic_w", f"must be finite and >= 0, got {s.metabolic_w}")
        out.append(s)
    return tuple(out)


def consumables_timeline(steps, suit: SuitParams | None = None) -> SuitTrace:
    """Integrate one suit's consumables over ``steps`` (one crew member, in order), exactly.

    Within a step of duration ``d`` at use rate ``r`` an amount goes ``a -> a - r d``. The reserve
    level of a step (``SuitParams.reserve_levels``) may jump at a step boundary when the rate
    changes; a reserve already passed at a step start is reported at that start.
    """
    suit = suit or default_suit()
    steps = _check_steps(steps)
    init = suit.initial
    n = len(steps)
    t = np.zeros(n + 1)
    rem = {c: np.empty(n + 1) for c in CONSUMABLES}
    for c in CONSUMABLES:
        rem[c][0] = init[c]
    used = dict.fromkeys(CONSUMABLES, 0.0)
    reserve: dict[str, float | None] = dict.fromkeys(CONSUMABLES)
    reserve_step: dict[str, str | None] = dict.fromkeys(CONSUMABLES)
    depletion: dict[str, float | None] = dict.fromkeys(CONSUMABLES)
    margin = dict.fromkeys(CONSUMABLES, math.inf)
    o2_met = o2_leak = 0.0
    now = 0.0
    for i, s in enumerate(steps):
        r = suit.rates(s.metabolic_w)
        lv = suit.reserve_levels(r)
        d = s.duration_s
        for c in CONSUMABLES:
            a = rem[c][i]
            if reserve[c] is None:
                tc = crossing_s(a, r[c], lv[c])
                if tc <= d:
                    reserve[c], reserve_step[c] = now + tc, s.name
            if depletion[c] is None:
                tz = crossing_s(a, r[c], 0.0)
                if tz <= d:
                    depletion[c] = now + tz
            use = r[c] * d
            used[c] += use
            rem[c][i + 1] = init[c] - used[c]
            if r[c] > 0 and d > 0:
                margin[c] = min(margin[c], rem[c][i + 1] / r[c])
        o2_leak += suit.o2_leak_kg_s * d
        o2_met += s.metabolic_w * suit.o2_kg_per_j * d
        now += d
        t[i + 1] = now
    return SuitTrace(steps=steps, t_s=t, remaining=rem, initial=init, used=used, o2_metabolic_kg=o2_met,
                     o2_leak_kg=o2_leak, co2_produced_kg=o2_met * suit.co2_per_o2_kg, reserve_s=reserve,
                     depletion_s=depletion, min_margin_s=margin, reserve_step=reserve_step)


def time_to_depletion_s(metabolic_w: float, suit: SuitParams | None = None, remaining: dict[str, float] | None = None,
                        *, to_reserve: bool = False) -> dict[str, float]:
    """Seconds until each consumable reaches zero (or its reserve) at a constant metabolic rate.

    ``remaining`` defaults to a fresh suit. At rate ``r``: ``t = remaining / r`` (to zero) or
    ``(remaining - reserve_level) / r`` (``to_reserve``); 0 if already there, inf if never.
    """
    suit = suit or default_suit()
    if not (math.isfinite(metabolic_w) and metabolic_w >= 0):
        raise InputError("metabolic_w", f"must be finite and >= 0, got {metabolic_w}")
    rem = dict(suit.initial if remaining is None else remaining)
    r = suit.rates(metabolic_w)
    lv = suit.reserve_levels(r) if to_reserve else dict.fromkeys(CONSUMABLES, 0.0)
    return {c: crossing_s(rem[c], r[c], lv[c]) for c in CONSUMABLES}
