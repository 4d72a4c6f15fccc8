"""Headless Chromium (Debian's ``chromium`` + ``chromium-driver``) for page tests, via selenium.

``check_page(path, widths=(1400, 900))`` opens a local HTML file and returns what a reader would
see go wrong: console errors, charts wider than (or spilling out of) their card, chart labels
printed over each other, key-value table cells cut off by their card, and sideways page overflow, at each window width.  Reusable by any page test in tests/browser/.

Chromium is required: without it the tests FAIL (CI installs it, see .ci/run), unless
``TIANGONG_NO_BROWSER=1`` is set explicitly, which skips them.
"""

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("TIANGONG_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TIANGONG_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage")

_MEASURE = """
const out = {charts: [], page: {scroll: document.documentElement.scrollWidth, inner: window.innerWidth}};
document.querySelectorAll('.js-plotly-plot').forEach(function (el) {
  const card = el.closest('.card') || el.parentElement;
  const cs = getComputedStyle(card);
  const c = card.getBoundingClientRect();
  const inner = {left: c.left + parseFloat(cs.paddingLeft) + parseFloat(cs.borderLeftWidth),
                 right: c.right - parseFloat(cs.paddingRight) - parseFloat(cs.borderRightWidth)};
  const svg = el.querySelector('svg.main-svg');
  const p = (svg || el).getBoundingClientRect();
  const labels = Array.prototype.map.call(el.querySelectorAll('g.annotation'), function (a) {
    const r = a.getBoundingClientRect();
    return {text: a.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom};
  });
  out.charts.push({id: el.id, labels: labels, left: p.left, right: p.right, width: p.width,
                   card_left: inner.left, card_right: inner.right, card_width: inner.right - inner.left,
                   layout_width: el._fullLayout ? el._fullLayout.width : null});
});
out.cells = [];
document.querySelectorAll('.card table.kv td').forEach(function (td) {
  const card = td.closest('.card').getBoundingClientRect();
  const r = td.getBoundingClientRect();
  if (r.right > card.right + 1) out.cells.push({text: td.textContent.slice(0, 60), right: r.right, card_right: card.right});
});
return out;
"""


def _driver(user_dir):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for f in FLAGS:
        opts.add_argument(f)
    opts.add_argument(f"--user-data-dir={user_dir}")
    opts.add_argument("--window-size=1400,1000")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


@pytest.fixture(scope="session")
def browser():
    if os.environ.get("TIANGONG_NO_BROWSER") == "1":
        pytest.skip("TIANGONG_NO_BROWSER=1: browser tests skipped on request")
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: apt-get install -y chromium chromium-driver "
                    "(or set TIANGONG_NO_BROWSER=1 to skip the browser tests)")
    user_dir = tempfile.mkdtemp(prefix="tiangong-chromium-")
    drv = _driver(user_dir)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(user_dir, ignore_errors=True)


@pytest.fixture
def check_page(browser):
    """``check_page(path, widths)`` -> list of problems (empty when the page is fine) and the measurements."""

    def check(path, widths=(1400, 900), settle_s=0.6):
        problems, seen = [], []
        browser.get_log("browser")  # drop what earlier pages logged
        for w in widths:
            browser.set_window_size(w, 1000)
            if not seen:
                browser.get(Path(path).resolve().as_uri())
            deadline = time.time() + 20
            while browser.execute_script("return document.readyState") != "complete" and time.time() < deadline:
                time.sleep(0.1)
            time.sleep(settle_s)  # let resize observers and plotly's async relayout finish
            m = browser.execute_script(_MEASURE)
            seen.append((w, m))
            for c in m["charts"]:
                if c["right"] > c["card_right"] + 1 or c["left"] < c["card_left"] - 1:
                    problems.append(f"{w}px: chart {c['id']} ({c['width']:.0f} px) overflows its card "
                                    f"({c['card_width']:.0f} px)")
                elif c["width"] < 0.9 * c["card_width"]:
                    problems.append(f"{w}px: chart {c['id']} ({c['width']:.0f} px) does not fill its card "
                                    f"({c['card_width']:.0f} px)")
                ls = c["labels"]
                for i, a in enumerate(ls):
                    for b in ls[i + 1:]:
                        if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]:
                            problems.append(f"{w}px: chart {c['id']}: labels {a['text']!r} and {b['text']!r} overlap")
            for c in m["cells"]:
                problems.append(f"{w}px: table cell {c['text']!r} is cut off (right edge {c['right']:.0f} px, "
                                f"card {c['card_right']:.0f} px)")
            if m["page"]["scroll"] > m["page"]["inner"] + 1:
                problems.append(f"{w}px: the page overflows sideways ({m['page']['scroll']} px)")
        for entry in browser.get_log("browser"):
            if entry.get("level") == "SEVERE":
                problems.append(f"console error: {entry.get('message')}")
        return problems, seen

    return check
