"""Suit consumables and airlock: conservation, analytic depletion times, gas loss, prebreathe TR."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiangong.errors import InputError
from tiangong.eva.airlock import (airlock_gas_loss_kg, airlock_timeline, load_airlock, prebreathe_time_s,
                                  tissue_n2_pa, tissue_ratio)
from tiangong.eva.suit import CONSUMABLES, SuitParams, TaskStep, consumables_timeline, default_suit, time_to_depletion_s

SUIT = default_suit()
STEPS = [TaskStep("depress", 1200, 103), TaskStep("egress", 900, 293), TaskStep("work", 7200, 469),
         TaskStep("work2", 5400, 249), TaskStep("ingress", 1200, 293), TaskStep("repress", 1200, 103)]


def test_packaged_suit_loads_with_sane_values():
    assert SUIT.rated_s == 8 * 3600
    assert SUIT.suit_pressure_pa == 40000.0
    # independent arithmetic: 293 W / 20.1 kJ/L -> L/s; x O2 density at STP (ideal gas) -> kg/h ~ 0.075
    rho = 101325.0 * 0.0319988 / (8.314462618 * 273.15)
    assert SUIT.rates(293.0)["o2"] - SUIT.o2_leak_kg_s == pytest.approx(293.0 / 20100.0 / 1000.0 * rho, rel=1e-4)
    assert 0.074 < (SUIT.rates(293.0)["o2"] - SUIT.o2_leak_kg_s) * 3600 < 0.076


def test_o2_mass_conservation():
    tr = consumables_timeline(STEPS, SUIT)
    for c in CONSUMABLES:
        assert tr.used[c] + tr.final[c] == pytest.approx(tr.initial[c], rel=1e-9)
    assert tr.o2_metabolic_kg + tr.o2_leak_kg == pytest.approx(tr.used["o2"], rel=1e-12)


def test_co2_absorbed_equals_metabolic_o2_times_rq():
    tr = consumables_timeline(STEPS, SUIT)
    ratio = SUIT.rq * 44.0095 / 31.9988  # M_CO2 / M_O2, IUPAC 2013 atomic weights
    assert tr.used["co2"] == pytest.approx(tr.o2_metabolic_kg * ratio, rel=1e-6)
    assert tr.co2_produced_kg == pytest.approx(tr.used["co2"], rel=1e-12)


@settings(max_examples=50, deadline=None)
@given(w=st.floats(50, 700))
def test_constant_rate_depletion_and_reserve_times_are_analytic(w):
    r = SUIT.rates(w)
    t_zero = time_to_depletion_s(w, SUIT)
    t_res = time_to_depletion_s(w, SUIT, to_reserve=True)
    assert t_zero["o2"] == pytest.approx(SUIT.o2_initial_kg / r["o2"], rel=1e-12)
    assert t_res["o2"] == pytest.approx((SUIT.o2_initial_kg - r["o2"] * SUIT.o2_reserve_s) / r["o2"], rel=1e-12)
    assert t_res["co2"] == pytest.approx(SUIT.co2_reserve_fraction_used * SUIT.co2_capacity_kg / r["co2"], rel=1e-12)
    # the event-driven trace, split into uneven steps at the same rate, crosses at the same instants
    horizon = 1.2 * max(t_zero.values())
    steps = [TaskStep(f"s{i}", horizon * f, w) for i, f in enumerate((0.13, 0.29, 0.07, 0.51))]
    tr = consumables_timeline(steps, SUIT)
    for c in CONSUMABLES:
        assert tr.depletion_s[c] == pytest.approx(t_zero[c], rel=1e-9)
        assert tr.reserve_s[c] == pytest.approx(t_res[c], rel=1e-9)


def test_reserve_jump_when_rate_rises_is_reported_at_step_start():
    # O2 reserve is 30 min at the current rate: remaining 0.05 kg is above rest reserve but below the
    # peak-rate reserve, so the crossing is at the start of the peak step.
    r_rest, r_peak = SUIT.rates(103)["o2"], SUIT.rates(586)["o2"]
    t_rest = (SUIT.o2_initial_kg - 0.05) / r_rest
    assert r_rest * SUIT.o2_reserve_s < 0.05 < r_peak * SUIT.o2_reserve_s
    tr = consumables_timeline([TaskStep("rest", t_rest, 103), TaskStep("peak", 600, 586)], SUIT)
    assert tr.reserve_s["o2"] == pytest.approx(t_rest, rel=1e-12)
    assert tr.reserve_step["o2"] == "peak"


def test_bad_steps_raise_input_error():
    with pytest.raises(InputError):
        consumables_timeline([TaskStep("x", -1.0, 200)], SUIT)
    with pytest.raises(InputError):
        consumables_timeline([TaskStep("x", 10.0, float("nan"))], SUIT)
    with pytest.raises(InputError):
        SuitParams.load("/nonexistent/suit.toml")


def test_airlock_gas_loss_matches_ideal_gas_for_wentian():
    a = load_airlock("wentian")
    assert a.volume_m3 == 12.0
    n = 101300.0 * 12.0 / (8.314462618 * 295.0)  # mol in the airlock at cabin pressure
    got = airlock_gas_loss_kg(12.0, 101300.0, 295.0, {"O2": 0.21, "N2": 0.79})
    assert got["O2"] == pytest.approx(0.21 * n * 0.0319988, rel=1e-9)
    assert got["N2"] == pytest.approx(0.79 * n * 0.0280134, rel=1e-9)
    tl = airlock_timeline("wentian")
    assert tl.gas_lost_total_kg == pytest.approx((1 - a.recovered_fraction) * n * (0.21 * 0.0319988 + 0.79 * 0.0280134),
                                                 rel=1e-9)
    with pytest.raises(InputError):
        airlock_gas_loss_kg(12.0, 101300.0, 295.0, {"O2": 0.5, "N2": 0.4})
    with pytest.raises(InputError):
        airlock_gas_loss_kg(12.0, 101300.0, -1.0, {"O2": 1.0})


def test_unknown_airlock_is_input_error():
    with pytest.raises(InputError):
        load_airlock("quest")


def test_prebreathe_tissue_ratio_closed_form():
    tau = 360 * 60.0
    p0 = 0.79 * 101300.0
    for t in (0.0, 600.0, 3600.0, 21600.0):
        assert tissue_ratio(t, p0, 40000.0, tau) == pytest.approx(p0 * 0.5 ** (t / tau) / 40000.0, rel=1e-12)
    # one half-time on air at 70 kPa: halfway from p0 to the inspired ppN2
    assert tissue_n2_pa(tau, p0, 0.79 * 70000.0, tau) == pytest.approx((p0 + 0.79 * 70000.0) / 2, rel=1e-12)
    t = prebreathe_time_s(p0, 40000.0, 1.65, tau)
    assert t == pytest.approx(tau * math.log2(p0 / (1.65 * 40000.0)), rel=1e-12)
    assert tissue_ratio(t, p0, 40000.0, tau) == pytest.approx(1.65, rel=1e-12)
    assert prebreathe_time_s(p0, 40000.0, 2.5, tau) == 0.0  # TR0 = 2.0 already below the limit
    tl = airlock_timeline("wentian")
    assert tl.prebreathe_s == pytest.approx(t, rel=1e-12)
    assert tl.tr_at_hatch < 1.65
