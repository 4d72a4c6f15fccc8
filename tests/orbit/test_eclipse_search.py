"""The event search itself: fast path (coarse grid + root finding) against a brute-force 0.5 s
sampling (twin implementation), grazing eclipses, eclipse-free seasons, the engine's event
stream, sunlit fraction and speed."""

from __future__ import annotations

import datetime as dt
import math
import time

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec

from tiangong.orbit.eclipse import (
    EVENT_KINDS,
    ShadowModel,
    beta_angle_deg,
    disc_sunlit_fraction,
    eclipse_events,
    find_eclipses,
    sunlit_fraction_at,
)
from tiangong.orbit.tle import builtin_tles, without_drag

UTC = dt.timezone.utc


def synthetic_satrec(epoch: dt.datetime, incl_deg: float, raan_deg: float, alt_km: float = 400.0) -> Satrec:
    """A drag-free near-circular orbit (SGP4 elements) for geometry tests."""
    a_km = 6378.135 + alt_km
    n_rad_min = math.sqrt(398600.8 / a_km**3) * 60.0  # WGS72 mu
    sat = Satrec()
    days = (epoch - dt.datetime(1949, 12, 31, tzinfo=UTC)).total_seconds() / 86400.0
    sat.sgp4init(WGS72, "i", 99999, days, 0.0, 0.0, 0.0, 0.0005, 0.0, math.radians(incl_deg), 0.0,
                 n_rad_min, math.radians(raan_deg))
    return sat


# At the June solstice an orbit inclined 66.56 deg with its node at RA 180 deg faces the Sun
# (beta ~ 90 deg); J2 regression then lowers beta by ~3.9 deg/day, through beta* = 70.2 deg
# on day ~5: eclipse-free days, then grazing penumbra-only eclipses, then umbra.
SOLSTICE = dt.datetime(2024, 6, 21, tzinfo=UTC)
HIGH_BETA = synthetic_satrec(SOLSTICE, 66.56, 180.0)


def brute_force_intervals(sat, start, seconds, step=0.5, level=1.0):
    """Intervals where the sunlit fraction is < level (1.0: penumbra or umbra; 1e-12: umbra)."""
    t = np.arange(0.0, seconds, step)
    f = ShadowModel(sat, start, 0.0, seconds).fraction(t)
    inside = (f < level).astype(int)
    starts = t[1:][np.diff(inside) == 1]
    ends = t[1:][np.diff(inside) == -1]
    return starts, ends


def test_eclipse_free_season():
    assert beta_angle_deg(HIGH_BETA, SOLSTICE) > 85
    assert find_eclipses(HIGH_BETA, SOLSTICE, SOLSTICE + dt.timedelta(days=4)) == []
    t, kind = eclipse_events(HIGH_BETA, SOLSTICE, 4 * 86400.0)
    assert t.shape == kind.shape == (0,)


@pytest.mark.parametrize("step_s", [60.0, 600.0, 1200.0])
def test_grazing_eclipses_match_brute_force_even_on_a_coarse_grid(step_s):
    start = SOLSTICE + dt.timedelta(days=5)
    span_s = 41000.0  # 7 complete eclipses, none cut by the window
    found = find_eclipses(HIGH_BETA, start, start + dt.timedelta(seconds=span_s), step_s=step_s)
    starts, ends = brute_force_intervals(HIGH_BETA, start, span_s)
    assert len(found) == len(starts) == len(ends) >= 5
    # the first ones never reach the umbra, and are shorter than the coarse grids
    assert found[0].umbra_start is None and found[0].umbra_duration_s == 0.0
    assert found[0].penumbra_duration_s < 200.0
    for e, s, x in zip(found, starts, ends):
        assert abs((e.penumbra_start - start).total_seconds() - s) <= 0.5
        assert abs((e.penumbra_end - start).total_seconds() - x) <= 0.5
    u_starts, _ = brute_force_intervals(HIGH_BETA, start, span_s, level=1e-12)
    assert sum(e.umbra_start is not None for e in found) == len(u_starts)


@pytest.mark.parametrize("lead_s", [30.0, 200.0])
def test_short_eclipse_next_to_the_window_edges_is_found(lead_s):
    """A 168 s penumbra-only eclipse (the first of the season) within one coarse grid step of
    the window's start or end."""
    first = find_eclipses(HIGH_BETA, SOLSTICE + dt.timedelta(days=5), SOLSTICE + dt.timedelta(days=5.1))[0]
    assert first.umbra_start is None and first.penumbra_duration_s < 200
    start = first.penumbra_start - dt.timedelta(seconds=lead_s)
    for window in ((start, start + dt.timedelta(hours=1)),  # eclipse just after the start
                   (first.penumbra_end - dt.timedelta(hours=1), first.penumbra_end + dt.timedelta(seconds=lead_s))):
        found = find_eclipses(HIGH_BETA, *window, step_s=1200.0)
        assert len(found) == 1
        assert abs((found[0].penumbra_start - first.penumbra_start).total_seconds()) < 1e-2
        assert abs((found[0].penumbra_end - first.penumbra_end).total_seconds()) < 1e-2


