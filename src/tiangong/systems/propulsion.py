"""Propulsion: drag decay of the mean altitude and reboosts paid for by the rocket equation.

Decay of a near-circular orbit: ``da/dt = -rho(h) sqrt(mu a) / B`` with ballistic coefficient
``B = m / (C_D A)`` (reference-values.md 4).  Density is log-linear in altitude between NRLMSIS
2.1 table points (data/systems/propulsion.toml).  The engine keeps the decay rate constant between
events and re-evaluates it at every event (eclipse boundaries come every ~45 min, so the rate
changes by < 0.02 % within a segment: ~5 m of decay against a ~58 km scale height).  Reaching the
floor altitude is a state event: a two-burn Hohmann reboost to the target altitude, propellant
``m (1 - exp(-dv / (Isp g0)))``.

Prediction mode (``orbit = "propagate"`` in a scenario): the altitude store follows an
:class:`AltitudeTrack` (the propagated mean altitude at node times) instead of the decay table,
and the reboosts are the planned burns (:meth:`Propulsion.burn`); floor-triggered reboosts are off.
"""

from __future__ import annotations

import bisect
import math
from math import inf as INF



def params():
    """The packaged propulsion parameters (``data/systems/propulsion.toml``) as a pydantic model."""
    from ..config.parameters import default_parameters

    return default_parameters().propulsion


def _density_table(d) -> tuple[tuple[float, ...], tuple[float, ...]]:
    key = (tuple(d.density_altitude_km), tuple(d.density_kg_m3))
    tab = _TABLES.get(key)
    if tab is None:
        tab = _TABLES[key] = (key[0], tuple(math.log(r) for r in key[1]))
    return tab


_TABLES: dict = {}


def density_kg_m3(altitude_m: float, p=None) -> float:
    """Mean thermospheric density (kg/m^3): log-linear in altitude between the NRLMSIS table
    points, extrapolated with the end intervals' scale heights."""
    hs, lrho = _density_table((p or params()).drag)
    h_km = altitude_m / 1000.0
    i = min(max(bisect.bisect_left(hs, h_km) - 1, 0), len(hs) - 2)
    slope = (lrho[i + 1] - lrho[i]) / (hs[i + 1] - hs[i])
    return math.exp(lrho[i] + slope * (h_km - hs[i]))


def decay_rate_m_s(altitude_m: float, mass_kg: float, area_m2: float, p=None) -> float:
    """Rate of change of the mean altitude (m/s, negative) for a circular orbit.

    ``mass_kg`` must be positive and finite (a ValueError otherwise, never a ZeroDivisionError)."""
    if not (0.0 < mass_kg < math.inf):
        raise ValueError(f"decay rate needs a positive, finite station mass, got {mass_kg!r} kg")
    p = p or params()
    d = p.drag
    a = d.earth_radius_m + altitude_m
    return -density_kg_m3(altitude_m, p) * math.sqrt(d.mu_m3_s2 * a) * d.drag_coefficient * area_m2 / mass_kg


def hohmann_dv_mps(h1_m: float, h2_m: float, p=None) -> float:
    """Total delta-v (m/s) of a two-burn Hohmann transfer between circular orbits."""
    d = (p or params()).drag
    mu, R = d.mu_m3_s2, d.earth_radius_m
    r1, r2 = R + h1_m, R + h2_m
    at = 0.5 * (r1 + r2)
    dv1 = abs(math.sqrt(mu * (2 / r1 - 1 / at)) - math.sqrt(mu / r1))
    dv2 = abs(math.sqrt(mu / r2) - math.sqrt(mu * (2 / r2 - 1 / at)))
    return dv1 + dv2


def propellant_for_dv_kg(mass_kg: float, dv_mps: float, p=None) -> float:
    """Tsiolkovsky: propellant (kg) for ``dv_mps`` from initial mass ``mass_kg``."""
    c = (p or params()).chemical
    return mass_kg * (1.0 - math.exp(-dv_mps / (c.isp_s * c.g0)))


