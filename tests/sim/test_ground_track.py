"""The run's ground track (the report's map) from the engine: the window a scenario chooses with
``[report] ground_track_start``, cut at the run's end, equal to the orbit layer's own track."""

from __future__ import annotations

import datetime as dt

import numpy as np

import tiangong as tg
from tiangong.orbit.groundtrack import scenario_ground_track


def test_a_chosen_day_cut_at_the_end_of_the_run():
    sc = tg.Scenario.from_dict({"name": "gt", "start": "2022-11-29T00:00:00Z", "end": "2022-12-01T00:00:00Z",
                                "sample_s": 600.0, "report": {"ground_track_start": "2022-11-30T06:00:00Z"}})
    g = tg.simulate(sc).record.ground_track
    assert g.t_s[0] == 30 * 3600.0 and g.t_s[-1] == 48 * 3600.0 and len(g.t_s) == 18 * 60 + 1
    ref = scenario_ground_track(sc.start, sc.duration_s, start=dt.datetime(2022, 11, 30, 6, tzinfo=dt.timezone.utc))
    np.testing.assert_array_equal(g.latitude_deg, ref.latitude_deg)
    np.testing.assert_array_equal(g.contact, ref.contact)


def test_the_chosen_start_survives_the_run_description():
    """run.json (``tiangong fork`` re-creates the run from it) keeps the field, set or not."""
    for report in ({}, {"ground_track_start": "2022-11-30T06:00:00Z"}):
        sc = tg.Scenario.from_dict({"name": "gt", "start": "2022-11-29T00:00:00Z", "end": "2022-12-01T00:00:00Z",
                                    "report": report})
        again = tg.Scenario.model_validate(sc.model_dump(mode="json"))
        assert again.report == sc.report
