"""Thermospheric density for the propagator: NRLMSIS 2.1 (``pymsis``) condensed into a smooth
daily fit that compiled code can evaluate.

Why a fit and not a table: a piecewise-linear density table keeps DOP853 from converging (its
error estimate sees the kinks; shared/reference/orbit-propagators.md).  Here, for each UTC day,
ln(rho) from NRLMSIS at 12 UT on a grid (altitude 150-800 km, geodetic latitude -60..60 deg,
local solar time every 2 h, realised as longitudes at 12 UT) is fitted by least squares with a
tensor product of Chebyshev polynomials in altitude and latitude and a Fourier series in local
solar time.  The result is analytic (C-infinity) within a day; between days the coefficients
are blended linearly in time.  What the fit drops: the longitude/UT dependence at fixed local time
(NRLMSIS's small longitude terms) and variation within the day.  Accuracy against direct NRLMSIS
at random points is measured in tests/orbit/test_density.py.

``pymsis`` is always given F10.7, F10.7a and the ap array explicitly: with any of them missing
it would try to download the space-weather file.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .spaceweather import SpaceWeather

ALT_MIN_KM, ALT_MAX_KM = 150.0, 800.0
LAT_MAX_DEG = 60.0
N_ALT, N_LAT, N_LST = 27, 9, 12  # grid points
DEG_ALT, DEG_LAT, N_HARM = 12, 6, 4  # fit: Chebyshev degrees, Fourier harmonics
MSIS_VERSION = 2.1


def _cheb(x: np.ndarray, deg: int) -> np.ndarray:
    return np.polynomial.chebyshev.chebvander(x, deg)


def _fourier(phi: np.ndarray, nh: int) -> np.ndarray:
    cols = [np.ones_like(phi)]
    for k in range(1, nh + 1):
        cols += [np.cos(k * phi), np.sin(k * phi)]
    return np.stack(cols, axis=-1)


def _grids():
    alt = np.linspace(ALT_MIN_KM, ALT_MAX_KM, N_ALT)
    lat = np.linspace(-LAT_MAX_DEG, LAT_MAX_DEG, N_LAT)
    lst_h = np.arange(N_LST) * 24.0 / N_LST
    return alt, lat, lst_h


def _x_alt(alt_km):
    return (2.0 * np.asarray(alt_km) - (ALT_MIN_KM + ALT_MAX_KM)) / (ALT_MAX_KM - ALT_MIN_KM)


def _x_lat(lat_deg):
    return np.asarray(lat_deg) / LAT_MAX_DEG


def msis_density(times: np.ndarray, lon_deg, lat_deg, alt_km, weather: SpaceWeather) -> np.ndarray:
    """Direct NRLMSIS 2.1 mass density (kg/m^3), element-wise over equal-length arrays, with the
    indices of ``weather`` for each point's UTC day."""
    import pymsis

    times = np.asarray(times, dtype="datetime64[s]")
    f, fa, aps, _ = weather.indices(times.astype("datetime64[D]"))
    out = pymsis.calculate(times, np.asarray(lon_deg, float), np.asarray(lat_deg, float), np.asarray(alt_km, float),
                           f107s=f, f107as=fa, aps=aps, version=MSIS_VERSION)
    return out[..., pymsis.Variable.MASS_DENSITY]


def daily_fits(first_day: dt.date, n_days: int, weather: SpaceWeather) -> np.ndarray:
    """Fit coefficients, shape (n_days, DEG_ALT+1, 2*N_HARM+1, DEG_LAT+1), of ln(rho [kg/m^3]) for
    the UTC days ``first_day ..`` (each fit is taken to hold at 12 UT of its day)."""
    import pymsis

    alt, lat, lst_h = _grids()
    lon = (lst_h - 12.0) * 15.0  # at 12 UT, local solar time = 12 h + lon/15 (mean Sun)
    days = np.datetime64(first_day, "D") + np.arange(n_days)
    f, fa, aps, _ = weather.indices(days)
    out = pymsis.calculate(days.astype("datetime64[s]") + np.timedelta64(12, "h"), lon, lat, alt,
                           f107s=f, f107as=fa, aps=aps, version=MSIS_VERSION)
    y = np.log(out[..., pymsis.Variable.MASS_DENSITY])  # (day, lst, lat, alt)
    pa = np.linalg.pinv(_cheb(_x_alt(alt), DEG_ALT))  # (DEG_ALT+1, N_ALT)
    pl = np.linalg.pinv(_cheb(_x_lat(lat), DEG_LAT))
    pf = np.linalg.pinv(_fourier(lst_h * np.pi / 12.0, N_HARM))
    return np.einsum("ai,bj,ck,djki->dabc", pa, pf, pl, y, optimize=True)


def eval_fit(coef: np.ndarray, alt_km, lat_deg, lst_h) -> np.ndarray:
    """ln(rho) of one day's fit at points (numpy reference of the compiled evaluation)."""
    ta = _cheb(np.clip(_x_alt(alt_km), -1, 1), DEG_ALT)
    tl = _cheb(np.clip(_x_lat(lat_deg), -1, 1), DEG_LAT)
    tf = _fourier(np.asarray(lst_h) * np.pi / 12.0, N_HARM)
    return np.einsum("abc,na,nb,nc->n", coef, ta, tf, tl)
