"""report.html in headless Chromium: every chart fits its card at two window widths, no console
error, no sideways overflow (issue 9: the battery chart was drawn 1,322 px wide in a 638 px card);
the ground-track map's station and relay names inside the map and apart."""

import pytest


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from tiangong.report.html import write_report
    from tiangong.sim.run import simulate
    from tiangong.sim.scenario import Scenario

    sc = Scenario.from_dict({"name": "browser", "start": "2022-11-29T00:00:00Z", "end": "2022-12-01T00:00:00Z",
                             "sample_s": 300.0, "faults": [{"kind": "co2_removal_off",
                                                            "start": "2022-11-29T12:00:00Z", "duration_h": 20.0}]})
    record = simulate(sc).record
    assert record.alarms, "the page is checked with its violations table and alarm marks"
    return write_report(tmp_path_factory.mktemp("report") / "report.html", record)


WIDE = ("plot-timeline", "plot-groundtrack")  # cards spanning the whole grid

_MAP_LABELS = """
const el = document.getElementById('plot-groundtrack');
const s = el.querySelector('svg.main-svg').getBoundingClientRect(), xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;
return {area: {left: s.left + xa._offset, right: s.left + xa._offset + xa._length,
               top: s.top + ya._offset, bottom: s.top + ya._offset + ya._length},
        labels: Array.prototype.map.call(el.querySelectorAll('g.textpoint'), function (t) {
          const r = t.getBoundingClientRect();
          return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })};
"""


def test_report_charts_fit_their_cards(check_page, report, browser):
    problems, seen = check_page(report)
    assert not problems, "\n".join(problems)
    n = len(seen[0][1]["charts"])
    assert n >= 12, f"only {n} charts found"  # the ground-track map, the ten PLOTS and the timeline
    assert "plot-groundtrack" in [c["id"] for c in seen[0][1]["charts"]]
    for w, m in seen:  # the grid really has two columns at 1400 px: charts narrower than the page
        if w == 1400:
            assert all(c["card_width"] < 0.6 * w for c in m["charts"] if c["id"] not in WIDE)
            assert all(c["card_width"] > 0.9 * (w - 60) for c in m["charts"] if c["id"] in WIDE)
    # the map's station and relay names: inside the map, none printed over another (at 900 px now)
    got = browser.execute_script(_MAP_LABELS)
    area, labels = got["area"], got["labels"]
    assert len(labels) >= 11  # 8 TT&C stations, 3 Tianlian relays
    for a in labels:
        assert area["left"] - 1 <= a["left"] and a["right"] <= area["right"] + 1, f"{a['text']} cut off by the map's edge"
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            apart = a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
            assert apart, f"map labels {a['text']!r} and {b['text']!r} overlap"


def test_check_page_catches_an_overflowing_chart(check_page, tmp_path, report):
    """The checker itself: a chart forced wider than its card and a console error are reported."""
    page = report.read_text(encoding="utf-8").replace(
        "</body>", "<script>var d=document.getElementById('plot-0');Plotly.relayout(d,{width:2000,autosize:false});"
                   "console.error('boom');</script></body>")
    bad = tmp_path / "bad.html"
    bad.write_text(page, encoding="utf-8")
    problems, _ = check_page(bad, widths=(1400,))
    assert any("plot-0" in p and "overflows" in p for p in problems), problems
    assert any("boom" in p for p in problems), problems
