"""The EVA pages in headless Chromium (issue 9): `eva plan --html`, `eva simulate --html`, `eva predict
--html` and `eva history --html` — every chart fits its card at two window widths, no console error,
no sideways overflow."""

import subprocess
import sys

import pytest

CLI = [sys.executable, "-c", "from tiangong.cli import main; main()"]


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    d = tmp_path_factory.mktemp("eva-pages")
    out = {}
    for cmd, extra in (("plan", []), ("simulate", ["--runs", "200", "--seed", "1"]),
                       ("predict", ["--runs", "200", "--seed", "1"])):
        f = d / f"{cmd}.html"
        r = subprocess.run(CLI + ["eva", cmd, "sz14-eva2", *extra, "--html", str(f)], capture_output=True,
                           text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        out[cmd] = f
    f = d / "history.html"
    r = subprocess.run(CLI + ["eva", "history", "--runs", "100", "--seed", "1", "--html", str(f)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    out["history"] = f
    return out


@pytest.mark.parametrize("page", ["plan", "simulate", "predict", "history"])
def test_eva_page_charts_fit_their_cards(check_page, pages, page):
    problems, seen = check_page(pages[page])
    assert not problems, "\n".join(problems)
    assert seen and seen[0][1]["charts"], f"no chart found on the {page} page"
