"""Contact windows as engine events and telemetry (``[contacts]`` in a scenario).

References: the windows of ``tiangong orbit contacts`` for the same span (replay), an independent
brute-force line-of-sight / elevation scan of the propagated trajectory at a 2 s step (skyfield's
GCRS -> ITRS rotation at 15-min nodes advanced by the sidereal rate, a ray-sphere quadratic for
Earth blockage; propagate), the uninterrupted run (bit for bit) for live stepping and snapshots,
and the run without ``[contacts]``."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import numpy as np
import pytest

import tiangong as tg
from tiangong.errors import InputError
from tiangong.orbit.contacts import DEFAULT_RELAYS, R_EARTH_M, R_GEO_M, GRAZE_ALT_M
from tiangong.orbit.passes import default_min_elevation_deg, ground_stations
from tiangong.sim.live import Simulation

START = "2022-09-17T00:00:00Z"
REPLAY = {"name": "contacts-replay", "start": START, "end": "2022-09-19T00:00:00Z", "contacts": {"stations": "all"}}
PROPAGATE = {"name": "contacts-propagate", "start": "2024-05-18T00:00:00Z", "end": "2024-05-20T00:00:00Z",
             "orbit": "propagate", "reboost": {"floor_altitude_m": 375.0e3, "target_altitude_m": 376.5e3},
             "contacts": {"stations": ["Kashi", "Sanya", "Swakopmund", "Neuquen"], "min_elevation_deg": 10.0}}


def _windows(res):
    """The engine's contact windows [(name, start_s, end_s or None)] from its event log."""
    open_at, out = {}, []
    for e in res.record.events:
        if e.kind == "orbit.contact_start":
            assert e.detail not in open_at
            open_at[e.detail] = e.t_s
        elif e.kind == "orbit.contact_end":
            out.append((e.detail, open_at.pop(e.detail), e.t_s))
    out += [(n, t, None) for n, t in open_at.items()]
    return sorted(out, key=lambda w: (w[1], w[0]))


@pytest.fixture(scope="module")
def replay():
    return tg.simulate(tg.Scenario.from_dict(REPLAY))