def test_boundaries_are_nested_and_within_resolution():
    tle = builtin_tles()[0]
    for e in find_eclipses(tle, tle.epoch, tle.epoch + dt.timedelta(days=1)):
        if e.starts_before_window or e.ends_after_window:
            continue
        assert e.penumbra_start < e.shadow_entry < e.umbra_start < e.umbra_end < e.shadow_exit < e.penumbra_end
        # fraction: 0.5-ish at the limb crossing, 0 inside the umbra, 1 outside
        at = [e.penumbra_start - dt.timedelta(seconds=0.05), e.shadow_entry,
              e.umbra_start + dt.timedelta(seconds=0.05), e.penumbra_end + dt.timedelta(seconds=0.05)]
        f = sunlit_fraction_at(tle, at)
        assert f[0] == 1.0 and 0.4 < f[1] < 0.6 and f[2] == 0.0 and f[3] == 1.0
        # refined to < 0.01 s: 0.01 s before/after the umbra boundary is on the right side
        g = sunlit_fraction_at(tle, [e.umbra_start - dt.timedelta(seconds=0.01),
                                     e.umbra_end + dt.timedelta(seconds=0.01)])
        assert np.all(g > 0.0)


def test_engine_event_stream():
    tle = builtin_tles()[2]  # 2024-05-17: the window below starts inside an eclipse
    start = dt.datetime(2024, 5, 17, 19, 37, 51, tzinfo=UTC)
    t, kind = eclipse_events(tle, start, 86400.0)
    assert t.dtype == np.float64 and set(kind) <= set(EVENT_KINDS)
    assert np.all(np.diff(t) >= 0) and t[0] >= 0.0 and t[-1] <= 86400.0
    # in progress at t = 0: its start events are clipped to 0.0, in order
    assert list(kind[:2]) == ["penumbra_start", "umbra_start"] and t[0] == t[1] == 0.0
    # replay from "sunlit": every event must leave the state the previous one entered
    transitions = {"penumbra_start": (1.0, 0.5), "umbra_start": (0.5, 0.0),
                   "umbra_end": (0.0, 0.5), "penumbra_end": (0.5, 1.0)}
    state = 1.0
    for k in kind:
        before, after = transitions[k]
        assert state == before, k
        state = after
    assert (kind == "umbra_end").sum() == (kind == "umbra_start").sum() == 16
    _, k2 = eclipse_events(tle, start, 86400.0, clip_at_start=False)
    assert k2[0] == "umbra_end"
    # the engine's sampled state agrees with the fraction between events
    keep = np.diff(t) > 0  # skip the zero-length step between the two clipped starts
    mids = 0.5 * (t[1:] + t[:-1])[keep]
    f = sunlit_fraction_at(tle, mids, epoch=start)
    expect = np.array([transitions[k][1] for k in kind[:-1]])[keep]
    assert np.all(f[expect == 1.0] == 1.0) and np.all(f[expect == 0.0] == 0.0)
    assert np.all((f[expect == 0.5] > 0.0) & (f[expect == 0.5] < 1.0))


def test_disc_fraction_geometry():
    rho_s, rho_e = 0.00465, 1.2
    assert disc_sunlit_fraction(rho_e + rho_s + 1e-6, rho_e, rho_s) == 1.0
    assert disc_sunlit_fraction(rho_e - rho_s - 1e-6, rho_e, rho_s) == 0.0
    assert disc_sunlit_fraction(rho_e, rho_e, rho_s) == pytest.approx(0.5, abs=2e-3)  # limb curvature
    d = np.linspace(rho_e - rho_s, rho_e + rho_s, 101)
    f = disc_sunlit_fraction(d, rho_e, rho_s)
    assert np.all(np.diff(f) > 0) and f[0] == pytest.approx(0.0, abs=1e-9) and f[-1] == pytest.approx(1.0, abs=1e-9)


def test_180_days_is_fast():
    tle = builtin_tles()[2]
    sat = without_drag(tle)
    find_eclipses(sat, tle.epoch, tle.epoch + dt.timedelta(days=1))  # warm-up: imports, DE421
    t0 = time.perf_counter()
    found = find_eclipses(sat, tle.epoch, tle.epoch + dt.timedelta(days=180))
    elapsed = time.perf_counter() - t0
    assert 2790 < len(found) < 2830  # 15.6 orbits a day, and Tiangong's beta never exceeds beta*
    assert elapsed < 3.0, f"{elapsed:.2f} s (measured ~0.3 s on the dev machine)"
