"""``tiangong scenario check FILE`` (validate without running) and ``tiangong scenario new`` (a
commented template).  Registered by :mod:`tiangong.cli` as ``scenario``."""

from __future__ import annotations

import json
from importlib import resources

import typer

from ..errors import InputError

scenario_app = typer.Typer(help="Scenario files: check one without running it, or start a new one.",
                           no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


@scenario_app.callback()
def _scenario() -> None:
    """Scenario files: check one without running it, or start a new one."""


@scenario_app.command("check")
def check(scenario: str = typer.Argument(..., metavar="SCENARIO", help="built-in scenario name or a TOML file"),
          as_json: bool = typer.Option(False, "--json", help="print the validated scenario as JSON")) -> None:
    """Validate a scenario (schema, physical limits, dates, crew) without running it."""
    from ..sim.scenario import Scenario

    sc = Scenario.load(scenario)
    if as_json:
        typer.echo(json.dumps(sc.model_dump(mode="json"), indent=2))
        return
    typer.echo(f"ok: {sc.source_file}: {sc.name}, {sc.station}, {sc.start:%Y-%m-%d %H:%M}Z -> "
               f"{sc.end:%Y-%m-%d %H:%M}Z ({sc.duration_s / 86400:.1f} days), {len(sc.eva)} EVA(s), "
               f"{len(sc.faults)} fault(s)")


def template() -> str:
    """The commented scenario template (a valid scenario)."""
    return resources.files("tiangong.data").joinpath("scenario_template.toml").read_text(encoding="utf-8")


@scenario_app.command("new")
def new(path: str = typer.Argument(None, metavar="[FILE]", show_default="print to stdout",
                                   help="write the template here (refuses to overwrite)")) -> None:
    """Write a commented scenario template (valid as it is; edit and check it)."""
    text = template()
    if path is None:
        typer.echo(text, nl=False)
        return
    from pathlib import Path

    if "\x00" in path:
        raise InputError("FILE", "the path contains a NUL byte")
    p = Path(path)
    try:
        with open(p, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise InputError(str(p), "exists; not overwritten") from None
    except OSError as exc:
        raise InputError(str(p), f"cannot write: {exc.strerror or exc}") from None
    typer.echo(f"wrote {p}; check it with: tiangong scenario check {p}")
