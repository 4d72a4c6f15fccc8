"""Compiled core of the numerical propagator (numba, ``cache=True``): force model and a DOP853
step loop with dense output.  Everything between the initial state and the array of steps runs
in machine code: no Python call per step (the cost that dominates scipy/Orekit step handlers,
shared/reference/peer-bench.md).

Why a hand-written loop rather than ``scipy.integrate.solve_ivp``: with a compiled right-hand
side, solve_ivp still spends ~4-5 s per 30 days in Python overhead per step; the same DOP853
method (Hairer's coefficients, taken from ``scipy.integrate._ivp.dop853_coefficients``), the same
error norm and step-size rule as scipy, compiled whole, takes ~0.1 s (orbit-propagators.md).

Parameter vector ``prm`` (float64, indices below) and tables:
``eph`` (n-1, 4, 6): cubic-spline coefficients of the Sun (0:3) and Moon (3:6) GCRS positions [m]
on nodes ``t0 + k*dt``; ``dens`` (days, A, F*L): daily ln(rho) fits (see density.py), Fourier and latitude axes flattened.
"""

from __future__ import annotations

import math

import importlib.util
import os

import numpy as np
from numba import njit


def _load_dop853_coefficients():
    """scipy's DOP853 coefficient module, loaded from its file: importing it the normal way imports
    all of scipy.integrate (~0.7 s), paid on every CLI call."""
    root = os.path.dirname(importlib.util.find_spec("scipy").origin)
    spec = importlib.util.spec_from_file_location(
        "_tiangong_dop853", os.path.join(root, "integrate", "_ivp", "dop853_coefficients.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_dop = _load_dop853_coefficients()

# indices into prm
MU, RE, NMAX, J0 = 0, 1, 2, 3  # J_n at J0 + n - 2, n = 2..8
POLE = 10  # 10, 11, 12
OMEGA = 13
DRAG, COROT, CDAM = 14, 15, 16
EXP_RHO0, EXP_H0, EXP_H = 17, 18, 19
SRP, CRAM, PSUN = 20, 21, 22
SUN3, MOON3, MU_SUN, MU_MOON = 23, 24, 25, 26
WGS_A, WGS_F = 27, 28
FIT_T0, FIT_DT, FIT_N = 29, 30, 31
EPH_T0, EPH_DT, EPH_N = 32, 33, 34
R_SUN, AU = 35, 36
TIME_OFFSET = 37  # segment start (s after the trajectory epoch), added to local t
REENTRY_R = 38  # stop when |r| falls below this radius [m] (0: never)
THRUST_ACC = 39  # continuous thrust acceleration along the inertial velocity [m/s^2] (low-thrust arcs)
N_PRM = 40

ALT_MIN_KM, ALT_MAX_KM, LAT_MAX_DEG = 150.0, 800.0, 60.0  # must equal density.py
N_LAT_COEF = 7  # density.DEG_LAT + 1 (checked in propagate._density_fits)

_A = np.ascontiguousarray(_dop.A[: _dop.N_STAGES, : _dop.N_STAGES])
_B = np.ascontiguousarray(_dop.B)
_C = np.ascontiguousarray(_dop.C[: _dop.N_STAGES])
_E3 = np.ascontiguousarray(_dop.E3)
_E5 = np.ascontiguousarray(_dop.E5)
_AX = np.ascontiguousarray(_dop.A[_dop.N_STAGES + 1:])
_CX = np.ascontiguousarray(_dop.C[_dop.N_STAGES + 1:])
_D = np.ascontiguousarray(_dop.D)
NS = _dop.N_STAGES  # 12
NSX = _dop.N_STAGES_EXTENDED  # 16
NPOW = _dop.INTERPOLATOR_POWER  # 7


@njit(cache=True)
def _eph(prm, eph, t, col):
    dt = prm[EPH_DT]
    x = (t - prm[EPH_T0]) / dt
    i = int(math.floor(x))
    n = int(prm[EPH_N])
    if i < 0:
        i = 0
    if i > n - 2:
        i = n - 2
    s = t - (prm[EPH_T0] + i * dt)
    c = eph[i]
    return (((c[0, col] * s + c[1, col]) * s + c[2, col]) * s + c[3, col],
            ((c[0, col + 1] * s + c[1, col + 1]) * s + c[2, col + 1]) * s + c[3, col + 1],
            ((c[0, col + 2] * s + c[1, col + 2]) * s + c[2, col + 2]) * s + c[3, col + 2])


@njit(cache=True)
def _cheb(x, deg, out):
    out[0] = 1.0
    if deg >= 1:
        out[1] = x
    for k in range(2, deg + 1):
        out[k] = 2.0 * x * out[k - 1] - out[k - 2]


@njit(cache=True)
def _fit_pair(dens, i0, i1, w, alt_km, lat_deg, cphi, sphi, ws):
    """(1-w) * fit[i0] + w * fit[i1] of ln(rho) at one point; ``dens`` (days, A, F*L) is the
    daily fit with its Fourier and latitude axes flattened, (cphi, sphi) = cos/sin of the local
    solar time angle lst*pi/12; ``ws`` is scratch (>= 192 floats).

    Order of the sums (for speed, same value up to round-off): first over altitude for every
    (Fourier, latitude) pair -- independent element-wise updates the compiler vectorises --
    then one dot product with four partial sums.  A straight triple loop is latency-bound on
    one chain of additions (~700 ns per call against ~300 ns)."""
    na, nfl = dens.shape[1], dens.shape[2]
    nl = N_LAT_COEF
    nf = nfl // nl
    xa = (2.0 * alt_km - (ALT_MIN_KM + ALT_MAX_KM)) / (ALT_MAX_KM - ALT_MIN_KM)
    xl = max(-1.0, min(1.0, lat_deg / LAT_MAX_DEG))
    ta = ws[0:na]
    tf = ws[na:na + nf]
    tl = ws[na + nf:na + nf + nl]
    tfl = ws[32:32 + nfl]
    g = ws[112:112 + nfl]
    _cheb(xa, na - 1, ta)
    _cheb(xl, nl - 1, tl)
    # cos(k phi), sin(k phi) by the angle-addition recurrence (no trigonometric calls)
    tf[0] = 1.0
    c, s = cphi, sphi
    for k in range(1, (nf - 1) // 2 + 1):
        tf[2 * k - 1] = c
        tf[2 * k] = s
        c, s = c * cphi - s * sphi, s * cphi + c * sphi
    for b in range(nf):
        for j in range(nl):
            tfl[b * nl + j] = tf[b] * tl[j]
    c0 = dens[i0]
    c1 = dens[i1]
    for j in range(nfl):
        g[j] = 0.0
    for a in range(na):
        t0 = ta[a] * (1.0 - w)
        t1 = ta[a] * w
        for j in range(nfl):
            g[j] += t0 * c0[a, j] + t1 * c1[a, j]
    v0 = 0.0
    v1 = 0.0
    v2 = 0.0
    v3 = 0.0
    j = 0
    while j + 4 <= nfl:
        v0 += g[j] * tfl[j]
        v1 += g[j + 1] * tfl[j + 1]
        v2 += g[j + 2] * tfl[j + 2]
        v3 += g[j + 3] * tfl[j + 3]
        j += 4
    while j < nfl:
        v0 += g[j] * tfl[j]
        j += 1
    return (v0 + v1) + (v2 + v3)


@njit(cache=True)
def _ln_rho(dens, i0, i1, w, alt_km, lat_deg, cphi, sphi, ws):
    # outside the fitted altitudes: continue with the edge's local scale height
    if alt_km < ALT_MIN_KM:
        v0 = _fit_pair(dens, i0, i1, w, ALT_MIN_KM, lat_deg, cphi, sphi, ws)
        v1 = _fit_pair(dens, i0, i1, w, ALT_MIN_KM + 10.0, lat_deg, cphi, sphi, ws)
        return v0 + (v1 - v0) / 10.0 * (alt_km - ALT_MIN_KM)
    if alt_km > ALT_MAX_KM:
        v0 = _fit_pair(dens, i0, i1, w, ALT_MAX_KM, lat_deg, cphi, sphi, ws)
        v1 = _fit_pair(dens, i0, i1, w, ALT_MAX_KM - 10.0, lat_deg, cphi, sphi, ws)
        return v0 + (v0 - v1) / 10.0 * (alt_km - ALT_MAX_KM)
    return _fit_pair(dens, i0, i1, w, alt_km, lat_deg, cphi, sphi, ws)


@njit(cache=True)
def geodetic(prm, r):
    """(geodetic latitude [rad], height [m]) of r about the pole in prm: the fixed-point iteration
    tan(lat) = (z + e^2 N sin(lat)) / p from Bowring's start, 4 times (each gains a factor ~150;
    < 1e-8 m at LEO heights), carried as num / p so that only the final latitude needs an
    arctangent."""
    a = prm[WGS_A]
    f = prm[WGS_F]
    e2 = f * (2.0 - f)
    z = r[0] * prm[POLE] + r[1] * prm[POLE + 1] + r[2] * prm[POLE + 2]
    p = math.sqrt(max(r[0] * r[0] + r[1] * r[1] + r[2] * r[2] - z * z, 0.0))
    num = z / (1.0 - e2)
    for _ in range(4):
        s = num / math.sqrt(num * num + p * p)
        n = a / math.sqrt(1.0 - e2 * s * s)
        num = z + e2 * n * s
    hyp = math.sqrt(num * num + p * p)
    s = num / hyp
    c = p / hyp
    n = a / math.sqrt(1.0 - e2 * s * s)
    lat = math.atan2(num, p)
    if c > 1e-8:
        h = p / c - n
    else:
        h = abs(z) - n * (1.0 - e2)
    return lat, h


@njit(cache=True)
def density(prm, dens, t, r, sun, ws):
    """Mass density [kg/m^3] at r (GCRS, m) at local time t."""
    mode = prm[DRAG]
    if mode == 1.0:
        rr = math.sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2])
        return prm[EXP_RHO0] * math.exp(-(rr - prm[RE] - prm[EXP_H0]) / prm[EXP_H])
    lat, h = geodetic(prm, r)
    # local solar time from the hour angle of the Sun about the pole
    px, py, pz = prm[POLE], prm[POLE + 1], prm[POLE + 2]
    rz = r[0] * px + r[1] * py + r[2] * pz
    sz = sun[0] * px + sun[1] * py + sun[2] * pz
    x0, x1, x2 = r[0] - rz * px, r[1] - rz * py, r[2] - rz * pz
    s0, s1, s2 = sun[0] - sz * px, sun[1] - sz * py, sun[2] - sz * pz
    cr0 = s1 * x2 - s2 * x1
    cr1 = s2 * x0 - s0 * x2
    cr2 = s0 * x1 - s1 * x0
    # local solar time angle phi = lst*pi/12 = pi + hour angle: its cosine and sine straight
    # from the dot and cross products (no atan2 and no trigonometric calls)
    sn = cr0 * px + cr1 * py + cr2 * pz
    cs = s0 * x0 + s1 * x1 + s2 * x2
    nrm = math.sqrt(sn * sn + cs * cs)
    if nrm > 0.0:
        cphi, sphi = -cs / nrm, -sn / nrm
    else:  # over the pole: any local time
        cphi, sphi = 1.0, 0.0
    tt = t + prm[TIME_OFFSET]
    x = (tt - prm[FIT_T0]) / prm[FIT_DT]
    n = int(prm[FIT_N])
    i = int(math.floor(x))
    if n == 1:
        i, w = 0, 0.0
    elif i < 0:
        i, w = 0, 0.0
    elif i >= n - 1:
        i, w = n - 2, 1.0
    else:
        w = x - i
    i1 = i + 1 if n > 1 else i
    return math.exp(_ln_rho(dens, i, i1, w, h / 1e3, lat * 180.0 / math.pi, cphi, sphi, ws))


@njit(cache=True)
def shadow_factor(prm, r, sun):
    """Visible fraction of the Sun's disc from r (conical Earth shadow, spherical Earth of the
    WGS84 equatorial radius; overlapping flat discs, Montenbruck & Gill 2000 eq. 3.87-3.89)."""
    d0, d1, d2 = sun[0] - r[0], sun[1] - r[1], sun[2] - r[2]
    ds = math.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
    rr = math.sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2])
    cth = -(r[0] * d0 + r[1] * d1 + r[2] * d2) / (rr * ds)
    q = prm[WGS_A] / rr
    if cth <= 0.0 and prm[R_SUN] / ds <= math.sqrt(max(0.0, 1.0 - q * q)):
        return 1.0  # c >= 90 deg >= a + b (sin a <= cos b): full Sun, without the arc functions
    a = math.asin(min(1.0, prm[R_SUN] / ds))
    b = math.asin(min(1.0, q))
    c = math.acos(max(-1.0, min(1.0, cth)))
    if c >= a + b:
        return 1.0
    if c <= b - a:
        return 0.0
    if c <= a - b:
        return 1.0 - (b * b) / (a * a)
    x = (c * c + a * a - b * b) / (2.0 * c)
    y = math.sqrt(max(a * a - x * x, 0.0))
    area = a * a * math.acos(max(-1.0, min(1.0, x / a))) + b * b * math.acos(max(-1.0, min(1.0, (c - x) / b))) - c * y
    return 1.0 - area / (math.pi * a * a)


