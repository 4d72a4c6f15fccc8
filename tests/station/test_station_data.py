"""The station data files: schema (extra="forbid"), sources on every figure, errors naming file and field."""

from __future__ import annotations

import copy
import re
import tomllib
from importlib import resources

import pytest

from tiangong.config import station_files as st
from tiangong.errors import InputError

FILES = {
    ("data/station", "tiangong.toml"): st.StationFile,
    ("data/station", "iss.toml"): st.StationFile,
    ("data/station", "vehicles.toml"): st.VehiclesFile,
    ("data/history", "tiangong.toml"): st.HistoryFile,
}


def _raw(subdir: str, name: str) -> str:
    return resources.files("tiangong").joinpath(subdir, name).read_text(encoding="utf-8")


@pytest.mark.parametrize(("subdir", "name"), list(FILES))
def test_files_validate(subdir, name):
    shown, data = st.read_packaged_toml(subdir, name)
    st.validate_file(FILES[(subdir, name)], shown, data)


@pytest.mark.parametrize(("subdir", "name"), list(FILES))
def test_every_file_cites_urls_and_confidence(subdir, name):
    text = _raw(subdir, name)
    assert re.search(r"https?://", text)
    assert re.search(r"\[(H|M|L)\]|confidence = \"[HML]\"", text)


def test_extra_field_is_rejected_with_file_and_field():
    shown, data = st.read_packaged_toml("data/station", "tiangong.toml")
    bad = copy.deepcopy(data)
    bad["modules"][1]["mass_tonnes"] = 22
    with pytest.raises(InputError) as exc:
        st.validate_file(st.StationFile, shown, bad)
    assert exc.value.where == "data/station/tiangong.toml: modules[1].mass_tonnes"
    assert "unknown field" in exc.value.why.lower()


def test_bad_event_is_rejected_with_its_index():
    shown, data = st.read_packaged_toml("data/history", "tiangong.toml")
    bad = copy.deepcopy(data)
    del bad["events"][1]["port"]  # Tianzhou-2 vehicle_dock without a port
    with pytest.raises(InputError) as exc:
        st.validate_file(st.HistoryFile, shown, bad)
    assert exc.value.where.startswith("data/history/tiangong.toml: events[1]")
    assert "port" in exc.value.why


def test_unknown_kind_and_naive_time_rejected():
    shown, data = st.read_packaged_toml("data/history", "tiangong.toml")
    bad = copy.deepcopy(data)
    bad["events"][0]["kind"] = "module_explode"
    with pytest.raises(InputError) as exc:
        st.validate_file(st.HistoryFile, shown, bad)
    assert exc.value.where.endswith("events[0].kind")
    bad = copy.deepcopy(data)
    bad["events"][0]["time"] = bad["events"][0]["time"].replace(tzinfo=None)
    with pytest.raises(InputError) as exc:
        st.validate_file(st.HistoryFile, shown, bad)
    assert "UTC offset" in exc.value.why


def test_estimates_must_name_known_fields():
    shown, data = st.read_packaged_toml("data/history", "tiangong.toml")
    bad = copy.deepcopy(data)
    dock = next(e for e in bad["events"] if "cargo" in e)
    dock["cargo"]["estimated"] = ["fuel_kg"]
    with pytest.raises(InputError) as exc:
        st.validate_file(st.HistoryFile, shown, bad)
    assert "fuel_kg" in exc.value.why


def test_missing_file_is_an_input_error():
    with pytest.raises(InputError) as exc:
        st.read_packaged_toml("data/station", "mir.toml")
    assert exc.value.where == "data/station/mir.toml"


def test_files_are_plain_toml():
    for subdir, name in FILES:
        tomllib.loads(_raw(subdir, name))


def test_nothing_reads_shared_reference_at_run_time():
    """Every source file of the package: no string the code uses (docstrings and comments may cite
    a source) points at the shared reference folder."""
    import ast
    from pathlib import Path

    root = Path(str(resources.files("tiangong")))
    files = sorted(root.rglob("*.py"))
    assert len(files) > 30
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    docs.add(id(first.value))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                assert "shared/reference" not in node.value and "../shared" not in node.value, (path, node.lineno)