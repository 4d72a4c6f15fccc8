"""The engine: an event-driven resource network with exact piecewise-linear integration.

A station is *stores* (amounts of one resource, with bounds) and *processes* (activities that
move resources between stores at fixed stoichiometry).  Between events every process activity is
constant, so the state is exactly ``x(t) = x0 + r (t - t0)`` with ``r = S @ a``; the engine jumps
from event to event:

* scheduled events: data ``(t_s, priority, seq, kind, payload)`` in a heap, dispatched through a
  registry of handlers by ``kind`` (crew timeline, dockings, faults, commands); long precomputed
  series (eclipse boundaries) are *sources* whose next event alone sits in the heap;
* state events: a store reaching one of its bounds or a *watched* level (a controller's set
  point), found exactly by solving ``x0 + r dt = level``.

Controllers (objects with ``control(net)``, run in an order fixed by the model at every event)
set process activities from the current state.  A store that sits on a bound while its net rate
pushes outward is *clamped*: a virtual process books the excess into a ledger
(``overflow.<store>``) or the shortfall into ``deficit.<store>`` (booked negative like a source),
so totals stay conserved and shortfalls are visible.

Live runs: :meth:`Network.advance` stops at any time without cutting the segment under way (the
segment is committed only when it ends), so a run advanced in steps is bit-identical to one run in
one go; :meth:`Network.split` cuts it where a command changes the state.  Segments and logged
events go to *observers* as they are produced.  The state (arrays, queue, source cursors) is
plain data: :meth:`state` / :meth:`load_state`.

Written by hand because no maintained library offers hybrid piecewise-linear resource networks
with exact crossing times; SimPy's kernel (heap of time, priority, sequence) is the model for the
event queue.  Cost grows with the number of events, not with simulated seconds.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

INF = math.inf
_SOURCE = "__source__"  # heap kind of a source's head event
EPS_T = 1e-9            # s: events this close are simultaneous


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


@dataclass
class Source:
    """A precomputed, time-ordered series of events of one priority (e.g. eclipse boundaries).

    Only the next one is in the heap; the cursor is the source's whole state."""

    name: str
    t_s: np.ndarray
    kinds: list[str]
    payloads: list[Any]
    priority: int
    cursor: int = 0


@dataclass(frozen=True)
class Handler:
    fn: Callable[[Any], None]
    log: bool = True          # logged events reach the observers' ``event``
    source: str = ""
    describe: Callable[[Any], str] | None = None


