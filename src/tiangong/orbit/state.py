"""The station's orbital state at one instant: GCRS position/velocity, WGS84 geodetic position,
sunlight and beta angle, from one TLE propagated with SGP4 (by default as published, with drag)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sgp4.api import SGP4_ERRORS, jday

from ..errors import InputError
from ..timeutil import as_utc, iso_z
from .eclipse import beta_from_vectors_deg, disc_sunlit_fraction, shadow_angles
from .frames import gcrs_from_teme_matrix, geodetic_wgs84
from .sun import sun_gcrs_m
from .tle import TLE, without_drag


def orbit_state(tle: TLE, when: dt.datetime, *, drag: bool = True) -> dict:
    """State of ``tle``'s satellite at the aware UTC datetime ``when`` (``drag=False``: SGP4 with
    the drag terms zeroed, see :func:`~tiangong.orbit.tle.without_drag`).

    Keys: ``at``, ``epoch_tle`` (datetimes), ``tle_age_days``, ``r_gcrs_m``, ``v_gcrs_mps``
    (numpy (3,)), ``altitude_m`` / ``latitude_deg`` / ``longitude_deg`` (WGS84 geodetic),
    ``sunlit`` (``True`` in full Sun, ``False`` in umbra, else the visible fraction of the Sun's
    disc), ``sunlit_fraction`` (always the float), ``beta_deg``.
    """
    when = as_utc(when, "at")
    sat = tle.satrec if drag else without_drag(tle)
    jd, fr = jday(when.year, when.month, when.day, when.hour, when.minute, when.second + when.microsecond * 1e-6)
    err, r_km, v_kmps = sat.sgp4(jd, fr)
    if err:
        raise InputError(f"TLE {tle.norad_id} epoch {iso_z(tle.epoch, 0)}",
                         f"SGP4 cannot propagate to {iso_z(when, 0)}: {SGP4_ERRORS.get(err, err)}")
    m = gcrs_from_teme_matrix(when, 0.0)  # exact rotation for a single instant
    r = m @ (np.array(r_km) * 1e3)
    v = m @ (np.array(v_kmps) * 1e3)
    sun = sun_gcrs_m(when, 0.0)
    lat, lon, alt = geodetic_wgs84(when, 0.0, r)
    frac = float(disc_sunlit_fraction(*shadow_angles(r, sun)))
    return {
        "at": when,
        "epoch_tle": tle.epoch,
        "tle_age_days": (when - tle.epoch).total_seconds() / 86400.0,
        "r_gcrs_m": r,
        "v_gcrs_mps": v,
        "altitude_m": float(alt),
        "latitude_deg": float(lat),
        "longitude_deg": float(lon),
        "sunlit": True if frac >= 1.0 else False if frac <= 0.0 else frac,
        "sunlit_fraction": frac,
        "beta_deg": float(beta_from_vectors_deg(r, v, sun)),
    }
