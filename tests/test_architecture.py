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


# The engine's layers (issue 7): data schemas and the subsystem interface sit below everything;
# the archive and the report read a RunRecord and know nothing of the engine that made it; the CLI
# reaches the engine only through the public API and the command modules.
LAYERS = {
    "config": ("tiangong.sim", "tiangong.cli", "tiangong.archive", "tiangong.report", "tiangong.api",
               "tiangong.systems", "tiangong.eva"),
    "archive": ("tiangong.sim", "tiangong.cli", "tiangong.report", "tiangong.api"),
    "report": ("tiangong.sim", "tiangong.cli", "tiangong.archive", "tiangong.api"),
    "record.py": ("tiangong.sim", "tiangong.cli", "tiangong.archive", "tiangong.report", "tiangong.api"),
    "subsystem.py": ("tiangong.sim", "tiangong.cli", "tiangong.archive", "tiangong.report", "tiangong.api"),
}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_engine_layers(layer):
    root = PKG / layer
    assert root.exists(), f"{layer} missing"
    paths = [root] if root.is_file() else sorted(root.rglob("*.py"))
    for path in paths:
        package = "tiangong." + ".".join(path.relative_to(PKG).parent.parts) if path.parent != PKG else "tiangong"
        package = package.rstrip(".")
        for name in _imports(path, package):
            assert not name.startswith(LAYERS[layer]), f"{path.relative_to(PKG)} imports {name}"


def test_cli_registers_commands_explicitly():
    """No command module registers itself on import: the CLI package attaches them in one place."""
    for path in sorted((PKG / "cli").glob("*.py")):
        if path.name == "__init__.py":
            continue
        text = path.read_text()
        assert "@app.command" not in text and "from . import app" not in text and "from ..cli import app" not in text, path.name
