"""Shadow entry/exit against an independent reference (tests/validation/eclipse_reference.json).

Reference provenance (tests/validation/README.md): skyfield 1.55 ``EarthSatellite(line1,
line2).at(t).is_sunlit(de421)`` -- an Earth-sphere (R = 6378136.6 m) line of sight to the Sun's
centre, i.e. mid-penumbra -- over one day from ``start_utc``, transitions refined to 0.01 s. Each
TLE is propagated as published (with drag), as the reference did.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tiangong.orbit.eclipse import find_eclipses
from tiangong.orbit.tle import parse_tle_text
from tiangong.timeutil import parse_utc, seconds_between

REFERENCE = Path(__file__).resolve().parents[1] / "validation" / "eclipse_reference.json"
CASES = json.loads(REFERENCE.read_text())
WINDOW = dt.timedelta(days=1)  # the reference covers one day from start_utc
TOLERANCE_S = 3.0  # the brief's bound; we measure 0.005 s (the reference's own 0.01 s rounding)


@pytest.fixture(scope="module", params=range(len(CASES)), ids=[c["start_utc"] for c in CASES])
def case(request):
    ref = CASES[request.param]
    tle = parse_tle_text(f"{ref['line1']}\n{ref['line2']}\n", "eclipse_reference.json")[0]
    start = parse_utc(ref["start_utc"])
    return ref, start, find_eclipses(tle, start, start + WINDOW)


def test_every_reference_transition_is_matched(case):
    ref, start, eclipses = case
    ours = {"enter_shadow": [e.shadow_entry for e in eclipses if e.shadow_entry],
            "exit_shadow": [e.shadow_exit for e in eclipses if e.shadow_exit]}
    errors = []
    for event in ref["events"]:
        t = parse_utc(event["utc"])
        errors.append(min(abs(seconds_between(t, x)) for x in ours[event["kind"]]))
    worst = max(errors)
    assert worst < TOLERANCE_S, f"max |ours - skyfield| = {worst:.3f} s"
    assert worst < 0.02, f"max |ours - skyfield| = {worst:.3f} s (expected ~0.005 s: same SGP4, DE421, sphere)"
    # one-to-one: no extra transitions of ours inside the window
    assert len(ours["enter_shadow"]) + len(ours["exit_shadow"]) == len(ref["events"])


def test_penumbra_brackets_reference_and_umbra_lies_inside(case):
    ref, start, eclipses = case
    for event in ref["events"]:
        t = parse_utc(event["utc"])
        e = next(e for e in eclipses
                 if (e.penumbra_start or start) <= t <= (e.penumbra_end or start + WINDOW))
        if event["kind"] == "enter_shadow":
            assert e.penumbra_start < t < e.umbra_start
            width = seconds_between(e.penumbra_start, e.umbra_start)
        else:
            assert e.umbra_end < t < e.penumbra_end
            width = seconds_between(e.umbra_end, e.penumbra_end)
        assert 5.0 < width < 40.0  # penumbra crossing: ~8 s at beta 0, longer at high beta


def test_window_starting_inside_an_eclipse_reports_none_for_earlier_boundaries():
    ref = next(c for c in CASES if c["events"][0]["kind"] == "exit_shadow")
    tle = parse_tle_text(f"{ref['line1']}\n{ref['line2']}\n", "eclipse_reference.json")[0]
    start = parse_utc(ref["start_utc"])
    first = find_eclipses(tle, start, start + dt.timedelta(hours=2))[0]
    assert first.starts_before_window and not first.ends_after_window
    assert first.penumbra_start is None and first.umbra_start is None and first.shadow_entry is None
    assert abs(seconds_between(parse_utc(ref["events"][0]["utc"]), first.shadow_exit)) < 0.02
    # durations count only the part inside the window
    assert first.penumbra_duration_s == pytest.approx(seconds_between(start, first.penumbra_end), abs=1e-3)
