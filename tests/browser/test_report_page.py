"""report.html in headless Chromium: every chart fits its card at two window widths, no console
error, no sideways overflow (issue 9: the battery chart was drawn 1,322 px wide in a 638 px card)."""

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


def test_report_charts_fit_their_cards(check_page, report):
    problems, seen = check_page(report)
    assert not problems, "\n".join(problems)
    n = len(seen[0][1]["charts"])
    assert n >= 10, f"only {n} charts found"  # the ten PLOTS and the timeline
    for w, m in seen:  # the grid really has two columns at 1400 px: charts narrower than the page
        if w == 1400:
            assert all(c["card_width"] < 0.6 * w for c in m["charts"] if c["id"] != "plot-timeline")


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
