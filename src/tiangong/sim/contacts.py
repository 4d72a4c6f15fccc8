"""Contact windows in the engine: the links in view as events and telemetry (``[contacts]``).

With ``[contacts]`` in a scenario the station model adds a network source of
``orbit.contact_start`` / ``orbit.contact_end`` events (payload: the relay's or the ground
station's name) computed once from the scenario's orbit -- replay: drag-free SGP4 on the TLE
nearest the start, the orbit of the eclipse events; propagate: the propagated trajectory
(``tiangong.orbit.contacts.contact_events``).  The links in view are event-changed state, so
telemetry is exact per segment:

* ``orbit.contact``: links in view (relays + ground stations), a step function;
* ``orbit.time_since_contact_s``: 0 while any link is up, else the time since the last one
  dropped (since the start of the run if none was up yet: a lower bound there).

The summary's ``contacts`` block gives the coverage fraction (time with at least one link) and the
longest gap, from the engine's own segments.
"""

from __future__ import annotations

import numpy as np

from ..subsystem import Telemetry
from ..timeutil import at_seconds, iso_z

class ContactLinks:
    """The links in view of one run (``spec``: the scenario's ``Contacts``)."""

    AUX = ("contacts", "contact_lost_s")  # per-segment values: links in view, when the last one dropped

    def __init__(self, spec) -> None:
        from ..orbit.contacts import DEFAULT_RELAYS
        from ..orbit.passes import ground_stations

        self.spec = spec
        wanted = {r.name for r in DEFAULT_RELAYS} if spec.relays is True else set(spec.relays or ())
        self.relays = tuple(r for r in DEFAULT_RELAYS if r.name in wanted)
        self.sites = tuple(s for s in ground_stations() if s.name in set(spec.stations))
        self.in_view: tuple[str, ...] = ()
        self.lost_s = 0.0  # when the last link dropped (the start until one was up)

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.relays] + [s.name for s in self.sites]

    def install(self, model) -> None:
        """Handlers and the event source, from the model's orbit (called in ``build``)."""
        from ..orbit import scenario_contact_events

        self.net = net = model.net
        net.on("orbit.contact_start", self._start, source="orbit", describe=_link)
        net.on("orbit.contact_end", self._end, source="orbit", describe=_link)
        sc, mask = model.scenario, self.spec.min_elevation_deg
        # both searches are kept in the orbit cache (orbit/cache.py): a restore or a fork reads them back
        if model.orbit is not None:
            t, kinds, names = model.orbit.contact_events(self.relays, self.sites, mask)
        else:
            t, kinds, names = scenario_contact_events(model.epoch, sc.duration_s, sc.tle, sc.station,
                                                      self.relays, self.sites, mask)
        net.add_source("orbit.contacts", t, [f"orbit.{k}" for k in kinds], list(names), priority=3)

    def _start(self, name: str) -> None:
        self.in_view = tuple(sorted({*self.in_view, name}))

    def _end(self, name: str) -> None:
        self.in_view = tuple(n for n in self.in_view if n != name)
        if not self.in_view:
            self.lost_s = self.net.t_s

    def write_aux(self, aux: dict) -> None:
        aux["contacts"] = len(self.in_view)
        aux["contact_lost_s"] = self.lost_s

    def state(self) -> dict:
        return {"in_view": self.in_view, "lost_s": self.lost_s}

    def load_state(self, st: dict) -> None:
        self.in_view, self.lost_s = tuple(st["in_view"]), st["lost_s"]

    # ------------------------------------------------------------------ telemetry, report, summary
    def telemetry(self) -> list[Telemetry]:
        return [
            Telemetry("orbit.contact", "1", "links in view: Tianlian relays and ground stations of [contacts]", "orbit",
                      fn=lambda v: v.ax("contacts")),
            Telemetry("orbit.time_since_contact_s", "s", "time since the last link dropped (0 while in contact)",
                      "orbit", fn=lambda v: np.where(v.ax("contacts") > 0, 0.0, v.t - v.ax("contact_lost_s"))),
        ]

    PLOTS = (("orbit.contact", "Links in view (relays + ground stations)", "links", 1.0, True),
             ("orbit.time_since_contact_s", "Time since last contact (min)", "min", 1.0 / 60.0))
    TABLE = (("orbit.time_since_contact_s", "no-contact gap min", 1.0 / 60.0, "%.1f"),)

    def summary(self, traj, epoch) -> dict:
        """Windows opened, coverage fraction and longest gap of the run, from its segments ``traj``
        (exact: links change only at events)."""
        t0 = np.asarray(traj.t0, dtype=float)
        n = np.asarray(traj.aux[:-1, traj.aux_names.index("contacts")], dtype=float)
        span = float(t0[-1] - t0[0])
        up = n > 0
        edge = np.diff(np.concatenate([[0], (~up).astype(int), [0]]))
        a, b = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)  # runs of segments a..b-1 without a link
        gaps = t0[b] - t0[a]
        k = int(np.argmax(gaps)) if len(gaps) else None
        src = self.net.sources["orbit.contacts"]
        opened = sum(1 for t, kind in zip(src.t_s, src.kinds) if kind == "orbit.contact_start" and t <= t0[-1])
        return {"links": self.names, "windows": opened,
                "coverage_fraction": float(np.diff(t0)[up].sum() / span) if span > 0 else 0.0,
                "longest_gap_s": float(gaps[k]) if k is not None else 0.0,
                "longest_gap_start": iso_z(at_seconds(epoch, float(t0[a[k]])), 0) if k is not None else None,
                "longest_gap_end": iso_z(at_seconds(epoch, float(t0[b[k]])), 0) if k is not None else None}


def _link(name: str) -> str:
    return name
