"""Orbit commands refuse instants outside DE421 or near year 9999 and orbits below the surface with
one line and exit 2 (issue 9), and the long eclipse table renders in plain rows."""

from __future__ import annotations

import math

import pytest
from sgp4.api import WGS72, Satrec
from sgp4.exporter import export_tle

from .test_cli_predict import one_line_error, tiangong


@pytest.mark.parametrize("args, fragments", [
    (("state", "--at", "2060-01-01"), ("--at", "outside the DE421 ephemeris")),
    (("eclipses", "--start", "1800-01-01"), ("--start", "outside the DE421 ephemeris")),
    (("eclipses", "--start", "9999-12-30"), ("--start", "DE421")),
    (("eclipses", "--start", "9999-12-31T23:00:00-05:00"), ("--start", "1..9999")),
    (("eclipses", "--start", "2053-10-07", "--days", "5"), ("--days", "DE421")),
    (("predict", "--start", "2060-01-01", "--days", "1"), ("--start", "DE421")),
    (("predict", "--start", "2024-05-17", "--until", "2070-01-01"), ("--until", "DE421")),
])
def test_dates_outside_the_ephemeris(args, fragments):
    one_line_error(tiangong("orbit", *args), *fragments)


def test_tle_below_the_surface_is_refused(tmp_path):
    sat = Satrec()
    sat.sgp4init(WGS72, "i", 48274, 26000.5, 3e-5, 0.0, 0.0, 0.0005, 1.0, 0.72, 1.0, 17 * 2 * math.pi / 1440, 2.0)
    sat.classification, sat.intldesg, sat.elnum, sat.revnum, sat.ephtype = "U", "21035A", 999, 100, 0
    path = tmp_path / "m17.tle"
    path.write_text("\n".join(export_tle(sat)) + "\n")
    for cmd in (("state", "--at", "2021-03-01"), ("predict", "--days", "1")):
        one_line_error(tiangong("orbit", *cmd, "--tle", str(path)), "m17.tle:2", "17 rev/day", "not an orbit")


def test_long_eclipse_table_is_plain_rows():
    out = tiangong("orbit", "eclipses", "--start", "2022-10-31", "--days", "20")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    rows = [x for x in lines if x[:4] == "2022"]
    assert 300 < len(rows) < 320  # 15.6 eclipses a day
    assert all(len(x.split()) == 7 for x in rows) and all(len(x) <= 80 for x in lines[:4] + rows)
