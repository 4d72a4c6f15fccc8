"""Command-line interface (typer + rich).  Thin: parses, calls the API, prints.

Bad input never shows a traceback: an :class:`~tiangong.errors.InputError` becomes one line
``error: <where>: <why>`` on stderr and exit status 2.
"""

from __future__ import annotations

import sys

import typer

from .errors import InputError

app = typer.Typer(
    name="tiangong",
    help="Digital twin of the Tiangong space station.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from .cli_orbit import orbit_app
    from .cli_station import station_app

    app.add_typer(orbit_app, name="orbit")
    app.add_typer(station_app, name="station")
    try:
        from . import cli_run  # noqa: F401  (registers run/scenarios/export on `app`)
    except ImportError as exc:  # pragma: no cover - during bootstrap only
        if "cli_run" not in str(exc):
            raise


def fail(err: InputError) -> None:
    """Print one line and exit 2."""
    typer.echo(f"error: {err}", err=True)
    raise typer.Exit(code=2)


def main() -> None:
    _register()
    try:
        app()
    except InputError as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)
