"""The orbit of a station scenario from the propagator (prediction mode), for the engine.

``propagated_orbit`` fits the TLE nearest the scenario start, propagates with the full force model
and the real (or user-set) space weather, and plans the reboosts that keep the mean altitude in a
band (reboost.py).  The result gives what the engine takes from SGP4 and the decay table in replay
mode: eclipse boundary events and beta from the propagated orbit, the mean altitude, and the burns
with their propellant.

The products the engine reads (eclipse boundaries, hourly beta nodes, the 30-s mean altitude, the
burns) are kept in an on-disk cache (:mod:`tiangong.orbit.cache`) keyed by every input and by the
code and data of the package, so that a second run of the same scenario -- a fork, a restore, a
what-if that changes the crew but not the orbit -- does not propagate again.  The trajectory itself
is not stored (~35 MB for six months of dense output): when something asks for it, it is
recomputed from the fitted start state and the planned burns, which gives the same trajectory bit
for bit (the propagation is deterministic).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..timeutil import as_utc
from .predict import predict
from .reboost import engines, plan_reboosts
from .spaceweather import SpaceWeather

BETA_NODE_S = 3600.0


@dataclass
class PropagatedOrbit:
    """The engine's view of a propagated scenario orbit (all times in s after ``epoch``)."""

    epoch: dt.datetime
    duration_s: float
    t_end_s: float                     # end of the trajectory (earlier than duration_s after a reentry)
    mean_t_s: np.ndarray               # one-orbit mean altitude samples (reboost.mean_altitude)
    mean_alt_m: np.ndarray
    burn_table: np.ndarray             # (n, 3): t_s, dv_mps, propellant_kg of the planned burns
    eclipse_t_s: np.ndarray
    eclipse_kinds: tuple
    beta_t_s: np.ndarray               # hourly nodes
    beta_node_deg: np.ndarray
    fit_rms_m: float
    rebuild: dict                      # what recomputes the trajectory: TLE lines, window, state, burns
    from_cache: bool = False
    cache_key: str | None = None       # the orbit's key in orbit/cache.py (products cached beside it)
    _trajectory: object = field(default=None, repr=False)

    @property
    def trajectory(self):
        """The propagated trajectory with the planned burns (recomputed on first use after a cache hit)."""
        if self._trajectory is None:
            self._trajectory = _rebuild_trajectory(self.epoch, self.rebuild)
        return self._trajectory

    def eclipse_events(self):
        """``(t_s, kind)`` shadow boundaries of the propagated orbit (eclipse.eclipse_events)."""
        return self.eclipse_t_s, list(self.eclipse_kinds)

    def contact_events(self, relays=(), sites=(), min_elevation_deg: float | None = None):
        """``(t_s, kind, name)`` contact windows of the propagated orbit (contacts.contact_events),
        kept in the disk cache beside the orbit (a hit needs no trajectory)."""
        from .cache import memo_events
        from .contacts import contact_events, link_spec

        def search():
            return contact_events(self.trajectory, self.epoch, min(self.duration_s, self.t_end_s), relays, sites,
                                  min_elevation_deg)

        if self.cache_key is None:
            return search()
        return memo_events("contact_events", {"orbit": self.cache_key, **link_spec(relays, sites, min_elevation_deg)},
                           search)

    def positions_gcrs_m(self, t_s) -> np.ndarray:
        """GCRS positions [m], (N, 3), at ``t_s`` s after the epoch (the report's ground track),
        kept in the disk cache beside the orbit (a hit needs no trajectory)."""
        import hashlib

        from .cache import memo

        t = np.asarray(t_s, dtype=float)
        if self.cache_key is None:
            return self.trajectory.states(t)[:, :3]
        return memo("positions_gcrs", {"orbit": self.cache_key, "t_s": hashlib.sha256(t.tobytes()).hexdigest()},
                    lambda: {"r": self.trajectory.states(t)[:, :3]})["r"].astype(float)

    def beta_deg(self, t_s) -> np.ndarray:
        """Beta angle [deg] at ``t_s`` s after the epoch (hourly nodes, interpolated)."""
        return np.interp(np.asarray(t_s, dtype=float), self.beta_t_s, self.beta_node_deg)

    def mean_altitude_m(self, t_s) -> np.ndarray:
        """One-orbit mean altitude [m] at ``t_s`` (reboost.mean_altitude, interpolated)."""
        return np.interp(np.asarray(t_s, dtype=float), self.mean_t_s, self.mean_alt_m)

    def burns(self) -> list[tuple[float, float, float]]:
        """``(t_s, dv_mps, propellant_kg)`` of the planned burns."""
        return [(float(t), float(dv), float(kg)) for t, dv, kg in self.burn_table]


def _model(rebuild: dict):
    from .propagate import ForceModel

    return ForceModel(weather=SpaceWeather(**rebuild["weather"]))


def _rebuild_trajectory(epoch: dt.datetime, rebuild: dict):
    """The plan's trajectory again: the same propagator window and start state, the same burns."""
    from .propagate import Impulse, Propagator

    prop = Propagator(epoch, rebuild["window_s"], _model(rebuild))
    s0 = np.asarray(rebuild["state0"], dtype=float)
    imps = [Impulse(t, dv, kg, label) for t, dv, kg, label in rebuild["impulses"]]
    return prop.run(s0[:3], s0[3:], impulses=imps, t_end_s=rebuild["span_s"])


