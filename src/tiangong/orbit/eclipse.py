"""Earth's shadow on the station: conical umbra/penumbra, sunlit fraction, beta angle, events.

Model (hand-written here; propagation, Sun and frames come from sgp4/skyfield):

* Seen from the station, the Earth is a disc of angular radius rho_E = asin(R_E/|r|) and the Sun
  a disc of rho_S = asin(R_S/|s|), their centres ``theta`` apart (s = Sun - r). This is the
  conical shadow: penumbra while theta < rho_E + rho_S, umbra while theta < rho_E - rho_S, and
  the Sun's centre is behind the limb while theta < rho_E (mid-penumbra; the same test as
  skyfield's ``is_sunlit``, which is an Earth-sphere line of sight to the Sun's centre).
* Spherical Earth, R_E = 6378137 m (WGS84 equatorial radius, as reference-values.md §3.3);
  no atmosphere (refraction/absorption would widen the real shadow by a few seconds) and no
  oblateness (the polar radius is 21 km shorter: at most a few seconds at high latitude).
* Sunlit fraction = 1 - (area of the Sun's disc covered by the Earth's disc) / (Sun's disc),
  with both discs treated as flat circles of radii rho_S, rho_E. The boundaries are exact; the
  fraction in between is off by < 1e-3 because the Earth's limb is curved on the sky.
* Sun: geometric DE421 vector (no light time or aberration, ~0.1 s effect), see ``sun.py``.
  Everything is evaluated in TEME, the frame SGP4 returns, with the Sun rotated into TEME.

Event search (hand-written): the three g-functions g = theta - (rho_E + rho_S), theta - rho_E,
theta - (rho_E - rho_S) (negative inside) are sampled on a coarse grid (60 s) with vectorised
SGP4; sign changes bracket the crossings, positive local minima below the grid's resolution are
searched (golden section) for grazing eclipses shorter than the grid step, and all brackets are
refined together by the Illinois false-position method to < 1e-3 s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sgp4.api import SGP4_ERRORS, Satrec, jday

from ..errors import InputError
from ..timeutil import as_utc, at_seconds, iso_z, seconds_between
from .sun import SunTrack

R_EARTH_M = 6378137.0  # WGS84 equatorial radius; spherical-Earth shadow
R_SUN_M = 6.957e8  # IAU 2015 Resolution B3 nominal solar radius
GRID_STEP_S = 60.0
TOLERANCE_S = 1e-3

PENUMBRA, CENTRE, UMBRA = 0, 1, 2  # rows of the g-function array
EVENT_KINDS = ("penumbra_start", "umbra_start", "umbra_end", "penumbra_end")


# --------------------------------------------------------------------------- pure geometry

def shadow_angles(r_m, sun_m):
    """Separation theta of Sun and Earth centres seen from the station, and the apparent radii
    rho_E, rho_S [rad]. ``r_m``: station from Earth centre, ``sun_m``: Sun from Earth centre,
    same frame, (3,) or (N, 3) [m]."""
    r = np.asarray(r_m, dtype=float)
    s = np.asarray(sun_m, dtype=float) - r  # station -> Sun
    rx, ry, rz = r[..., 0], r[..., 1], r[..., 2]
    sx, sy, sz = s[..., 0], s[..., 1], s[..., 2]
    # angle between s and -r, via atan2(|s x r|, -s.r) (accurate at all angles)
    cx, cy, cz = sy * rz - sz * ry, sz * rx - sx * rz, sx * ry - sy * rx
    theta = np.arctan2(np.sqrt(cx * cx + cy * cy + cz * cz), -(sx * rx + sy * ry + sz * rz))
    r_len = np.sqrt(rx * rx + ry * ry + rz * rz)
    s_len = np.sqrt(sx * sx + sy * sy + sz * sz)
    rho_e = np.arcsin(np.minimum(R_EARTH_M / r_len, 1.0))
    rho_s = np.arcsin(R_SUN_M / s_len)
    return theta, rho_e, rho_s


def g_functions(theta, rho_e, rho_s) -> np.ndarray:
    """Shadow g-functions [rad], rows PENUMBRA, CENTRE, UMBRA; each is negative inside."""
    return np.stack([theta - (rho_e + rho_s), theta - rho_e, theta - (rho_e - rho_s)])


def disc_sunlit_fraction(theta, rho_e, rho_s):
    """Visible fraction of the Sun's disc (radius rho_s) partly covered by the Earth's disc
    (radius rho_e) at centre separation theta, all in radians (flat-disc overlap area)."""
    d, a, b = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (theta, rho_s, rho_e)))
    frac = np.ones(d.shape)
    frac[d <= b - a] = 0.0  # the whole Sun behind the Earth
    part = (d > np.abs(b - a)) & (d < a + b)
    if np.any(part):
        dp, ap, bp = d[part], a[part], b[part]
        alpha = np.arccos(np.clip((dp * dp + ap * ap - bp * bp) / (2 * dp * ap), -1.0, 1.0))
        beta = np.arccos(np.clip((dp * dp + bp * bp - ap * ap) / (2 * dp * bp), -1.0, 1.0))
        kite = np.sqrt(np.maximum((-dp + ap + bp) * (dp + ap - bp) * (dp - ap + bp) * (dp + ap + bp), 0.0))
        overlap = ap * ap * alpha + bp * bp * beta - 0.5 * kite
        frac[part] = np.clip(1.0 - overlap / (np.pi * ap * ap), 0.0, 1.0)
    return frac if frac.ndim else float(frac)


def sunlit_fraction(r_m, sun_m):
    """Fraction 0..1 of the Sun's disc visible from station position ``r_m`` (same frame as ``sun_m``)."""
    return disc_sunlit_fraction(*shadow_angles(r_m, sun_m))


