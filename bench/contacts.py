"""Benchmark: the cost of ``[contacts]`` (contact windows as engine events) on a scenario.

Run: ``.venv/bin/python bench/contacts.py [--repeat N] [--scenario NAME] [--orbit replay|propagate]``.
Times ``tiangong.simulate`` of the scenario (default shenzhou-14, 183 days) without contacts,
with the Tianlian relays only, and with the relays and every shipped ground station: min and
median over N runs each (interleaved, after one warm-up of each), twice: as a first run (the
in-process and the on-disk caches of contact windows off; the propagated orbit itself from the
disk cache) and as a repeated run (contact windows from the disk cache, orbit/cache.py), the
events and segments, and the window search alone (``scenario_contact_events``, or
``PropagatedOrbit.contact_events``, cache off).
The peer is the same run without contacts, measured in the same session.
"""

from __future__ import annotations

import argparse
import statistics
import time

import tiangong as tg


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--scenario", default="shenzhou-14")
    ap.add_argument("--orbit", choices=("replay", "propagate"), default="replay")
    args = ap.parse_args()
    base = tg.Scenario.load(args.scenario).model_dump()
    base.pop("source_file", None)
    base["orbit"] = args.orbit
    variants = {"off": None, "relays": {"relays": True}, "relays+stations": {"relays": True, "stations": "all"}}
    import atexit
    import os
    import shutil
    import tempfile

    cache_dir = tempfile.mkdtemp(prefix="tiangong-bench-cache-")
    os.environ["TIANGONG_CACHE_DIR"] = cache_dir
    atexit.register(shutil.rmtree, cache_dir, ignore_errors=True)
    scenarios = {k: tg.Scenario.from_dict({**base, "contacts": v}) for k, v in variants.items()}
    walls: dict[str, list[float]] = {k: [] for k in variants}
    warm: dict[str, list[float]] = {k: [] for k in variants}
    results = {k: tg.simulate(sc) for k, sc in scenarios.items()}  # warm-up (imports, kernels, caches)
    from tiangong.orbit import cache

    cached_search = cache.memo_events
    for _ in range(args.repeat):
        cache.memo_events = lambda kind, inputs, compute: compute()  # first run: search the windows
        for k, sc in scenarios.items():
            t0 = time.perf_counter()
            results[k] = tg.simulate(sc)
            walls[k].append(time.perf_counter() - t0)
        cache.memo_events = cached_search
        for k, sc in scenarios.items():  # a repeated run: the windows come from the disk cache
            t0 = time.perf_counter()
            tg.simulate(sc)
            warm[k].append(time.perf_counter() - t0)
    sc = scenarios["off"]
    print(f"scenario          {sc.name} ({sc.duration_s / 86400:.1f} days, orbit = {args.orbit}), N={args.repeat}")
    ref = min(walls["off"])
    for k, w in warm.items():
        print(f"{k:17s} repeated run (windows from the disk cache): min {min(w):.3f} s  median {statistics.median(w):.3f} s  "
              f"x{min(w) / ref:.2f}")
    for k, w in walls.items():
        s = results[k].summary()
        ev = s["events"]
        extra = ""
        if "contacts" in s:
            c = s["contacts"]
            extra = (f"  coverage {100 * c['coverage_fraction']:.1f} %, {c['windows']} windows, "
                     f"longest gap {c['longest_gap_s'] / 60:.1f} min")
        print(f"{k:17s} min {min(w):.3f} s  median {statistics.median(w):.3f} s  x{min(w) / ref:.2f}  "
              f"{ev['total_processed']} events, {ev['segments']} segments{extra}")
    cache.memo_events = lambda kind, inputs, compute: compute()  # the search itself
    for k in ("relays", "relays+stations"):
        model = results[k].model
        links = model.contacts
        t0 = time.perf_counter()
        if model.orbit is not None:
            model.orbit.contact_events(links.relays, links.sites, links.spec.min_elevation_deg)
        else:
            from tiangong.orbit import scenario_contact_events

            scenario_contact_events(model.epoch, sc.duration_s, sc.tle, sc.station, links.relays, links.sites,
                                    links.spec.min_elevation_deg)
        print(f"window search     {k}: {time.perf_counter() - t0:.3f} s (one call)")


if __name__ == "__main__":
    main()
