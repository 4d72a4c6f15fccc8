"""EVA airlock: staged depress / repress timeline, O2 prebreathe rule, gas lost to space.

Parameters and sources: ``data/eva/airlock.toml`` (tags P/S/D/U there).

**Gas lost per EVA.** The airlock gas at cabin pressure, less the fraction pumped back into the
station before venting, goes overboard: ``m_i = (1 - f_rec) * x_i * p * V * M_i / (R * T)`` for each
species ``i`` of mole fraction ``x_i`` (ideal gas; ``M_i`` and ``R`` from :mod:`tiangong.chem`).

**Prebreathe (DCS diagnostic, not an oracle).** One N2 tissue compartment with half-time
``tau`` (360 min): the tissue N2 tension relaxes exponentially toward the inspired ppN2,

    P_t(t) = P_in + (P_t0 - P_in) * exp(-ln2 * t / tau).

Breathing pure O2 (``P_in = 0``) from equilibrium at the cabin ppN2 (``P_t0 = x_N2 * p_cabin``;
no water-vapour correction), the tissue ratio ``TR(t) = P_t(t) / p_suit`` falls to the limit
``TR_max`` after

    t_pb = tau / ln2 * ln(P_t0 / (TR_max * p_suit))      (0 if P_t0 <= TR_max * p_suit).

Timeline (suits on station O2 until the last stage): stage 1 depress cabin -> ``stage1_pressure``
(O2 prebreathe starts at its beginning), hold until the prebreathe is complete, stage 2 depress to
vacuum (suits on their own consumables), hatch open ... hatch closed, repress (suits still on
their own consumables).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from importlib import resources

from ..chem import FORMULAS, R_J_MOL_K, molar_mass_kg
from ..errors import InputError

LN2 = math.log(2.0)


def airlock_gas_loss_kg(volume_m3: float, p_pa: float, T_k: float, composition: dict[str, float]) -> dict[str, float]:
    """Mass (kg) of each species in ``volume_m3`` of gas at ``p_pa``, ``T_k``: ``x_i p V M_i / (R T)``.

    ``composition`` maps species (``"O2"``, ``"N2"``, ... from :mod:`tiangong.chem`) to mole
    fractions summing to 1 (within 1e-6).
    """
    for name, v in (("volume_m3", volume_m3), ("p_pa", p_pa), ("T_k", T_k)):
        if not (isinstance(v, (int, float)) and math.isfinite(v)):
            raise InputError(name, f"must be a finite number, got {v!r}")
    if volume_m3 < 0 or p_pa < 0:
        raise InputError("volume_m3/p_pa", f"must be >= 0, got {volume_m3}, {p_pa}")
    if T_k <= 0:
        raise InputError("T_k", f"must be > 0 K, got {T_k}")
    if not composition:
        raise InputError("composition", "is empty")
    for sp, x in composition.items():
        if sp not in FORMULAS:
            raise InputError(f"composition.{sp}", f"unknown species; known: {', '.join(sorted(FORMULAS))}")
        if not (math.isfinite(x) and x >= 0):
            raise InputError(f"composition.{sp}", f"mole fraction must be >= 0, got {x}")
    total = sum(composition.values())
    if abs(total - 1.0) > 1e-6:
        raise InputError("composition", f"mole fractions sum to {total:.6g}, not 1")
    n_mol = p_pa * volume_m3 / (R_J_MOL_K * T_k)
    return {sp: x * n_mol * molar_mass_kg(sp) for sp, x in composition.items()}


def tissue_n2_pa(t_s: float, p_tissue0_pa: float, p_inspired_n2_pa: float = 0.0, half_time_s: float = 21600.0) -> float:
    """Tissue N2 tension after ``t_s`` at a constant inspired ppN2 (exponential approach, half-time)."""
    if half_time_s <= 0:
        raise InputError("half_time_s", f"must be > 0, got {half_time_s}")
    return p_inspired_n2_pa + (p_tissue0_pa - p_inspired_n2_pa) * math.exp(-LN2 * t_s / half_time_s)


def tissue_ratio(t_s: float, p_tissue0_pa: float, p_suit_pa: float, half_time_s: float = 21600.0) -> float:
    """TR after ``t_s`` of pure-O2 prebreathe: ``P_t0 * exp(-ln2 t / tau) / p_suit``."""
    if p_suit_pa <= 0:
        raise InputError("p_suit_pa", f"must be > 0, got {p_suit_pa}")
    return tissue_n2_pa(t_s, p_tissue0_pa, 0.0, half_time_s) / p_suit_pa


def prebreathe_time_s(p_tissue0_pa: float, p_suit_pa: float, tr_limit: float, half_time_s: float = 21600.0) -> float:
    """Pure-O2 prebreathe needed for TR <= ``tr_limit``: ``tau/ln2 * ln(P_t0 / (TR_max p_suit))``, >= 0."""
    if p_suit_pa <= 0 or tr_limit <= 0 or half_time_s <= 0:
        raise InputError("prebreathe", f"p_suit_pa, tr_limit, half_time_s must be > 0, got "
                                       f"{p_suit_pa}, {tr_limit}, {half_time_s}")
    if p_tissue0_pa <= tr_limit * p_suit_pa:
        return 0.0
    return half_time_s / LN2 * math.log(p_tissue0_pa / (tr_limit * p_suit_pa))


@dataclass(frozen=True)
class AirlockParams:
    """One airlock (see data/eva/airlock.toml)."""

    name: str
    volume_m3: float
    recovered_fraction: float
    stage1_pressure_pa: float
    stage1_depress_s: float
    stage2_depress_s: float
    repress_s: float
    egress_s: float
    ingress_s: float
    cabin_pressure_pa: float
    cabin_temperature_k: float
    cabin_composition: dict[str, float]
    tissue_half_time_s: float
    tr_limit: float


_RAW: dict | None = None


def _raw() -> dict:
    global _RAW
    if _RAW is None:
        _RAW = tomllib.loads(resources.files("tiangong.data.eva").joinpath("airlock.toml").read_text("utf-8"))
    return _RAW


def airlock_names() -> tuple[str, ...]:
    return tuple(sorted(_raw()["airlocks"]))


def load_airlock(name: str = "wentian") -> AirlockParams:
    """Parameters of the named airlock (``wentian`` or ``tianhe_node``); InputError if unknown."""
    raw = _raw()
    if name not in raw["airlocks"]:
        raise InputError("airlock", f"unknown airlock {name!r}; known: {', '.join(airlock_names())}")
    a = raw["airlocks"][name]
    p = AirlockParams(
        name=name, volume_m3=float(a["volume_m3"]), recovered_fraction=float(a["recovered_fraction"]),
        stage1_pressure_pa=float(a["stage1_pressure_pa"]), stage1_depress_s=float(a["stage1_depress_s"]),
        stage2_depress_s=float(a["stage2_depress_s"]), repress_s=float(a["repress_s"]),
        egress_s=float(a["egress_s"]), ingress_s=float(a["ingress_s"]),
        cabin_pressure_pa=float(raw["cabin_pressure_pa"]), cabin_temperature_k=float(raw["cabin_temperature_k"]),
        cabin_composition={"O2": float(raw["cabin_o2_fraction"]), "N2": float(raw["cabin_n2_fraction"])},
        tissue_half_time_s=float(raw["tissue_half_time_s"]), tr_limit=float(raw["tr_limit"]))
    if not 0 <= p.recovered_fraction <= 1:
        raise InputError(f"airlock.toml: airlocks.{name}.recovered_fraction", "must be in [0, 1]")
    return p


@dataclass(frozen=True)
class AirlockTimeline:
    """Airlock phases of one EVA (durations in s, pressures in Pa) and the gas vented overboard."""

    airlock: str
    phases: tuple[tuple[str, float, float, float], ...]  # (name, duration_s, p_start_pa, p_end_pa)
    prebreathe_s: float
    tr_at_hatch: float
    gas_lost_kg: dict[str, float]
    suit_before_hatch_s: float  # suits on their own consumables before hatch open (stage 2)
    suit_after_hatch_s: float  # ... and after hatch close (repress)

    @property
    def pre_hatch_s(self) -> float:
        """Start of stage 1 depress -> hatch open."""
        return sum(d for n, d, *_ in self.phases if n != "repress")

    @property
    def gas_lost_total_kg(self) -> float:
        return sum(self.gas_lost_kg.values())


def airlock_timeline(airlock: str | AirlockParams = "wentian", suit_pressure_pa: float = 40000.0) -> AirlockTimeline:
    """Depress / prebreathe / repress phases and the gas lost, for a suit at ``suit_pressure_pa``."""
    a = airlock if isinstance(airlock, AirlockParams) else load_airlock(airlock)
    p_t0 = a.cabin_composition["N2"] * a.cabin_pressure_pa
    pb = prebreathe_time_s(p_t0, suit_pressure_pa, a.tr_limit, a.tissue_half_time_s)
    hold = max(0.0, pb - a.stage1_depress_s)
    phases = (("depress_stage1", a.stage1_depress_s, a.cabin_pressure_pa, a.stage1_pressure_pa),
              ("prebreathe_hold", hold, a.stage1_pressure_pa, a.stage1_pressure_pa),
              ("depress_stage2", a.stage2_depress_s, a.stage1_pressure_pa, 0.0),
              ("repress", a.repress_s, 0.0, a.cabin_pressure_pa))
    # O2 breathing continues through stage 2, so TR at hatch open is below the limit.
    tr = tissue_ratio(a.stage1_depress_s + hold + a.stage2_depress_s, p_t0, suit_pressure_pa, a.tissue_half_time_s)
    gas = airlock_gas_loss_kg(a.volume_m3, a.cabin_pressure_pa, a.cabin_temperature_k, a.cabin_composition)
    gas = {k: (1.0 - a.recovered_fraction) * v for k, v in gas.items()}
    return AirlockTimeline(airlock=a.name, phases=phases, prebreathe_s=pb, tr_at_hatch=tr, gas_lost_kg=gas,
                           suit_before_hatch_s=a.stage2_depress_s, suit_after_hatch_s=a.repress_s)