def test_replay_events_are_the_orbit_contacts_windows(replay):
    """Same span, same (drag-free) SGP4 orbit, every relay and station: to 1e-3 s (measured: the
    microsecond rounding of the datetimes)."""
    from tiangong.cli.orbit import _all_contacts, _min_elevation, _sgp4_window

    _, sat, t0, t1, drag = _sgp4_window(START, "2", None, False)
    assert not drag
    ref = _all_contacts(sat, t0, t1, _min_elevation(None))
    ours = _windows(replay)
    assert len(ours) == len(ref) > 100
    assert {n for n, _, _ in ours} == {r.name for r in DEFAULT_RELAYS} | {s.name for s in ground_stations()}
    span = (t1 - t0).total_seconds()
    ref = sorted([(n, (a - t0).total_seconds(), (b - t0).total_seconds()) for a, b, _, n in ref],
                 key=lambda w: (w[1], w[0]))
    for (n, a, b), (rn, ra, rb) in zip(ours, ref):
        assert n == rn
        assert abs(a - ra) < 1e-3
        assert (b is None and rb == span) or abs(b - rb) < 1e-3
    # the CLI itself (JSON rounded to 0.01 s)
    out = subprocess.run([sys.executable, "-c", "from tiangong.cli import main; main()", "orbit", "contacts",
                          "--start", START, "--days", "2", "--no-drag", "--json"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    cli = json.loads(out.stdout)
    assert len(cli["windows"]) == len(ours)
    starts = sorted((w["name"], w["start"]) for w in cli["windows"])
    for (n, s), (on, oa) in zip(starts, sorted((n, a) for n, a, _ in ours)):
        assert n == on and abs((dt.datetime.fromisoformat(s.replace("Z", "+00:00")) - t0).total_seconds() - oa) < 6e-3
    assert replay.summary()["contacts"]["coverage_fraction"] == pytest.approx(cli["coverage_fraction"], abs=1e-4)


def test_telemetry_follows_the_windows(replay):
    """orbit.contact counts the open windows; orbit.time_since_contact_s is the time since the
    last one closed (from the start before the first)."""
    ws = _windows(replay)
    t = replay.record.t_s
    n = np.zeros(len(t))
    last_end = np.zeros(len(t))
    for _, a, b in ws:
        b = np.inf if b is None else b
        n += (t >= a) & (t < b)
        last_end = np.where(t >= b, np.maximum(last_end, b), last_end)
    np.testing.assert_array_equal(replay.record.samples["orbit.contact"], n)
    since = replay.record.samples["orbit.time_since_contact_s"]
    np.testing.assert_allclose(since, np.where(n > 0, 0.0, t - last_end), atol=1e-6)
    s = replay.summary()
    assert s["contacts"]["longest_gap_s"] == pytest.approx(s["stores"]["orbit.time_since_contact_s"]["max"], abs=1e-6)
    assert 0 < s["contacts"]["longest_gap_s"] < 600.0  # three relays: gaps of a minute or two
    assert s["contacts"]["windows"] == sum(1 for e in replay.record.events if e.kind == "orbit.contact_start")


def test_without_contacts_nothing_changes(replay):
    off = tg.simulate(tg.Scenario.from_dict({k: v for k, v in REPLAY.items() if k != "contacts"}))
    assert "orbit.contact" not in off.record.samples and "contacts" not in off.summary()
    assert not [e for e in off.record.events if e.kind.startswith("orbit.contact")]
    # the contact events split segments, and what the model re-decides at events moves a little:
    # the array rating changes at its own day-boundary events, so solar power is identical
    # (measured 0; it was 5.1e-4 when the rating waited for the next event of the day); the battery
    # 3.7e-8 relative, ppCO2 1.2e-6 (the regulators' set-point snapping at events); tanks and crew unchanged
    tol = {"power.solar_w": 0.0, "power.battery.energy_j": 1e-6, "eclss.cabin.ppco2_pa": 1e-5,
           "eclss.tank.o2_kg": 1e-12, "eclss.food_kg": 1e-12, "crew.count": 0.0, "orbit.sunlit": 0.0}
    for name, rtol in tol.items():
        np.testing.assert_allclose(replay.record.samples[name], off.record.samples[name], rtol=rtol, err_msg=name)
    assert tg.Scenario.from_dict({**REPLAY, "contacts": False}).contacts is None
    assert tg.Scenario.from_dict({**REPLAY, "contacts": True}).contacts.relays is True


# --------------------------------------------------------------------------- propagate mode

def _brute_force(traj, epoch, t, relays, sites, mask_deg):
    """In-view flags (links, N) of the trajectory at ``t`` by an independent calculation."""
    from skyfield.framelib import itrs

    from tiangong.orbit.frames import sky_time

    omega = 7.292115146706979e-5  # Earth's sidereal rotation rate, rad/s (IERS)
    nodes = np.arange(0.0, t.max() + 900.0, 900.0)
    m = np.moveaxis(np.asarray(itrs.rotation_at(sky_time(epoch, nodes))), -1, 0)  # exact at the nodes
    k = np.rint(t / 900.0).astype(int)
    a = omega * (t - nodes[k])
    c, s = np.cos(a), np.sin(a)
    rz = np.zeros((len(t), 3, 3))
    rz[:, 0, 0], rz[:, 0, 1], rz[:, 1, 0], rz[:, 1, 1], rz[:, 2, 2] = c, s, -s, c, 1.0
    p = np.einsum("nij,njk,nk->ni", rz, m[k], traj.states(t)[:, :3])
    flags = []
    R = R_EARTH_M + GRAZE_ALT_M
    for r in relays:
        q = R_GEO_M * np.array([np.cos(np.radians(r.lon_deg)), np.sin(np.radians(r.lon_deg)), 0.0])
        d = q - p  # |p + u d|^2 = R^2 has a root u in [0, 1]: blocked
        qa, qb, qc = np.einsum("ij,ij->i", d, d), 2 * np.einsum("ij,ij->i", p, d), np.einsum("ij,ij->i", p, p) - R * R
        disc = qb * qb - 4 * qa * qc
        sq = np.sqrt(np.maximum(disc, 0.0))
        u1, u2 = (-qb - sq) / (2 * qa), (-qb + sq) / (2 * qa)
        flags.append(~((disc > 0) & (((u1 >= 0) & (u1 <= 1)) | ((u2 >= 0) & (u2 <= 1)))))
    from skyfield.api import wgs84

    for site in sites:
        pos = wgs84.latlon(site.lat_deg, site.lon_deg, site.height_m)
        xyz = np.asarray(pos.itrs_xyz.m)
        la, lo = np.radians(site.lat_deg), np.radians(site.lon_deg)
        up = np.array([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])
        rho = p - xyz
        el = np.degrees(np.arcsin(rho @ up / np.linalg.norm(rho, axis=1)))
        flags.append(el > mask_deg)
    return np.array(flags)


@pytest.fixture(scope="module")
def propagated():
    sim = Simulation(tg.Scenario.from_dict(PROPAGATE))
    sim.advance()
    return sim, sim.result()


def test_propagated_events_match_a_brute_force_scan(propagated):
    sim, res = propagated
    orb = sim.model.orbit
    links = sim.model.contacts
    step = 2.0
    t = np.arange(0.0, sim.end_s + step / 2, step)
    flags = _brute_force(orb.trajectory, sim.model.epoch, t, links.relays, links.sites, 10.0)
    names = links.names
    ours = _windows(res)
    fine = np.arange(0.0, step, 0.01)
    worst = 0.0
    for i, name in enumerate(names):
        f = flags[i]
        mine = [w for w in ours if w[0] == name]
        for rising, times in ((True, [a for _, a, _ in mine if a > 0.0]), (False, [b for _, _, b in mine if b is not None])):
            brackets = t[:-1][(~f[:-1] & f[1:]) if rising else (f[:-1] & ~f[1:])]  # the scan's crossings
            assert len(times) == len(brackets), (name, rising)
            for tc, b0 in zip(times, brackets):
                # rescanned at 0.01 s inside the bracket: the crossing is within 0.005 s of the middle
                # of the fine step where the flag changes
                g = _brute_force(orb.trajectory, sim.model.epoch, b0 + fine, links.relays, links.sites, 10.0)[i]
                new_side = g if rising else ~g
                first = b0 + fine[np.argmax(new_side)] if np.any(new_side) else b0 + step
                worst = max(worst, abs(tc - (first - 0.005)))
        assert bool(f[0]) == any(a == 0.0 for _, a, _ in mine), name  # in view at the start: a window from 0
    assert len(ours) > 100
    # half the rescan's step (0.005 s) plus the bisection's 1e-3 s; measured 0.0052 s
    assert worst < 0.006, worst
    # the engine's telemetry at its samples: the brute-force count, except within a step of a crossing
    ts = res.record.t_s
    j = np.rint(ts / step).astype(int)
    count = flags.sum(axis=0)
    near = np.zeros(len(ts), bool)
    for e in res.record.events:
        if e.kind.startswith("orbit.contact"):
            near |= np.abs(ts - e.t_s) <= step
    assert (~near).sum() > 1000
    np.testing.assert_array_equal(res.record.samples["orbit.contact"][~near], count[j][~near])


def test_live_archive_equals_the_batch_archive_with_contacts(live_and_batch_archives, tmp_path):
    a, b, sim = live_and_batch_archives(tg.Scenario.from_dict(REPLAY))
    assert a.events == b.events
    assert {"orbit.contact", "orbit.time_since_contact_s"} <= {p.name for p in b.parameters}
    assert b.samples["orbit.contact"].max() >= 2
    assert b.summary["contacts"] == a.summary["contacts"] and a.summary["contacts"]["coverage_fraction"] > 0.9
    html = (tmp_path / "batch" / "report.html").read_text()  # charted as other subsystem telemetry
    assert "Links in view" in html and "Time since last contact" in html


@pytest.mark.parametrize("scenario", [REPLAY, PROPAGATE], ids=["replay", "propagate"])
def test_snapshot_restore_with_contacts_is_bit_identical(scenario, monkeypatch):
    sc = tg.Scenario.from_dict(scenario)
    full = Simulation(sc)
    full.advance()
    ref = full.result()
    sim = Simulation(sc)
    for i, t in enumerate((0.4 * 86400.0, 1.3 * 86400.0)):
        sim.advance(t)
        k, n_ev = len(sim.trajectory().t0), len(sim.event_log())
        if i == 1:
            monkeypatch.setenv("TIANGONG_NO_CACHE", "1")  # this restore searches the windows again
        other = Simulation.restore(sim.snapshot())
        monkeypatch.delenv("TIANGONG_NO_CACHE", raising=False)
        other.advance()
        tr = other.trajectory()
        for name in ("t0", "x0", "r", "aux"):
            np.testing.assert_array_equal(getattr(tr, name), getattr(ref.trajectory, name)[k:])
        assert other.result().record.events == ref.record.events[n_ev:]


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("table, fragments", [
    ('[contacts]\nstations = ["Kashgar"]\n', ("contacts.stations", "did you mean 'Kashi'")),
    ('[contacts]\nrelays = ["Tianlian 1-02"]\n', ("contacts.relays", "did you mean 'Tianlian I-02'")),
    ('[contacts]\nstation = ["Kashi"]\n', ("contacts", "station")),
    ('[contacts]\nmin_elevation_deg = 95\n', ("contacts.min_elevation_deg",)),
    ('[contacts]\nrelays = false\n', ("contacts", "nothing to be in contact with")),
    ('contacts = "yes"\n', ("contacts",)),
])
def test_contacts_typo_is_a_one_line_error(tmp_path, table, fragments):
    f = tmp_path / "typo.toml"
    f.write_text(f'name = "typo"\nstart = "2022-06-10T00:00:00Z"\nend = "2022-06-11T00:00:00Z"\n{table}')
    r = subprocess.run([sys.executable, "-c", "from tiangong.cli import main; main()", "run", str(f), "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error:") and "Traceback" not in r.stderr
    for frag in fragments:
        assert frag in r.stderr, r.stderr


def test_station_names_are_case_insensitive_and_all_expands():
    sc = tg.Scenario.from_dict({**REPLAY, "contacts": {"stations": ["kashi", "XI'AN"], "relays": ["tianlian i-01"]}})
    assert sc.contacts.stations == ["Kashi", "Xi'an"] and sc.contacts.relays == ["Tianlian I-01"]
    assert tg.Scenario.from_dict(REPLAY).contacts.stations == [s.name for s in ground_stations()]
    with pytest.raises(InputError, match="more than once"):
        tg.Scenario.from_dict({**REPLAY, "contacts": {"stations": ["Kashi", "kashi"]}})
    assert default_min_elevation_deg() == 5.0
