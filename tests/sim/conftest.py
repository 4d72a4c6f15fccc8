"""Shared fixtures of the engine tests."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest


@pytest.fixture
def live_and_batch_archives(tmp_path):
    """``run(scenario)``: the batch archive and the archive a live run wrote while advancing in
    7-hour steps; asserts their times, every sample and the ground track are identical; returns
    (batch, live, sim)."""
    import tiangong as tg
    from tiangong.archive import read_run

    def run(sc):
        tg.simulate(sc).write(tmp_path / "batch")
        sim = tg.Simulation(sc)
        sim.record(tmp_path / "live")
        t = sc.start
        while not sim.finished:
            t += dt.timedelta(hours=7)
            sim.advance(min(t, sc.end))
        sim.result()
        a, b = read_run(tmp_path / "batch"), read_run(tmp_path / "live")
        np.testing.assert_array_equal(a.t_s, b.t_s)
        for name in a.samples:
            np.testing.assert_array_equal(a.samples[name], b.samples[name], err_msg=name)
        for name in ("t_s", "latitude_deg", "longitude_deg", "sunlit", "contact"):  # the report's map
            np.testing.assert_array_equal(getattr(a.ground_track, name), getattr(b.ground_track, name), err_msg=name)
        return a, b, sim

    return run
