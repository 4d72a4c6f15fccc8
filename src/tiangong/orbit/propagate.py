"""Numerical orbit propagation of the station (Cowell's method, GCRS).

Force model (each term can be switched off in :class:`ForceModel`):

* Earth gravity: point mass + zonal harmonics J2..J8 (EIGEN-6S C_n0 with their secular trend,
  ``data/orbit/gravity_zonal.toml``), about the Earth's rotation pole (the ITRS z axis in GCRS
  from skyfield, IAU 2000A precession-nutation, taken at the middle of the run: it moves < 2"
  a month).
* Drag: NRLMSIS 2.1 density (``pymsis``, condensed into smooth daily fits, density.py) with the
  space weather of each day (spaceweather.py), in an atmosphere co-rotating with the Earth;
  ``C_D`` and the area and mass of the station configuration at that date (spacecraft.py), piecewise
  constant between configuration changes.  An exponential atmosphere is available for the
  peer benchmark.
* Sun and Moon as third bodies (DE421 via skyfield, cubic spline through 1 h nodes).
* Solar radiation pressure, cannonball, with the conical Earth-shadow factor.

Integration: DOP853 (8th order, embedded 5th/3rd order error estimate, 7th order dense output),
compiled whole with numba (``_kernels.py``); the run restarts at every configuration change and
impulse.  Results are arrays on any time grid (:meth:`Trajectory.states`).  Times inside are
float seconds after the aware UTC ``epoch`` (UTC seconds: no leap second falls in 2017-2026).
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import math
import tomllib
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..timeutil import as_utc, iso_z
from .spaceweather import SpaceWeather

WGS84_A_M = 6378137.0
WGS84_F = 1.0 / 298.257223563
OMEGA_EARTH_RAD_S = 7.292115146706979e-5  # IERS Conventions 2010, nominal mean angular velocity
MU_SUN = 1.32712440018e20  # m^3/s^2, IERS 2010 / DE421
MU_MOON = 4.902800066e12  # m^3/s^2, DE421 (Folkner et al. 2008)
R_SUN_M = 6.957e8  # IAU 2015 nominal solar radius
AU_M = 1.495978707e11
SOLAR_PRESSURE_N_M2 = 1361.0 / 299792458.0  # total solar irradiance (Kopp & Lean 2011) / c
CR_DEFAULT = 1.3  # radiation-pressure coefficient, typical for a spacecraft with arrays (U)
EPH_NODE_S = 3600.0
DEFAULT_RTOL = 1e-11  # 1e-10 misses 1 m/day with drag (orbit-propagators.md)
DEFAULT_ATOL = (1e-4, 1e-4, 1e-4, 1e-7, 1e-7, 1e-7)  # m, m/s
H_MAX_S = 600.0
REENTRY_ALTITUDE_M = 120.0e3  # below this the station is lost within an orbit: the run ends there


@functools.lru_cache(maxsize=1)
def gravity_field() -> dict:
    """Zonal field constants (data/orbit/gravity_zonal.toml)."""
    with importlib.resources.files("tiangong").joinpath("data/orbit/gravity_zonal.toml").open("rb") as f:
        return tomllib.load(f)


def zonal_j(when: dt.datetime, degree: int) -> tuple[float, ...]:
    """Unnormalised J_2..J_degree at ``when`` (EIGEN-6S, trend applied)."""
    g = gravity_field()
    year = when.year + (when.timetuple().tm_yday - 1) / 365.25
    out = []
    for n, c, tr in zip(g["degree"], g["c_n0"], g["trend_per_yr"]):
        if n <= degree:
            out.append(-math.sqrt(2 * n + 1) * (c + tr * (year - g["reference_epoch_year"])))
    return tuple(out)


@dataclass(frozen=True)
class ForceModel:
    """What the propagator includes.  ``mass_kg`` / ``area_m2`` None: from the station
    configuration ``config`` at each date.  ``j`` overrides the zonal coefficients (J2.. as
    unnormalised values), ``mu_m3_s2``/``re_m`` the gravity constants, ``pole="gcrs_z"`` puts
    the zonal axis on GCRS z (the peer benchmark's convention)."""

    zonal_degree: int = 8
    drag: str | None = "msis"  # "msis", "exponential" or None
    corotating: bool = True
    sun: bool = True
    moon: bool = True
    srp: bool = True
    cd: float | None = None  # None: systems/propulsion.toml [drag] drag_coefficient
    cr: float = CR_DEFAULT
    mass_kg: float | None = None
    area_m2: float | None = None
    config: str = "tiangong"
    weather: SpaceWeather = field(default_factory=SpaceWeather)
    exponential: tuple[float, float, float] = (9.518e-12, 350e3, 53.298e3)  # rho at h0 [kg/m^3], h0, H [m]
    j: tuple[float, ...] | None = None
    mu_m3_s2: float | None = None
    re_m: float | None = None
    pole: str = "itrs"

    def describe(self) -> dict:
        g = gravity_field()
        return {
            "gravity": f"point mass + zonal J2..J{self.zonal_degree} (EIGEN-6S)" if self.zonal_degree >= 2 else "point mass",
            "drag": {"msis": "NRLMSIS 2.1 (pymsis), co-rotating atmosphere" if self.corotating else "NRLMSIS 2.1 (pymsis)",
                     "exponential": "exponential atmosphere", None: "none"}[self.drag],
            "third_body": [b for b, on in (("Sun", self.sun), ("Moon", self.moon)) if on],
            "srp": "cannonball with conical shadow" if self.srp else "none",
            "cd": self.drag_coefficient, "cr": self.cr,
            "mu_m3_s2": self.mu_m3_s2 or g["gm_m3_s2"],
            "integrator": "DOP853 (numba), rtol 1e-11",
        }

    @property
    def drag_coefficient(self) -> float:
        if self.cd is not None:
            return self.cd
        from ..systems import propulsion

        return float(propulsion.params().drag.drag_coefficient)


@dataclass(frozen=True)
class Impulse:
    """An impulsive burn at ``t_s``: ``dv_mps`` along the velocity (negative: retrograde),
    spending ``propellant_kg`` (the mass drops by it from then on)."""

    t_s: float
    dv_mps: float
    propellant_kg: float = 0.0
    label: str = ""


@dataclass(frozen=True)
class ThrustArc:
    """Continuous thrust ``thrust_n`` along the velocity from ``t0_s`` to ``t1_s`` at specific
    impulse ``isp_s`` (the mass drops by the propellant burnt)."""

    t0_s: float
    t1_s: float
    thrust_n: float
    isp_s: float
    label: str = ""

    @property
    def propellant_kg(self) -> float:
        return self.thrust_n * (self.t1_s - self.t0_s) / (self.isp_s * 9.80665)


class Trajectory:
    """A propagated trajectory: dense output over ``t_start_s..t_end_s`` after ``epoch``.

    At an impulse time the state is the one before the burn."""

    def __init__(self, epoch, t_end_s, T, H, Y, F, model, impulses, segments, fallback_days, t_start_s=0.0):
        self.epoch = epoch
        self.t_start_s = float(t_start_s)
        self.t_end_s = float(t_end_s)
        self._T, self._H, self._Y, self._F = T, H, Y, F
        self.model = model
        self.impulses = tuple(impulses)
        self.segments = segments  # (t0_s, t1_s, mass_kg, area_m2)
        self.fallback_days = fallback_days  # days whose space weather is not from the table
        self.n_steps = len(H)
        self.reentry_s = None  # set when the orbit decayed below REENTRY_ALTITUDE_M: the trajectory ends there

    def states(self, t_s) -> np.ndarray:
        """(N, 6) GCRS position [m] and velocity [m/s] at the times ``t_s`` (within 0..t_end_s)."""
        from ._kernels import dense_eval

        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        if t.size and (t.min() < self.t_start_s - 1e-6 or t.max() > self.t_end_s + 1e-6):
            raise ValueError(f"time outside the trajectory {self.t_start_s}..{self.t_end_s} s")
        order = np.argsort(t, kind="stable")
        out = np.empty((t.size, 6))
        tmp = np.empty((t.size, 6))
        dense_eval(self._T, self._H, self._Y, self._F, np.ascontiguousarray(t[order]), tmp)
        out[order] = tmp
        # the last state exactly at the end (dense output is exact there up to round-off)
        out[np.abs(t - self.t_end_s) < 1e-9] = self._Y[-1]
        return out

    @property
    def final_state(self) -> np.ndarray:
        return self._Y[-1].copy()

    def mass_kg(self, t_s) -> np.ndarray:
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        out = np.empty(t.size)
        for t0, t1, m, _ in self.segments:
            out[(t >= t0) & (t <= t1)] = m
        return out


def _hermite_coefficients(t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Cubic Hermite coefficients (n-1, 4, k) [s^3, s^2, s, 1] through uniformly spaced nodes, with
    4th-order central-difference slopes (2nd order at the ends).  Hand-written instead of scipy's
    CubicSpline to keep scipy.interpolate (~0.5 s to import) off the CLI path; C1, and off by < 0.01 m
    for the Moon at 1 h nodes (error ~ h^4 r w^4 / 384)."""
    h = float(t[1] - t[0])
    m = np.empty_like(p)
    m[2:-2] = (p[:-4] - 8 * p[1:-3] + 8 * p[3:-1] - p[4:]) / (12 * h)
    m[[0, 1]] = (p[[1, 2]] - p[[0, 0]]) / np.array([h, 2 * h])[:, None]
    m[[-2, -1]] = (p[[-1, -1]] - p[[-3, -2]]) / np.array([2 * h, h])[:, None]
    p0, p1, m0, m1 = p[:-1], p[1:], m[:-1], m[1:]
    c3 = (2 * p0 - 2 * p1 + h * (m0 + m1)) / h ** 3
    c2 = (-3 * p0 + 3 * p1 - h * (2 * m0 + m1)) / h ** 2
    return np.ascontiguousarray(np.stack([c3, c2, m0, p0], axis=1))


def _pole_and_ephemeris(epoch: dt.datetime, t_end_s: float, model: ForceModel):
    """Pole unit vector (GCRS) and the Sun/Moon cubic coefficients over the run."""
    from .frames import sky_time
    from .sun import ephemeris

    nodes = np.arange(-2, int(math.ceil(t_end_s / EPH_NODE_S)) + 3) * EPH_NODE_S
    t = sky_time(epoch, nodes)
    try:
        eph = ephemeris()
        earth = eph["earth"].at(t)
        sun = (eph["sun"].at(t).xyz.m - earth.xyz.m).T
        moon = (eph["moon"].at(t).xyz.m - earth.xyz.m).T
    except Exception as exc:  # skyfield's EphemerisRangeError and friends
        if type(exc).__name__ == "EphemerisRangeError":
            raise InputError("time", f"{iso_z(epoch, 0)} + {t_end_s / 86400:.1f} d is outside the DE421 ephemeris "
                             "(1899-07-29 .. 2053-10-09)") from None
        raise
    coef = _hermite_coefficients(nodes, np.hstack([sun, moon]))
    if model.pole == "gcrs_z":
        pole = np.array([0.0, 0.0, 1.0])
    else:
        from skyfield.framelib import itrs

        m = itrs.rotation_at(sky_time(epoch, 0.5 * t_end_s))  # GCRS -> ITRS
        pole = np.asarray(m)[2, :]
        pole = pole / np.linalg.norm(pole)
    return pole, coef, float(nodes[0])


def _density_fits(epoch: dt.datetime, t_end_s: float, model: ForceModel):
    from .density import daily_fits

    first = (epoch - dt.timedelta(hours=12)).date()
    last = (epoch + dt.timedelta(seconds=t_end_s) + dt.timedelta(hours=12)).date()
    n = (last - first).days + 1
    fits = daily_fits(first, n, model.weather)
    days = np.datetime64(first, "D") + np.arange(n)
    _, _, _, fallback = model.weather.indices(days)
    t0 = (dt.datetime(first.year, first.month, first.day, 12, tzinfo=dt.timezone.utc) - epoch).total_seconds()
    from ._kernels import N_LAT_COEF

    if fits.shape[3] != N_LAT_COEF:
        raise RuntimeError("density fit latitude degree and the compiled kernel disagree")
    flat = np.ascontiguousarray(fits.reshape(fits.shape[0], fits.shape[1], -1))  # (day, A, F*L) for the kernel
    return flat, t0, [d.astype(dt.date) for d in days[fallback]]


def _params(model: ForceModel, epoch: dt.datetime, pole, eph_t0, n_eph, fit_t0, n_fit) -> np.ndarray:
    from . import _kernels as k

    g = gravity_field()
    p = np.zeros(k.N_PRM)
    p[k.MU] = model.mu_m3_s2 or g["gm_m3_s2"]
    p[k.RE] = model.re_m or g["radius_m"]
    js = model.j if model.j is not None else zonal_j(epoch, model.zonal_degree)
    js = tuple(js)[: max(0, model.zonal_degree - 1)]
    p[k.NMAX] = 1 + len(js) if js else 0
    for i, jn in enumerate(js):
        p[k.J0 + i] = jn
    p[k.POLE:k.POLE + 3] = pole
    p[k.OMEGA] = OMEGA_EARTH_RAD_S
    p[k.DRAG] = {None: 0.0, "exponential": 1.0, "msis": 2.0}[model.drag]
    p[k.COROT] = 1.0 if model.corotating else 0.0
    p[k.EXP_RHO0], p[k.EXP_H0], p[k.EXP_H] = model.exponential
    p[k.SRP] = 1.0 if model.srp else 0.0
    p[k.PSUN] = SOLAR_PRESSURE_N_M2
    p[k.SUN3] = 1.0 if model.sun else 0.0
    p[k.MOON3] = 1.0 if model.moon else 0.0
    p[k.MU_SUN], p[k.MU_MOON] = MU_SUN, MU_MOON
    p[k.WGS_A], p[k.WGS_F] = WGS84_A_M, WGS84_F
    p[k.FIT_T0], p[k.FIT_DT], p[k.FIT_N] = fit_t0, 86400.0, n_fit
    p[k.EPH_T0], p[k.EPH_DT], p[k.EPH_N] = eph_t0, EPH_NODE_S, n_eph
    p[k.R_SUN], p[k.AU] = R_SUN_M, AU_M
    p[k.REENTRY_R] = WGS84_A_M + REENTRY_ALTITUDE_M
    return p


class Propagator:
    """The tables of one run window (ephemerides, density fits, parameters, configuration
    changes) for ``0..t_end_s`` after ``epoch``; :meth:`run` integrates states through them, so
    that repeated runs in the same window (state fits, reboost planning) pay the set-up once."""

    def __init__(self, epoch: dt.datetime, t_end_s: float, model: ForceModel | None = None):
        self.model = model = model or ForceModel()
        self.epoch = epoch = as_utc(epoch, "epoch")
        t_end_s = float(t_end_s)
        if not (math.isfinite(t_end_s) and t_end_s > 0.0):
            raise InputError("duration", f"{t_end_s} s is not a positive duration")
        self.t_end_s = t_end_s
        pole, self._eph, eph_t0 = _pole_and_ephemeris(epoch, t_end_s, model)
        if model.drag == "msis":
            self._dens, fit_t0, self.fallback_days = _density_fits(epoch, t_end_s, model)
        else:
            self._dens, fit_t0, self.fallback_days = np.zeros((1, 1, 7)), 0.0, []
        self._prm = _params(model, epoch, pole, eph_t0, self._eph.shape[0] + 1, fit_t0, self._dens.shape[0])
        self.pole = pole
        self._cd = model.drag_coefficient
        self._config_cuts: list[float] = []
        self._ballistics = {}
        if model.mass_kg is None or model.area_m2 is None:
            from .spacecraft import configuration_changes

            end = epoch + dt.timedelta(seconds=t_end_s)
            self._config_cuts = [(c - epoch).total_seconds() for c in configuration_changes(epoch, end, model.config)]

    def _mass_area(self, t_s: float) -> tuple[float, float]:
        m = self.model
        if m.mass_kg is not None and m.area_m2 is not None:
            return m.mass_kg, m.area_m2
        key = sum(c <= t_s for c in self._config_cuts)
        if key not in self._ballistics:
            from .spacecraft import ballistics_at

            self._ballistics[key] = ballistics_at(self.epoch + dt.timedelta(seconds=t_s), m.config)
        mc, ac = self._ballistics[key]
        return (m.mass_kg if m.mass_kg is not None else mc), (m.area_m2 if m.area_m2 is not None else ac)

    def run(self, r0_m, v0_mps, impulses=(), t_end_s: float | None = None, rtol: float = DEFAULT_RTOL,
            atol=DEFAULT_ATOL, t_start_s: float = 0.0, spent_kg: float = 0.0, arcs=()) -> Trajectory:
        """Integrate (``r0_m``, ``v0_mps``) at ``t_start_s`` to ``t_end_s`` (default the window's
        end), applying ``impulses`` and low-thrust ``arcs`` (:class:`ThrustArc`, segments of at most
        a day so that the thrust acceleration follows the falling mass); ``spent_kg`` is propellant
        already burnt before the start."""
        from . import _kernels as k

        t_end_s = self.t_end_s if t_end_s is None else float(t_end_s)
        if not t_start_s < t_end_s <= self.t_end_s + 1e-6:
            raise InputError("duration", f"{t_start_s}..{t_end_s} s is not inside the window 0..{self.t_end_s} s")
        r0 = np.asarray(r0_m, dtype=float)
        v0 = np.asarray(v0_mps, dtype=float)
        if np.linalg.norm(r0) < WGS84_A_M + 100e3:
            raise InputError("state", f"initial radius {np.linalg.norm(r0) / 1e3:.1f} km is below 100 km altitude")
        imps = sorted((i for i in impulses if t_start_s <= i.t_s < t_end_s), key=lambda i: i.t_s)
        arc_cuts = []
        for arc in arcs:
            arc_cuts += [float(x) for x in np.arange(arc.t0_s, arc.t1_s, 86400.0)] + [arc.t1_s]
        cuts = sorted({t_start_s, t_end_s, *(c for c in self._config_cuts if t_start_s < c < t_end_s),
                       *(i.t_s for i in imps), *(c for c in arc_cuts if t_start_s < c < t_end_s)})
        atol_a = np.asarray(atol, dtype=float)
        prm = self._prm.copy()
        y = np.concatenate([r0, v0])
        spent = float(spent_kg)
        Ts, Hs, Ys, Fs, segments = [], [], [], [], []
        reentered = False
        for a, b in zip(cuts[:-1], cuts[1:]):
            for imp in imps:
                if imp.t_s == a:
                    y[3:] += imp.dv_mps * y[3:] / np.linalg.norm(y[3:])
                    spent += imp.propellant_kg
            if b - a <= 1e-9:
                continue
            m_cfg, area = self._mass_area(a)
            mass = m_cfg - spent
            prm[k.CDAM] = self._cd * area / mass
            prm[k.CRAM] = self.model.cr * area / mass
            prm[k.TIME_OFFSET] = a
            on = [arc for arc in arcs if arc.t0_s <= a < arc.t1_s]
            prm[k.THRUST_ACC] = sum(arc.thrust_n for arc in on) / mass
            n, T, H, Yseg, F, reentered = k.integrate(prm, self._eph, self._dens, y.copy(), b - a, rtol, atol_a,
                                                      H_MAX_S)
            Ts.append(T[:-1] + a)
            Hs.append(H)
            Ys.append(Yseg[:-1])
            Fs.append(F)
            y = Yseg[-1].copy()
            segments.append((a, a + T[-1], mass, area))
            spent += sum(arc.thrust_n * T[-1] / (arc.isp_s * 9.80665) for arc in on)
            if reentered:
                t_end_s = a + T[-1]
                break
        T = np.concatenate(Ts + [np.array([t_end_s])])
        tr = Trajectory(self.epoch, t_end_s, T, np.concatenate(Hs), np.vstack(Ys + [y[None, :]]),
                        np.concatenate(Fs), self.model, [i for i in imps if i.t_s < t_end_s], segments,
                        self.fallback_days, t_start_s)
        tr.reentry_s = t_end_s if reentered else None
        return tr


def propagate(epoch: dt.datetime, r0_m, v0_mps, t_end_s: float, model: ForceModel | None = None,
              impulses=(), rtol: float = DEFAULT_RTOL, atol=DEFAULT_ATOL) -> Trajectory:
    """Propagate the GCRS state (``r0_m``, ``v0_mps``) at the aware UTC ``epoch`` to ``t_end_s``
    seconds later (> 0), applying ``impulses`` (:class:`Impulse`) on the way."""
    return Propagator(epoch, t_end_s, model).run(r0_m, v0_mps, impulses, rtol=rtol, atol=atol)


def warm_cache() -> None:
    """Compile the numba kernels into their on-disk cache (``make`` runs this once, so that the
    first CLI call does not pay the ~10-20 s compile)."""
    r0 = np.array([WGS84_A_M + 400e3, 0.0, 0.0])
    v0 = np.array([0.0, 5800.0, 5000.0])
    model = ForceModel(mass_kg=60000.0, area_m2=300.0, weather=SpaceWeather(fixed_f107=150.0))
    propagate(dt.datetime(2022, 9, 17, tzinfo=dt.timezone.utc), r0, v0, 600.0, model).states([0.0, 300.0])


if __name__ == "__main__":
    warm_cache()