def _products(epoch: dt.datetime, duration_s: float, pred, plan, weather: SpaceWeather) -> PropagatedOrbit:
    """Everything the engine reads, computed once from a prediction and its reboost plan."""
    from .eclipse import beta_angle_deg, eclipse_events

    traj = plan.trajectory
    t_end = float(traj.t_end_s)
    ecl_t, ecl_k = eclipse_events(traj, epoch, min(float(duration_s), t_end))
    nodes = np.minimum(np.arange(0.0, t_end + BETA_NODE_S, BETA_NODE_S), t_end)
    s0 = traj.states([0.0])[0]
    rebuild = {
        "tle": [pred.tle.name, pred.tle.line1, pred.tle.line2],
        "window_s": float(pred.propagator.t_end_s),
        "span_s": float(pred.trajectory.t_end_s),
        "state0": [float(x) for x in s0],
        "impulses": [[float(i.t_s), float(i.dv_mps), float(i.propellant_kg), i.label] for i in traj.impulses],
        "weather": {"fixed_f107": weather.fixed_f107, "fixed_f107a": weather.fixed_f107a,
                    "fixed_ap": weather.fixed_ap, "fallback_f107": weather.fallback_f107},
    }
    burns = np.array([(b.t_s, b.dv_mps, b.propellant_kg) for b in plan.burns], dtype=float).reshape(-1, 3)
    return PropagatedOrbit(epoch, float(duration_s), t_end, np.asarray(plan.mean_t_s, dtype=float),
                           np.asarray(plan.mean_alt_m, dtype=float), burns, np.asarray(ecl_t, dtype=float),
                           tuple(str(k) for k in ecl_k), nodes, np.asarray(beta_angle_deg(traj, nodes, epoch)),
                           float(pred.fit_rms_m), rebuild, from_cache=False, _trajectory=traj)


def propagated_orbit(epoch: dt.datetime, duration_s: float, tle_spec: str | None = "builtin", station: str = "tiangong",
                     band_m: tuple[float, float] | None = None, propellant_kg: float | None = None,
                     weather: SpaceWeather | None = None, cache: bool = True) -> PropagatedOrbit:
    """Propagate the scenario window with planned reboosts.  ``band_m`` defaults to the engine's
    reboost floor and target (systems/propulsion.toml [reboost]); ``propellant_kg`` to engines.toml.
    With ``cache`` the products come from the on-disk cache when the same inputs were computed
    before (orbit/cache.py; ``TIANGONG_NO_CACHE=1`` turns it off)."""
    from ..systems import propulsion
    from . import cache as orbit_cache
    from .tle import select_tle

    epoch = as_utc(epoch, "epoch")
    if band_m is None:
        r = propulsion.params().reboost
        band_m = (float(r.floor_altitude_m), float(r.target_altitude_m))
    if propellant_kg is None:
        propellant_kg = float(engines()["plan"]["propellant_aboard_kg"])
    weather = weather or SpaceWeather()
    tle = select_tle(epoch, tle_spec, station)
    key = orbit_cache.key("propagated_orbit", epoch=epoch.isoformat(), duration_s=float(duration_s),
                          tle=[tle.line1, tle.line2], station=station, band_m=[float(b) for b in band_m],
                          propellant_kg=float(propellant_kg), weather=repr(weather))
    if cache:
        hit = orbit_cache.load(key)
        if hit is not None:
            orb = _from_cache(epoch, hit)
            if orb is not None:
                orb.cache_key = key
                return orb
    pred = predict(tle, epoch, epoch + dt.timedelta(seconds=float(duration_s)), weather)
    plan = plan_reboosts(pred, band_m, propellant_kg)
    orb = _products(epoch, duration_s, pred, plan, weather)
    if cache:
        orbit_cache.store(key, _to_cache(orb))
        orb.cache_key = key
    return orb


_ARRAYS = ("mean_t_s", "mean_alt_m", "burn_table", "eclipse_t_s", "beta_t_s", "beta_node_deg")


def _to_cache(orb: PropagatedOrbit) -> tuple[dict, dict]:
    arrays = {name: getattr(orb, name) for name in _ARRAYS}
    meta = {"duration_s": orb.duration_s, "t_end_s": orb.t_end_s, "fit_rms_m": orb.fit_rms_m,
            "eclipse_kinds": list(orb.eclipse_kinds), "rebuild": orb.rebuild}
    return meta, arrays


def _from_cache(epoch: dt.datetime, hit: tuple[dict, dict]) -> PropagatedOrbit | None:
    meta, arrays = hit
    try:
        kinds = tuple(str(k) for k in meta["eclipse_kinds"])
        if len(kinds) != len(arrays["eclipse_t_s"]) or arrays["burn_table"].shape[1:] != (3,):
            return None
        return PropagatedOrbit(epoch, float(meta["duration_s"]), float(meta["t_end_s"]), arrays["mean_t_s"],
                               arrays["mean_alt_m"], arrays["burn_table"], arrays["eclipse_t_s"], kinds,
                               arrays["beta_t_s"], arrays["beta_node_deg"], float(meta["fit_rms_m"]),
                               meta["rebuild"], True)
    except (KeyError, TypeError, ValueError, IndexError):
        return None  # a cache file of another layout: recompute