def beta_from_vectors_deg(r_m, v_mps, sun_m):
    """Beta angle [deg]: angle between the orbit plane (normal r x v) and the Earth->Sun direction;
    positive when the Sun is on the side of the orbit normal."""
    h = np.cross(np.asarray(r_m, dtype=float), np.asarray(v_mps, dtype=float))
    sun = np.asarray(sun_m, dtype=float)
    sin_b = np.einsum("...i,...i", h, sun) / (np.linalg.norm(h, axis=-1) * np.linalg.norm(sun, axis=-1))
    return np.degrees(np.arcsin(np.clip(sin_b, -1.0, 1.0)))


def beta_star_deg(h_m, r_earth_m: float = R_EARTH_M):
    """Beta above which a circular orbit of altitude ``h_m`` has no eclipse: asin(R/(R+h)) [deg]."""
    return np.degrees(np.arcsin(r_earth_m / (r_earth_m + np.asarray(h_m, dtype=float))))


def eclipse_fraction_cylindrical(h_m, beta_deg, r_earth_m: float = R_EARTH_M):
    """Fraction of a circular orbit in a cylindrical shadow (reference-values.md §3.3, after
    Rickman, NASA TFAWS): f = acos(sqrt(h^2 + 2Rh) / ((R+h) cos beta)) / pi, 0 for |beta| >= beta*."""
    h = np.asarray(h_m, dtype=float)
    cb = np.cos(np.radians(np.asarray(beta_deg, dtype=float)))
    x = np.sqrt(h * h + 2.0 * r_earth_m * h) / ((r_earth_m + h) * cb)
    f = np.where(x < 1.0, np.arccos(np.minimum(x, 1.0)) / np.pi, 0.0)
    return f if np.ndim(f) else float(f)


# --------------------------------------------------------------------------- propagation

def _as_satrec(sat) -> Satrec:
    return sat.satrec if hasattr(sat, "satrec") else sat


def _sat_label(sat) -> str:
    s = _as_satrec(sat)
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(
        days=(s.jdsatepoch - 2451544.5) + s.jdsatepochF)
    return f"TLE {s.satnum} epoch {iso_z(epoch, 0)}"


