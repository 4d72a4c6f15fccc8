"""The engine: an event-driven resource network with exact piecewise-linear integration.

A station is *stores* (amounts of one resource, with bounds) and *processes* (activities that
move resources between stores at fixed stoichiometry).  Between events every process activity is
constant, so the state is exactly ``x(t) = x0 + r (t - t0)`` with ``r = S @ a``; the engine jumps
from event to event:

* scheduled events (a heap keyed by time, priority, sequence: crew timeline, dockings, faults,
  eclipse boundaries precomputed from the ephemeris),
* state events: a store reaching one of its bounds or a *watched* level (a controller's set
  point, an alarm), found exactly by solving ``x0 + r dt = level``.

Controllers (plain callables, run in a fixed order at every event) set process activities from
the current state -- e.g. a regulator that holds cabin ppCO2 at its set point.  A store that sits
on a bound while its net rate pushes outward is *clamped*: a virtual process books the excess
into a ledger (``overflow.<store>``: shunted energy, spilt mass) or the shortfall into
``deficit.<store>`` (unmet demand, booked negative like a source), so totals stay conserved and shortfalls are visible.

Written by hand because no maintained library offers hybrid piecewise-linear resource networks
with exact crossing times; SimPy's kernel (heap of time, priority, sequence) is the model for the
event queue.  Cost grows with the number of events, not with simulated seconds; the trajectory is
kept as segments ``(t0, x0, r)`` and sampled afterwards, vectorised.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

INF = math.inf


@dataclass
class Store:
    name: str
    unit: str
    initial: float = 0.0
    lo: float = 0.0
    hi: float = INF
    description: str = ""
    composition: dict[str, float] = field(default_factory=dict)  # element -> mass fraction
    ledger: bool = False  # True for bookkeeping stores (vents, resupply, deficits)


@dataclass
class Process:
    name: str
    coeffs: dict[str, float]  # store name -> amount per unit activity


@dataclass(frozen=True)
class _Scheduled:
    """A scheduled action; the queue orders ``(t_s, priority, seq, event)`` tuples."""

    t_s: float
    priority: int
    seq: int
    action: Callable
    kind: str = ""
    source: str = ""
    detail: str = ""


class Network:
    """Stores, processes, controllers and the event loop.  Build, then :meth:`run`."""

    def __init__(self) -> None:
        self.stores: list[Store] = []
        self.processes: list[Process] = []
        self._store_ix: dict[str, int] = {}
        self._proc_ix: dict[str, int] = {}
        self.controllers: list[Callable[["Network"], None]] = []
        self._queue: list[_Scheduled] = []
        self._seq = 0
        self.t_s = 0.0
        self.x: np.ndarray | None = None
        self.a: np.ndarray | None = None
        self.S: np.ndarray | None = None
        self.watches: list[tuple[int, float]] = []  # (store index, level) for this segment
        self.log: list[tuple[float, str, str, str]] = []
        self.aux: dict[str, float] = {}  # per-segment quantities for the recorder
        self.n_events = 0
        self.n_state_events = 0

    # ------------------------------------------------------------------ building
    def add_store(self, store: Store) -> int:
        if store.name in self._store_ix:
            raise ValueError(f"duplicate store {store.name}")
        self._store_ix[store.name] = len(self.stores)
        self.stores.append(store)
        return self._store_ix[store.name]

    def store(self, name: str, unit: str, initial: float = 0.0, lo: float = 0.0, hi: float = INF,
              description: str = "", composition: dict[str, float] | None = None, ledger: bool = False) -> int:
        """Add a store (keyword form, so subsystem modules need not import the engine)."""
        return self.add_store(Store(name, unit, initial, lo, hi, description, dict(composition or {}), ledger))

    def add_process(self, name: str, coeffs: dict[str, float]) -> int:
        for s in coeffs:
            if s not in self._store_ix:
                raise KeyError(f"process {name}: unknown store {s}")
        self._proc_ix[name] = len(self.processes)
        self.processes.append(Process(name, dict(coeffs)))
        return self._proc_ix[name]

    def si(self, name: str) -> int:
        return self._store_ix[name]

    def pi(self, name: str) -> int:
        return self._proc_ix[name]

    def finalize(self) -> None:
        """Add the clamp processes and the ledgers, build the stoichiometry matrix."""
        bounded = [s for s in list(self.stores) if not s.ledger]
        self._clamp_lo: list[tuple[int, int]] = []
        self._clamp_hi: list[tuple[int, int]] = []
        for s in bounded:
            if s.lo > -INF:
                self.add_store(Store(f"deficit.{s.name}", s.unit, 0.0, -INF, INF,
                                           f"shortfall booked (negative) while {s.name} sat empty",
                                           dict(s.composition), ledger=True))
                p = self.add_process(f"clamp_lo.{s.name}", {s.name: 1.0, f"deficit.{s.name}": -1.0})
                self._clamp_lo.append((self.si(s.name), p))
            if s.hi < INF:
                self.add_store(Store(f"overflow.{s.name}", s.unit, 0.0, -INF, INF,
                                           f"excess booked while {s.name} sat full",
                                           dict(s.composition), ledger=True))
                p = self.add_process(f"clamp_hi.{s.name}", {s.name: -1.0, f"overflow.{s.name}": 1.0})
                self._clamp_hi.append((self.si(s.name), p))
        n, m = len(self.stores), len(self.processes)
        S = np.zeros((n, m))
        for j, p in enumerate(self.processes):
            for s, c in p.coeffs.items():
                S[self._store_ix[s], j] += c
        self.S = S
        self.x = np.array([s.initial for s in self.stores], dtype=float)
        self.a = np.zeros(m)
        self.totals = np.zeros(m)  # integral of each activity over the run
        self.lo = np.array([s.lo for s in self.stores])
        self.hi = np.array([s.hi for s in self.stores])
        self._real = np.array([not s.ledger for s in self.stores])
        self._scale = np.maximum(1.0, np.abs(self.x))
        self._clamp_arrays = tuple(np.array([c[k] for c in cl], dtype=int)
                                   for cl in (self._clamp_lo, self._clamp_hi) for k in (0, 1))
        self.bounds_changed()

    def bounds_changed(self) -> None:
        """Call after changing ``lo``/``hi``/``_scale`` of a store (e.g. a new battery capacity)."""
        lo_s, _, hi_s, _ = self._clamp_arrays
        self._lo_tol = self.lo[lo_s] + 1e-12 * self._scale[lo_s]
        self._hi_tol = self.hi[hi_s] - 1e-12 * self._scale[hi_s]

    # ------------------------------------------------------------------ scheduling
    def schedule(self, t_s: float, action: Callable[["Network"], None], kind: str = "",
                 source: str = "", detail: str = "", priority: int = 10) -> None:
        """Run ``action(net)`` at ``t_s``; the event is logged with kind/source/detail."""
        self._seq += 1
        ev = _Scheduled(float(t_s), priority, self._seq, action, kind, source, detail)
        heapq.heappush(self._queue, (ev.t_s, priority, self._seq, ev))

    def emit(self, kind: str, source: str, detail: str = "") -> None:
        """Log an event that happens now (from a controller or an action)."""
        self.log.append((self.t_s, kind, source, detail))

    # ------------------------------------------------------------------ helpers for controllers
    def hold(self, store: int, level: float, proc: int, capacity: float, raises: bool) -> float:
        """Regulator: run ``proc`` (0..capacity) to keep ``store`` at ``level``.

        ``raises`` True: the process adds to the store and holds it >= level (e.g. electrolyser on
        cabin O2); False: it removes and holds it <= level (e.g. CO2 removal).  Below/above the set
        point the process idles or runs flat out; at the set point it runs exactly at the rate
        that balances the other flows, up to ``capacity``.  The level is watched, so crossing it is
        a state event.  Returns the activity.
        """
        a = self.a
        a[proc] = 0.0
        coef = self.S[store, proc]
        x = self.x[store]
        tol = 1e-9 * max(1.0, abs(level))
        short = (level - x) if raises else (x - level)  # > 0: on the bad side
        if short > tol:
            act = capacity
        elif short < -tol:
            act = 0.0
        else:
            other = float(self.S[store] @ a)
            need = -other / coef if coef != 0.0 else 0.0
            act = min(max(need, 0.0), capacity)
            self.x[store] = level  # snap rounding noise
        a[proc] = act
        self.watches.append((store, level))
        return act

    # ------------------------------------------------------------------ the loop
    def _clamp(self) -> None:
        """Clamp stores sitting on a bound whose net rate pushes outward (vectorised)."""
        a, x = self.a, self.x
        r = self.S @ a
        lo_s, lo_p, hi_s, hi_p = self._clamp_arrays
        m = (x[lo_s] <= self._lo_tol) & (r[lo_s] < 0.0)
        if m.any():
            s_, p_ = lo_s[m], lo_p[m]
            a[p_] = -r[s_]
            x[s_] = self.lo[s_]
        m = (x[hi_s] >= self._hi_tol) & (r[hi_s] > 0.0)
        if m.any():
            s_, p_ = hi_s[m], hi_p[m]
            a[p_] = r[s_]
            x[s_] = self.hi[s_]

    def _next_state_event(self, r: np.ndarray, horizon: float) -> tuple[float, int, float]:
        """Earliest crossing of a bound or a watched level within ``horizon`` seconds."""
        best, best_store, best_level = horizon, -1, 0.0
        x = self.x
        with np.errstate(divide="ignore", invalid="ignore"):
            dt_lo = np.where((r < 0) & self._real, (self.lo - x) / r, INF)
            dt_hi = np.where((r > 0) & self._real, (self.hi - x) / r, INF)
        eps = 1e-9
        dt_lo[dt_lo <= eps] = INF
        dt_hi[dt_hi <= eps] = INF
        i = int(np.argmin(dt_lo))
        if dt_lo[i] < best:
            best, best_store, best_level = float(dt_lo[i]), i, float(self.lo[i])
        i = int(np.argmin(dt_hi))
        if dt_hi[i] < best:
            best, best_store, best_level = float(dt_hi[i]), i, float(self.hi[i])
        for s, level in self.watches:
            rs = r[s]
            if rs != 0.0:
                dt = (level - x[s]) / rs
                if eps < dt < best:
                    best, best_store, best_level = dt, s, level
        return best, best_store, best_level

    def run(self, t_end_s: float, progress: Callable[[float], None] | None = None,
            aux_keys: tuple[str, ...] = ()) -> "Trajectory":
        """Run to ``t_end_s``; returns the piecewise-linear trajectory."""
        if self.S is None:
            self.finalize()
        seg_t, seg_x, seg_r, seg_aux = [], [], [], []
        last_progress = -INF
        queue = self._queue
        while True:
            # fire every scheduled event due now
            while queue and queue[0][0] <= self.t_s + 1e-9:
                ev = heapq.heappop(queue)[3]
                self.n_events += 1
                if ev.kind:
                    self.log.append((self.t_s, ev.kind, ev.source, ev.detail))
                ev.action(self)
            if self.t_s >= t_end_s - 1e-9:
                break
            # controllers set activities, then clamps
            self.watches = []
            self.a[:] = 0.0  # every controller sets all of its activities at every event
            for c in self.controllers:
                c(self)
            self._clamp()
            r = self.S @ self.a
            t_next = min(queue[0][0] if queue else INF, t_end_s)
            dt, s_hit, level = self._next_state_event(r, t_next - self.t_s)
            seg_t.append(self.t_s)
            seg_x.append(self.x.copy())
            seg_r.append(r)
            seg_aux.append([self.aux.get(k, math.nan) for k in aux_keys])
            self.x += r * dt
            self.totals += self.a * dt
            self.t_s += dt
            if s_hit >= 0:
                self.x[s_hit] = level  # exact landing on the crossed level
                self.n_state_events += 1
                self.n_events += 1
            if progress is not None and self.t_s - last_progress > 86400.0:
                progress(self.t_s)
                last_progress = self.t_s
        seg_t.append(self.t_s)
        seg_x.append(self.x.copy())
        seg_r.append(np.zeros_like(self.x))
        seg_aux.append([self.aux.get(k, math.nan) for k in aux_keys])
        return Trajectory(np.array(seg_t), np.array(seg_x), np.array(seg_r),
                          np.array(seg_aux, dtype=float).reshape(len(seg_t), len(aux_keys)),
                          [s.name for s in self.stores], list(aux_keys))


@dataclass
class Trajectory:
    """Piecewise-linear solution: on ``[t0[k], t0[k+1])`` the state is ``x0[k] + r[k] (t - t0[k])``."""

    t0: np.ndarray
    x0: np.ndarray
    r: np.ndarray
    aux: np.ndarray
    names: list[str]
    aux_names: list[str]

    def index(self, name: str) -> int:
        return self.names.index(name)

    def segment_of(self, t_s: np.ndarray) -> np.ndarray:
        k = np.searchsorted(self.t0, t_s, side="right") - 1
        return np.clip(k, 0, len(self.t0) - 1)

    def sample(self, name: str, t_s: np.ndarray) -> np.ndarray:
        """Exact values of store ``name`` at times ``t_s`` (vectorised)."""
        i = self.index(name)
        k = self.segment_of(t_s)
        return self.x0[k, i] + self.r[k, i] * (t_s - self.t0[k])

    def sample_aux(self, name: str, t_s: np.ndarray) -> np.ndarray:
        """Per-segment (piecewise-constant) auxiliary quantity at times ``t_s``."""
        return self.aux[self.segment_of(t_s), self.aux_names.index(name)]

    def final(self, name: str) -> float:
        return float(self.x0[-1, self.index(name)])

    def extremes(self, name: str) -> tuple[float, float, float, float]:
        """(min, t_min, max, t_max): exact, since the solution is linear between segment ends."""
        v = self.x0[:, self.index(name)]
        i, j = int(np.argmin(v)), int(np.argmax(v))
        return float(v[i]), float(self.t0[i]), float(v[j]), float(self.t0[j])
