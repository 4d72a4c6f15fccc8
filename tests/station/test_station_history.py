"""Invariants of the Tiangong assembly/traffic history, and the dates verified against sources."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiangong.station import EVENT_KINDS, HistoryEvent, history, station_at

UTC = dt.timezone.utc
EVENTS = history("tiangong")


def _t(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def _find(kind: str, name: str) -> list[HistoryEvent]:
    return [e for e in EVENTS if e.kind == kind and e.name == name]


def test_history_is_sorted_aware_and_typed():
    assert EVENTS, "history is empty"
    assert all(isinstance(e, HistoryEvent) for e in EVENTS)
    assert all(e.time.tzinfo is not None and e.time.utcoffset() == dt.timedelta(0) for e in EVENTS)
    assert [e.time for e in EVENTS] == sorted(e.time for e in EVENTS)
    assert {e.kind for e in EVENTS} <= set(EVENT_KINDS)
    assert EVENTS[0].kind == "module_launch" and EVENTS[0].name == "Tianhe"
    assert EVENTS[0].time == _t(2021, 4, 29, 3, 23, 15)


def test_every_event_has_a_source_and_confidence():
    for e in EVENTS:
        assert e.source.strip(), e
        assert e.confidence in ("H", "M", "L"), e


def test_iss_has_no_history():
    assert history("iss") == []


def test_history_returns_a_fresh_list():
    h = history()
    h.clear()
    assert history()


def _port_intervals() -> dict[str, list[tuple[dt.datetime, dt.datetime | None, str]]]:
    """Occupancy intervals per Tianhe port (modules and vehicles), rebuilt from the events alone."""
    open_at: dict[str, tuple[str, dt.datetime]] = {}  # occupant -> (port, since)
    out: dict[str, list[tuple[dt.datetime, dt.datetime | None, str]]] = {}

    def close(name: str, when: dt.datetime, port: str | None = None) -> None:
        assert name in open_at, f"{name} leaves {port} at {when} but is not docked"
        p, since = open_at.pop(name)
        if port is not None:
            assert p == port, f"{name} leaves {port} at {when} but is docked at {p}"
        assert when > since, f"{name} leaves {p} at {when}, not after it arrived at {since}"
        out.setdefault(p, []).append((since, when, name))

    for e in EVENTS:
        if e.kind == "module_dock" or e.kind == "vehicle_dock":
            assert e.name not in open_at, f"{e.name} docks twice"
            open_at[e.name] = (e.port, e.time)
        elif e.kind == "module_relocate":
            close(e.name, e.time, e.from_port)
            open_at[e.name] = (e.port, e.time)
        elif e.kind == "vehicle_relocate":
            close(e.name, e.time, e.from_port)
            open_at[e.name] = (e.port, e.end_time)
        elif e.kind == "vehicle_undock":
            close(e.name, e.time, e.port)
    for name, (p, since) in open_at.items():
        out.setdefault(p, []).append((since, None, name))
    return out


def test_every_dock_is_matched_and_departures_follow_arrivals():
    # _port_intervals asserts: undock only when docked, at the same port, strictly later.
    intervals = _port_intervals()
    still = {name for spans in intervals.values() for (_, end, name) in spans if end is None}
    # Modules stay; at the end of the record: Shenzhou-20 (nadir), Tianzhou-9 (aft), Shenzhou-22 (forward).
    assert still == {"Wentian", "Mengtian", "Shenzhou-20", "Tianzhou-9", "Shenzhou-22"}


def test_no_port_is_double_booked():
    far = _t(2100, 1, 1)
    for port, spans in _port_intervals().items():
        spans = sorted(spans, key=lambda s: s[0])
        for (a0, a1, an), (b0, _b1, bn) in zip(spans, spans[1:]):
            assert (a1 or far) <= b0, f"port {port}: {an} until {a1} overlaps {bn} from {b0}"


def test_ports_are_tianhe_ports():
    ports = {e.port for e in EVENTS if e.port} | {e.from_port for e in EVENTS if e.from_port}
    assert ports <= {"core", "forward", "aft", "nadir", "port", "starboard"}
    # practice: Tianzhou at aft except relocations/re-docking to forward; labs berth port/starboard
    for e in EVENTS:
        if e.kind == "vehicle_dock" and e.vehicle_type == "shenzhou":
            assert e.port in ("forward", "nadir"), e


def test_every_crew_arrival_matches_a_departure():
    arrived: dict[str, HistoryEvent] = {}
    departed: dict[str, HistoryEvent] = {}
    for e in EVENTS:
        if e.kind == "crew_arrive":
            assert e.mission not in arrived
            arrived[e.mission] = e
        elif e.kind == "crew_depart":
            assert e.mission in arrived, f"{e.mission} departs without arriving"
            assert e.crew == arrived[e.mission].crew
            assert e.time > arrived[e.mission].time
            departed[e.mission] = e
    # Only the crew aboard at the end of the record has not left: Shenzhou-21 (return planned on Shenzhou-22).
    assert set(arrived) - set(departed) == {"Shenzhou-21"}
    # Crews leave at the undocking of the vehicle they ride home in.
    for m, dep in departed.items():
        undock = _find("vehicle_undock", dep.vehicle)
        assert undock and undock[-1].time == dep.time, m


def test_crew_arrive_after_its_vehicle_docks():
    for e in EVENTS:
        if e.kind == "crew_arrive":
            dock = _find("vehicle_dock", e.vehicle)
            assert dock and dock[0].time < e.time <= dock[0].time + dt.timedelta(hours=6), e


def test_shenzhou_12_through_21_and_tianzhou_2_through_9_are_present():
    for n in range(12, 23):
        assert _find("vehicle_dock", f"Shenzhou-{n}"), n
    for n in range(12, 22):
        assert [e for e in EVENTS if e.kind == "crew_arrive" and e.mission == f"Shenzhou-{n}"], n
    for n in range(2, 10):
        docks = _find("vehicle_dock", f"Tianzhou-{n}")
        assert docks and docks[0].cargo is not None, n


def test_cargo_estimates_are_flagged():
    for e in EVENTS:
        if e.kind != "vehicle_dock" or e.cargo is None:
            continue
        c = e.cargo
        assert c.total_kg == pytest.approx(c.supplies_kg + c.propellant_kg)
        # Water/O2/N2 split is never published: must be declared as estimates.
        for f in ("water_kg", "o2_kg", "n2_kg"):
            if getattr(c, f) is not None:
                assert f in c.estimated, (e.name, f)
        # totals within the vehicle capacity (+ 10 % for rounding of press figures)
        cap = 7_400 if e.variant == "improved" else 6_900
        assert c.total_kg <= 1.1 * cap, e.name


# ---- dates verified against sources (see the history file for URLs)
def test_tianzhou_4_dates():
    # Launched 2022-05-09 17:56:37 UTC, docked aft 00:54 UTC 10 May (Xinhua/ecns), left 06:55 UTC 9 Nov (Space.com, CMSA).
    (dock,) = _find("vehicle_dock", "Tianzhou-4")
    assert (dock.time, dock.port) == (_t(2022, 5, 10, 0, 54), "aft")
    (undock,) = _find("vehicle_undock", "Tianzhou-4")
    assert (undock.time, undock.port) == (_t(2022, 11, 9, 6, 55), "aft")


def test_tianzhou_5_dates_and_port():
    # Launched 02:03 UTC 12 Nov 2022, docked 04:10 UTC at the aft port after Tianzhou-4 left
    # (CRI "rear of Tianhe", Space.com 0410 GMT); cargo 5.3 t + ~1.4 t propellant (China Daily).
    docks = _find("vehicle_dock", "Tianzhou-5")
    assert (docks[0].time, docks[0].port) == (_t(2022, 11, 12, 4, 10), "aft")
    assert docks[0].cargo.supplies_kg == 5_300 and docks[0].cargo.propellant_kg == 1_400
    # left aft 5 May 2023, re-docked forward 6 Jun 2023 (BJT) after 33 days, left 11 Sep 2023 (Xinhua).
    assert (docks[1].time, docks[1].port) == (_t(2023, 6, 5, 19, 10), "forward")
    undocks = _find("vehicle_undock", "Tianzhou-5")
    assert [u.time for u in undocks] == [_t(2023, 5, 5, 7, 26), _t(2023, 9, 11, 8, 46)]


def test_shenzhou_14_dates_and_crew():
    # Docked nadir 09:42 UTC 5 Jun 2022; crew Chen Dong, Liu Yang, Cai Xuzhe; undocked 03:01 UTC 4 Dec 2022.
    (dock,) = _find("vehicle_dock", "Shenzhou-14")
    assert (dock.time, dock.port) == (_t(2022, 6, 5, 9, 42), "nadir")
    (arr,) = [e for e in EVENTS if e.kind == "crew_arrive" and e.mission == "Shenzhou-14"]
    assert arr.crew == ("Chen Dong", "Liu Yang", "Cai Xuzhe")
    (undock,) = _find("vehicle_undock", "Shenzhou-14")
    assert undock.time.date() == dt.date(2022, 12, 4)


def test_shenzhou_15_dates_and_crew():
    # Docked forward 21:42 UTC 29 Nov 2022 (05:42 BJT 30 Nov); crew entered 23:33 UTC (07:33 BJT 30 Nov).
    (dock,) = _find("vehicle_dock", "Shenzhou-15")
    assert (dock.time, dock.port) == (_t(2022, 11, 29, 21, 42), "forward")
    (arr,) = [e for e in EVENTS if e.kind == "crew_arrive" and e.mission == "Shenzhou-15"]
    assert arr.crew == ("Fei Junlong", "Deng Qingming", "Zhang Lu")
    assert arr.time == _t(2022, 11, 29, 23, 33)


def test_module_assembly_dates():
    assert _find("module_dock", "Wentian")[0].time == _t(2022, 7, 24, 19, 13)
    assert _find("module_relocate", "Wentian")[0].time == _t(2022, 9, 30, 4, 44)
    assert _find("module_dock", "Mengtian")[0].time == _t(2022, 10, 31, 20, 27)
    assert _find("module_relocate", "Mengtian")[0].time == _t(2022, 11, 3, 1, 32)


def test_evas_are_informational():
    evas = [e for e in EVENTS if e.kind == "eva"]
    assert evas
    for e in evas:
        assert e.crew and e.mission
        assert e.end_time is None or e.end_time > e.time
    sz14 = [e for e in evas if e.name == "Shenzhou-14 EVA-2"][0]
    assert (sz14.time, sz14.end_time) == (_t(2022, 9, 17, 5, 35), _t(2022, 9, 17, 9, 47))


# ---- property test: every instant yields a consistent state
@settings(max_examples=150, deadline=None)
@given(st.datetimes(min_value=dt.datetime(2021, 4, 29, 3, 24), max_value=dt.datetime(2026, 6, 1)))
def test_state_invariants_at_any_time(naive):
    s = station_at(naive.replace(tzinfo=UTC))
    ports = [v.port for v in s.vehicles] + [m.position for m in s.modules if m.position != "core"]
    assert len(ports) == len(set(ports))
    assert len(s.crew) <= 6 and len(s.crew) == len(set(s.crew))
    assert s.modules[0].name == "Tianhe"
    assert s.mass_with_vehicles_kg >= s.mass_kg >= 22_500
    assert len(s.vehicles) <= 3
