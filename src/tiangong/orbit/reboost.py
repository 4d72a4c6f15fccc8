"""Reboost planning: keep the station's mean altitude inside a band with two-burn Hohmann
transfers of Tianhe's chemical orbit-control engines, paid for by the rocket equation.

Mean altitude = the osculating semi-major axis averaged over one orbital period, minus the WGS84
equatorial radius (the short-period J2 terms, +-10 km in osculating a, average out: Brouwer's mean
a to first order).  The altitude from a TLE's (Kozai) mean motion, ``tiangong.orbit.mean_altitude_m``,
reads ~2.2 km lower at 41.5 deg: the first-order Kozai-Brouwer difference
(2/3) * (3/4) J2 (R/a)^2 (3 cos^2 i - 1) a, measured 2.2 km in tests/orbit/test_cli_predict.py.  The planner propagates
with the full force model; when the mean altitude reaches the band's floor it places burn 1
there (prograde, raising the opposite side to the band's ceiling) and burn 2 half a transfer orbit
later (circularising).  Burns are impulsive; their duration at full thrust is reported
(a 3 m/s burn of 88 t at 2 x 490 N takes ~4.5 min, ~5 % of an orbit: the impulsive model's
loss is < 0.1 %).  With ``engine="hall"`` the planner instead thrusts continuously with Tianhe's four
Hall thrusters (data/orbit/engines.toml) from the floor until the mean altitude reaches the ceiling;
the thrust is along the velocity in every part of the orbit (power and eclipse limits are not
modelled), and if the thrust cannot beat the drag the command says so.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import math
import tomllib
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..timeutil import iso_z
from .predict import MU, Prediction
from .propagate import WGS84_A_M, Impulse, ThrustArc

G0 = 9.80665
SAMPLE_S = 30.0
CHUNK_S = 10 * 86400.0


@functools.lru_cache(maxsize=1)
def engines() -> dict:
    with importlib.resources.files("tiangong").joinpath("data/orbit/engines.toml").open("rb") as f:
        return tomllib.load(f)


def chemical_isp_s() -> float:
    from ..systems import propulsion

    return float(propulsion.params().chemical.isp_s)


@dataclass(frozen=True)
class Burn:
    time: dt.datetime
    t_s: float
    dv_mps: float
    duration_s: float
    propellant_kg: float
    mass_before_kg: float
    label: str

    def to_json(self) -> dict:
        return {"time": iso_z(self.time), "label": self.label, "dv_mps": round(self.dv_mps, 4),
                "duration_s": round(self.duration_s, 1), "propellant_kg": round(self.propellant_kg, 2),
                "mass_before_kg": round(self.mass_before_kg, 1)}


def hohmann_dv_mps(a1_m: float, a2_m: float) -> tuple[float, float]:
    """Burn 1 and burn 2 of a Hohmann transfer between circular orbits of radii a1, a2 [m/s]."""
    at = 0.5 * (a1_m + a2_m)
    dv1 = math.sqrt(MU / a1_m) * (math.sqrt(a2_m / at) - 1.0)
    dv2 = math.sqrt(MU / a2_m) * (1.0 - math.sqrt(a1_m / at))
    return dv1, dv2


def mean_altitude(traj, t0_s: float, t1_s: float, period_s: float):
    """(t, mean altitude [m]) every SAMPLE_S inside t0+P/2 .. t1-P/2 (running one-period mean)."""
    t = np.arange(t0_s, t1_s + 1e-9, SAMPLE_S)
    s = traj.states(t)
    rn = np.linalg.norm(s[:, :3], axis=1)
    a = 1.0 / (2.0 / rn - np.einsum("ij,ij->i", s[:, 3:], s[:, 3:]) / MU)
    w = max(1, int(round(period_s / SAMPLE_S)))
    if len(a) <= w:
        return t[:0], a[:0]
    c = np.cumsum(np.insert(a, 0, 0.0))
    mean = (c[w:] - c[:-w]) / w
    return t[: len(mean)] + 0.5 * (w - 1) * SAMPLE_S, mean - WGS84_A_M


def first_below_s(t_s, mean_alt_m, level_m: float) -> float | None:
    """First time [s] the mean altitude samples fall below ``level_m`` (linear between samples;
    the first sample if it already is below), or None."""
    h = np.asarray(mean_alt_m, dtype=float)
    t = np.asarray(t_s, dtype=float)
    idx = np.nonzero(h < level_m)[0]
    if not len(idx):
        return None
    i = int(idx[0])
    if i == 0:
        return float(t[0])
    return float(t[i - 1] + (t[i] - t[i - 1]) * (h[i - 1] - level_m) / (h[i - 1] - h[i]))


@dataclass
class ReboostPlan:
    burns: list
    trajectory: object
    band_m: tuple
    propellant_aboard_kg: float
    mean_t_s: np.ndarray
    mean_alt_m: np.ndarray

    @property
    def total_dv_mps(self) -> float:
        return float(sum(b.dv_mps for b in self.burns))

    @property
    def propellant_kg(self) -> float:
        return float(sum(b.propellant_kg for b in self.burns))


def plan_reboosts(pred: Prediction, band_m: tuple[float, float], propellant_kg: float,
                  engine: str = "chemical") -> ReboostPlan:
    """Plan the burns (``engine="chemical"``: Hohmann pairs) or thrust arcs (``"hall"``) that keep
    ``pred``'s orbit (its fitted start state and window) in ``band_m`` (floor, ceiling of the mean
    altitude, m).  Raises InputError if the propellant runs out or the band cannot be held."""
    from .tlefit import period_s

    if engine not in ("chemical", "hall"):
        raise InputError("--engine", f"{engine!r} is not 'chemical' or 'hall'")
    lo, hi = band_m
    prop = pred.propagator
    span = pred.trajectory.t_end_s
    period = period_s(pred.tle.satrec)
    chem = engines()["chemical"]
    hall = engines()["hall"]
    isp = chemical_isp_s() if engine == "chemical" else float(hall["isp_s"])
    thrust = chem["engines"] * chem["thrust_n"] if engine == "chemical" else hall["engines"] * hall["thrust_n"]
    y = pred.trajectory.states([0.0])[0]
    t = 0.0
    guard = 0.0  # no new transfer before this time
    burns: list[Burn] = []
    impulses: list[Impulse] = []
    arcs: list[ThrustArc] = []

    def spent_before(tt: float) -> float:
        return (sum(i.propellant_kg for i in impulses if i.t_s < tt)
                + sum(a.thrust_n * (min(a.t1_s, tt) - a.t0_s) / (a.isp_s * G0) for a in arcs if a.t0_s < tt))

    def out_of_propellant(when_s: float, need: float, left: float):
        when = pred.start + dt.timedelta(seconds=when_s)
        return InputError("--propellant-kg", f"{propellant_kg:g} kg aboard runs out at {iso_z(when, 0)} "
                          f"(burn {len(burns) + 1} needs {need:.1f} kg, {left:.1f} kg left): the band "
                          f"{lo / 1e3:g}:{hi / 1e3:g} km cannot be held until {iso_z(pred.end, 0)}")

    while t < span - 1.0:
        t1 = min(span, t + CHUNK_S)
        if not impulses and not arcs:
            tr = pred.trajectory  # before the first burn the orbit is the prediction's (no second propagation)
        else:
            tr = prop.run(y[:3], y[3:], impulses=[i for i in impulses if i.t_s >= t], t_start_s=t, t_end_s=t1,
                          spent_kg=spent_before(t), arcs=[a for a in arcs if a.t1_s > t])
        tm, hm = mean_altitude(tr, t, t1, period)
        idx = np.nonzero((hm < lo) & (tm >= guard))[0]
        if tr.t_end_s < t1 - 1.0:
            break  # reentry: the trajectory says when
        if len(idx) == 0:
            if t1 >= span:
                break
            t = max(t, t1 - period)  # overlap one period so the running mean is defined
            y = tr.states([t])[0]
            continue
        tc = float(tm[idx[0]]) if tm[idx[0]] > t + 1.0 else t
        mass = float(tr.mass_kg([tc])[0])
        y = tr.states([tc])[0]
        if engine == "hall":
            t_try = min(span, tc + 90 * 86400.0)
            trial = ThrustArc(tc, t_try, thrust, isp)
            tr2 = prop.run(y[:3], y[3:], t_start_s=tc, t_end_s=t_try, spent_kg=spent_before(tc), arcs=[trial])
            tm2, hm2 = mean_altitude(tr2, tc, tr2.t_end_s, period)
            up = np.nonzero(hm2 >= hi)[0]
            if len(up):
                t_off = float(tm2[up[0]])
            elif len(hm2) and hm2[-1] > hm2[0]:
                t_off = t_try  # still climbing at the end of the window
            else:
                raise InputError("--engine", f"the Hall thrusters ({thrust * 1e3:g} mN) cannot beat the drag at "
                                 f"{hm[idx[0]] / 1e3:.1f} km from {iso_z(pred.start + dt.timedelta(seconds=tc), 0)}: "
                                 f"the band {lo / 1e3:g}:{hi / 1e3:g} km cannot be held")
            arc = ThrustArc(tc, t_off, thrust, isp, f"Hall arc {len(arcs) + 1}")
            left = propellant_kg - spent_before(tc)
            if arc.propellant_kg > left + 1e-9:
                raise out_of_propellant(tc, arc.propellant_kg, left)
            arcs.append(arc)
            dur = t_off - tc
            burns.append(Burn(pred.start + dt.timedelta(seconds=tc), tc, thrust / mass * dur, dur, arc.propellant_kg,
                              mass, arc.label))
            guard = t_off + period
            t = tc
            continue
        a1 = float(hm[idx[0]]) + WGS84_A_M
        a2 = hi + WGS84_A_M
        dv1, dv2 = hohmann_dv_mps(a1, a2)
        t_transfer = math.pi * math.sqrt((0.5 * (a1 + a2)) ** 3 / MU)
        spent = spent_before(tc)
        for k, (tb, dv) in enumerate(((tc, dv1), (tc + t_transfer, dv2))):
            need = mass * (1.0 - math.exp(-dv / (isp * G0)))
            if spent + need > propellant_kg + 1e-9:
                raise out_of_propellant(tb, need, propellant_kg - spent)
            burns.append(Burn(pred.start + dt.timedelta(seconds=tb), tb, dv, mass * dv / thrust, need, mass,
                              f"transfer {len(burns) // 2 + 1} burn {k + 1}"))
            if tb < span:
                impulses.append(Impulse(tb, dv, need, burns[-1].label))
            spent += need
            mass -= need
        guard = tc + t_transfer + period
        t = tc
    if not impulses and not arcs:
        full = pred.trajectory  # no burn: the prediction is the plan's trajectory (saves a third of the work)
    else:
        s0 = pred.trajectory.states([0.0])[0]
        full = prop.run(s0[:3], s0[3:], impulses=impulses, t_end_s=span, arcs=arcs)
    tm, hm = mean_altitude(full, 0.0, full.t_end_s, period)
    return ReboostPlan(burns, full, band_m, propellant_kg, tm, hm)
