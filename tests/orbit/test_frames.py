"""Frames, Sun and state cross-checked against skyfield's own end-to-end path (a twin
implementation: ``EarthSatellite(...).at(t)`` applies the full TEME->GCRS rotation per instant)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from skyfield.api import EarthSatellite, wgs84

from tiangong.orbit.eclipse import ShadowModel
from tiangong.orbit.frames import TemeToGcrs, gcrs_from_teme_matrix, geodetic_wgs84, teme_to_gcrs, timescale
from tiangong.orbit.state import orbit_state
from tiangong.orbit.sun import SunTrack, sun_gcrs_m
from tiangong.orbit.tle import builtin_tles


@pytest.mark.parametrize("index", range(4))
def test_sgp4_plus_teme_to_gcrs_matches_skyfield_to_1_m(index):
    tle = builtin_tles()[index]
    start = tle.epoch - dt.timedelta(hours=12)
    t_s = np.linspace(0.0, 3 * 86400.0, 997)  # 3 days, irregular w.r.t. the 6 h rotation nodes
    model = ShadowModel(tle, start, 0.0, t_s[-1])
    r_teme, v_teme = model.rv_teme(t_s)
    r, v = teme_to_gcrs(start, t_s, r_teme, v_teme)

    ts = timescale()
    sat = EarthSatellite(tle.line1, tle.line2, ts=ts)
    e = start
    pos = sat.at(ts.utc(e.year, e.month, e.day, e.hour, e.minute, e.second + e.microsecond * 1e-6 + t_s))
    dr = np.linalg.norm(r - pos.position.m.T, axis=1).max()
    dv = np.linalg.norm(v - pos.velocity.m_per_s.T, axis=1).max()
    assert dr < 1.0, f"max |r - skyfield| = {dr:.4f} m"
    assert dr < 0.05  # measured ~0.01 m: the linear interpolation between 6 h nodes
    assert dv < 1e-3


def test_exact_rotation_is_orthonormal_and_interpolation_stays_close():
    start = dt.datetime(2024, 5, 17, tzinfo=dt.timezone.utc)
    t = np.linspace(0, 2 * 86400, 50)
    exact = gcrs_from_teme_matrix(start, t)
    assert np.allclose(exact @ np.transpose(exact, (0, 2, 1)), np.eye(3), atol=1e-14)
    interp = TemeToGcrs(start, 0.0, t[-1]).matrix(t)
    assert np.abs(interp - exact).max() < 2e-9  # 6 h nodes: < 0.01 m at 6.8e6 m


def test_sun_interpolation_error_bound():
    start = dt.datetime(2025, 1, 7, tzinfo=dt.timezone.utc)
    span = 366 * 86400.0
    track = SunTrack(start, 0.0, span)
    t = np.sort(np.random.default_rng(7).uniform(0.0, span, 3000))
    err = np.linalg.norm(track(t) - sun_gcrs_m(start, t), axis=1).max()
    assert err < 5.0, f"{err:.2f} m"  # measured 0.4 m out of 1.5e11 m (3e-12 rad)
    # distance: 0.983..1.017 AU over a year
    au = np.linalg.norm(sun_gcrs_m(start, t), axis=1) / 1.495978707e11
    assert 0.982 < au.min() < 0.985 and 1.015 < au.max() < 1.018


def test_state_matches_skyfield_and_its_geodetic_position():
    tle = builtin_tles()[1]
    when = tle.epoch + dt.timedelta(hours=7, seconds=0.25)
    s = orbit_state(tle, when)
    ts = timescale()
    pos = EarthSatellite(tle.line1, tle.line2, ts=ts).at(ts.from_datetime(when))
    assert np.linalg.norm(s["r_gcrs_m"] - pos.position.m) < 1e-3
    geo = wgs84.geographic_position_of(pos)
    assert s["latitude_deg"] == pytest.approx(geo.latitude.degrees, abs=1e-9)
    assert s["altitude_m"] == pytest.approx(geo.elevation.m, abs=1e-3)
    lat, lon, alt = geodetic_wgs84(when, [0.0, 60.0], np.stack([s["r_gcrs_m"]] * 2))
    assert lat.shape == (2,) and -180 <= lon.min() and lon.max() < 180
    assert 330e3 < alt.min() and alt.max() < 420e3
