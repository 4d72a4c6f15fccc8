"""The report's ground track (orbit/groundtrack.py) against independent computations.

References: skyfield's ``EarthSatellite`` (its own SGP4 + TEME -> ITRS chain) and
``wgs84.subpoint_of`` for latitude/longitude/height; skyfield's ``is_sunlit`` (line of sight to the
Sun's centre) for the sunlit flag; a brute-force ray-sphere test in skyfield's ITRS for the relay
contact flag (the code under test uses contacts.py's closest-approach margin on frames.py's ITRS),
and contacts.py's own relay windows (TEME, GMST, bisection) at the grid points.
The propagated-orbit track (``orbit = "propagate"``) is checked the same way, from the trajectory's
GCRS states through skyfield's GCRS -> ITRS (``Geocentric`` positions).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from skyfield.api import EarthSatellite, wgs84
from skyfield.framelib import itrs

from tiangong.orbit.contacts import DEFAULT_RELAYS, R_EARTH_M, R_GEO_M, any_relay_windows
from tiangong.orbit.frames import timescale
from tiangong.orbit.groundtrack import (SPAN_S, STEP_S, scenario_ground_track, track_times,
                                        trajectory_ground_track)
from tiangong.orbit.sun import ephemeris
from tiangong.orbit.tle import select_tle, without_drag
from tiangong.timeutil import at_seconds

UTC = dt.timezone.utc
EPOCHS = [dt.datetime(2022, 11, 29, tzinfo=UTC), dt.datetime(2024, 5, 18, 6, 30, tzinfo=UTC)]


def relay_visible_itrs(p_itrs_m, graze_m: float = 100e3):
    """(visible, sureness [m]) per point: the segment station -> some relay (fixed ITRS points at
    R_GEO on the equator) misses the sphere R_E + graze (ray-sphere quadratic, no GMST); sureness:
    how far the deciding relay's line of sight passes from that sphere."""
    R = R_EARTH_M + graze_m
    best = np.full(len(p_itrs_m), -np.inf)  # signed: > 0 visible, < 0 blocked
    for r in DEFAULT_RELAYS:
        lon = np.radians(r.lon_deg)
        d = R_GEO_M * np.array([np.cos(lon), np.sin(lon), 0.0]) - p_itrs_m
        a = np.einsum("ij,ij->i", d, d)
        b = 2 * np.einsum("ij,ij->i", p_itrs_m, d)
        c = np.einsum("ij,ij->i", p_itrs_m, p_itrs_m) - R * R
        disc = b * b - 4 * a * c
        sq = np.sqrt(np.maximum(disc, 0.0))
        blocked = (disc > 0) & ((-b + sq) / (2 * a) >= 0) & ((-b - sq) / (2 * a) <= 1)
        s = np.clip(-np.einsum("ij,ij->i", p_itrs_m, d) / a, 0.0, 1.0)
        gap = np.abs(np.linalg.norm(p_itrs_m + s[:, None] * d, axis=1) - R)
        best = np.maximum(best, np.where(blocked, -gap, gap))
    return best > 0, np.abs(best)


def _skyfield_times(epoch, t_s):
    return timescale().utc(epoch.year, epoch.month, epoch.day, epoch.hour, epoch.minute,
                           epoch.second + epoch.microsecond * 1e-6 + np.asarray(t_s, dtype=float))