class ShadowModel:
    """Station (SGP4, TEME) and Sun (DE421, rotated into TEME) for ``t0_s..t1_s`` after ``epoch``."""

    def __init__(self, sat, epoch: dt.datetime, t0_s: float, t1_s: float):
        self.sat = _as_satrec(sat)
        self.label = _sat_label(sat)
        self.epoch = as_utc(epoch)
        e = self.epoch
        self.jd0, self.fr0 = jday(e.year, e.month, e.day, e.hour, e.minute, e.second + e.microsecond * 1e-6)
        self.sun = SunTrack(self.epoch, t0_s, t1_s, frame="teme")

    def rv_teme(self, t_s):
        """Station position [m] and velocity [m/s] in TEME, (N, 3) each, at ``t_s`` (N,)."""
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        err, r_km, v_kmps = self.sat.sgp4_array(np.full(t.shape, self.jd0), self.fr0 + t / 86400.0)
        if np.any(err):
            i = int(np.flatnonzero(err)[0])
            code = int(err[i])
            raise InputError(self.label, f"SGP4 cannot propagate to {iso_z(at_seconds(self.epoch, t[i]), 0)}: "
                             f"{SGP4_ERRORS.get(code, f'error {code}')} (use a TLE nearer that date or drop drag)")
        return r_km * 1e3, v_kmps * 1e3

    def g(self, t_s) -> np.ndarray:
        """g-functions (3, N) at ``t_s``."""
        r, _ = self.rv_teme(t_s)
        return g_functions(*shadow_angles(r, self.sun(np.atleast_1d(t_s))))

    def fraction(self, t_s) -> np.ndarray:
        r, _ = self.rv_teme(t_s)
        return np.atleast_1d(sunlit_fraction(r, self.sun(np.atleast_1d(t_s))))

    def beta_deg(self, t_s) -> np.ndarray:
        r, v = self.rv_teme(t_s)
        return beta_from_vectors_deg(r, v, self.sun(np.atleast_1d(t_s)))


class TrajectoryShadowModel(ShadowModel):
    """The same shadow geometry for a propagated trajectory (orbit.propagate.Trajectory, GCRS),
    rotated into TEME (frames.TemeToGcrs) so that the Sun track and search code stay as they are."""

    def __init__(self, traj, epoch: dt.datetime, t0_s: float, t1_s: float):
        from .frames import TemeToGcrs

        self.traj = traj
        self.label = "propagated trajectory"
        self.epoch = as_utc(epoch)
        self.offset_s = seconds_between(traj.epoch, self.epoch)
        self.sun = SunTrack(self.epoch, t0_s, t1_s, frame="teme")
        self.rot = TemeToGcrs(self.epoch, t0_s - 60.0, t1_s + 60.0)

    def rv_teme(self, t_s):
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        s = self.traj.states(np.clip(t + self.offset_s, self.traj.t_start_s, self.traj.t_end_s))
        return self.rot.apply_inverse(t, s[:, :3]), self.rot.apply_inverse(t, s[:, 3:])


def _shadow_model(sat, epoch: dt.datetime, t0_s: float, t1_s: float) -> ShadowModel:
    """SGP4 model for a TLE/Satrec, trajectory model for anything with ``states`` (a Trajectory)."""
    if hasattr(sat, "states") and hasattr(sat, "t_end_s"):
        return TrajectoryShadowModel(sat, epoch, t0_s, t1_s)
    return ShadowModel(sat, epoch, t0_s, t1_s)


# --------------------------------------------------------------------------- event search

def _golden_minimum(model: ShadowModel, rows, a, b, iterations: int = 24):
    """Vectorised golden-section search for the minimum of g[row] on each [a, b]."""
    idx = np.arange(len(rows))
    inv_phi = (np.sqrt(5.0) - 1.0) / 2.0
    c = b - inv_phi * (b - a)
    d = a + inv_phi * (b - a)
    gc = model.g(c)[rows, idx]
    gd = model.g(d)[rows, idx]
    for _ in range(iterations):  # 120 s * 0.618**24 = 1e-3 s
        left = gc < gd
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        new_c = b - inv_phi * (b - a)
        new_d = a + inv_phi * (b - a)
        c, d = np.where(left, new_c, d), np.where(left, c, new_d)
        gc_known, gd_known = np.where(left, np.nan, gd), np.where(left, gc, np.nan)
        t_eval = np.where(left, c, d)
        g_eval = model.g(t_eval)[rows, idx]
        gc = np.where(left, g_eval, gc_known)
        gd = np.where(left, gd_known, g_eval)
    t_min = 0.5 * (a + b)
    return t_min, model.g(t_min)[rows, idx]