class AltitudeTrack:
    """A mean altitude to follow: ``h_m`` [m] at increasing node times ``t_s`` [s], linear between.

    Every node must be an engine event (the decay rate is set at each event to reach the next
    node's value exactly), so the store equals the track at the nodes to rounding."""

    def __init__(self, t_s, h_m, half_period_s: float = 0.0) -> None:
        import numpy as np

        self.t_s = np.asarray(t_s, dtype=float)
        self.h_m = np.asarray(h_m, dtype=float)
        self.half_period_s = float(half_period_s)

    def at(self, t_s: float) -> float:
        import numpy as np

        return float(np.interp(t_s, self.t_s, self.h_m))

    def rate_m_s(self, t_s: float, h_m: float) -> float:
        """Rate [m/s] that takes ``h_m`` at ``t_s`` to the track's value at the next node."""
        import numpy as np

        k = int(np.searchsorted(self.t_s, t_s + 1e-6, side="right"))
        if k >= len(self.t_s):
            return 0.0
        return float((self.h_m[k] - h_m) / (self.t_s[k] - t_s))


class Propulsion:
    """Orbit decay and reboosts as a subsystem (see :mod:`tiangong.subsystem`).

    Automatic reboosts at the floor altitude (``auto``) and commanded ones (:meth:`reboost`)."""

    name = "propulsion"
    inputs = ("station.mass_kg", "station.drag_area_m2")
    outputs = ()
    feedback = ()
    aux = ()

    def __init__(self, p, floor_m: float | None = None, target_m: float | None = None, auto: bool = True) -> None:
        self.p = p  # PropulsionParams
        self.floor_m = p.reboost.floor_altitude_m if floor_m is None else floor_m
        self.target_m = p.reboost.target_altitude_m if target_m is None else target_m
        self.auto = auto
        self.propellant_used_kg = 0.0
        self.reboosts: list[tuple[float, float, float, float, float]] = []  # t, h0, h1, dv, kg
        self.track: AltitudeTrack | None = None  # prediction mode: set by follow()

    def follow(self, track: AltitudeTrack) -> None:
        """Prediction mode: the altitude follows ``track`` and only planned burns raise the orbit
        (recomputed from the scenario when a run is rebuilt; not part of :meth:`state`)."""
        self.track = track
        self.auto = False

    def state(self) -> dict:
        return {"auto": self.auto, "propellant_used_kg": self.propellant_used_kg, "reboosts": list(self.reboosts),
                "floor_m": self.floor_m, "target_m": self.target_m}

    def load_state(self, st: dict) -> None:
        self.auto, self.propellant_used_kg = st["auto"], st["propellant_used_kg"]
        self.reboosts, self.floor_m, self.target_m = list(st["reboosts"]), st["floor_m"], st["target_m"]

    def install(self, net, ctx) -> None:
        self.ctx = ctx
        net.store("propulsion.propellant_kg", "kg", 0.0, description="station propellant (MMH/NTO)")
        net.store("vent.propellant_kg", "kg", 0.0, -INF, INF, "propellant expelled", ledger=True)
        net.store("supply.propellant_kg", "kg", 0.0, -INF, INF, "propellant delivered (negative)", ledger=True)
        net.store("orbit.altitude_m", "m", 0.0, -INF, INF, "mean altitude")
        net.add_process("orbit.decay", {"orbit.altitude_m": 1.0})
        self._alt, self._prop = net.si("orbit.altitude_m"), net.si("propulsion.propellant_kg")
        self._vent = net.si("vent.propellant_kg")
        self._decay = net.pi("orbit.decay")

    def plan(self, altitude_m: float, target_m: float, mass_kg: float) -> tuple[float, float]:
        """(Δv m/s, propellant kg) of a two-burn raise from ``altitude_m`` to ``target_m``."""
        dv = hohmann_dv_mps(altitude_m, target_m, self.p)
        return dv, propellant_for_dv_kg(mass_kg, dv, self.p)

    def reboost(self, net, target_m: float) -> tuple[bool, str]:
        """Raise the mean altitude to ``target_m`` now if the propellant aboard suffices."""
        if self.track is not None:
            return False, self.command_refusal()
        h = net.x[self._alt]
        dv, need = self.plan(h, target_m, self.ctx.signals["station.mass_kg"])
        short = self._spend(net, need)
        if short:
            return False, short
        net.x[self._alt] = target_m
        self.reboosts.append((net.t_s, h, target_m, dv, need))
        return True, f"{h/1e3:.1f} -> {target_m/1e3:.1f} km, dv {dv:.2f} m/s, propellant {need:.1f} kg"

    def _spend(self, net, need_kg: float) -> str | None:
        """Expel ``need_kg`` of propellant now; the reason if it is not aboard (nothing spent)."""
        have = net.x[self._prop]
        if have < need_kg:
            return f"needs {need_kg:.1f} kg propellant, {have:.1f} kg aboard"
        net.x[self._prop] -= need_kg
        net.x[self._vent] += need_kg
        self.propellant_used_kg += need_kg
        return None

    def command_refusal(self) -> str | None:
        """Why a commanded reboost is refused in this mode (None: accepted in replay mode)."""
        if self.track is None:
            return None
        return "orbit = 'propagate': the reboosts are the planned burns (set [reboost] in the scenario)"

    def burn(self, net, dv_mps: float, label: str = "burn") -> tuple[bool, str]:
        """A planned impulsive burn of ``dv_mps`` now: propellant by the rocket equation at the
        station mass now, refused if not aboard.  The altitude stays on the track (the propagated
        mean altitude after the burn: a one-orbit mean, it rises over the orbit around the burn)."""
        mass = self.ctx.signals["station.mass_kg"]
        need = propellant_for_dv_kg(mass, dv_mps, self.p)
        short = self._spend(net, need)
        if short:
            return False, f"{label}: {short}"
        half = self.track.half_period_s if self.track is not None else 0.0
        h0 = self.track.at(net.t_s - half) if self.track is not None else net.x[self._alt]
        h1 = self.track.at(net.t_s + half) if self.track is not None else net.x[self._alt]
        self.reboosts.append((net.t_s, h0, h1, dv_mps, need))
        return True, f"{label}: dv {dv_mps:.3f} m/s, propellant {need:.2f} kg at {mass / 1e3:.1f} t"

    REENTRY_M = 150e3
    """Mean altitude at which the run ends: below ~150 km the orbit decays within hours (reentry)."""

    def control(self, net) -> None:
        sig = self.ctx.signals
        if self.track is not None:
            net.a[self._decay] = self.track.rate_m_s(net.t_s, net.x[self._alt])
            return
        h = net.x[self._alt]
        if h <= self.REENTRY_M + 1e-6:
            net.emit("orbit.reentry", "propulsion", f"mean altitude {h / 1e3:.1f} km: the station re-enters; the run ends")
            net.halt(f"reentry at {self.REENTRY_M / 1e3:.0f} km")
            return
        if h <= self.floor_m + 1e-6 and self.auto:
            ok, why = self.reboost(net, self.target_m)
            if ok:
                net.emit("propulsion.reboost", "propulsion", why)
            else:
                self.auto = False
                net.emit("propulsion.reboost_failed", "propulsion", why)
            h = net.x[self._alt]
        net.a[self._decay] = decay_rate_m_s(h, sig["station.mass_kg"], sig["station.drag_area_m2"], self.p)
        if self.auto:
            net.watches.append((self._alt, self.floor_m))
        net.watches.append((self._alt, self.REENTRY_M))

    def telemetry(self) -> list:
        from ..subsystem import Telemetry

        return [Telemetry("propulsion.propellant_kg", "kg", "station propellant", "propulsion", 200.0, None, 0.0, None),
                Telemetry("orbit.altitude_m", "m", "mean altitude", "orbit", 360e3, None, 340e3, None)]

    plots = (("propulsion.propellant_kg", "Propellant (kg)", "kg", 1.0),
             ("orbit.altitude_m", "Altitude (km)", "km", 1e-3, False, 5))
    table = (("propulsion.propellant_kg", "propellant kg", 1, "%.0f"), ("orbit.altitude_m", "altitude km", 1e-3, "%.1f"))