class Network:
    """Stores, processes, controllers, the event queue and the loop.  Build, finalize, advance."""

    def __init__(self) -> None:
        self.stores: list[Store] = []
        self.processes: list[Process] = []
        self._store_ix: dict[str, int] = {}
        self._proc_ix: dict[str, int] = {}
        self.controllers: list[Callable[["Network"], None]] = []
        self.handlers: dict[str, Handler] = {}
        self.sources: dict[str, Source] = {}
        self.observers: list = []
        self._queue: list[tuple] = []
        self._seq = 0
        self.t_s = 0.0
        self.x: np.ndarray | None = None
        self.a: np.ndarray | None = None
        self.S: np.ndarray | None = None
        self.watches: list[tuple[int, float]] = []  # (store index, level) for this segment
        self.aux: dict[str, float] = {}  # per-segment quantities for the recorders
        self.aux_keys: tuple[str, ...] = ()
        self.n_events = 0
        self.n_state_events = 0
        self._ready = False       # controllers have run at t_s: a, r, watches hold the pending segment
        self._r: np.ndarray | None = None
        self.finished = False
        self.halted: str | None = None  # why the run ended before its end time (a handler or controller asked)

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

    def finalize(self, aux_keys: tuple[str, ...] = ()) -> None:
        """Add the clamp processes and the ledgers, build the stoichiometry matrix."""
        self.aux_keys = tuple(aux_keys)
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
        self._S_rows = list(S)          # row views (the matrix is fixed once built)
        self._S_list = S.tolist()
        self.x = np.array([s.initial for s in self.stores], dtype=float)
        self.a = np.zeros(m)
        self.totals = np.zeros(m)  # integral of each activity over the run
        self.lo = np.array([s.lo for s in self.stores])
        self.hi = np.array([s.hi for s in self.stores])
        self._real_ix = [i for i, s in enumerate(self.stores) if not s.ledger]
        self._scale = np.maximum(1.0, np.abs(self.x))
        self._clamp_arrays = tuple(np.array([c[k] for c in cl], dtype=int)
                                   for cl in (self._clamp_lo, self._clamp_hi) for k in (0, 1))
        self.bounds_changed()

    def bounds_changed(self) -> None:
        """Call after changing ``lo``/``hi``/``_scale`` of a store (e.g. a new battery capacity)."""
        lo_s, lo_p, hi_s, hi_p = self._clamp_arrays
        lo_tol = self.lo[lo_s] + 1e-12 * self._scale[lo_s]
        hi_tol = self.hi[hi_s] - 1e-12 * self._scale[hi_s]
        self._clamp_lo_rows = list(zip(lo_s.tolist(), lo_p.tolist(), lo_tol.tolist()))
        self._clamp_hi_rows = list(zip(hi_s.tolist(), hi_p.tolist(), hi_tol.tolist()))

    # ------------------------------------------------------------------ events as data
    def on(self, kind: str, fn: Callable[[Any], None], log: bool = True, source: str = "",
           describe: Callable[[Any], str] | None = None) -> None:
        """Register the handler of events of ``kind`` (``fn(payload)``); logged events go to the
        observers with ``source`` and ``describe(payload)`` (or the payload's ``detail``)."""
        self.handlers[kind] = Handler(fn, log, source, describe)

    def schedule(self, t_s: float, kind: str, payload: Any = None, priority: int = 10) -> int:
        """Queue event ``kind`` with ``payload`` (plain data) at ``t_s``; returns its sequence number."""
        if kind not in self.handlers:
            raise KeyError(f"no handler for event kind {kind!r}")
        self._seq += 1
        heapq.heappush(self._queue, (float(t_s), priority, self._seq, kind, payload))
        return self._seq

    def add_source(self, name: str, t_s, kinds: list[str], payloads: list[Any], priority: int) -> None:
        """A time-ordered series of events; only its next event is queued at any time."""
        for k in set(kinds):
            if k not in self.handlers:
                raise KeyError(f"no handler for event kind {k!r}")
        src = Source(name, np.asarray(t_s, dtype=float), list(kinds), list(payloads), priority)
        self.sources[name] = src
        self._push_source(src)

    def _push_source(self, src: Source) -> None:
        if src.cursor < len(src.t_s):
            self._seq += 1
            heapq.heappush(self._queue, (float(src.t_s[src.cursor]), src.priority, self._seq, _SOURCE, src.name))

    def pending(self) -> list[tuple]:
        """Queued events in firing order (sources show their next event only)."""
        return sorted(self._queue)

    def emit(self, kind: str, source: str, detail: str = "", t_s: float | None = None) -> None:
        """Log an event that happens now (from a controller or a handler)."""
        t = self.t_s if t_s is None else t_s
        for o in self.observers:
            f = getattr(o, "event", None)
            if f is not None:
                f(t, kind, source, detail)

    def _fire(self, kind: str, payload: Any) -> None:
        h = self.handlers[kind]
        self.n_events += 1
        if h.log:
            if h.describe is not None:
                detail = h.describe(payload)
            else:
                detail = payload.get("detail", "") if isinstance(payload, dict) else ""
            self.emit(kind, h.source, detail)
        h.fn(payload)

    def _fire_due(self) -> None:
        queue = self._queue
        while queue and queue[0][0] <= self.t_s + EPS_T:
            _, _, _, kind, payload = heapq.heappop(queue)
            if kind == _SOURCE:
                src = self.sources[payload]
                i = src.cursor
                src.cursor += 1
                self._push_source(src)
                self._fire(src.kinds[i], src.payloads[i])
            else:
                self._fire(kind, payload)

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
        x = self.x.item(store)  # Python floats: the same IEEE arithmetic, cheaper at every event
        tol = 1e-9 * max(1.0, abs(level))
        short = (level - x) if raises else (x - level)  # > 0: on the bad side
        if short > tol:
            act = capacity
        elif short < -tol:
            act = 0.0
        else:
            other = float(self._S_rows[store] @ a)
            coef = self._S_list[store][proc]
            need = -other / coef if coef != 0.0 else 0.0
            act = min(max(need, 0.0), capacity)
            self.x[store] = level  # snap rounding noise
        a[proc] = act
        self.watches.append((store, level))
        return act

    # ------------------------------------------------------------------ the loop
    def _clamp(self) -> None:
        """Clamp stores sitting on a bound whose net rate pushes outward.

        A loop over the few clamped stores on Python floats (cheaper at every event than masked
        numpy calls); all lower-bound hits use the rates before any clamp, as do the upper ones."""
        a, x = self.a, self.x
        r = (self.S @ a).tolist()
        xs = None
        hits = []
        for s_, p_, tol in self._clamp_lo_rows:
            if r[s_] < 0.0:
                if xs is None:
                    xs = x.tolist()
                if xs[s_] <= tol:
                    hits.append((s_, p_))
        for s_, p_ in hits:
            a[p_] = -r[s_]
            x[s_] = self.lo[s_]
        if hits:
            xs = x.tolist()
        hits = []
        for s_, p_, tol in self._clamp_hi_rows:
            if r[s_] > 0.0:
                if xs is None:
                    xs = x.tolist()
                if xs[s_] >= tol:
                    hits.append((s_, p_))
        for s_, p_ in hits:
            a[p_] = r[s_]
            x[s_] = self.hi[s_]

    def _next_state_event(self, r: np.ndarray, horizon: float) -> tuple[float, int, float]:
        """Earliest crossing of a bound or a watched level within ``horizon`` seconds.

        A plain loop over the (few, ~16) real stores on Python floats: at every event this is
        3x cheaper than a dozen small numpy calls.  Same arithmetic (IEEE division of the same
        numbers) and the same choice as an argmin over the lower bounds, then the upper bounds."""
        best, best_store, best_level = horizon, -1, 0.0
        x = self.x.tolist()
        rr = r.tolist()
        eps = 1e-9
        lo = self.lo.tolist()
        for i in self._real_ix:
            ri = rr[i]
            if ri < 0.0:
                dt = (lo[i] - x[i]) / ri
                if eps < dt < best:
                    best, best_store, best_level = dt, i, lo[i]
        hi = self.hi.tolist()
        for i in self._real_ix:
            ri = rr[i]
            if ri > 0.0:
                dt = (hi[i] - x[i]) / ri
                if eps < dt < best:
                    best, best_store, best_level = dt, i, hi[i]
        for s, level in self.watches:
            rs = rr[s]
            if rs != 0.0:
                dt = (level - x[s]) / rs
                if eps < dt < best:
                    best, best_store, best_level = dt, s, level
        return best, best_store, best_level

    def _prepare(self) -> None:
        """Controllers set the activities at ``t_s``; clamps; the pending segment's rates."""
        self.watches = []
        self.a[:] = 0.0  # every controller sets all of its activities at every event
        for c in self.controllers:
            c(self)
        self._clamp()
        self._r = self.S @ self.a
        self._ready = True

    def _aux_row(self) -> np.ndarray:
        aux = self.aux
        return np.array([aux.get(k, math.nan) for k in self.aux_keys], dtype=float)

    def _commit(self, dt: float, s_hit: int, level: float) -> None:
        r = self._r
        row = self._aux_row()
        x0 = self.x.copy()
        for o in self.observers:
            f = getattr(o, "segment", None)
            if f is not None:
                f(self.t_s, x0, r, row)
        self.x += r * dt
        self.totals += self.a * dt
        self.t_s += dt
        if s_hit >= 0:
            self.x[s_hit] = level  # exact landing on the crossed level
            self.n_state_events += 1
            self.n_events += 1
        self._ready = False

    def next_event_s(self, t_end_s: float) -> float:
        """Time of the next event (scheduled or state event) after the pending segment's start."""
        if not self._ready:
            self.advance(self.t_s, t_end_s)  # fire what is due, prepare the segment
        if self.finished:
            return self.t_s
        t_next = min(self._queue[0][0] if self._queue else INF, t_end_s)
        return self.t_s + self._next_state_event(self._r, t_next - self.t_s)[0]

    def advance(self, t_until_s: float, t_end_s: float) -> float:
        """Run up to ``t_until_s`` (at most ``t_end_s``, the end of the run).

        Events at ``t_until_s`` are processed; a segment that runs past it stays pending (its start
        state and rates are kept, nothing is cut), so stopping changes nothing.  At ``t_end_s`` the
        observers get the final point (a zero-rate segment).  Returns the network time (the start
        of the pending segment)."""
        t_until_s = min(t_until_s, t_end_s)
        queue = self._queue
        while not self.finished:
            if not self._ready:
                self._fire_due()
                if self.t_s >= t_end_s - EPS_T:
                    self._finish()
                    break
                self._prepare()
                if self.halted is not None:  # e.g. reentry: the run ends here
                    self._finish()
                    break
            t_next = min(queue[0][0] if queue else INF, t_end_s)
            dt, s_hit, level = self._next_state_event(self._r, t_next - self.t_s)
            if self.t_s + dt > t_until_s + EPS_T:
                break
            self._commit(dt, s_hit, level)
        return self.t_s

    def _finish(self) -> None:
        self._r = np.zeros_like(self.x)
        row = self._aux_row()
        for o in self.observers:
            f = getattr(o, "segment", None)
            if f is not None:
                f(self.t_s, self.x.copy(), self._r, row)
            f = getattr(o, "finish", None)
            if f is not None:
                f(self.t_s)
        self.finished = True

    def halt(self, reason: str) -> None:
        """End the run at the current time (called from a controller or a handler)."""
        if self.halted is None:
            self.halted = reason

    def split(self, t_s: float) -> None:
        """Cut the pending segment at ``t_s`` (for a command at that time) and invalidate it:
        the controllers run again at ``t_s`` with whatever the command changed."""
        if self._ready and t_s > self.t_s + EPS_T:
            self._commit(t_s - self.t_s, -1, 0.0)
        self._ready = False

    def value_at(self, i: int, t_s: float) -> float:
        """Store ``i`` at time ``t_s`` inside the pending segment (or now if none is pending)."""
        if self._ready:
            return float(self.x[i] + self._r[i] * (t_s - self.t_s))
        return float(self.x[i])

    def run(self, t_end_s: float) -> "Trajectory":
        """Run to ``t_end_s`` in one go and return the trajectory of this call (a recorder is
        attached for the call)."""
        if self.S is None:
            self.finalize()
        rec = TrajectoryRecorder([s.name for s in self.stores], list(self.aux_keys))
        self.observers.append(rec)
        try:
            self.finished = False
            self.advance(t_end_s, t_end_s)
        finally:
            self.observers.remove(rec)
        return rec.trajectory()

    # ------------------------------------------------------------------ state
    _STATE_ARRAYS = ("x", "a", "totals", "lo", "hi", "_scale", "_r")

    def state(self) -> dict:
        """Everything that changes during a run, as plain data (arrays copied)."""
        s = {k: (None if getattr(self, k) is None else getattr(self, k).copy()) for k in self._STATE_ARRAYS}
        s.update(t_s=self.t_s, queue=list(self._queue), seq=self._seq, watches=list(self.watches),
                 aux=dict(self.aux), ready=self._ready, finished=self.finished, halted=self.halted,
                 n_events=self.n_events,
                 n_state_events=self.n_state_events, cursors={k: v.cursor for k, v in self.sources.items()})
        return s

    def load_state(self, s: dict) -> None:
        """Restore :meth:`state` into a network built the same way."""
        for k in self._STATE_ARRAYS:
            v = s[k]
            setattr(self, k, None if v is None else v.copy())
        self.t_s = s["t_s"]
        self._queue = list(s["queue"])
        heapq.heapify(self._queue)
        self._seq = s["seq"]
        self.watches = list(s["watches"])
        self.aux = dict(s["aux"])
        self._ready = s["ready"]
        self.finished = s["finished"]
        self.halted = s.get("halted")
        self.n_events = s["n_events"]
        self.n_state_events = s["n_state_events"]
        for k, c in s["cursors"].items():
            self.sources[k].cursor = c
        self.bounds_changed()


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

    def final(self, name: str) -> float:
        return float(self.x0[-1, self.index(name)])


class TrajectoryRecorder:
    """Observer that keeps every segment (the result builder's input)."""

    def __init__(self, names: list[str], aux_names: list[str]) -> None:
        self.names, self.aux_names = list(names), list(aux_names)
        self.t0: list[float] = []
        self.x0: list[np.ndarray] = []
        self.r: list[np.ndarray] = []
        self.aux: list[np.ndarray] = []

    def segment(self, t0_s, x0, r, aux) -> None:
        self.t0.append(t0_s)
        self.x0.append(x0)
        self.r.append(r)
        self.aux.append(aux)

    def trajectory(self) -> Trajectory:
        n = len(self.t0)
        return Trajectory(np.array(self.t0), np.array(self.x0).reshape(n, len(self.names)),
                          np.array(self.r).reshape(n, len(self.names)),
                          np.array(self.aux, dtype=float).reshape(n, len(self.aux_names)),
                          self.names, self.aux_names)


class EventRecorder:
    """Observer that keeps every logged event ``(t_s, kind, source, detail)``."""

    def __init__(self) -> None:
        self.log: list[tuple[float, str, str, str]] = []

    def event(self, t_s, kind, source, detail) -> None:
        self.log.append((t_s, kind, source, detail))
