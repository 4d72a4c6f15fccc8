"""The subsystem interface: what a physical subsystem declares to the station model.

A subsystem (``systems/eclss.py``, ``systems/power.py``, ``systems/propulsion.py``) is a class
that

* ``install(net, ctx)``: adds its stores and processes to the network (``net.store``,
  ``net.add_process``) and keeps the indices it needs;
* ``control(net)``: sets its process activities at every event from the state and the *signals*
  it declared as ``inputs`` (``ctx.signals["power.available"]``), and writes the signals it
  declared as ``outputs`` (``ctx.signals["eclss.power_w"]``) and its per-segment ``aux`` values;
* ``state()`` / ``load_state(d)``: its mutable state as plain data (for snapshots);
* ``telemetry()``: its parameters for the archive, with units, limits and how to derive each from
  the network state (``Telemetry.fn``), evaluated per segment;
* ``plots``: report charts ``(name, title, unit, scale[, step, digits])``; ``table``: rows of the
  CLI summary ``(name, label, scale, printf format)``.

The model orders controllers from the declared signals (a producer runs before its consumers);
an input listed in ``feedback`` closes a loop (power's load shedding back to the electrolyser)
and is iterated to a fixed point at the same event instead.  The physics modules import nothing
of the engine: the network is passed in and used through its methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Protocol, runtime_checkable

import numpy as np

from .record import Parameter


class View(Protocol):
    """Network values at times ``t`` within segments: ``st(store)`` and ``ax(aux key)`` arrays."""

    def st(self, name: str) -> np.ndarray: ...

    def ax(self, name: str) -> np.ndarray: ...


@dataclass(frozen=True)
class Telemetry(Parameter):
    """A telemetry parameter (name, SI unit, limits: :class:`~tiangong.record.Parameter`) with its
    derivation from a View (``fn=None``: the store of the same name)."""

    fn: Callable[[View], np.ndarray] | None = None

    def values(self, view: View) -> np.ndarray:
        return view.st(self.name) if self.fn is None else self.fn(view)


@runtime_checkable
class Subsystem(Protocol):
    name: ClassVar[str]
    inputs: ClassVar[tuple[str, ...]]
    outputs: ClassVar[tuple[str, ...]]
    feedback: ClassVar[tuple[str, ...]]
    aux: ClassVar[tuple[str, ...]]

    def install(self, net: Any, ctx: Any) -> None: ...

    def control(self, net: Any) -> None: ...

    def state(self) -> dict: ...

    def load_state(self, state: dict) -> None: ...

    def telemetry(self) -> list[Telemetry]: ...


def controller_order(subsystems: list, provided: set[str] = frozenset()) -> list:
    """Subsystems ordered so that each runs after the producers of its (non-feedback) inputs.

    ``provided`` are signals set by events rather than by a controller.  Raises ``ValueError`` on
    an input nobody produces or on a cycle that is not declared as feedback."""
    producer: dict[str, Any] = {}
    for s in subsystems:
        for o in s.outputs:
            if o in producer:
                raise ValueError(f"signal {o} produced by both {producer[o].name} and {s.name}")
            producer[o] = s
    deps: dict[str, set[str]] = {}
    for s in subsystems:
        d = set()
        for i in s.inputs:
            if i in s.feedback:
                continue
            if i in producer:
                d.add(producer[i].name)
            elif i not in provided:
                raise ValueError(f"{s.name}: input {i} is produced by no subsystem")
        for i in s.feedback:
            if i not in producer:
                raise ValueError(f"{s.name}: feedback input {i} is produced by no subsystem")
        deps[s.name] = d - {s.name}
    order, done = [], set()
    by_name = {s.name: s for s in subsystems}
    pending = [s.name for s in subsystems]  # declaration order breaks ties
    while pending:
        ready = [n for n in pending if deps[n] <= done]
        if not ready:
            raise ValueError(f"controller cycle among {', '.join(pending)} (declare one input as feedback)")
        n = ready[0]
        order.append(by_name[n])
        done.add(n)
        pending.remove(n)
    return order
