"""Tianlian relay visibility against an independent calculation.

The independent path: skyfield's ``EarthSatellite`` puts the station in the ITRS (skyfield's own
TEME -> ITRS chain: GMST/GAST, polar motion off), each relay is a fixed ITRS point at 42 164 km,
and a ray-sphere *quadratic* intersection decides blockage (the code under test uses a rotation by
hand-coded GMST and a closest-approach clamp instead).
"""

import datetime as dt

import numpy as np
import pytest

from tiangong.orbit import contacts
from tiangong.orbit.contacts import (
    R_EARTH_M, R_GEO_M, Relay, Window, any_relay_windows, coverage_fraction, line_of_sight_margin_m,
    merge_windows, relay_windows,
)
from tiangong.orbit.tle import builtin_tles, nearest_tle, without_drag

UTC = dt.timezone.utc
T0 = dt.datetime(2022, 9, 17, 0, 0, tzinfo=UTC)
T1 = T0 + dt.timedelta(hours=6)


def test_geometry_overhead_visible_behind_earth_blocked():
    r = np.array([R_EARTH_M + 390e3, 0.0, 0.0])
    assert line_of_sight_margin_m(r, np.array([R_GEO_M, 0.0, 0.0])) > 0  # straight up
    assert line_of_sight_margin_m(r, np.array([-R_GEO_M, 0.0, 0.0])) < 0  # behind the Earth
    # grazing: the line must clear R_E + 100 km; tangent to R_E + 50 km is blocked, + 150 km is not
    for h, visible in ((50e3, False), (150e3, True)):
        rt = R_EARTH_M + h  # relay direction tangent to the sphere of radius rt as seen from r
        ang = np.arccos(rt / np.linalg.norm(r)) + np.arccos(rt / R_GEO_M)
        relay = R_GEO_M * np.array([np.cos(ang), np.sin(ang), 0.0])
        assert (line_of_sight_margin_m(r, relay) > 0) == visible


def _sat():
    return without_drag(nearest_tle(builtin_tles(), T0))


def _independent_visible(sat, lon_deg, times_s, graze_m=100e3):
    from skyfield.api import EarthSatellite
    from skyfield.framelib import itrs

    from tiangong.orbit.frames import timescale
    ts = timescale()
    es = EarthSatellite.from_satrec(sat, ts)
    t = ts.utc(T0.year, T0.month, T0.day, T0.hour, T0.minute, np.asarray(times_s, dtype=float))
    p = es.at(t).frame_xyz(itrs).m.T  # (N, 3)
    q = R_GEO_M * np.array([np.cos(np.radians(lon_deg)), np.sin(np.radians(lon_deg)), 0.0])
    d = q - p
    # |p + s d|^2 = R^2 -> a s^2 + b s + c = 0; blocked if a root lies in [0, 1]
    R = R_EARTH_M + graze_m
    a = np.einsum("ij,ij->i", d, d)
    b = 2 * np.einsum("ij,ij->i", p, d)
    c = np.einsum("ij,ij->i", p, p) - R * R
    disc = b * b - 4 * a * c
    sq = np.sqrt(np.maximum(disc, 0))
    s1, s2 = (-b - sq) / (2 * a), (-b + sq) / (2 * a)
    blocked = (disc > 0) & (((s1 >= 0) & (s1 <= 1)) | ((s2 >= 0) & (s2 <= 1)))
    return ~blocked, p


def test_relay_over_the_station_is_visible_and_antipodal_is_not():
    sat = _sat()
    _, p = _independent_visible(sat, 0.0, [3600.0])
    lon = float(np.degrees(np.arctan2(p[0, 1], p[0, 0])))  # station's longitude from skyfield
    when = T0 + dt.timedelta(seconds=3600)
    relays = [Relay("above", lon), Relay("behind", lon + 180.0)]
    ws = relay_windows(sat, when - dt.timedelta(minutes=1), when + dt.timedelta(minutes=1), relays)
    assert [w.relay for w in ws] == ["above"]
    assert ws[0].starts_before_window and ws[0].ends_after_window


def test_windows_match_independent_sampling():
    sat = _sat()
    step = 10.0
    times = np.arange(0.0, (T1 - T0).total_seconds(), step)
    for relay in contacts.DEFAULT_RELAYS:
        vis, _ = _independent_visible(sat, relay.lon_deg, times)
        ws = relay_windows(sat, T0, T1, [relay])
        assert all(w.relay == relay.name for w in ws)
        mine = np.zeros(times.size, bool)
        for w in ws:
            s, e = (w.start - T0).total_seconds(), (w.end - T0).total_seconds()
            mine |= (times >= s) & (times < e)
        # disagreements only within a few seconds of a boundary (UT1-UTC, polar motion, sampling)
        bad = np.flatnonzero(mine != vis)
        for i in bad:
            edges = [abs(times[i] - (x - T0).total_seconds()) for w in ws for x in (w.start, w.end)]
            assert min(edges) < 5.0, f"{relay.name} disagrees at t={times[i]} s"
        assert bad.size <= 2 * len(ws) + 2


def test_sorted_merged_and_coverage_plausible():
    sat = _sat()
    ws = relay_windows(sat, T0, T1)
    assert ws == sorted(ws, key=lambda w: (w.start, w.relay))
    merged = any_relay_windows(sat, T0, T1)
    for a, b in zip(merged, merged[1:]):
        assert a.end < b.start  # disjoint and sorted
    # coverage against the independent sampling: union over the three relays
    times = np.arange(0.0, (T1 - T0).total_seconds(), 10.0)
    union = np.zeros(times.size, bool)
    for relay in contacts.DEFAULT_RELAYS:
        union |= _independent_visible(sat, relay.lon_deg, times)[0]
    frac = coverage_fraction(merged, T0, T1)
    assert frac == pytest.approx(union.mean(), abs=0.01)
    assert 0.8 < frac <= 1.0  # three GEO relays ~120 deg apart cover most of a 390 km orbit
    # one relay alone: a bit under half an orbit (LEO sees a GEO point for ~55 of 92 min)
    one = coverage_fraction(relay_windows(sat, T0, T1, contacts.DEFAULT_RELAYS[:1]), T0, T1)
    assert 0.45 < one < 0.7


def test_merge_windows_unions_overlaps():
    t = lambda m: T0 + dt.timedelta(minutes=m)  # noqa: E731
    ws = [Window(t(10), t(20), "b"), Window(t(0), t(12), "a"), Window(t(30), t(40), "a"), Window(t(20), t(25), "c")]
    m = merge_windows(ws)
    assert [(w.start, w.end) for w in m] == [(t(0), t(25)), (t(30), t(40))]
    assert m[0].relay == "a+b+c"