def _refine(model: ShadowModel, rows, a, b, ga, gb, tol_s: float = TOLERANCE_S, max_iter: int = 60):
    """Illinois false position on brackets [a, b] (g[row] changes sign) -> roots, all at once."""
    a, b, ga, gb = (np.array(x, dtype=float) for x in (a, b, ga, gb))
    rows = np.asarray(rows)
    side = np.zeros(a.shape, dtype=int)  # which end was kept last time (-1 a, +1 b)
    active = (b - a) > tol_s
    for _ in range(max_iter):
        k = np.flatnonzero(active)
        if k.size == 0:
            break
        ak, bk, gak, gbk = a[k], b[k], ga[k], gb[k]
        c = bk - gbk * (bk - ak) / (gbk - gak)
        bad = ~((c > ak) & (c < bk))
        c[bad] = 0.5 * (ak[bad] + bk[bad])
        gc = model.g(c)[rows[k], np.arange(k.size)]
        same_a = np.sign(gc) == np.sign(gak)
        # c replaces the end with the same sign; halve the g of an end kept twice (Illinois)
        a[k] = np.where(same_a, c, ak)
        ga[k] = np.where(same_a, gc, np.where(side[k] == -1, 0.5 * gak, gak))
        b[k] = np.where(same_a, bk, c)
        gb[k] = np.where(same_a, np.where(side[k] == 1, 0.5 * gbk, gbk), gc)
        side[k] = np.where(same_a, 1, -1)
        exact = gc == 0.0
        a[k[exact]] = b[k[exact]] = c[exact]
        active[k] = (b[k] - a[k]) > tol_s
    # final estimate: false position inside the last bracket
    with np.errstate(invalid="ignore", divide="ignore"):
        root = b - gb * (b - a) / (gb - ga)
    root = np.where(np.isfinite(root) & (root >= a) & (root <= b), root, 0.5 * (a + b))
    return root


def shadow_intervals(model: ShadowModel, t0_s: float, t1_s: float, step_s: float = GRID_STEP_S):
    """For each g row, the list of inside intervals ``(start_s, end_s)`` within [t0_s, t1_s];
    ``None`` marks a start before t0_s (in progress) or an end after t1_s."""
    n = max(3, int(np.ceil((t1_s - t0_s) / step_s)) + 1)
    grid = np.linspace(t0_s, t1_s, n)
    G = model.g(grid)
    inside = G < 0.0

    rows, a, b, ga, gb, entering = [], [], [], [], [], []
    min_rows, min_a, min_b = [], [], []
    for row in range(3):
        g = G[row]
        i = np.flatnonzero(inside[row, :-1] != inside[row, 1:])
        rows.append(np.full(i.size, row)); a.append(grid[i]); b.append(grid[i + 1])
        ga.append(g[i]); gb.append(g[i + 1]); entering.append(~inside[row, i])
        # positive local minima shallower than one grid step's change may hide a short dip
        # (interior minima: search the two grid steps around; a minimum at the window's first or
        # last point: search the one step next to it)
        threshold = np.max(np.abs(np.diff(g)))
        m = np.flatnonzero((g[1:-1] > 0) & (g[1:-1] <= g[:-2]) & (g[1:-1] <= g[2:]) & (g[1:-1] < threshold)) + 1
        lo, hi = grid[m - 1], grid[m + 1]
        if 0 < g[0] <= g[1] and g[0] < threshold:
            lo, hi = np.append(lo, grid[0]), np.append(hi, grid[1])
        if 0 < g[-1] <= g[-2] and g[-1] < threshold:
            lo, hi = np.append(lo, grid[-2]), np.append(hi, grid[-1])
        min_rows.append(np.full(lo.size, row)); min_a.append(lo); min_b.append(hi)

    rows, a, b, ga, gb, entering = (np.concatenate(x) for x in (rows, a, b, ga, gb, entering))
    min_rows, min_a, min_b = (np.concatenate(x) for x in (min_rows, min_a, min_b))
    if min_rows.size:
        t_min, g_min = _golden_minimum(model, min_rows, min_a, min_b)
        dip = g_min < 0.0
        if np.any(dip):
            r_, a_, b_, tm, gm = min_rows[dip], min_a[dip], min_b[dip], t_min[dip], g_min[dip]
            g_a = model.g(a_)[r_, np.arange(r_.size)]
            g_b = model.g(b_)[r_, np.arange(r_.size)]
            rows = np.concatenate([rows, r_, r_])
            a = np.concatenate([a, a_, tm]); b = np.concatenate([b, tm, b_])
            ga = np.concatenate([ga, g_a, gm]); gb = np.concatenate([gb, gm, g_b])
            entering = np.concatenate([entering, np.ones(r_.size, bool), np.zeros(r_.size, bool)])

    roots = _refine(model, rows, a, b, ga, gb) if rows.size else np.empty(0)

    result = []
    for row in range(3):
        sel = rows == row
        t, ent = roots[sel], entering[sel]
        order = np.argsort(t, kind="stable")
        intervals = []
        start = None if inside[row, 0] else np.nan
        open_ = bool(inside[row, 0])
        for tt, e in zip(t[order], ent[order]):
            if e and not open_:
                start, open_ = float(tt), True
            elif not e and open_:
                intervals.append((start, float(tt)))
                open_ = False
        if open_:
            intervals.append((start, None))
        result.append(intervals)
    return result


