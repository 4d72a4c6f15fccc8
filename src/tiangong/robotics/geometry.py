"""Station hull geometry for arm work: module frames, hatches, target adapters, worksites (pure numpy).

Frame and model: see data/robotics/station_geometry.toml and docs/robotics.md.  Origin at the Tianhe node
centre, +x forward along Tianhe, +y starboard (Wentian), +z nadir.  Modules are coaxial cylinders; a hull
point is (module, axial coordinate s, azimuth from zenith).  All positions are approximate (U).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from tiangong.errors import InputError
from tiangong.robotics.arm import Arm, load_arm

__all__ = [
    "Module",
    "HullPoint",
    "StationGeometry",
    "load_geometry",
    "translation_path_m",
    "reach_table",
]

_ZENITH = np.array([0.0, 0.0, -1.0])
_WHERE = "station_geometry.toml"


@dataclass(frozen=True)
class Module:
    name: str
    axis: np.ndarray  # unit vector from the node outwards
    sections: tuple[tuple[float, float, float], ...]  # (s_start, s_end, radius_m)
    junction: tuple[float, float]  # (s_m, azimuth_deg) where crews cross to another module

    def radius_at(self, s: float) -> float:
        for a, b, r in self.sections:
            if a - 1e-9 <= s <= b + 1e-9:
                return r
        raise InputError(f"{_WHERE} [modules.{self.name}]", f"s = {s} m is outside the module ({self.s_range})")

    @property
    def s_range(self) -> tuple[float, float]:
        return self.sections[0][0], self.sections[-1][1]

    def radial(self, azimuth_deg: float) -> np.ndarray:
        """Outward unit normal at ``azimuth_deg`` (0 = zenith, right-handed about the axis)."""
        zen = _ZENITH - np.dot(_ZENITH, self.axis) * self.axis
        zen /= np.linalg.norm(zen)
        side = np.cross(self.axis, zen)
        a = math.radians(azimuth_deg)
        return math.cos(a) * zen + math.sin(a) * side

    def point(self, s: float, azimuth_deg: float) -> np.ndarray:
        return self.axis * s + self.radius_at(s) * self.radial(azimuth_deg)


@dataclass(frozen=True)
class HullPoint:
    name: str
    kind: str  # hatch, camera, handle, pump_set, stowage, bridge, base
    module: str
    s_m: float
    azimuth_deg: float
    position: np.ndarray  # station frame, on the hull
    normal: np.ndarray  # outward unit normal
    arms: tuple[str, ...] = ()  # base points only: arm configurations that may stand here


@dataclass(frozen=True)
class StationGeometry:
    modules: dict[str, Module]
    sites: dict[str, HullPoint]  # worksites and hatches
    base_points: dict[str, HullPoint]
    standoff_m: float

    def point(self, name: str) -> HullPoint:
        if name in self.sites:
            return self.sites[name]
        if name in self.base_points:
            return self.base_points[name]
        raise InputError("site", f"unknown site or base point {name!r}")

    def base_frame(self, base: str) -> np.ndarray:
        """4x4 pose of an arm base frame standing on ``base``: origin on the hull, +z the outward normal,
        +x along the module axis (away from the node)."""
        b = self.base_points[base] if base in self.base_points else self.point(base)
        z = b.normal
        x = self.modules[b.module].axis
        y = np.cross(z, x)
        t = np.eye(4)
        t[:3, 0], t[:3, 1], t[:3, 2], t[:3, 3] = x, y, z, b.position
        return t

    def work_pose(self, site: str, standoff_m: float | None = None) -> np.ndarray:
        """Station-frame pose of the arm tip (foot restraint) serving ``site``: ``standoff_m`` off the hull
        along the normal, tool +z pointing at the hull, tool +x along the module axis."""
        p = self.point(site)
        d = self.standoff_m if standoff_m is None else float(standoff_m)
        z = -p.normal
        x = self.modules[p.module].axis
        y = np.cross(z, x)
        t = np.eye(4)
        t[:3, 0], t[:3, 1], t[:3, 2], t[:3, 3] = x, y, z, p.position + d * p.normal
        return t

    def in_base(self, base: str, pose_or_point) -> np.ndarray:
        """Express a station-frame 4x4 pose or 3-vector in the base frame of ``base``."""
        inv = np.linalg.inv(self.base_frame(base))
        a = np.asarray(pose_or_point, dtype=float)
        if a.shape == (3,):
            return inv[:3, :3] @ a + inv[:3, 3]
        return inv @ a


def _f(d: dict, key: str, where: str) -> float:
    try:
        return float(d[key])
    except KeyError:
        raise InputError(where, f"missing key {key!r}") from None
    except (TypeError, ValueError):
        raise InputError(where, f"{key} must be a number") from None


@lru_cache(maxsize=1)
def load_geometry() -> StationGeometry:
    """Read data/robotics/station_geometry.toml (cached; the result is treated as read-only)."""
    text = resources.files("tiangong.data.robotics").joinpath("station_geometry.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    modules = {}
    for name, m in data["modules"].items():
        ax = np.asarray(m["axis"], dtype=float)
        modules[name] = Module(name, ax / np.linalg.norm(ax), tuple(tuple(map(float, s)) for s in m["sections"]),
                               tuple(map(float, m["junction"])))

    def hp(entry: dict, table: str, kind: str | None = None) -> HullPoint:
        where = f"{_WHERE} [[{table}]] {entry.get('name', '?')}"
        mod = entry.get("module")
        if mod not in modules:
            raise InputError(where, f"unknown module {mod!r}")
        s, az = _f(entry, "s_m", where), _f(entry, "azimuth_deg", where)
        m = modules[mod]
        return HullPoint(entry["name"], kind or entry.get("kind", "site"), mod, s, az, m.point(s, az), m.radial(az),
                         tuple(entry.get("arms", ())))

    sites = {e["name"]: hp(e, "sites") for e in data.get("sites", [])}
    bases = {e["name"]: hp(e, "base_points", "base") for e in data.get("base_points", [])}
    return StationGeometry(modules, sites, bases, float(data.get("standoff_m", 1.2)))


def _on_module(m: Module, s1: float, az1: float, s2: float, az2: float) -> float:
    """Hull-following (handrail-like, Manhattan) path on one module: axial distance + radial step between
    sections of different diameter + circumferential arc at the larger of the two radii (azimuth difference
    wrapped to <= 180 deg).  Never shorter than the straight line between the two points."""
    daz = abs((az2 - az1 + 180.0) % 360.0 - 180.0)
    r1, r2 = m.radius_at(s1), m.radius_at(s2)
    return abs(s2 - s1) + abs(r2 - r1) + max(r1, r2) * math.radians(daz)


def translation_path_m(a: str, b: str, geometry: StationGeometry | None = None) -> float:
    """Estimated hull-following translation path length (m) between two sites/base points.

    Same module: axial + circumferential distance.  Different modules: to the first module's junction
    (near the node), a straight crossing to the second module's junction, then on the second module.
    An estimate for EVA planning, not a route: handrail layout and obstacles are not modelled (U)."""
    if not (isinstance(a, str) and isinstance(b, str)):
        # positions are deliberately not accepted: callers may use another station frame
        raise TypeError("translation_path_m takes site/base-point names from station_geometry.toml")
    g = geometry or load_geometry()
    pa, pb = g.point(a), g.point(b)
    ma, mb = g.modules[pa.module], g.modules[pb.module]
    if pa.module == pb.module:
        return _on_module(ma, pa.s_m, pa.azimuth_deg, pb.s_m, pb.azimuth_deg)
    ja, jb = ma.junction, mb.junction
    cross = float(np.linalg.norm(ma.point(*ja) - mb.point(*jb)))
    return (_on_module(ma, pa.s_m, pa.azimuth_deg, *ja) + cross
            + _on_module(mb, *jb, pb.s_m, pb.azimuth_deg))


def reach_table(arm_name: str, geometry: StationGeometry | None = None, *, standoff_m: float | None = None,
                arm: Arm | None = None) -> dict[str, list[str]]:
    """For every site (worksites and hatches): the base points from which ``arm_name`` can put its tip at the
    site's work point (``standoff_m`` off the hull).  Position reach only (``Arm.is_reachable``: reach sphere
    around the shoulder); arm/hull collisions are not checked."""
    g = geometry or load_geometry()
    a = arm or load_arm(arm_name)
    out: dict[str, list[str]] = {}
    for sname in g.sites:
        wp = g.work_pose(sname, standoff_m)[:3, 3]
        out[sname] = [b for b, bp in g.base_points.items()
                      if arm_name in bp.arms and a.is_reachable(g.in_base(b, wp))]
    return out
