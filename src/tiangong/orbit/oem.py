"""CCSDS Orbit Ephemeris Message (OEM, CCSDS 502.0-B-3, KVN text) of a prediction: the exchange
format flight-dynamics tools (Orekit, GMAT, STK, NASA's and ESA's ground systems) read.

Hand-written: the KVN form is a dozen header lines and one line per state, and the PyPI
``oem`` package that writes it pulls in astropy for its time handling; the output is checked
with that package's parser in tests/orbit/test_oem.py.  Frame GCRF (our GCRS axes: the
difference between GCRS and GCRF is below a milliarcsecond), time system UTC, km and km/s.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..timeutil import iso_z


def _epoch(t: dt.datetime) -> str:
    return iso_z(t, 3).rstrip("Z")


def international_designator(line1: str) -> str:
    """COSPAR ID from TLE line 1 columns 10-17 (``21035A`` -> ``2021-035A``)."""
    field = line1[9:17].strip()
    if len(field) < 5 or not field[:5].isdigit():
        return "UNKNOWN"
    yy = int(field[:2])
    return f"{1900 + yy if yy >= 57 else 2000 + yy}-{field[2:5]}{field[5:]}"


def oem_text(start: dt.datetime, t_s, r_m, v_mps, object_name: str, object_id: str, comments=()) -> str:
    """The OEM of states ``r_m``/``v_mps`` (N, 3, GCRS) at ``t_s`` seconds after ``start``."""
    t_s = np.asarray(t_s, dtype=float)
    times = [start + dt.timedelta(seconds=float(x)) for x in t_s]
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    head = ["CCSDS_OEM_VERS = 2.0"]
    head += [f"COMMENT {c}" for c in comments]
    head += [f"CREATION_DATE = {_epoch(now)}", "ORIGINATOR = TIANGONG", "", "META_START",
             f"OBJECT_NAME = {object_name}", f"OBJECT_ID = {object_id}", "CENTER_NAME = EARTH",
             "REF_FRAME = GCRF", "TIME_SYSTEM = UTC", f"START_TIME = {_epoch(times[0])}",
             f"STOP_TIME = {_epoch(times[-1])}", "META_STOP", ""]
    r_km = np.asarray(r_m, dtype=float) / 1e3
    v_kms = np.asarray(v_mps, dtype=float) / 1e3
    rows = [f"{_epoch(t)} {r[0]:.6f} {r[1]:.6f} {r[2]:.6f} {v[0]:.9f} {v[1]:.9f} {v[2]:.9f}"
            for t, r, v in zip(times, r_km, v_kms)]
    return "\n".join(head + rows) + "\n"


def write_oem(path: str, text: str, flag: str = "--oem") -> None:
    from ..errors import InputError

    try:
        with open(path, "w", encoding="ascii") as f:
            f.write(text)
    except OSError as exc:
        raise InputError(flag, f"cannot write {path}: {exc.strerror or exc}") from None
