"""What a run produces: the parameter dictionary, sampled telemetry, the event log and alarms.

This is the contract between the engine (which fills it), the archive (which stores it in
DuckDB) and the report (which plots it).  Times are float seconds since ``epoch`` (UTC).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Parameter:
    """One telemetry parameter: dotted name (``eclss.cabin.ppco2_pa``), SI unit and limits."""

    name: str
    unit: str
    description: str
    subsystem: str
    warn_lo: float | None = None
    warn_hi: float | None = None
    limit_lo: float | None = None
    limit_hi: float | None = None


@dataclass(frozen=True)
class EventRow:
    """One event the engine processed (scheduled, environment or state event)."""

    t_s: float
    kind: str          # e.g. "eclipse.umbra_start", "crew.arrive", "fault.start", "reboost"
    source: str        # subsystem or scenario section that raised it
    detail: str = ""   # one human-readable line


@dataclass(frozen=True)
class AlarmRow:
    """A limit violation: ``parameter`` crossed ``limit`` (``level`` warn/limit, ``side`` lo/hi)."""

    t_s: float
    parameter: str
    level: str         # "warn" or "limit"
    side: str          # "lo" or "hi"
    limit: float
    value: float
    cleared_t_s: float | None = None


@dataclass(frozen=True)
class GroundTrack:
    """The station's ground track on a time grid (the report's map): ``t_s`` seconds since the run
    epoch, WGS84 geodetic latitude/longitude [deg] and height [m], the visible fraction of the Sun's
    disc (1 sun, 0 umbra) and whether a Tianlian relay is in line of sight.  ``source`` says which
    orbit it comes from (SGP4 on a TLE, or the propagated trajectory)."""

    t_s: np.ndarray
    latitude_deg: np.ndarray
    longitude_deg: np.ndarray
    altitude_m: np.ndarray
    sunlit: np.ndarray
    contact: np.ndarray
    source: str = ""

    @property
    def sunlit_fraction(self) -> float:
        """Mean visible fraction of the Sun over the grid (0..1)."""
        return float(np.mean(self.sunlit)) if len(self.t_s) else 0.0

    @property
    def contact_fraction(self) -> float:
        """Fraction of the grid points with a relay in line of sight (0..1)."""
        return float(np.mean(self.contact)) if len(self.t_s) else 0.0


@dataclass
class RunRecord:
    """Everything a run leaves behind; ``samples[name]`` is aligned with ``t_s``."""

    scenario: str
    epoch: dt.datetime
    end: dt.datetime
    parameters: list[Parameter]
    t_s: np.ndarray
    samples: dict[str, np.ndarray]
    events: list[EventRow] = field(default_factory=list)
    alarms: list[AlarmRow] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    plots: list = field(default_factory=list)  # report charts (name, title, unit, scale), from the subsystems
    commands: list = field(default_factory=list)  # commands of a live run: objects with t_s, command, outcome, detail
    parent: str | None = None      # the run a fork started from
    fork_t_s: float | None = None  # the fork time, s since the epoch
    ground_track: GroundTrack | None = None  # the report's map (None: not computed, or an older archive)

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)
