"""Layering (STYLE.md 1): the physics imports nothing of the engine, the CLI, the archive or the
report.  A light stand-in for an import-linter contract, checked on the source's AST."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "tiangong"
PHYSICS = ["orbit", "systems", "crew", "robotics"]
FORBIDDEN = ("tiangong.sim", "tiangong.cli", "tiangong.archive", "tiangong.report", "tiangong.console",
             "tiangong.campaign", "tiangong.api")


def _imports(path: Path, package: str):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                yield ".".join(base + ([node.module] if node.module else []))
            elif node.module:
                yield node.module


@pytest.mark.parametrize("layer", PHYSICS)
def test_physics_does_not_import_outer_layers(layer):
    root = PKG / layer
    if not root.exists():
        pytest.skip(f"{layer} not present")
    for path in root.rglob("*.py"):
        package = "tiangong." + ".".join(path.relative_to(PKG).parent.parts)
        for name in _imports(path, package):
            assert not name.startswith(FORBIDDEN), f"{path.relative_to(PKG)} imports {name}"
