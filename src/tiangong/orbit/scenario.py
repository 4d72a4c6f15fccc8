"""The orbit of a station scenario from the propagator (prediction mode), for the engine.

``propagated_orbit`` fits the TLE nearest the scenario start, propagates with the full force model
and the real (or user-set) space weather, and plans the reboosts that keep the mean altitude in a
band (reboost.py).  The result gives what the engine takes today from SGP4 and the decay table:
eclipse boundary events and beta from the propagated orbit, the mean altitude, and the burns with
their propellant.  The engine's switch (``orbit = "propagate"`` in a scenario) is not wired yet
(issue 10; the engine is being restructured): this is the physics-layer half.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..timeutil import as_utc
from .predict import Prediction, predict
from .reboost import ReboostPlan, engines, plan_reboosts
from .spaceweather import SpaceWeather


@dataclass
class PropagatedOrbit:
    epoch: dt.datetime
    duration_s: float
    prediction: Prediction
    plan: ReboostPlan

    @property
    def trajectory(self):
        return self.plan.trajectory

    def eclipse_events(self):
        """``(t_s, kind)`` shadow boundaries of the propagated orbit (eclipse.eclipse_events)."""
        from .eclipse import eclipse_events

        return eclipse_events(self.trajectory, self.epoch, min(self.duration_s, self.trajectory.t_end_s))

    def beta_deg(self, t_s) -> np.ndarray:
        """Beta angle [deg] at ``t_s`` s after the epoch (hourly nodes, interpolated)."""
        from .eclipse import beta_angle_deg

        t = np.asarray(t_s, dtype=float)
        nodes = np.arange(0.0, min(float(t.max()), self.trajectory.t_end_s) + 3600.0, 3600.0)
        nodes = np.minimum(nodes, self.trajectory.t_end_s)
        return np.interp(t, nodes, beta_angle_deg(self.trajectory, nodes, self.epoch))

    def mean_altitude_m(self, t_s) -> np.ndarray:
        """One-orbit mean altitude [m] at ``t_s`` (reboost.mean_altitude, interpolated)."""
        return np.interp(np.asarray(t_s, dtype=float), self.plan.mean_t_s, self.plan.mean_alt_m)

    def burns(self) -> list[tuple[float, float, float]]:
        """``(t_s, dv_mps, propellant_kg)`` of the planned burns."""
        return [(b.t_s, b.dv_mps, b.propellant_kg) for b in self.plan.burns]


def propagated_orbit(epoch: dt.datetime, duration_s: float, tle_spec: str | None = "builtin", station: str = "tiangong",
                     band_m: tuple[float, float] | None = None, propellant_kg: float | None = None,
                     weather: SpaceWeather | None = None) -> PropagatedOrbit:
    """Propagate the scenario window with planned reboosts.  ``band_m`` defaults to the engine's
    reboost floor and target (systems/propulsion.toml [reboost]); ``propellant_kg`` to engines.toml."""
    from ..systems import propulsion
    from .tle import select_tle

    epoch = as_utc(epoch, "epoch")
    if band_m is None:
        r = propulsion.params().reboost
        band_m = (float(r.floor_altitude_m), float(r.target_altitude_m))
    if propellant_kg is None:
        propellant_kg = float(engines()["plan"]["propellant_aboard_kg"])
    tle = select_tle(epoch, tle_spec, station)
    pred = predict(tle, epoch, epoch + dt.timedelta(seconds=float(duration_s)), weather or SpaceWeather())
    plan = plan_reboosts(pred, band_m, propellant_kg)
    return PropagatedOrbit(epoch, float(duration_s), pred, plan)
