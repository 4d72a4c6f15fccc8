"""The public API: a small, flat façade.

>>> import tiangong as tg
>>> scenario = tg.Scenario.load("shenzhou-14")
>>> scenario.start.isoformat()
'2022-06-05T00:00:00+00:00'
"""

from __future__ import annotations

from .sim.live import Simulation
from .sim.run import Result, simulate
from .sim.scenario import Scenario
from .station import station_at

__all__ = ["Scenario", "Simulation", "simulate", "Result", "station_at"]