@njit(cache=True)
def _third_body(mu_b, b, r0, r1, r2):
    """Direct minus indirect (Earth's) attraction of a body at b (GCRS, m) on the station."""
    d0, d1, d2 = b[0] - r0, b[1] - r1, b[2] - r2
    dd3 = (d0 * d0 + d1 * d1 + d2 * d2) ** 1.5
    bb3 = (b[0] * b[0] + b[1] * b[1] + b[2] * b[2]) ** 1.5
    return mu_b * (d0 / dd3 - b[0] / bb3), mu_b * (d1 / dd3 - b[1] / bb3), mu_b * (d2 / dd3 - b[2] / bb3)


@njit(cache=True)
def acceleration(prm, eph, dens, t, y, out, ws):
    """d(y)/dt for y = (r, v) in GCRS: point mass + zonal J2..Jn about the pole, drag in an
    atmosphere co-rotating about the pole (or not), Sun and Moon third body, SRP with shadow."""
    r0, r1, r2 = y[0], y[1], y[2]
    rr2 = r0 * r0 + r1 * r1 + r2 * r2
    rr = math.sqrt(rr2)
    mu = prm[MU]
    ax = -mu * r0 / (rr2 * rr)
    ay = -mu * r1 / (rr2 * rr)
    az = -mu * r2 / (rr2 * rr)
    nmax = int(prm[NMAX])
    if nmax >= 2:
        px, py, pz = prm[POLE], prm[POLE + 1], prm[POLE + 2]
        u = (r0 * px + r1 * py + r2 * pz) / rr
        # Legendre P_n(u) and P_n'(u) by recurrence; a = mu/r^2 sum J_n (R/r)^n [((n+1)P_n + u P_n') r_hat - P_n' pole]
        pm2, pm1 = 1.0, u
        dm2, dm1 = 0.0, 1.0
        q = prm[RE] / rr
        qn = q
        cr = 0.0
        cp = 0.0
        for n in range(2, nmax + 1):
            pn = ((2 * n - 1) * u * pm1 - (n - 1) * pm2) / n
            dn = dm2 + (2 * n - 1) * pm1
            qn *= q
            jn = prm[J0 + n - 2]
            cr += jn * qn * ((n + 1) * pn + u * dn)
            cp += jn * qn * dn
            pm2, pm1 = pm1, pn
            dm2, dm1 = dm1, dn
        k = mu / rr2
        ax += k * (cr * r0 / rr - cp * px)
        ay += k * (cr * r1 / rr - cp * py)
        az += k * (cr * r2 / rr - cp * pz)
    need_sun = prm[SUN3] != 0.0 or prm[SRP] != 0.0 or prm[DRAG] == 2.0
    tt = t + prm[TIME_OFFSET]
    if need_sun:
        sun = _eph(prm, eph, tt, 0)
    else:
        sun = (0.0, 0.0, 0.0)
    if prm[DRAG] != 0.0:
        vx, vy, vz = y[3], y[4], y[5]
        if prm[COROT] != 0.0:
            w = prm[OMEGA]
            px, py, pz = prm[POLE], prm[POLE + 1], prm[POLE + 2]
            vx -= w * (py * r2 - pz * r1)
            vy -= w * (pz * r0 - px * r2)
            vz -= w * (px * r1 - py * r0)
        vrel = math.sqrt(vx * vx + vy * vy + vz * vz)
        rho = density(prm, dens, t, y, sun, ws)
        k = -0.5 * rho * prm[CDAM] * vrel
        ax += k * vx
        ay += k * vy
        az += k * vz
    if prm[SUN3] != 0.0:
        gx, gy, gz = _third_body(prm[MU_SUN], sun, r0, r1, r2)
        ax += gx
        ay += gy
        az += gz
    if prm[MOON3] != 0.0:
        gx, gy, gz = _third_body(prm[MU_MOON], _eph(prm, eph, tt, 3), r0, r1, r2)
        ax += gx
        ay += gy
        az += gz
    if prm[SRP] != 0.0:
        nu = shadow_factor(prm, y, sun)
        if nu > 0.0:
            d0, d1, d2 = r0 - sun[0], r1 - sun[1], r2 - sun[2]
            dd = math.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
            k = nu * prm[PSUN] * (prm[AU] / dd) ** 2 * prm[CRAM] / dd
            ax += k * d0
            ay += k * d1
            az += k * d2
    if prm[THRUST_ACC] != 0.0:
        vn = math.sqrt(y[3] * y[3] + y[4] * y[4] + y[5] * y[5])
        k = prm[THRUST_ACC] / vn
        ax += k * y[3]
        ay += k * y[4]
        az += k * y[5]
    out[0] = y[3]
    out[1] = y[4]
    out[2] = y[5]
    out[3] = ax
    out[4] = ay
    out[5] = az


