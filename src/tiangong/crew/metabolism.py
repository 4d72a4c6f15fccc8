"""Crew metabolism by activity (NASA BVAD), as one stoichiometric process per crew member-day.

The crew interface of BVAD Rev 2 (Table 3-31) closes its mass balance: O2 + food + potable water
in = CO2 + urine/condensate water + fecal water and solids out (5.672 kg per crew member-day).
One *crew-day* of metabolism is that whole vector; the activity level (sleep, nominal, exercise,
EVA) only sets how fast crew-days are consumed.  The respiratory quotient is therefore the BVAD
Rev 2 daily effective value (0.881): a single food composition, derived below from the same table,
keeps every element (C, H, O) exactly conserved.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..chem import composition

DAY_S = 86400.0
ACTIVITIES = ("sleep", "nominal", "exercise", "eva")


@lru_cache(maxsize=None)
def _data() -> dict:
    with resources.files("tiangong.data.systems").joinpath("crew.toml").open("rb") as f:
        return tomllib.load(f)


@dataclass(frozen=True)
class Metabolism:
    """Per crew member-day flows (kg) and per-activity pace (crew-days per second)."""

    edition: str
    o2_kg: float
    co2_kg: float
    food_kg: float
    potable_kg: float
    waste_water_kg: float   # urine water + respiration/perspiration water (to the condensate/urine bus)
    waste_solid_kg: float   # fecal water + all solids
    food_composition: dict[str, float]
    waste_solid_composition: dict[str, float]
    pace: dict[str, float]  # activity -> crew-days per second

    def o2_rate_kg_s(self, activity: str) -> float:
        return self.pace[activity] * self.o2_kg


def reference_day_o2_kg(rates_kg_min: dict[str, float], hours: dict[str, float]) -> float:
    """O2 used over a day of ``hours[activity]`` at ``rates_kg_min[activity]`` (kg)."""
    return sum(rates_kg_min[a] * 60.0 * h for a, h in hours.items())


@lru_cache(maxsize=None)
def bvad(edition_scale: bool = True) -> Metabolism:
    """The BVAD Rev 2 crew model.  ``edition_scale=False`` keeps the BVAD 2015 absolute rates."""
    d = _data()
    day = d["per_crew_day_kg"]
    rates = d["o2_kg_per_min_bvad2015"]
    ref_hours = d["reference_day_h"]
    ref_o2 = reference_day_o2_kg(rates, ref_hours)
    scale = day["o2"] / ref_o2 if edition_scale else 1.0
    pace = {a: rates[a] / 60.0 * (scale if a != "eva" else 1.0) / day["o2"] for a in ACTIVITIES}
    residue = day["fecal_solids"] + day["perspiration_solids"] + day["urine_solids"]
    # Elements of the metabolised dry food from: food + O2 -> CO2 + metabolic water.
    c = day["co2"] * composition("CO2")["C"]
    h = day["metabolic_water"] * composition("H2O")["H"]
    o = day["co2"] * composition("CO2")["O"] + day["metabolic_water"] * composition("H2O")["O"] - day["o2"]
    food_total = day["food_solids"] + day["food_water"]
    w = composition("H2O")
    food = {
        "C": c / food_total,
        "H": (h + day["food_water"] * w["H"]) / food_total,
        "O": (o + day["food_water"] * w["O"]) / food_total,
        "X": residue / food_total,  # ash/other elements that leave as solids
    }
    solid_total = day["fecal_water"] + residue
    solid = {"H": day["fecal_water"] * w["H"] / solid_total,
             "O": day["fecal_water"] * w["O"] / solid_total,
             "X": residue / solid_total}
    # dry food mass must equal metabolised C+H+O plus the residue (BVAD closes the balance)
    assert abs((c + h + o + residue) - day["food_solids"]) < 1e-9, "BVAD food balance does not close"
    return Metabolism(
        edition=d["edition"],
        o2_kg=day["o2"],
        co2_kg=day["co2"],
        food_kg=food_total,
        potable_kg=day["potable_water"],
        waste_water_kg=day["urine_water"] + day["respiration_perspiration_water"],
        waste_solid_kg=solid_total,
        food_composition=food,
        waste_solid_composition=solid,
        pace=pace,
    )


def bvad2015_rates_kg_min() -> dict[str, float]:
    """BVAD 2015 Table 3.22 O2 rates by activity (kg/min), as shipped in the data file."""
    return dict(_data()["o2_kg_per_min_bvad2015"])
