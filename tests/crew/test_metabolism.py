"""Crew metabolic model against NASA BVAD (published values, not the code's own output)."""

import pytest

from tiangong.chem import composition
from tiangong.crew import timeline
from tiangong.crew.metabolism import bvad, bvad2015_rates_kg_min, reference_day_o2_kg

# BVAD Rev 2 (NASA/TP-2015-218570/REV2, 2022) Table 3-31, per crew member-day
BVAD_REV2_O2_KG = 0.895
BVAD_REV2_CO2_KG = 1.085
# BVAD 2015 published daily values (NASA/TP-2015-218570): 0.82 kg O2, 1.04 kg CO2
BVAD_2015_O2_KG = 0.82


def test_bvad2015_table_reproduces_published_daily_o2():
    """Validation case V-1: 8 h sleep, 30 min exercise, 15.5 h nominal -> 0.819 kg (published 0.82)."""
    o2 = reference_day_o2_kg(bvad2015_rates_kg_min(), {"sleep": 8.0, "exercise": 0.5, "nominal": 15.5})
    assert o2 == pytest.approx(BVAD_2015_O2_KG, rel=0.005)


def test_one_reference_day_integrates_to_bvad_rev2():
    met = bvad()
    pace = met.pace
    crew_days = (8 * pace["sleep"] + 0.5 * pace["exercise"] + 15.5 * pace["nominal"]) * 3600.0
    assert crew_days * met.o2_kg == pytest.approx(BVAD_REV2_O2_KG, rel=1e-12)
    assert crew_days * met.co2_kg == pytest.approx(BVAD_REV2_CO2_KG, rel=1e-12)


def test_bvad_water_balance_closes():
    """BVAD Rev 2: water in (3.217 + 0.760 + 0.490) = water out (0.101 + 2.946 + 1.420) = 4.467 kg."""
    met = bvad()
    mass_in = met.o2_kg + met.food_kg + met.potable_kg
    mass_out = met.co2_kg + met.waste_water_kg + met.waste_solid_kg
    assert mass_in == pytest.approx(5.672, abs=1e-9)
    assert mass_out == pytest.approx(mass_in, abs=1e-12)


def test_crew_process_conserves_every_element():
    met = bvad()
    w = composition("H2O")
    for element in ("C", "H", "O"):
        inflow = (met.o2_kg * composition("O2").get(element, 0) + met.food_kg * met.food_composition.get(element, 0)
                  + met.potable_kg * w.get(element, 0))
        outflow = (met.co2_kg * composition("CO2").get(element, 0) + met.waste_water_kg * w.get(element, 0)
                   + met.waste_solid_kg * met.waste_solid_composition.get(element, 0))
        assert outflow == pytest.approx(inflow, rel=1e-12), element


def test_effective_rq_is_bvad_rev2_daily_value():
    """(1.085/44.01)/(0.895/32.00) = 0.881 (reference-values.md 1.1, D)."""
    met = bvad()
    rq = (met.co2_kg / 44.0095) / (met.o2_kg / 31.9988)
    assert rq == pytest.approx(0.881, abs=0.001)


def test_timeline_gives_each_crew_member_a_reference_day():
    """Over whole days, every slot sleeps 8 h and exercises 30 min (BVAD's reference day)."""
    tr = timeline.transitions(0.0, 10 * 86400.0)
    sleep = sum(1 for _, slot, a in tr if slot is None and a == "sleep")
    ex = [t for t, slot, a in tr if slot == 0 and a == "exercise"]
    assert sleep == 10 and len(ex) == 10
    assert timeline.activity_at(15 * 3600.0) == "sleep"
    assert timeline.activity_at(23 * 3600.0) == "nominal"
