"""What a new user reads first: --version, help texts, scenario new/check (issue 9, Deliver 4)."""

import importlib.metadata
import re

import pytest


def test_version(cli):
    p = cli("--version")
    assert p.returncode == 0
    assert p.stdout.strip() == f"tiangong {importlib.metadata.version('tiangong')}"


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["export", "--help"], ["station", "show", "--help"],
                                  ["scenario", "check", "--help"], ["scenario", "new", "--help"]])
def test_help_texts_read_plainly(cli, monkeypatch, args):
    monkeypatch.setenv("COLUMNS", "100")
    p = cli(*args)
    assert p.returncode == 0, p
    assert "<bool>" not in p.stdout, "flags are shown bare, not as --json <bool>"
    usage = next(ln for ln in p.stdout.splitlines() if "Usage:" in ln)
    assert "{" not in usage and "}" not in usage, usage


def test_run_help_shows_defaults(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    text = cli("run", "--help").stdout
    assert re.search(r"--out\s+DIR.*default: \(runs/<name>\)", text)
    assert "--force" in text and "the scenario's sample_s" in text
    assert "Usage: tiangong run [OPTIONS] SCENARIO" in text


def test_scenario_new_is_a_valid_commented_template(cli, tmp_path):
    p = cli("scenario", "new")
    assert p.returncode == 0 and p.stdout.count("#") > 20
    f = tmp_path / "new.toml"
    p = cli("scenario", "new", f)
    assert p.returncode == 0 and f.read_text() == cli("scenario", "new").stdout
    assert "crew = []" in f.read_text()
    p = cli("scenario", "check", f)
    assert p.returncode == 0 and p.stdout.startswith(f"ok: {f}: my-scenario")
    p = cli("scenario", "new", f)
    assert p.returncode == 2 and "exists; not overwritten" in p.stderr


@pytest.mark.parametrize("name", ["shenzhou-14", "electrolyser-failure", "iss-week"])
def test_builtin_scenarios_check(cli, name):
    p = cli("scenario", "check", name, "--json")
    assert p.returncode == 0, p
    assert f'"name": "{name}"' in p.stdout
