"""``tiangong station ...``: the station configuration at a date (thin shell over tiangong.station).

Registered on the main app by :mod:`tiangong.cli` as ``station``.  Bad input prints one line
``error: <where>: <why>`` on stderr and exits 2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import datetime as dt
import json

import typer

from ..errors import InputError
from ..timeutil import UTC, iso_z, parse_utc

if TYPE_CHECKING:
    from ..station import StationState

station_app = typer.Typer(
    help="Station configuration: modules, docked vehicles, crew and totals at a date.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@station_app.callback()
def _station() -> None:
    """Station configuration: modules, docked vehicles, crew and totals at a date."""


def _default_at(config: str) -> tuple[dt.datetime, str]:
    """(time, note) shown when --at is not given: the end of the known history (its last event);
    today for a fixed configuration, which has no history."""
    from ..station import history, history_end

    events = history(config)
    if events:
        last = events[-1]
        when = history_end(events)  # the same end as the state's "history known until"
        return when, (f"--at not given: showing the end of the known history, {iso_z(when, 0)} "
                      f"(last event: {last.name}); give --at DATE for another date")
    now = dt.datetime.now(UTC)
    return dt.datetime(now.year, now.month, now.day, tzinfo=UTC), "--at not given: today 00:00 UTC"


@station_app.command("show")
def show(
    config: str = typer.Option("tiangong", "--config", metavar="NAME", help="Station configuration: tiangong or iss."),
    at: str | None = typer.Option(
        None, "--at", metavar="TIME", show_default="the end of the known history (its last event)",
        help="Date YYYY-MM-DD or ISO 8601 time (UTC if no offset).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document instead of tables."),
) -> None:
    """Show modules, docked vehicles (with ports), crew aboard and totals at a date."""
    note = ""
    try:
        from ..station import station_at

        if at is not None:
            when = parse_utc(at, "--at")
        else:
            when, note = _default_at(config.strip().lower() if config.strip().lower() in ("tiangong", "iss") else config)

        state = station_at(when, config=config)
    except InputError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(code=2) from None
    if as_json:
        typer.echo(json.dumps(state.to_json(), indent=2, ensure_ascii=True))
    else:
        if note:
            typer.echo(f"({note})")
        _print_tables(state)


def _fmt(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def _print_tables(state: StationState) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    shape = state.configuration
    title = f"{state.config} at {iso_z(state.at, 0)}"
    if shape:
        title += f"  (configuration {shape})"
    if state.fixed:
        title += "  (fixed configuration, no history)"

    mods = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for col, right in [
        ("Module", False),
        ("Position", False),
        ("Mass t", True),
        ("Len m", True),
        ("Press m3", True),
        ("Hab m3", True),
        ("Array m2", True),
        ("kW BOL", True),
    ]:
        mods.add_column(col, justify="right" if right else "left", no_wrap=right)
    for m in state.modules:
        mods.add_row(
            m.name,
            m.position,
            _fmt(m.mass_kg / 1000.0),
            _fmt(m.length_m, 1),
            _fmt(m.pressurized_volume_m3),
            _fmt(m.habitable_volume_m3),
            _fmt(m.array_area_m2, 0),
            _fmt(m.array_power_w / 1000.0),
        )
    console.print(mods)

    if not state.fixed:
        veh = Table(title="Docked vehicles", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for col in ("Vehicle", "Type", "Port", "Mass t", "Docked since (UTC)"):
            veh.add_column(col, justify="right" if col == "Mass t" else "left")
        for v in state.vehicles:
            veh.add_row(v.name, v.type, v.port, _fmt(v.mass_kg / 1000.0), iso_z(v.docked_at, 0))
        if not state.vehicles:
            veh.add_row("(none)", "", "", "", "")
        console.print(veh)
        console.print(f"Crew aboard ({len(state.crew)}): " + (", ".join(state.crew) if state.crew else "none"))

    tot = Table(title="Totals", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    tot.add_column("Quantity")
    tot.add_column("Value", justify="right")
    tot.add_row("Mass, modules (t)", _fmt(state.mass_kg / 1000.0))
    if not state.fixed:
        tot.add_row("Mass with docked vehicles (t)", _fmt(state.mass_with_vehicles_kg / 1000.0))
    tot.add_row("Pressurised volume, modules (m3)", _fmt(state.pressurized_volume_m3))
    tot.add_row("Habitable volume, modules (m3)", _fmt(state.habitable_volume_m3))
    tot.add_row("Solar-array area (m2)", _fmt(state.array_area_m2, 0))
    tot.add_row("Array power, BOL (kW)", _fmt(state.array_power_w / 1000.0))
    tot.add_row("Array power, degraded (kW)", _fmt(state.array_power_degraded_w / 1000.0))
    console.print(tot)
    if state.history_until is not None and state.at > state.history_until:
        console.print(f"(history known until {iso_z(state.history_until, 0)}; later changes are not included)")
