"""Passes against skyfield's ``find_events`` (same TLE, same site, same mask) and contacts/track
through the CLI against an independent brute-force visibility scan with skyfield."""

import datetime as dt
import importlib.resources
import json

import numpy as np
import pytest
from skyfield.api import EarthSatellite, wgs84

from tiangong.orbit.frames import timescale
from tiangong.orbit.passes import Site, find_passes, ground_stations
from tiangong.orbit.tle import parse_tle_text

from .test_cli_predict import one_line_error, tiangong

TEXT = importlib.resources.files("tiangong").joinpath("data/tle/tiangong_2021_2024.tle").read_text()
TLE = sorted(parse_tle_text(TEXT), key=lambda t: t.epoch)[13]  # 2024-05-17


@pytest.mark.parametrize("site, mask", [(Site("Beijing", 39.9, 116.4, 50.0), 10.0), (ground_stations()[0], 5.0),
                                        (Site("Neuquen-ish", -38.19, -70.15, 600.0), 0.0)])
def test_passes_match_skyfield_find_events_within_3_s(site, mask):
    t0 = TLE.epoch
    t1 = t0 + dt.timedelta(days=3)
    ours = []
    for p in find_passes(TLE.satrec, t0, t1, site, mask):
        ours += [(0, p.rise), (1, p.culmination), (2, p.set)]
    ts = timescale()
    sat = EarthSatellite(TLE.line1, TLE.line2, ts=ts)
    times, events = sat.find_events(wgs84.latlon(site.lat_deg, site.lon_deg, site.height_m), ts.from_datetime(t0),
                                    ts.from_datetime(t1), altitude_degrees=mask)
    ref = [(int(e), t.utc_datetime()) for t, e in zip(times, events)]
    assert len(ours) == len(ref) and len(ref) >= 12
    assert [e for e, _ in ours] == [e for e, _ in ref]
    err = [abs((a - b).total_seconds()) for (_, a), (_, b) in zip(ours, ref)]
    assert max(err) < 3.0  # measured: < 0.1 s


def test_contacts_and_track_flags_match_a_brute_force_scan():
    start = "2024-05-17T20:00:00Z"
    hist = str(importlib.resources.files("tiangong").joinpath("data/tle/tiangong_2021_2024.tle"))
    out = tiangong("orbit", "track", "--tle", hist, "--start", start, "--days", "0.25", "--step-s", "30", "--json")
    assert out.returncode == 0, out.stderr
    pts = json.loads(out.stdout)["points"]
    ts = timescale()
    sat = EarthSatellite(TLE.line1, TLE.line2, ts=ts)
    t = ts.from_datetimes([dt.datetime.fromisoformat(p["time"].replace("Z", "+00:00")) for p in pts])
    pos = sat.at(t)
    sub = wgs84.subpoint_of(pos)
    assert np.abs(sub.latitude.degrees - [p["latitude_deg"] for p in pts]).max() < 1e-3
    dlon = (sub.longitude.degrees - [p["longitude_deg"] for p in pts] + 180) % 360 - 180
    assert np.abs(dlon).max() < 1e-3
    from tiangong.orbit.sun import ephemeris

    lit = pos.is_sunlit(ephemeris())
    frac = np.array([p["sunlit"] for p in pts])
    assert np.all(frac[lit] > 0.4) and np.all(frac[~lit] < 0.6)  # skyfield: Sun's centre, ours: disc fraction
    # ground-station visibility by brute force: any shipped station above 5 deg
    vis = np.zeros(len(pts), bool)
    for s in ground_stations():
        alt, _, _ = (sat - wgs84.latlon(s.lat_deg, s.lon_deg, s.height_m)).at(t).altaz()
        vis |= alt.degrees > 5.0
    flags = np.array([p["contact"] for p in pts])
    assert np.all(flags[vis])  # every ground-visible point is flagged (the relays add the rest)


@pytest.mark.parametrize("args, fragments", [
    (("passes", "--lat", "91", "--lon", "0"), ("--lat", "-90..90")),
    (("passes", "--lat", "-95.5", "--lon", "0"), ("--lat",)),
    (("passes", "--lat", "40", "--lon", "400"), ("--lon",)),
    (("passes", "--lat", "40"), ("--lon", "required")),
    (("passes", "--lat", "nan", "--lon", "10"), ("--lat",)),
    (("passes", "--lat", "40", "--lon", "116", "--days", "0"), ("--days",)),
    (("passes", "--lat", "40", "--lon", "116", "--days", "-2"), ("--days",)),
    (("passes", "--lat", "40", "--lon", "116", "--min-elevation", "95"), ("--min-elevation",)),
    (("passes", "--site", "Atlantis"), ("--site", "not a shipped station")),
    (("contacts", "--days", "0"), ("--days",)),
    (("track", "--days", "-1"), ("--days",)),
    (("track", "--step-s", "0.001"), ("--step-s",)),
])
def test_bad_passes_contacts_track_arguments(args, fragments):
    one_line_error(tiangong("orbit", *args), *fragments)


def test_track_html_map_is_self_contained(tmp_path):
    out_file = tmp_path / "track.html"
    out = tiangong("orbit", "track", "--start", "2024-05-17T20:00:00Z", "--days", "0.2", "--html", str(out_file))
    assert out.returncode == 0, out.stderr
    html = out_file.read_text()
    assert "<script src=" not in html and "plotly.js" in html  # plotly inlined, nothing fetched
    assert '"name":"coastline"' in html and "Tianlian I-01" in html and "Kashi" in html
    from tiangong.orbit.trackmap import coastlines

    pts = sum(len(x) for x in coastlines())
    assert 5000 < pts < 6000  # Natural Earth 1:110m
    one_line_error(tiangong("orbit", "track", "--days", "0.1", "--html", "/nonexistent/dir/x.html"), "--html")
