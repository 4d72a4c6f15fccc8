"""The on-disk cache of propagated scenario orbits (orbit/cache.py): a hit gives exactly what the
computation gives, the trajectory recomputed from the cached start state and burns is the original
bit for bit, and a damaged, foreign or unwritable cache is a miss, never an error."""

from __future__ import annotations

import datetime as dt
import importlib.resources

import numpy as np
import pytest

from tiangong.orbit import cache
from tiangong.orbit.scenario import propagated_orbit

START = dt.datetime(2024, 5, 17, 20, 0, tzinfo=dt.timezone.utc)
HIST = str(importlib.resources.files("tiangong").joinpath("data/tle/tiangong_2021_2024.tle"))
ARGS = dict(band_m=(375.8e3, 378e3), propellant_kg=500.0)


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    monkeypatch.setenv("TIANGONG_CACHE_DIR", str(tmp_path))
    return tmp_path


def _same(a, b):
    for name in ("mean_t_s", "mean_alt_m", "burn_table", "eclipse_t_s", "beta_t_s", "beta_node_deg"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.eclipse_kinds == b.eclipse_kinds and a.t_end_s == b.t_end_s and a.fit_rms_m == b.fit_rms_m


def test_a_hit_equals_the_computation_and_rebuilds_the_same_trajectory(fresh):
    cold = propagated_orbit(START, 6 * 86400.0, HIST, **ARGS)
    assert not cold.from_cache and len(list((fresh / "orbit").glob("*.npz"))) == 1
    warm = propagated_orbit(START, 6 * 86400.0, HIST, **ARGS)
    assert warm.from_cache and warm._trajectory is None
    _same(cold, warm)
    assert len(warm.burns()) == 2  # the band forces one Hohmann pair: burns survive the round trip
    t = np.linspace(0.0, cold.t_end_s, 997)
    np.testing.assert_array_equal(warm.trajectory.states(t), cold.trajectory.states(t))


def test_another_input_is_a_miss(fresh):
    propagated_orbit(START, 3 * 86400.0, HIST, **ARGS)
    other = propagated_orbit(START, 3 * 86400.0, HIST, band_m=(375.0e3, 378e3), propellant_kg=500.0)
    assert not other.from_cache
    assert len(list((fresh / "orbit").glob("*.npz"))) == 2


def test_a_damaged_file_is_a_miss_and_is_replaced(fresh):
    cold = propagated_orbit(START, 3 * 86400.0, HIST, **ARGS)
    (f,) = (fresh / "orbit").glob("*.npz")
    f.write_bytes(f.read_bytes()[:1000])  # truncated, as by a full disk
    again = propagated_orbit(START, 3 * 86400.0, HIST, **ARGS)
    assert not again.from_cache
    _same(cold, again)
    assert propagated_orbit(START, 3 * 86400.0, HIST, **ARGS).from_cache


def test_a_file_under_another_key_is_not_used(fresh):
    propagated_orbit(START, 3 * 86400.0, HIST, **ARGS)
    (f,) = (fresh / "orbit").glob("*.npz")
    k = cache.key("propagated_orbit", anything="else")
    f.rename(f.with_name(f"{k}.npz"))  # a file whose content names another key
    assert cache.load(k) is None


def test_off_and_unwritable_mean_no_cache_and_no_error(fresh, monkeypatch):
    monkeypatch.setenv("TIANGONG_NO_CACHE", "1")
    assert not propagated_orbit(START, 3 * 86400.0, HIST, **ARGS).from_cache
    assert not (fresh / "orbit").exists()
    monkeypatch.delenv("TIANGONG_NO_CACHE")
    blocker = fresh / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TIANGONG_CACHE_DIR", str(blocker))  # the cache folder cannot be created
    assert not propagated_orbit(START, 3 * 86400.0, HIST, **ARGS).from_cache


def test_the_key_covers_the_code_and_data_of_the_package():
    fp = cache._code_fingerprint()
    assert len(fp) == 64
    k1 = cache.key("propagated_orbit", x=1)
    cache._code_fingerprint.cache_clear()
    try:
        import unittest.mock as um

        with um.patch.object(cache, "_code_fingerprint", lambda: "0" * 64):
            assert cache.key("propagated_orbit", x=1) != k1
    finally:
        cache._code_fingerprint.cache_clear()


def test_cli_orbit_cache_lists_and_clears(fresh):
    import subprocess
    import sys

    propagated_orbit(START, 3 * 86400.0, HIST, **ARGS)
    run = lambda *a: subprocess.run([sys.executable, "-c", "from tiangong.cli import main; main()", "orbit", "cache", *a],  # noqa: E731
                                    capture_output=True, text=True, check=True).stdout
    assert "1 file(s)" in run() and str(fresh) in run()
    assert "1 file(s) deleted" in run("--clear")
    assert "0 file(s)" in run()


def test_contact_windows_are_cached_beside_the_orbit_and_need_no_trajectory(fresh):
    from tiangong.orbit.contacts import DEFAULT_RELAYS
    from tiangong.orbit.passes import ground_stations

    sites = ground_stations()[:2]
    cold = propagated_orbit(START, 2 * 86400.0, HIST, **ARGS)
    t0, k0, n0 = cold.contact_events(DEFAULT_RELAYS, sites, 5.0)
    warm = propagated_orbit(START, 2 * 86400.0, HIST, **ARGS)
    t1, k1, n1 = warm.contact_events(DEFAULT_RELAYS, sites, 5.0)
    assert warm._trajectory is None  # answered from the cache: the trajectory was not rebuilt
    np.testing.assert_array_equal(t0, t1)
    assert list(k0) == list(k1) and list(n0) == list(n1) and len(t0) > 20
    # another mask is another search
    t2, _, _ = warm.contact_events(DEFAULT_RELAYS, sites, 20.0)
    assert len(t2) < len(t0)


def test_replay_contact_windows_are_cached(fresh):
    from tiangong.orbit import scenario_contact_events
    from tiangong.orbit.contacts import DEFAULT_RELAYS

    a = scenario_contact_events(START, 86400.0, HIST, "tiangong", DEFAULT_RELAYS, (), None)
    n_files = len(list((fresh / "orbit").glob("*.npz")))
    b = scenario_contact_events(START, 86400.0, HIST, "tiangong", DEFAULT_RELAYS, (), None)
    assert n_files == 1 and len(list((fresh / "orbit").glob("*.npz"))) == 1
    np.testing.assert_array_equal(a[0], b[0])
    assert list(a[1]) == list(b[1]) and list(a[2]) == list(b[2])


def test_ground_track_positions_are_cached_beside_the_orbit(fresh):
    t = np.arange(0.0, 86400.0 + 1.0, 60.0)
    cold = propagated_orbit(START, 2 * 86400.0, HIST, **ARGS)
    r0 = cold.positions_gcrs_m(t)
    np.testing.assert_array_equal(r0, cold.trajectory.states(t)[:, :3])
    warm = propagated_orbit(START, 2 * 86400.0, HIST, **ARGS)
    r1 = warm.positions_gcrs_m(t)
    assert warm._trajectory is None
    np.testing.assert_array_equal(r0, r1)


def test_a_computed_orbit_keeps_its_trajectory(fresh, monkeypatch):
    """The first run must not propagate twice (the trajectory is in hand, not rebuilt)."""
    from tiangong.orbit import scenario

    calls = []
    monkeypatch.setattr(scenario, "_rebuild_trajectory", lambda *a: calls.append(a))
    orb = propagated_orbit(START, 86400.0, HIST, **ARGS)
    orb.positions_gcrs_m(np.array([0.0, 600.0]))
    assert orb.trajectory is not None and calls == []
