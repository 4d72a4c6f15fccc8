"""Molar masses and element mass fractions (IUPAC 2013 standard atomic weights, g/mol).

One place for stoichiometry so that every process conserves each element exactly.
"""

from __future__ import annotations

ATOMIC_G_MOL = {"H": 1.00794, "C": 12.0107, "N": 14.0067, "O": 15.9994}

FORMULAS = {
    "O2": {"O": 2},
    "N2": {"N": 2},
    "H2": {"H": 2},
    "H2O": {"H": 2, "O": 1},
    "CO2": {"C": 1, "O": 2},
    "CH4": {"C": 1, "H": 4},
}


def molar_mass_kg(species: str) -> float:
    """Molar mass of ``species`` in kg/mol."""
    return sum(ATOMIC_G_MOL[e] * n for e, n in FORMULAS[species].items()) / 1000.0


def composition(species: str) -> dict[str, float]:
    """Element mass fractions of ``species`` (sum to 1)."""
    m = molar_mass_kg(species) * 1000.0
    return {e: ATOMIC_G_MOL[e] * n / m for e, n in FORMULAS[species].items()}


def mix(parts: dict[str, float]) -> dict[str, float]:
    """Element mass fractions of a mixture given {species or element-dict name: mass}."""
    total = sum(parts.values())
    out: dict[str, float] = {}
    for sp, m in parts.items():
        comp = composition(sp) if isinstance(sp, str) and sp in FORMULAS else {sp: 1.0}
        for e, f in comp.items():
            out[e] = out.get(e, 0.0) + f * m / total
    return out


R_J_MOL_K = 8.314462618  # CODATA 2018 molar gas constant