def _check_sunlit(g, lit):
    """Full sun / umbra equal skyfield's ``is_sunlit`` (Sun's centre in view); a penumbra (< 20 s)
    holds at most one grid point, two per orbit (~92 min: on a 60-s grid the same phase recurs);
    there the Sun's centre is in view when more than half the disc is, away from 1/2."""
    umbra_or_sun = (g.sunlit == 0.0) | (g.sunlit == 1.0)
    assert umbra_or_sun.sum() >= len(g.t_s) - 2 * (int(g.t_s[-1] - g.t_s[0]) // 5500 + 1)
    np.testing.assert_array_equal(g.sunlit[umbra_or_sun] == 1.0, lit[umbra_or_sun])
    clear = ~umbra_or_sun & (np.abs(g.sunlit - 0.5) > 0.1)
    np.testing.assert_array_equal(g.sunlit[clear] > 0.5, lit[clear])


@pytest.fixture(scope="module", params=range(len(EPOCHS)), ids=[e.date().isoformat() for e in EPOCHS])
def replay(request):
    epoch = EPOCHS[request.param]
    track = scenario_ground_track(epoch, 3 * 86400.0)
    sat = EarthSatellite.from_satrec(without_drag(select_tle(epoch)), timescale())
    return epoch, track, sat.at(_skyfield_times(epoch, track.t_s))


def test_replay_track_is_one_day_on_a_minute_grid(replay):
    _, g, _ = replay
    assert (SPAN_S, STEP_S) == (86400.0, 60.0)
    assert len(g.t_s) == 1441 and g.t_s[0] == 0.0 and g.t_s[-1] == 86400.0
    assert np.all(np.diff(g.t_s) == 60.0)
    assert "SGP4" in g.source and "TLE epoch" in g.source


def test_replay_track_equals_skyfield_subpoint(replay):
    _, g, pos = replay
    sub = wgs84.subpoint_of(pos)
    dlat = np.abs(sub.latitude.degrees - g.latitude_deg).max()
    dlon = np.abs((sub.longitude.degrees - g.longitude_deg + 180.0) % 360.0 - 180.0).max()
    dh = np.abs(wgs84.height_of(pos).m - g.altitude_m).max()
    assert dlat < 0.01 and dlon < 0.01  # the brief's bound (0.01 deg ~ 1 km)
    assert dlat < 1e-6 and dlon < 1e-6 and dh < 0.01  # measured 7e-8 deg (~1 cm) and 2e-5 m
    assert -180.0 <= g.longitude_deg.min() and g.longitude_deg.max() < 180.0
    assert 41.0 < np.abs(g.latitude_deg).max() < 42.0  # Tiangong's inclination, 41.47 deg


def test_replay_sunlit_equals_skyfield_is_sunlit(replay):
    _, g, pos = replay
    lit = pos.is_sunlit(ephemeris())
    _check_sunlit(g, lit)
    assert 0.55 < g.sunlit_fraction < 0.75  # a LEO at low beta: ~1/3 of each orbit in shadow


def test_replay_contact_equals_brute_force_line_of_sight(replay):
    _, g, pos = replay
    vis, margin = relay_visible_itrs(pos.frame_xyz(itrs).m.T)
    sure = margin > 2e3  # GMST vs skyfield's GAST (~1 s of rotation) moves a boundary by < 1 km
    assert sure.sum() >= len(g.t_s) - 5
    np.testing.assert_array_equal(g.contact[sure], vis[sure])
    assert g.contact.any() and not g.contact.all()
    assert g.contact_fraction == pytest.approx(vis.mean(), abs=3 / len(g.t_s))


def test_replay_contact_equals_the_relay_windows_of_contacts_py(replay):
    """The grid flag is the sign of contacts.py's g-function: inside an ``any_relay_windows`` window
    at every grid point more than 5 s from a window's edge (the windows use GMST in TEME, the
    track skyfield's ITRS: the Earth's angle differs by the equation of the equinoxes, < 1.2 s)."""
    epoch, g, _ = replay
    wins = any_relay_windows(without_drag(select_tle(epoch)), epoch, at_seconds(epoch, g.t_s[-1]))
    edges = np.array([(w.start - epoch).total_seconds() for w in wins] + [(w.end - epoch).total_seconds() for w in wins])
    inside = np.zeros(len(g.t_s), bool)
    for w in wins:
        inside |= (g.t_s >= (w.start - epoch).total_seconds()) & (g.t_s <= (w.end - epoch).total_seconds())
    far = np.min(np.abs(g.t_s[:, None] - edges[None, :]), axis=1) > 5.0
    assert far.sum() >= len(g.t_s) - 2 * len(wins)
    np.testing.assert_array_equal(g.contact[far], inside[far])


def test_track_times_window_start_and_cut_at_the_end():
    np.testing.assert_array_equal(track_times(600.0, step_s=60.0), np.arange(0.0, 601.0, 60.0))
    t = track_times(3 * 86400.0, start_s=30 * 3600.0)  # a chosen day: 24 h from 30 h
    assert t[0] == 30 * 3600.0 and t[-1] == 54 * 3600.0
    t = track_times(36 * 3600.0, start_s=30 * 3600.0 + 7.0)  # cut at the run's end, end included
    assert t[0] == 30 * 3600.0 + 7.0 and t[-1] == 36 * 3600.0 and len(t) == 361
    assert track_times(100.0, start_s=100.0).size == 0


def test_scenario_track_from_a_chosen_start_and_none_past_the_end():
    epoch = EPOCHS[0]
    g = scenario_ground_track(epoch, 86400.0, start=epoch + dt.timedelta(hours=20))
    assert g.t_s[0] == 20 * 3600.0 and g.t_s[-1] == 86400.0  # 4 h left in the run
    full = scenario_ground_track(epoch, 86400.0)
    i = int(np.searchsorted(full.t_s, 20 * 3600.0))
    np.testing.assert_allclose(g.latitude_deg, full.latitude_deg[i:], atol=1e-9)
    assert scenario_ground_track(epoch, 86400.0, start=epoch + dt.timedelta(days=1)) is None



@pytest.fixture(scope="module")
def propagated():
    from skyfield.constants import AU_M
    from skyfield.positionlib import Geocentric

    from tiangong.orbit.predict import predict

    epoch = EPOCHS[1]
    pred = predict(select_tle(epoch), epoch, epoch + dt.timedelta(days=1))
    t = track_times(86400.0)
    track = trajectory_ground_track(pred.trajectory, epoch, t)
    r = pred.trajectory.states(t + (epoch - pred.trajectory.epoch).total_seconds())[:, :3]
    return track, Geocentric(r.T / AU_M, t=_skyfield_times(epoch, t), center=399)


def test_propagated_track_equals_skyfield_subpoint_of_the_gcrs_states(propagated):
    g, pos = propagated
    assert "propagated" in g.source and len(g.t_s) == 1441
    sub = wgs84.subpoint_of(pos)
    dlat = np.abs(sub.latitude.degrees - g.latitude_deg).max()
    dlon = np.abs((sub.longitude.degrees - g.longitude_deg + 180.0) % 360.0 - 180.0).max()
    assert dlat < 1e-6 and dlon < 1e-6  # the brief's bound is 0.01 deg; measured ~7e-8 deg
    assert np.abs(wgs84.height_of(pos).m - g.altitude_m).max() < 0.01


def test_propagated_sunlit_and_contact_equal_independent_ones(propagated):
    g, pos = propagated
    lit = pos.is_sunlit(ephemeris())
    _check_sunlit(g, lit)
    vis, margin = relay_visible_itrs(pos.frame_xyz(itrs).m.T)
    sure = margin > 2e3
    assert sure.sum() >= len(g.t_s) - 5
    np.testing.assert_array_equal(g.contact[sure], vis[sure])
