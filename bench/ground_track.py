"""Benchmark: what the report's ground-track map adds to a run (target: well under 0.2 s).

Run: ``.venv/bin/python bench/ground_track.py [--repeat N]``.  After a warm-up run of each
scenario (imports, DE421, caches: what a run has paid anyway), prints min and median over N
repeats of

* the track itself (``orbit.groundtrack.scenario_ground_track``: one day on a 60-s grid, lat/lon,
  sunlit fraction, relay line of sight) in replay mode (``shenzhou-14``) and in propagate mode (14 days
  from 2024-05-18 with planned reboosts, the track from the propagated trajectory), beside the
  run's own ``simulate()`` wall time;
* the peer: skyfield's ``EarthSatellite.at`` + ``wgs84.subpoint_of`` + ``is_sunlit`` on the same
  1,441 times (no contact flag: skyfield has none), same TLE, and the ratio;
* the map card in the report (figure + HTML) and the archive's ``ground_track`` table (write_run
  with and without it), with the bytes they add.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

import tiangong as tg
from tiangong.orbit.groundtrack import scenario_ground_track

PROPAGATE = {"name": "bench-propagate", "start": "2024-05-18T00:00:00Z", "end": "2024-06-01T00:00:00Z",
             "orbit": "propagate", "reboost": {"floor_altitude_m": 375.0e3, "target_altitude_m": 376.5e3}}


def _times(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def _line(label: str, ts: list[float], extra: str = "") -> None:
    print(f"{label:<34} min {min(ts) * 1e3:8.2f} ms   median {statistics.median(ts) * 1e3:8.2f} ms{extra}")


def _skyfield_peer(sc, track):
    from skyfield.api import EarthSatellite, wgs84

    from tiangong.orbit.frames import timescale
    from tiangong.orbit.sun import ephemeris
    from tiangong.orbit.tle import select_tle, without_drag

    ts, eph = timescale(), ephemeris()
    sat = EarthSatellite.from_satrec(without_drag(select_tle(sc.start, sc.tle, sc.station)), ts)
    e = sc.start

    def run():
        t = ts.utc(e.year, e.month, e.day, e.hour, e.minute, e.second + track.t_s)
        pos = sat.at(t)
        sub = wgs84.subpoint_of(pos)
        return sub.latitude.degrees, sub.longitude.degrees, pos.is_sunlit(eph)

    return run


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    n = args.repeat

    sc = tg.Scenario.load("shenzhou-14")
    res = tg.simulate(sc)  # warm-up
    sim_s = _times(lambda: tg.simulate(sc), min(n, 3))
    track = res.record.ground_track
    ours = _times(lambda: scenario_ground_track(sc.start, sc.duration_s, sc.tle, sc.station), n)
    peer_fn = _skyfield_peer(sc, track)
    peer_fn()
    peer = _times(peer_fn, n)
    print(f"replay: {sc.name}, {len(track.t_s)} points ({track.source}); simulate() min {min(sim_s):.3f} s")
    _line("  track (ours, with contact)", ours, f"   = {100 * min(ours) / min(sim_s):.1f} % of simulate()")
    _line("  skyfield subpoint + is_sunlit", peer, f"   ours / skyfield = {min(ours) / min(peer):.2f}")

    psc = tg.Scenario.from_dict(PROPAGATE)
    t0 = time.perf_counter()
    pres = tg.simulate(psc)
    psim = time.perf_counter() - t0
    orbit = pres.model.orbit
    pours = _times(lambda: scenario_ground_track(psc.start, psc.duration_s, psc.tle, psc.station, orbit), n)
    print(f"propagate: {psc.name}, {len(pres.record.ground_track.t_s)} points; simulate() {psim:.3f} s (one run)")
    _line("  track (ours, with contact)", pours, f"   = {100 * min(pours) / psim:.1f} % of simulate()")

    from tiangong.archive import write_run
    from tiangong.report.html import _ground_track_card, write_report

    card = _times(lambda: _ground_track_card(res.record), n)
    _line("report: map card (figure + HTML)", card, f"   {len(_ground_track_card(res.record)) / 1e3:.0f} kB of HTML")
    bare = dataclasses.replace(res.record, ground_track=None)
    with tempfile.TemporaryDirectory() as d:
        # the table alone: an archive of the track and nothing else, against an empty one (the
        # whole write_run of this run takes ~0.7 s and varies by more than the table costs)
        only = dataclasses.replace(res.record, t_s=res.record.t_s[:0], samples={}, events=[], alarms=[])
        empty = dataclasses.replace(only, ground_track=None)
        with_t, without = [], []
        for _ in range(n):  # alternated: the machine's drift falls on both alike
            with_t += _times(lambda: write_run(Path(d) / "a.duckdb", only), 1)
            without += _times(lambda: write_run(Path(d) / "b.duckdb", empty), 1)
        write_run(Path(d) / "a.duckdb", res.record)
        write_run(Path(d) / "b.duckdb", bare)
        grow = (Path(d) / "a.duckdb").stat().st_size - (Path(d) / "b.duckdb").stat().st_size
        full = write_report(Path(d) / "a.html", res.record).stat().st_size
        plain = write_report(Path(d) / "b.html", bare).stat().st_size
    print(f"archive: the ground_track table adds {1e3 * (min(with_t) - min(without)):.1f} ms (min; median "
          f"{1e3 * (statistics.median(with_t) - statistics.median(without)):.1f} ms) to write_run; the run's "
          f"archive differs by {grow / 1e3:+.0f} kB (DuckDB allocates 256 kB blocks)")
    print(f"report.html: {full / 1e6:.2f} MB with the map, {plain / 1e6:.2f} MB without")


if __name__ == "__main__":
    main()
