"""Space weather for the density model: daily F10.7, its 81-day centred mean and Ap.

The table ``data/orbit/space_weather.csv`` is the observed block of the CSSI/CelesTrak
SpaceWeather-All file from 2021-04-01 (provenance in its header; made by
``tools/make_orbit_data.py``).  NRLMSIS wants the *observed* F10.7 of the previous day, the
81-day centred mean of observed F10.7 and the daily Ap plus the 3-hourly ap history; those are
the columns used here.  Days outside the table, or every day when the user sets a flux, take a
constant ``SpaceWeather.fixed`` value, and the caller prints one warning naming it.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
from dataclasses import dataclass

import numpy as np

DEFAULT_F107_SFU = 150.0  # mid-cycle flux used beyond the table (reference-values.md 4 column)
DEFAULT_AP = 15.0


@functools.lru_cache(maxsize=1)
def table() -> dict[str, np.ndarray]:
    """The shipped table as arrays: ``day`` (datetime64[D]), ``f107``, ``f107a``, ``ap`` (daily),
    ``ap3`` (N, 8) 3-hourly."""
    text = importlib.resources.files("tiangong").joinpath("data/orbit/space_weather.csv").read_text()
    rows = [line.split(",") for line in text.splitlines() if line and not line.startswith(("#", "date"))]
    cols = np.array([r[1:] for r in rows], dtype=float)
    return {
        "day": np.array([r[0] for r in rows], dtype="datetime64[D]"),
        "ap3": cols[:, 0:8],
        "ap": cols[:, 8],
        "f107": cols[:, 12],
        "f107a": cols[:, 13],
    }


def table_span() -> tuple[dt.date, dt.date]:
    """First and last day of the shipped table."""
    d = table()["day"]
    return d[0].astype(dt.date), d[-1].astype(dt.date)


@dataclass(frozen=True)
class SpaceWeather:
    """Where the indices come from: the table (``fixed_f107`` None) with a constant fallback
    outside it, or constant values everywhere (``fixed_f107`` set by the user)."""

    fixed_f107: float | None = None
    fixed_f107a: float | None = None
    fixed_ap: float = DEFAULT_AP
    fallback_f107: float = DEFAULT_F107_SFU

    def describe(self) -> dict:
        if self.fixed_f107 is not None:
            return {"source": "user", "f107": self.fixed_f107, "f107a": self.fixed_f107a or self.fixed_f107,
                    "ap": self.fixed_ap}
        first, last = table_span()
        return {"source": "CSSI SpaceWeather-All v1.2 (observed)", "table_first_day": first.isoformat(),
                "table_last_day": last.isoformat(), "fallback_f107": self.fallback_f107, "fallback_ap": self.fixed_ap}

    def indices(self, days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For UTC days (datetime64[D]): F10.7 of the previous day, F10.7a (81-day centred, of
        the day), the 7-element NRLMSIS ap array at noon UT, and a mask of days that used the
        fallback (outside the table, or all days when the flux is user-set)."""
        days = np.asarray(days, dtype="datetime64[D]")
        n = len(days)
        if self.fixed_f107 is not None:
            f = np.full(n, float(self.fixed_f107))
            fa = np.full(n, float(self.fixed_f107a if self.fixed_f107a is not None else self.fixed_f107))
            return f, fa, np.full((n, 7), float(self.fixed_ap)), np.ones(n, bool)
        t = table()
        d0 = t["day"][0]
        i = (days - d0).astype(int)
        ok = (i >= 1) & (i < len(t["day"]))  # F10.7 of the previous day must be in the table too
        j = np.clip(i, 1, len(t["day"]) - 1)
        f = np.where(ok, t["f107"][j - 1], self.fallback_f107)
        fa = np.where(ok, t["f107a"][j], self.fallback_f107)
        aps = np.full((n, 7), float(self.fixed_ap))
        # NRLMSIS ap array at 12 UT: daily Ap, 3-h ap at 12, 9, 6, 3 UT, means of 12-33 h and 36-57 h before
        ap3 = t["ap3"]
        flat = ap3.reshape(-1)
        for k in np.nonzero(ok)[0]:
            end = j[k] * 8 + 4  # index of the 12-15 UT slot
            if end - 20 < 0:
                continue
            aps[k] = [t["ap"][j[k]], flat[end], flat[end - 1], flat[end - 2], flat[end - 3],
                      flat[end - 11:end - 3].mean(), flat[end - 19:end - 11].mean()]
        return f, fa, aps, ~ok
