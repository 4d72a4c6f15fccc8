"""TLE <-> numerical state.

* :func:`state_from_tle`: the osculating GCRS state at an instant that, propagated with our force
  model, best matches SGP4 over one orbit (least squares on positions sampled every minute).  A
  single SGP4 point is not a good initial state: SGP4's mean elements carry ~km-level errors with
  orbital-period structure that a one-orbit fit averages out (orbit-propagators.md: the mean
  semi-major axis alone shifts ~32 m between gravity models).
* :func:`tle_from_trajectory`: SGP4 mean elements (and BSTAR) fitted to a propagated trajectory
  in TEME, exported as a standard two-line set (``sgp4.exporter``), so a prediction can be handed
  to tools that read TLEs.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from sgp4.api import SGP4_ERRORS, WGS72, Satrec, jday

from ..errors import InputError
from ..timeutil import as_utc, iso_z
from .frames import TemeToGcrs
from .tle import TLE, parse_tle_text

FIT_SAMPLE_S = 60.0
MU_WGS72 = 3.986008e14


def _jd(epoch: dt.datetime, t_s):
    e = as_utc(epoch)
    jd, fr = jday(e.year, e.month, e.day, e.hour, e.minute, e.second + e.microsecond * 1e-6)
    t = np.asarray(t_s, dtype=float) / 86400.0
    return np.full(t.shape, jd), fr + t


def gauss_newton(resid, x0, steps, iterations: int = 8, tol: float = 1e-3):
    """Least squares by Gauss-Newton with forward differences of fixed ``steps`` (hand-written:
    scipy's least_squares picks relative difference steps, which are lost in the round-off of an
    orbit propagation when the unknowns start at zero).  Stops when the update changes the RMS
    residual by less than ``tol`` (relative).  Returns ``(x, residuals)``."""
    x = np.asarray(x0, dtype=float).copy()
    f = resid(x)
    for _ in range(iterations):
        jac = np.empty((f.size, x.size))
        for k, h in enumerate(steps):
            xk = x.copy()
            xk[k] += h
            jac[:, k] = (resid(xk) - f) / h
        dx = np.linalg.lstsq(jac, -f, rcond=None)[0]
        lam = 1.0
        while True:  # halve the step until the residual drops
            f_new = resid(x + lam * dx)
            if np.sum(f_new ** 2) <= np.sum(f ** 2) or lam < 1e-3:
                break
            lam *= 0.5
        old = math.sqrt(np.mean(f ** 2))
        x, f = x + lam * dx, f_new
        if abs(old - math.sqrt(np.mean(f ** 2))) <= tol * max(old, 1e-9):
            break
    return x, f


def sgp4_teme(sat: Satrec, epoch: dt.datetime, t_s, where: str = "tle") -> tuple[np.ndarray, np.ndarray]:
    """SGP4 TEME position [m] and velocity [m/s] rows at ``t_s`` after ``epoch``."""
    jd, fr = _jd(epoch, t_s)
    err, r, v = sat.sgp4_array(jd, fr)
    if np.any(err):
        code = int(err[np.nonzero(err)[0][0]])
        raise InputError(where, f"SGP4 cannot propagate this set: {SGP4_ERRORS.get(code, code)}")
    return np.asarray(r) * 1e3, np.asarray(v) * 1e3


def sgp4_gcrs(sat: Satrec, epoch: dt.datetime, t_s, where: str = "tle") -> tuple[np.ndarray, np.ndarray]:
    """SGP4 positions/velocities rotated TEME -> GCRS (frames.TemeToGcrs)."""
    t = np.atleast_1d(np.asarray(t_s, dtype=float))
    r, v = sgp4_teme(sat, epoch, t, where)
    rot = TemeToGcrs(epoch, float(t.min()), float(t.max()))
    return rot.apply(t, r), rot.apply(t, v)


def period_s(sat: Satrec) -> float:
    return 2.0 * math.pi / (sat.no_kozai / 60.0)


def state_from_tle(tle: TLE, propagator, t_s: float = 0.0, span_s: float | None = None):
    """Osculating GCRS ``(r, v)`` at ``t_s`` after ``propagator.epoch`` fitted to one orbit of SGP4
    samples from ``tle`` (``span_s`` overrides the span).  Returns ``(r, v, rms_m)``."""
    sat = tle.satrec
    span = span_s or period_s(sat)
    t = t_s + np.arange(0.0, span + 1e-9, FIT_SAMPLE_S)
    r_ref, v_ref = sgp4_gcrs(sat, propagator.epoch, t, f"TLE {tle.norad_id} epoch {iso_z(tle.epoch, 0)}")
    scale = np.array([1.0, 1.0, 1.0, 1e3, 1e3, 1e3])  # velocity unknowns in mm/s: comparable steps
    x0 = np.concatenate([r_ref[0], v_ref[0]])

    def resid(x):
        y = x0 + x / scale
        tr = propagator.run(y[:3], y[3:], t_start_s=t_s, t_end_s=t[-1], rtol=1e-10)
        return (tr.states(t)[:, :3] - r_ref).ravel()

    x, f = gauss_newton(resid, np.zeros(6), [1.0] * 6)
    y = x0 + x / scale
    rms = float(np.sqrt(np.mean(f ** 2) * 3))
    return y[:3], y[3:], rms


def _satrec(epoch: dt.datetime, norad: int, x) -> Satrec:
    """Satrec from (n [rad/min], e cos w, e sin w, i, RAAN, M + w, bstar); angles in rad."""
    n, ecw, esw, inc, raan, lam, bstar = x
    e = math.hypot(ecw, esw)
    argp = math.atan2(esw, ecw) % (2 * math.pi)
    mo = (lam - argp) % (2 * math.pi)
    sat = Satrec()
    epoch_days = (as_utc(epoch) - dt.datetime(1949, 12, 31, tzinfo=dt.timezone.utc)).total_seconds() / 86400.0
    sat.sgp4init(WGS72, "i", norad, epoch_days, bstar, 0.0, 0.0, min(max(e, 0.0), 0.99), argp, inc % math.pi, mo,
                 n, raan % (2 * math.pi))
    return sat


def tle_from_trajectory(traj, t_s: float, span_s: float = 86400.0, norad: int = 48274, name: str = "CSS (TIANHE)",
                        intl_designator: str = "21035A", guess=None) -> tuple[TLE, float]:
    """A TLE with epoch ``t_s`` (after ``traj.epoch``) whose SGP4 best fits ``traj`` in TEME over
    ``t_s .. t_s + span_s`` (least squares on positions every minute).  Returns ``(tle, rms_m)``.
    ``guess`` (TLE or Satrec): start from its SGP4 mean elements at that epoch."""
    epoch = traj.epoch + dt.timedelta(seconds=t_s)
    span_s = min(span_s, traj.t_end_s - t_s)
    t = np.arange(0.0, span_s + 1e-9, FIT_SAMPLE_S)
    st = traj.states(t_s + t)
    rot = TemeToGcrs(epoch, 0.0, float(t[-1]))
    r_teme = rot.apply_inverse(t, st[:, :3])
    v_teme = rot.apply_inverse(t, st[:, 3:])
    if guess is not None:
        # SGP4's own mean elements of the guess at this epoch
        g = Satrec.twoline2rv(guess.line1, guess.line2) if isinstance(guess, TLE) else guess
        jd, fr = _jd(epoch, 0.0)
        g.sgp4(float(jd), float(fr))
        if abs((g.jdsatepoch + g.jdsatepochF) - float(jd + fr)) < 1e-9:  # same epoch: its own elements
            x0 = np.array([g.no_kozai, g.ecco * math.cos(g.argpo), g.ecco * math.sin(g.argpo), g.inclo, g.nodeo,
                           g.mo + g.argpo, g.bstar])
        else:  # SGP4's secular mean elements there (nm is un-Kozai'd: close enough for a start)
            x0 = np.array([g.nm, g.em * math.cos(g.om), g.em * math.sin(g.om), g.im, g.Om, g.mm + g.om, g.bstar])
    else:
        # osculating elements of the first point (SGP4's mean elements differ by O(J2))
        r, v = r_teme[0], v_teme[0]
        h = np.cross(r, v)
        inc = math.acos(h[2] / np.linalg.norm(h))
        raan = math.atan2(h[0], -h[1])
        a = 1.0 / (2.0 / np.linalg.norm(r) - v @ v / MU_WGS72)
        node = np.array([math.cos(raan), math.sin(raan), 0.0])
        u = math.atan2(np.dot(np.cross(node, r), h) / np.linalg.norm(h), np.dot(node, r))
        x0 = np.array([math.sqrt(MU_WGS72 / a ** 3) * 60.0, 1e-4, 0.0, inc, raan, u, 1e-4])
    scale = np.array([1e-6, 1e-5, 1e-5, 1e-5, 1e-5, 1e-5, 1e-5])

    def resid_on(tt, rr):
        def resid(dx):
            sat = _satrec(epoch, norad, x0 + dx * scale)
            jd, fr = _jd(epoch, tt)
            err, r, _ = sat.sgp4_array(jd, fr)
            if np.any(err):
                return np.full(rr.size, 1e7)
            return (np.asarray(r) * 1e3 - rr).ravel()
        return resid

    if guess is None:
        # first one orbit (the along-track drift of a wrong mean motion stays small), then the span
        k = int(period_s(_satrec(epoch, norad, x0)) // FIT_SAMPLE_S) + 1
        first, _ = gauss_newton(resid_on(t[:k], r_teme[:k]), np.zeros(7), [1e-2] * 7, iterations=15)
        x0 = x0 + first * scale
    dx, f = gauss_newton(resid_on(t, r_teme), np.zeros(7), [1e-2] * 7, iterations=15)
    x = x0 + dx * scale
    sat = _satrec(epoch, norad, x)
    sat.classification = "U"
    sat.intldesg = intl_designator
    sat.elnum = 999
    sat.revnum = 0
    sat.ephtype = 0
    from sgp4.exporter import export_tle

    l1, l2 = export_tle(sat)
    tle = parse_tle_text(f"{name}\n{l1}\n{l2}\n", "fitted TLE")[0]
    rms = float(np.sqrt(np.mean(f ** 2) * 3))
    return tle, rms