# --------------------------------------------------------------------------- public results

@dataclass(frozen=True)
class Eclipse:
    """One pass through the Earth's shadow (aware UTC datetimes, refined to < 1e-3 s).

    A boundary outside the searched window is ``None``: the ``*_start``/``shadow_entry`` fields
    of an eclipse already in progress at the window start, the ``*_end``/``shadow_exit`` fields
    of one still going at the window end. ``umbra_*`` are also ``None`` for a grazing eclipse
    that never reaches the umbra. Durations count only time inside the window.
    """

    penumbra_start: dt.datetime | None
    umbra_start: dt.datetime | None
    umbra_end: dt.datetime | None
    penumbra_end: dt.datetime | None
    shadow_entry: dt.datetime | None  # Sun's centre on the Earth's limb (mid-penumbra)
    shadow_exit: dt.datetime | None
    umbra_duration_s: float  # umbra_end - umbra_start (clipped to the window)
    penumbra_duration_s: float  # penumbra_end - penumbra_start: any part of the Sun hidden
    shadow_duration_s: float  # shadow_exit - shadow_entry: the cylinder-equivalent duration
    beta_deg: float  # beta angle at mid-eclipse
    starts_before_window: bool = False
    ends_after_window: bool = False

    BOUNDARIES = ("penumbra_start", "umbra_start", "shadow_entry", "shadow_exit", "umbra_end", "penumbra_end")

    def seconds_since(self, epoch: dt.datetime) -> dict[str, float | None]:
        """The boundaries as seconds after ``epoch``, keys ``<boundary>_s`` (``None`` stays ``None``)."""
        return {f"{k}_s": (None if getattr(self, k) is None else seconds_between(epoch, getattr(self, k)))
                for k in self.BOUNDARIES}

    def to_json(self) -> dict:
        """JSON-ready dict: ISO 8601 ``Z`` strings at 0.01 s, ``duration_s`` = umbra duration."""
        out = {k: (None if getattr(self, k) is None else iso_z(getattr(self, k), 2)) for k in self.BOUNDARIES}
        out.update(duration_s=round(self.umbra_duration_s, 2),
                   penumbra_duration_s=round(self.penumbra_duration_s, 2),
                   shadow_duration_s=round(self.shadow_duration_s, 2),
                   beta_deg=round(float(self.beta_deg), 3))
        return out


def _clip_len(iv, t0, t1) -> float:
    s = t0 if iv[0] is None else iv[0]
    e = t1 if iv[1] is None else iv[1]
    return max(0.0, e - s)


