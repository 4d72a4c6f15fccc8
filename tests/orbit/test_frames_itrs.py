"""GCRS -> ITRS (interpolated nodes vs skyfield's exact rotation), WGS84 geodetic conversion, time
scales, and the station's mass and drag area by date as the propagator uses them."""

import datetime as dt
import math

import numpy as np
import pytest

from tiangong.orbit.frames import GcrsToItrs, geodetic_from_itrs, geodetic_wgs84, itrs_from_gcrs_matrix, time_scales
from tiangong.orbit.propagate import ForceModel, Propagator

EPOCH = dt.datetime(2024, 5, 17, tzinfo=dt.timezone.utc)


def test_interpolated_itrs_rotation_matches_skyfield_to_a_millimetre():
    t = np.arange(0.0, 5 * 86400.0, 997.0)
    approx = GcrsToItrs(EPOCH, 0.0, t[-1]).matrix(t)
    exact = itrs_from_gcrs_matrix(EPOCH, t)
    assert np.abs(approx - exact).max() * 6.8e6 < 1e-3  # m at the station's radius; measured 0.2 mm
    assert np.allclose(np.einsum("nij,nkj->nik", exact, exact), np.eye(3), atol=1e-12)


def test_geodetic_from_itrs_matches_skyfield_wgs84():
    rng = np.random.default_rng(3)
    r = rng.normal(size=(200, 3))
    r *= (6.5e6 + rng.uniform(0, 1e6, 200))[:, None] / np.linalg.norm(r, axis=1)[:, None]
    t = np.linspace(0, 86400.0, 200)
    m = itrs_from_gcrs_matrix(EPOCH, t)
    lat, lon, h = geodetic_from_itrs(np.einsum("nij,nj->ni", m, r))
    lat2, lon2, h2 = geodetic_wgs84(EPOCH, t, r)
    assert np.abs(lat - lat2).max() < 1e-7 and np.abs((lon - lon2 + 180) % 360 - 180).max() < 1e-7
    assert np.abs(h - h2).max() < 1e-3


def test_time_scales_follow_the_leap_second_table():
    ts = time_scales(EPOCH)
    assert ts["tai_minus_utc_s"] == pytest.approx(37.0, abs=1e-3)  # since 2017-01-01 (IERS Bulletin C)
    assert (ts["tt_jd"] - ts["tai_jd"]) * 86400.0 == pytest.approx(32.184, abs=1e-3)
    assert abs(ts["ut1_jd"] - ts["utc_jd"]) * 86400.0 < 0.9  # |UT1 - UTC| < 0.9 s by definition


def test_mass_and_area_change_at_a_docking_and_the_run_restarts_there():
    from tiangong.orbit.spacecraft import ballistics_at, configuration_changes

    dock = dt.datetime(2022, 7, 24, 19, 13, tzinfo=dt.timezone.utc)  # Wentian docks (data/history)
    m0, a0 = ballistics_at(dock - dt.timedelta(hours=1))
    m1, a1 = ballistics_at(dock + dt.timedelta(hours=1))
    assert m1 - m0 == pytest.approx(23e3, rel=0.1)  # Wentian ~23 t
    assert a1 > a0
    start = dock - dt.timedelta(days=1)
    assert dock in configuration_changes(start, start + dt.timedelta(days=2))
    a = 6378137.0 + 390e3
    v = math.sqrt(3.986004415e14 / a)
    prop = Propagator(start, 2 * 86400.0, ForceModel(sun=False, moon=False, srp=False))
    tr = prop.run([a, 0, 0], [0, v * 0.75, v * math.sqrt(1 - 0.75 ** 2)])
    cut = (dock - start).total_seconds()
    assert any(abs(s[1] - cut) < 1e-6 for s in tr.segments)
    assert tr.segments[0][2] == pytest.approx(m0) and tr.segments[-1][2] == pytest.approx(m1)