@njit(cache=True)
def integrate(prm, eph, dens, y0, t_end, rtol, atol, h_max):
    """DOP853 from t = 0 to t_end (> 0) with scipy's error norm and step rule.

    Returns (n, T, H, Y0, F, reentered): n accepted steps; step i starts at T[i] with length H[i]
    and state Y0[i]; F[i] (7, 6) are its dense-output coefficients.  Y0[n] is the final state at
    T[n] = t_end, or at the end of the first step that ends below the radius prm[REENTRY_R]
    (``reentered`` True)."""
    nst = 6
    cap = 1024
    T = np.empty(cap + 1)
    H = np.empty(cap)
    Y = np.empty((cap + 1, nst))
    F = np.empty((cap, NPOW, nst))
    K = np.empty((NSX, nst))
    ws = np.empty(192)
    y = y0.copy()
    t = 0.0
    f = np.empty(nst)
    acceleration(prm, eph, dens, t, y, f, ws)
    h = min(30.0, h_max, t_end)
    n = 0
    ytmp = np.empty(nst)
    ynew = np.empty(nst)
    fnew = np.empty(nst)
    scale = np.empty(nst)
    safety, min_f, max_f = 0.9, 0.2, 10.0
    rejected = False
    reentered = False
    while t < t_end:
        if t + h > t_end:
            h = t_end - t
        K[0, :] = f
        for s in range(1, NS):
            for j in range(nst):
                acc = 0.0
                for m in range(s):
                    acc += K[m, j] * _A[s, m]
                ytmp[j] = y[j] + h * acc
            acceleration(prm, eph, dens, t + _C[s] * h, ytmp, K[s], ws)
        for j in range(nst):
            acc = 0.0
            for m in range(NS):
                acc += K[m, j] * _B[m]
            ynew[j] = y[j] + h * acc
        acceleration(prm, eph, dens, t + h, ynew, fnew, ws)
        K[NS, :] = fnew
        e5 = 0.0
        e3 = 0.0
        for j in range(nst):
            scale[j] = atol[j] + rtol * max(abs(y[j]), abs(ynew[j]))
            s5 = 0.0
            s3 = 0.0
            for m in range(NS + 1):
                s5 += K[m, j] * _E5[m]
                s3 += K[m, j] * _E3[m]
            e5 += (s5 / scale[j]) ** 2
            e3 += (s3 / scale[j]) ** 2
        if e5 == 0.0 and e3 == 0.0:
            err = 0.0
        else:
            err = abs(h) * e5 / math.sqrt((e5 + 0.01 * e3) * nst)
        if err < 1.0:
            # dense output: three extra stages
            for s in range(NS + 1, NSX):
                for j in range(nst):
                    acc = 0.0
                    for m in range(s):
                        acc += K[m, j] * _AX[s - NS - 1, m]
                    ytmp[j] = y[j] + h * acc
                acceleration(prm, eph, dens, t + _CX[s - NS - 1] * h, ytmp, K[s], ws)
            if n >= cap:
                cap2 = cap * 2
                T2 = np.empty(cap2 + 1)
                H2 = np.empty(cap2)
                Y2 = np.empty((cap2 + 1, nst))
                F2 = np.empty((cap2, NPOW, nst))
                T2[: cap + 1] = T
                H2[:cap] = H
                Y2[: cap + 1] = Y
                F2[:cap] = F
                T, H, Y, F, cap = T2, H2, Y2, F2, cap2
            T[n] = t
            H[n] = h
            for j in range(nst):
                Y[n, j] = y[j]
                dy = ynew[j] - y[j]
                F[n, 0, j] = dy
                F[n, 1, j] = h * f[j] - dy
                F[n, 2, j] = 2.0 * dy - h * (fnew[j] + f[j])
                for q in range(4):
                    acc = 0.0
                    for m in range(NSX):
                        acc += _D[q, m] * K[m, j]
                    F[n, 3 + q, j] = h * acc
            n += 1
            t = t + h if t + h < t_end else t_end
            y[:] = ynew
            f[:] = fnew
            if ynew[0] * ynew[0] + ynew[1] * ynew[1] + ynew[2] * ynew[2] < prm[REENTRY_R] * prm[REENTRY_R]:
                reentered = True
                break
            if err == 0.0:
                factor = max_f
            else:
                factor = min(max_f, safety * err ** (-1.0 / 8.0))
            if rejected:
                factor = min(1.0, factor)
            h = min(h * factor, h_max)
            rejected = False
        else:
            h *= max(min_f, safety * err ** (-1.0 / 8.0))
            rejected = True
            if h < 1e-6:
                raise RuntimeError("step size underflow")
    T[n] = t
    for j in range(nst):
        Y[n, j] = y[j]
    return n, T[: n + 1].copy(), H[:n].copy(), Y[: n + 1].copy(), F[:n].copy(), reentered


@njit(cache=True)
def dense_eval(T, H, Y, F, t_query, out):
    """States at sorted ``t_query`` (within [T[0], T[-1]]) from the dense output, into out (N, 6)."""
    n = H.shape[0]
    i = 0
    for q in range(t_query.shape[0]):
        tq = t_query[q]
        while i < n - 1 and tq > T[i + 1]:
            i += 1
        x = (tq - T[i]) / H[i] if H[i] > 0 else 0.0
        for j in range(6):
            acc = 0.0
            for k in range(NPOW - 1, -1, -1):
                acc += F[i, k, j]
                if (NPOW - 1 - k) % 2 == 0:
                    acc *= x
                else:
                    acc *= 1.0 - x
            out[q, j] = acc + Y[i, j]
