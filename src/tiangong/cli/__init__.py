"""Command-line interface (typer + rich).  Thin: parses, calls the API, prints.

Bad input never shows a traceback: an :class:`~tiangong.errors.InputError` becomes one line
``error: <where>: <why>`` on stderr and exit status 2.
"""

from __future__ import annotations

import sys

import typer

from ..errors import InputError

app = typer.Typer(
    name="tiangong",
    help="Digital twin of the Tiangong space station.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


_registered = False


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"tiangong {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Digital twin of the Tiangong space station."""


def _plain_help() -> None:
    """Help texts as users read them: typer 0.29 prints flags as ``--json <bool>`` and required
    arguments as ``{SCENARIO}`` in the usage line; show flags bare and arguments as ``SCENARIO``.
    (Patched here because typer has no setting for it; both are display-only.)"""
    from typer import core

    if getattr(core.TyperOption, "_tiangong_plain", False):
        return
    rich_type = core.TyperOption.display_type_rich

    def display_type_rich(self, ctx):
        return None if self.is_flag else rich_type(self, ctx)

    def usage_name(self):
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")

    core.TyperOption.display_type_rich = display_type_rich
    core.TyperArgument._usage_display_name = usage_name
    core.TyperOption._tiangong_plain = True


def _register() -> None:
    """Attach the sub-commands (idempotent).  Each command module imports its work lazily."""
    global _registered
    if _registered:
        return
    _registered = True
    _plain_help()
    from . import run
    from .eva import eva_app
    from .orbit import orbit_app
    from .scenario import scenario_app
    from .station import station_app

    app.command("scenarios")(run.scenarios_cmd)
    app.command("run")(run.run_cmd)
    app.command("export")(run.export_cmd)
    app.command("fork")(run.fork_cmd)
    app.add_typer(scenario_app, name="scenario")
    app.add_typer(orbit_app, name="orbit")
    app.add_typer(station_app, name="station")
    app.add_typer(eva_app, name="eva")


def _one_line(exc: Exception) -> str:
    """One line for a usage error (click's, vendored by typer): the command path, then the message."""
    msg = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "tiangong"
    return f"error: {where}: {msg}"


def _interrupted(exc: KeyboardInterrupt) -> None:
    typer.echo(f"error: interrupted ({exc.args[0] if exc.args else 'Ctrl-C'})", err=True)
    sys.exit(130)


def main(argv: list[str] | None = None) -> None:
    """Entry point: one-line errors with exit 2 instead of tracebacks or usage boxes."""
    _register()
    import signal

    caught: list[str] = []

    def _stop(signum, frame):  # Ctrl-C, or SIGTERM from a scheduler: unwind (a run records "failed")
        caught.append(signal.Signals(signum).name)
        raise KeyboardInterrupt(caught[-1])

    if argv is None:  # only as the program itself, not when called in-process
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    try:
        rv = app(args=argv, prog_name="tiangong", standalone_mode=False)
    except InputError as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)
    except KeyboardInterrupt as exc:
        _interrupted(exc)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            _interrupted(exc.__cause__)
        typer.echo("error: aborted", err=True)
        sys.exit(1)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # click's UsageError & co. (typer vendors click; match by interface)
        if caught:  # a library's bare ``except:`` turned the interrupt into another error
            _interrupted(KeyboardInterrupt(caught[-1]))
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
            raise
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `tiangong` / `tiangong orbit`: show help
            typer.echo(exc.format_message())
            sys.exit(0)
        typer.echo(_one_line(exc), err=True)
        sys.exit(exc.exit_code)
    if caught:  # typer turns KeyboardInterrupt into exit status 130 without a word
        _interrupted(KeyboardInterrupt(caught[-1]))
    sys.exit(rv if isinstance(rv, int) else 0)
