"""The self-contained HTML report, on a synthetic run with known signals."""

from __future__ import annotations

import datetime as dt
import html
import re

import numpy as np
import pytest
from plotly.offline import get_plotlyjs

from tiangong.report.html import GROUND_TRACK_TITLE, N_BUCKETS, PLOTS, TIMELINE_TITLE, decimate, write_report
from tiangong.record import AlarmRow, EventRow, Parameter, RunRecord

EPOCH = dt.datetime(2022, 9, 17, 5, 35, tzinfo=dt.timezone.utc)
N = 30_000          # > 2 * N_BUCKETS, so every series is decimated
STEP = 60.0         # s  (~21 days)
ORBIT = 5520.0      # s
MAX_BYTES = 6_000_000


def make_record(names=None, with_events=True) -> RunRecord:
    t = np.arange(N) * STEP
    phase = (t % ORBIT) / ORBIT
    signals = {
        "power.battery.soc": ("1", "battery state of charge", (0.4, None, 0.3, None),
                              0.9 - 0.3 * np.clip((phase - 0.62) / 0.38, 0, 1)),
        "eclss.cabin.ppo2_pa": ("Pa", "cabin O2 partial pressure", (19500.0, 23100.0, 16000.0, 23800.0),
                                21000 + 400 * np.sin(2 * np.pi * t / 86400)),
        "eclss.cabin.ppco2_pa": ("Pa", "cabin CO2 partial pressure", (None, 530.0, None, 700.0),
                                 380 + 100 * np.sin(2 * np.pi * t / 43200) ** 2 + np.where(np.abs(t - 8e5) < 3e4, 350, 0)),
        "eclss.water.potable_kg": ("kg", "potable water", (100.0, None, 50.0, None), 800 - 2e-4 * t),
        "propulsion.propellant_kg": ("kg", "propellant", (500.0, None, 200.0, None),
                                     1500 - np.where(t > 1e6, 200, 0) - 1e-5 * t),
        "orbit.altitude_m": ("m", "geodetic altitude", (None, None, None, None),
                             389e3 - 3e-3 * t + 8e3 * np.sin(2 * np.pi * t / ORBIT)),
        "crew.count": ("1", "crew on board", (None, None, None, None), np.where((t > 9e5) & (t < 1e6), 6.0, 3.0)),
        "station.mass_kg": ("kg", "station mass", (None, None, None, None), 100e3 - 1e-3 * t),
        "orbit.beta_deg": ("deg", "beta angle", (None, None, None, None), 60.0 * np.sin(t / 5e6)),
        "eclss.tank.o2_kg": ("kg", "stored O2", (20.0, None, 0.0, None), 150.0 - 1e-5 * t),
        "thermal.loop.temp_k": ("K", "not plotted", (280.0, 300.0, 275.0, 305.0), 290 + 5 * np.sin(t / 4000)),
    }
    if names is not None:
        signals = {k: v for k, v in signals.items() if k in names}
    params = [Parameter(k, unit, desc, k.split(".")[0], *lim) for k, (unit, desc, lim, _) in signals.items()]
    samples = {k: v[3] for k, v in signals.items()}
    evs, als = [], []
    if with_events:
        for k in range(int(t[-1] // ORBIT)):  # ~15 per day each: drawn as counts per day
            evs.append(EventRow(k * ORBIT + 0.62 * ORBIT, "eclipse.umbra_start", "orbit", "enter umbra"))
            evs.append(EventRow(k * ORBIT + ORBIT - 1.0, "eclipse.umbra_end", "orbit", "leave umbra"))
        evs += [
            EventRow(9e5, "crew.arrive", "scenario", "Shenzhou-15 arrives <b>3 crew</b>"),
            EventRow(1e6, "crew.depart", "scenario", "Shenzhou-14 departs"),
            EventRow(1e6 + 10, "reboost", "propulsion", "dv 1.2 m/s"),
            EventRow(7.7e5, "fault.start", "eclss", "CO2 scrubber fault </script><script>alert(1)</script>"),
            EventRow(8.3e5, "fault.end", "eclss", "CO2 scrubber repaired"),
        ]
        als = [
            AlarmRow(7.75e5, "eclss.cabin.ppco2_pa", "warn", "hi", 530.0, 532.0, 8.25e5),
            AlarmRow(7.8e5, "eclss.cabin.ppco2_pa", "limit", "hi", 700.0, 705.0, None),
        ]
    return RunRecord(
        scenario="shenzhou-14 <test>",
        epoch=EPOCH,
        end=EPOCH + dt.timedelta(seconds=float(t[-1])),
        parameters=params,
        t_s=t,
        samples=samples,
        events=evs,
        alarms=als,
        summary={"margins": {"o2_reserve_days": 41.25, "min_battery_soc_at": "2022-09-18T00:00:00Z"},
                 "duration_days": float(t[-1] / 86400), "ok": False},
    )


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    path = write_report(tmp_path_factory.mktemp("rep") / "report.html", make_record())
    return path, path.read_text(encoding="utf-8")


_EXTERNAL = [
    r"<script[^>]*\bsrc\s*=",                       # any external script at all
    r"<link[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//",  # stylesheets/fonts from the network
    r"<(?:img|iframe|source|video|audio|embed)[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//",
    r"@import\s+url\(\s*[\"']?(?:https?:)?//",
    r"url\(\s*[\"']?https?://",
]


def test_report_is_written_and_self_contained(full):
    path, page = full
    assert path.is_file() and page.startswith("<!DOCTYPE html>")
    for pattern in _EXTERNAL:
        assert not re.search(pattern, page, flags=re.IGNORECASE), pattern
    assert page.count(get_plotlyjs()[:200]) == 1  # plotly.js inlined exactly once
    assert page.count("Plotly.newPlot(") == len(PLOTS) + 1


def test_report_size_bound(full):
    path, _ = full
    assert path.stat().st_size < MAX_BYTES


def test_header_and_summary(full):
    _, page = full
    assert "shenzhou-14 &lt;test&gt;" in page and "shenzhou-14 <test>" not in page
    assert "2022-09-17T05:35:00Z" in page and "2022-10-08T01:34:00Z" in page  # window
    assert re.search(r"<b>Generated</b>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", page)
    assert "Margins to limits" in page and "thermal.loop.temp_k" in page
    assert "Limit violations" in page and "2 violation(s)" in page
    assert "not cleared" in page
    # the warn alarm starts 7.75e5 s after the epoch and is cleared at 8.25e5 s
    assert "2022-09-26T04:51:40Z" in page and "2022-09-26T18:45:00Z" in page
    assert "Events by kind" in page and "eclipse.umbra_start" in page
    # the engine's own summary: its margins get their own table, the rest is listed
    assert "<h3>Margins</h3>" in page and "o2_reserve_days" in page and "41.25" in page
    assert "duration_days" in page


def test_every_plot_title_is_present(full):
    _, page = full
    for spec in PLOTS:
        assert f"<h3>{html.escape(spec.title)}</h3>" in page, spec.title
        assert spec.name in page
    assert TIMELINE_TITLE in page
    assert "(skipped)" not in page


def test_limit_lines_drawn_from_parameter(full):
    _, page = full
    # ppCO2 in Pa: warn hi 530, limit hi 700; ppO2 in kPa: 19.5 / 23.1 / 16 / 23.8
    for text in ("warn hi 530", "limit hi 700", "warn lo 19.5", "warn hi 23.1", "limit lo 16", "limit hi 23.8",
                 "warn lo 40", "limit lo 30"):
        assert text in page, text


def test_event_text_is_escaped(full):
    _, page = full
    assert "<script>alert(1)" not in page
    assert "</script><script>alert" not in page


def test_missing_parameters_are_skipped(tmp_path):
    keep = {"eclss.cabin.ppco2_pa", "crew.count"}
    path = write_report(tmp_path / "r.html", make_record(names=keep, with_events=False))
    page = path.read_text(encoding="utf-8")
    for spec in PLOTS:
        present = f"<h3>{html.escape(spec.title)}</h3>" in page
        assert present == (spec.name in keep), spec.name
    assert "(skipped)" in page and "station.mass_kg" in page
    assert "No limit violations." in page
    assert TIMELINE_TITLE not in page  # no events, no timeline


def test_empty_record_and_directory_target(tmp_path):
    rec = RunRecord("empty", EPOCH, EPOCH, [], np.array([]), {})
    path = write_report(tmp_path / "out", rec)
    assert path == tmp_path / "out" / "report.html" and path.is_file()
    assert "No events." in path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- ground track


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    """A record with the real one-day track of its window (SGP4 on the TLE nearest the epoch)."""
    from tiangong.orbit.groundtrack import scenario_ground_track

    rec = make_record(names={"crew.count"}, with_events=False)
    rec.ground_track = scenario_ground_track(EPOCH, float(rec.t_s[-1]))
    path = write_report(tmp_path_factory.mktemp("track") / "report.html", rec)
    return rec, path.read_text(encoding="utf-8")


def test_report_has_the_ground_track_card(tracked):
    rec, page = tracked
    g = rec.ground_track
    assert f"<h3>{GROUND_TRACK_TITLE}</h3>" in page and 'id="plot-groundtrack"' in page
    assert page.count("Plotly.newPlot(") == 2  # crew count and the map
    note = re.search(r"<h3>Ground track</h3><div class=\"sub\">([^<]*)</div>", page).group(1)
    assert note.startswith("24.0 h from 2022-09-17T05:35:00Z on a 60-s grid (SGP4, drag-free, TLE epoch ")
    assert f"sunlit {100 * g.sunlit_fraction:.1f} % of the time" in note
    assert f"relay {100 * g.contact_fraction:.1f} %" in note
    for name in ("Kashi", "Swakopmund", "Tianlian I-01", "Tianlian I-03", "sunlit, in contact", "eclipse, no contact"):
        assert name in page, name
    assert "2022-09-17T05:35:00Z" in page and "2022-09-18T05:35:00Z" in page  # hover times of the ends


def test_report_from_an_archive_keeps_the_map_and_an_older_archive_still_reports(tmp_path, tracked):
    import duckdb

    from tiangong.archive import read_run, write_run

    rec, page = tracked
    db = write_run(tmp_path / "run", rec)
    again = write_report(tmp_path / "again.html", read_run(tmp_path / "run")).read_text(encoding="utf-8")
    card = lambda text: text[text.index("<h3>Ground track</h3>"):text.index('<div class="card"><h3>Crew')]
    assert 'id="plot-groundtrack"' in card(again) and card(again) == card(page)  # the same map, point for point
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE ground_track")  # as written before the table existed
    con.close()
    old = write_report(tmp_path / "old.html", read_run(tmp_path / "run")).read_text(encoding="utf-8")
    assert GROUND_TRACK_TITLE not in old and "plot-groundtrack" not in old and "Crew on board" in old
    assert old.count("Plotly.newPlot(") == 1


# ---------------------------------------------------------------------------- decimation


def test_decimate_keeps_bucket_extremes():
    t = np.arange(100_000, dtype=np.float64)
    rng = np.random.default_rng(7)
    v = np.sin(t / 3000.0) + rng.normal(0, 0.1, t.size)
    v[54_321] = 25.0   # a single-sample spike must survive
    v[77_777] = -25.0
    td, vd = decimate(t, v, n=1000)
    assert td.size <= 2 * 1000 + 2
    assert np.all(np.diff(td) > 0)                  # time order, original samples
    np.testing.assert_array_equal(vd, v[td.astype(np.int64)])
    assert 25.0 in vd and -25.0 in vd and td[0] == 0 and td[-1] == t[-1]
    b = np.minimum((t / t[-1] * 1000).astype(np.int64), 999)
    bd = np.minimum((td / t[-1] * 1000).astype(np.int64), 999)
    mins = np.full(1000, np.inf)
    maxs = np.full(1000, -np.inf)
    np.minimum.at(mins, b, v)
    np.maximum.at(maxs, b, v)
    dmins = np.full(1000, np.inf)
    dmaxs = np.full(1000, -np.inf)
    np.minimum.at(dmins, bd, vd)
    np.maximum.at(dmaxs, bd, vd)
    np.testing.assert_array_equal(dmins, mins)
    np.testing.assert_array_equal(dmaxs, maxs)


def test_decimate_short_series_unchanged_and_gaps_kept():
    t = np.arange(10.0)
    v = t ** 2
    td, vd = decimate(t, v, n=N_BUCKETS)
    np.testing.assert_array_equal(td, t)
    np.testing.assert_array_equal(vd, v)
    t = np.arange(50_000.0)
    v = np.ones_like(t)
    v[20_000:30_000] = np.nan
    td, vd = decimate(t, v, n=500)
    gap = (td >= 20_000) & (td < 30_000)
    assert gap.any() and np.isnan(vd[gap]).all()
    assert np.isfinite(vd[~gap]).all()
