"""Recorders of a live run: the archive written while the run goes.

:class:`ArchiveRecorder` is an observer of a :class:`~tiangong.sim.live.Simulation`: after each
``advance`` it samples every parameter on the scenario's sample grid over the time the engine
has committed (exactly, from the segments, as the batch result does), and hands samples, logged
events, alarms and commands to an :class:`~tiangong.archive.live.ArchiveAppender`, which writes
them in batches (one transaction each, the file released in between: another process can read it
while it grows; a writer killed at any moment leaves every flushed batch).
"""

from __future__ import annotations

import numpy as np

from ..record import EventRow
from .network import Trajectory


class ArchiveRecorder:
    """Samples, events, alarms and commands of a live run into a DuckDB archive, in batches."""

    def __init__(self, sim, path, sample_s: float | None = None, replace: bool = False, **appender_kw) -> None:
        from ..archive.live import ArchiveAppender
        from .run import _as_parameter

        sc = sim.scenario
        self.sim = sim
        self.tels = [t for t in sim.model.telemetry() if t.name != "orbit.beta_deg"]
        params = [_as_parameter(t) for t in sim.model.telemetry()]
        from ..validation import check_sample_count

        step = sample_s or sc.sample_s
        check_sample_count(sc.duration_s, step, "sample_s")  # as build_result: refused before memory is asked for
        grid = np.arange(0.0, sc.duration_s, step)
        self.grid = np.append(grid, sc.duration_s)
        self.beta = sim.model.beta_deg(self.grid)
        self.next = int(np.searchsorted(self.grid, sim.t_s))  # first grid time not yet written
        self.k = 0  # first recorded segment still needed
        self.appender = ArchiveAppender(path, params, sc.name, sc.start, sc.end, sim.parent, sim.fork_t_s,
                                        replace=replace, **appender_kw)

    # ------------------------------------------------------------------ observer interface
    def event(self, t_s, kind, source, detail) -> None:
        self.appender.add_events([EventRow(t_s, kind, source, detail)])

    def alarm(self, row) -> None:
        self.appender.add_alarms([row])

    def command(self, rec) -> None:
        self.appender.add_command(rec.t_s, rec.command, rec.outcome, rec.detail)
        self.appender.flush()

    def advanced(self, t_s: float) -> None:
        self._sample()
        self.appender.maybe_flush()

    def finished(self, result) -> None:
        end = self.sim.end_s
        if end < self.grid[-1]:  # the run ended early (reentry): the grid ends where the run did
            keep = self.grid < end
            self.grid = np.append(self.grid[keep], end)
            self.beta = np.append(self.beta[keep], result.record.samples["orbit.beta_deg"][-1])
        self._sample()
        self.appender.set_ground_track(result.record.ground_track)
        self.appender.close(result.summary())

    # ------------------------------------------------------------------ sampling
    def _sample(self) -> None:
        rec = self.sim._traj
        n = len(rec.t0)
        if n == 0:
            return
        net = self.sim.net
        t_done = net.t_s if not net.finished else self.sim.end_s  # the solution is final up to here
        hi = int(np.searchsorted(self.grid, t_done, side="right" if net.finished else "left"))
        if hi <= self.next:
            return
        t = self.grid[self.next:hi]
        # segments covering [t[0], t_done]
        k0 = max(self.k, int(np.searchsorted(np.asarray(rec.t0[self.k:]), t[0], side="right")) + self.k - 1)
        sl = slice(k0, n)
        traj = Trajectory(np.asarray(rec.t0[sl]), np.asarray(rec.x0[sl]), np.asarray(rec.r[sl]),
                          np.asarray(rec.aux[sl], dtype=float).reshape(n - k0, len(rec.aux_names)),
                          rec.names, rec.aux_names)
        from .run import _View

        view = _View(traj, t)
        values = {x.name: x.values(view) for x in self.tels}
        values["orbit.beta_deg"] = self.beta[self.next:hi]
        self.appender.add_samples(t, values)
        self.next = hi
        self.k = max(k0, n - 1)


__all__ = ["ArchiveRecorder"]
