"""Orbit prediction from a TLE: fit the osculating state over one orbit of SGP4 samples at the
start, propagate with the full force model, and report states on a time grid (GCRS, WGS84)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..timeutil import as_utc, iso_z
from .propagate import WGS84_A_M, ForceModel, Propagator, Trajectory
from .spaceweather import SpaceWeather, table_span
from .tle import TLE

MU = 3.986004415e14
MAX_PREDICT_DAYS = 366.0


@dataclass
class Prediction:
    tle: TLE
    start: dt.datetime
    end: dt.datetime
    fit_rms_m: float
    trajectory: Trajectory
    propagator: Propagator

    @property
    def model(self) -> ForceModel:
        return self.propagator.model


def perigee_apogee_m(r, v) -> tuple[np.ndarray, np.ndarray]:
    """Osculating perigee and apogee heights above the WGS84 equatorial radius [m] of (N, 3) states."""
    r = np.atleast_2d(r)
    v = np.atleast_2d(v)
    rn = np.linalg.norm(r, axis=1)
    a = 1.0 / (2.0 / rn - np.einsum("ij,ij->i", v, v) / MU)
    h = np.cross(r, v)
    e = np.linalg.norm(np.cross(v, h) / MU - r / rn[:, None], axis=1)
    return a * (1 - e) - WGS84_A_M, a * (1 + e) - WGS84_A_M


def weather_warning(fallback_days, weather: SpaceWeather) -> str | None:
    """One line naming the flux used on days the table does not cover (None if all covered)."""
    if weather.fixed_f107 is not None or not fallback_days:
        return None
    first, last = table_span()
    return (f"space weather: {fallback_days[0].isoformat()}..{fallback_days[-1].isoformat()} outside the shipped table "
            f"({first.isoformat()}..{last.isoformat()}): F10.7 = F10.7a = {weather.fallback_f107:g} sfu, "
            f"Ap = {weather.fixed_ap:g} used (set --f107)")


def predict(tle: TLE, start: dt.datetime, end: dt.datetime, weather: SpaceWeather | None = None,
            model: ForceModel | None = None, impulses=()) -> Prediction:
    """Propagate from the state fitted to ``tle`` at ``start`` until ``end`` (aware UTC)."""
    from .tlefit import state_from_tle

    start, end = as_utc(start, "--start"), as_utc(end, "--until")
    span = (end - start).total_seconds()
    if span <= 0:
        raise InputError("--days", "the prediction must end after it starts")
    if span > MAX_PREDICT_DAYS * 86400:
        raise InputError("--days", f"{span / 86400:g} days is longer than {MAX_PREDICT_DAYS:g}")
    model = model or ForceModel(weather=weather or SpaceWeather())
    from .tlefit import period_s

    fit_span = period_s(tle.satrec)
    prop = Propagator(start, max(span, fit_span), model)
    r0, v0, rms = state_from_tle(tle, prop)
    traj = prop.run(r0, v0, impulses=impulses, t_end_s=span)
    return Prediction(tle, start, end, rms, traj, prop)


def state_table(pred: Prediction, step_s: float) -> dict[str, np.ndarray]:
    """States every ``step_s`` from the start, the last exactly at the end: arrays ``t_s``, ``r``,
    ``v`` (GCRS), ``altitude_m``/``latitude_deg``/``longitude_deg`` (WGS84), ``perigee_m``, ``apogee_m``."""
    from .frames import GcrsToItrs, geodetic_from_itrs

    span = pred.trajectory.t_end_s
    t = np.arange(0.0, span, step_s)
    t = np.append(t, span)
    s = pred.trajectory.states(t)
    rot = GcrsToItrs(pred.start, 0.0, span)
    lat, lon, alt = geodetic_from_itrs(rot.apply(t, s[:, :3]))
    per, apo = perigee_apogee_m(s[:, :3], s[:, 3:])
    return {"t_s": t, "r": s[:, :3], "v": s[:, 3:], "altitude_m": alt, "latitude_deg": lat, "longitude_deg": lon,
            "perigee_m": per, "apogee_m": apo}


def states_json(pred: Prediction, table: dict) -> list[dict]:
    out = []
    for i, t in enumerate(table["t_s"]):
        out.append({
            "time": iso_z(pred.start + dt.timedelta(seconds=float(t)), 3),
            "r_gcrs_m": [round(float(x), 3) for x in table["r"][i]],
            "v_gcrs_mps": [round(float(x), 6) for x in table["v"][i]],
            "altitude_m": round(float(table["altitude_m"][i]), 3),
            "latitude_deg": round(float(table["latitude_deg"][i]), 6),
            "longitude_deg": round(float(table["longitude_deg"][i]), 6),
            "perigee_m": round(float(table["perigee_m"][i]), 3),
            "apogee_m": round(float(table["apogee_m"][i]), 3),
        })
    return out