def find_eclipses(sat, start: dt.datetime, end: dt.datetime, *, step_s: float = GRID_STEP_S) -> list[Eclipse]:
    """Every eclipse overlapping [start, end] for a TLE or ``Satrec`` (propagated as given).

    Grid of ``step_s`` (60 s) plus grazing-dip search, refined to < 1e-3 s (see module docstring).
    """
    start, end = as_utc(start, "start"), as_utc(end, "end")
    t1 = seconds_between(start, end)
    if not t1 > 0:
        raise InputError("end", f"{iso_z(end)} is not after start {iso_z(start)}")
    model = _shadow_model(sat, start, 0.0, t1)
    pen, cen, umb = shadow_intervals(model, 0.0, t1, step_s)
    if not pen:
        return []
    pen_s = np.array([0.0 if iv[0] is None else iv[0] for iv in pen])
    pen_e = np.array([t1 if iv[1] is None else iv[1] for iv in pen])

    def assign(intervals):
        """Group centre/umbra intervals (nested in the penumbra) by the penumbra interval holding their middle."""
        groups = [[] for _ in pen]
        if intervals:
            mids = np.array([0.5 * ((0.0 if s is None else s) + (t1 if e is None else e)) for s, e in intervals])
            owner = np.clip(np.searchsorted(pen_s, mids, side="right") - 1, 0, len(pen) - 1)
            for j, iv in zip(owner.tolist(), intervals):
                groups[j].append(iv)
        return groups

    cen_g, umb_g = assign(cen), assign(umb)
    betas = model.beta_deg(0.5 * (pen_s + pen_e))

    def when(x):
        return None if x is None else at_seconds(start, x)

    out = []
    for j, iv in enumerate(pen):
        c, u = cen_g[j], umb_g[j]
        out.append(Eclipse(
            penumbra_start=when(iv[0]),
            umbra_start=when(u[0][0]) if u else None,
            umbra_end=when(u[-1][1]) if u else None,
            penumbra_end=when(iv[1]),
            shadow_entry=when(c[0][0]) if c else None,
            shadow_exit=when(c[-1][1]) if c else None,
            umbra_duration_s=sum(_clip_len(x, 0.0, t1) for x in u),
            penumbra_duration_s=_clip_len(iv, 0.0, t1),
            shadow_duration_s=sum(_clip_len(x, 0.0, t1) for x in c),
            beta_deg=float(betas[j]),
            starts_before_window=iv[0] is None,
            ends_after_window=iv[1] is None,
        ))
    return out


def eclipse_events(sat, epoch: dt.datetime, duration_s: float, *, step_s: float = GRID_STEP_S,
                   clip_at_start: bool = True):
    """Shadow boundaries in [0, duration_s] s after ``epoch`` for the simulation engine.

    Returns ``(t_s, kind)``: float64 seconds, sorted, and str kinds from ``EVENT_KINDS``
    (penumbra_start, umbra_start, umbra_end, penumbra_end). With ``clip_at_start`` an eclipse in
    progress at t = 0 gets its start event(s) at t_s = 0.0, so that replaying the events from
    "sunlit" gives the right state; ends after ``duration_s`` are omitted.
    """
    if not duration_s >= 0:
        raise InputError("duration_s", f"{duration_s} is not a non-negative number of seconds")
    if duration_s == 0:
        return np.empty(0), np.empty(0, dtype="<U14")
    model = _shadow_model(sat, epoch, 0.0, float(duration_s))
    pen, _, umb = shadow_intervals(model, 0.0, float(duration_s), step_s)
    t, kind, prio = [], [], []
    for intervals, names, p in ((pen, ("penumbra_start", "penumbra_end"), (0, 3)),
                                (umb, ("umbra_start", "umbra_end"), (1, 2))):
        for s, e in intervals:
            if s is not None or clip_at_start:
                t.append(0.0 if s is None else s); kind.append(names[0]); prio.append(p[0])
            if e is not None:
                t.append(e); kind.append(names[1]); prio.append(p[1])
    t_s = np.array(t, dtype=float)
    order = np.lexsort((np.array(prio, dtype=int), t_s)) if t else np.array([], dtype=int)
    return t_s[order], np.array(kind, dtype="<U14")[order]


def _times(times, epoch):
    """-> (epoch, t_s array, scalar?) from datetimes, or seconds after ``epoch``."""
    if epoch is not None:
        t = np.asarray(times, dtype=float)
        return as_utc(epoch, "epoch"), np.atleast_1d(t), t.ndim == 0
    if isinstance(times, dt.datetime):
        return as_utc(times), np.zeros(1), True
    times = [as_utc(x) for x in times]
    e = min(times)
    return e, np.array([seconds_between(e, x) for x in times]), False


def sunlit_fraction_at(sat, times, epoch: dt.datetime | None = None):
    """Visible fraction 0..1 of the Sun's disc at ``times`` (datetime(s), or seconds after ``epoch``)."""
    e, t, scalar = _times(times, epoch)
    f = _shadow_model(sat, e, float(t.min()), float(t.max())).fraction(t)
    return float(f[0]) if scalar else f


def beta_angle_deg(sat, times, epoch: dt.datetime | None = None):
    """Beta angle [deg] of the station's osculating orbit plane (r x v, SGP4) and the Earth->Sun
    direction (DE421) at ``times`` (datetime(s), or seconds after ``epoch``)."""
    e, t, scalar = _times(times, epoch)
    b = _shadow_model(sat, e, float(t.min()), float(t.max())).beta_deg(t)
    return float(b[0]) if scalar else b
