"""Kinematics of Tiangong's robotic arms (Tianhe large arm, Wentian small arm, both combined).

Pure numpy; nothing here imports the engine or the CLI.

Model (see docs/robotics.md and data/robotics/arms.toml)
--------------------------------------------------------
Each arm is a serial chain of revolute joints.  Units: metres and radians; poses are 4x4 homogeneous
matrices of the tool (tip end-effector interface) frame expressed in the arm's *base* frame (origin at the
base end-effector / target-adapter interface, +z out of the hull).

Forward kinematics uses the **product of exponentials** (space form, Lynch & Park ch. 4)::

    T(q) = exp([S_1] q_1) exp([S_2] q_2) ... exp([S_n] q_n) M

where ``S_i = (w_i, -w_i x p_i)`` is the unit screw of joint ``i`` (axis ``w_i`` through point ``p_i``) in the base
frame with all joints at zero, and ``M`` the tool pose at zero.  For a pure rotation,
``exp([S] t) = [[R(w, t), (I - R) p], [0, 1]]`` (Rodrigues).

The Jacobian is the geometric Jacobian in the base frame, rows ``(v_tool_origin, omega)``.

Inverse kinematics: damped least squares (Levenberg-Marquardt style damping) on the 6-D error
``(p_target - p, log(R_target R^T))``, with a null-space term (projected with the exact pseudo-inverse)
that pulls towards a preferred posture and away from joint limits, joint limits enforced by clipping,
and deterministic random restarts.  Reachability is decided analytically first (spherical shoulder and
wrist: see :meth:`Arm.pose_reachable`); an unreachable target is a result, not an error.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from tiangong.errors import InputError

__all__ = [
    "Joint",
    "Arm",
    "IKResult",
    "Trajectory",
    "CarryResult",
    "load_arm",
    "arm_names",
    "carry",
    "carry_time_s",
    "rot",
    "rot_log",
]

_AXES = {"x": np.array([1.0, 0.0, 0.0]), "y": np.array([0.0, 1.0, 0.0]), "z": np.array([0.0, 0.0, 1.0])}


# ----------------------------------------------------------------------------------------------- helpers
def _skew(w: np.ndarray) -> np.ndarray:
    return np.array([[0.0, -w[2], w[1]], [w[2], 0.0, -w[0]], [-w[1], w[0], 0.0]])


def rot(axis: np.ndarray, angle: float) -> np.ndarray:
    """Rotation matrix about unit ``axis`` by ``angle`` rad (Rodrigues)."""
    k = _skew(np.asarray(axis, dtype=float))
    return np.eye(3) + math.sin(angle) * k + (1.0 - math.cos(angle)) * (k @ k)


def rot_log(r: np.ndarray) -> np.ndarray:
    """Rotation vector (axis * angle, |angle| <= pi) of rotation matrix ``r``; robust near 0 and pi."""
    cos_t = max(-1.0, min(1.0, (np.trace(r) - 1.0) / 2.0))
    theta = math.acos(cos_t)
    w = np.array([r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]])
    if theta < 1e-6:
        return 0.5 * w  # first order; exact enough below 1e-6 rad
    if math.pi - theta < 1e-4:
        # near pi: axis from the symmetric part, sign from the skew part
        b = (r + np.eye(3)) / 2.0
        i = int(np.argmax(np.diag(b)))
        axis = b[:, i] / math.sqrt(max(b[i, i], 1e-300))
        if np.dot(axis, w) < 0:
            axis = -axis
        return theta * axis / np.linalg.norm(axis)
    return theta / (2.0 * math.sin(theta)) * w


def _transform(r: np.ndarray | None = None, p: np.ndarray | None = None) -> np.ndarray:
    t = np.eye(4)
    if r is not None:
        t[:3, :3] = r
    if p is not None:
        t[:3, 3] = p
    return t


# ------------------------------------------------------------------------------------------- data types
@dataclass(frozen=True)
class Joint:
    """A revolute joint as read from the data: ``origin`` (m) relative to the previous joint frame and
    ``axis`` (unit vector) in the joint's own frame; limits in rad, rate in rad/s, accel in rad/s^2.
    The full placements (including the flip between chained arms) are in ``Arm.placements``."""

    name: str
    axis: tuple[float, float, float]
    origin: tuple[float, float, float]
    lower: float
    upper: float
    rate: float
    accel: float


@dataclass(frozen=True)
class IKResult:
    q: np.ndarray
    success: bool
    reachable: bool
    iterations: int
    position_error_m: float
    orientation_error_rad: float
    reason: str


@dataclass(frozen=True)
class Trajectory:
    """Synchronized trapezoidal joint-space profile. ``t`` (N,), ``q`` (N, n), ``qd`` (N, n)."""

    duration_s: float
    t: np.ndarray
    q: np.ndarray
    qd: np.ndarray


@dataclass(frozen=True)
class CarryResult:
    time_s: float  # math.inf if either pose cannot be reached
    ok: bool
    q_a: np.ndarray | None
    q_b: np.ndarray | None
    reason: str


@dataclass(frozen=True, eq=False)
class Arm:
    """A serial revolute arm.

    ``links`` is the chain description used both by this module and by the pinocchio cross-check: a
    tuple of ``(R_parent_joint (3x3), p_parent_joint (3,), axis (3,))`` placements; ``tool`` is the 4x4
    placement of the tool frame relative to the last joint frame.  ``shoulder`` is the shoulder point in
    the base frame; ``reach_m`` the maximum distance from it to the tool origin; ``wrist`` (``(offset in
    tool frame, max shoulder-to-wrist distance)``, or ``None``) gives the exact pose-reachability test of
    an SSRMS-type arm with spherical shoulder and wrist.
    """

    name: str
    joints: tuple[Joint, ...]
    placements: tuple[np.ndarray, ...]  # 4x4 joint placement relative to the previous joint frame
    tool: np.ndarray  # 4x4 tool placement relative to the last joint frame
    shoulder: np.ndarray
    reach_m: float
    wrist: tuple[np.ndarray, float] | None
    q_preferred: np.ndarray
    title: str = ""
    # derived PoE quantities
    _screws: tuple[tuple[np.ndarray, np.ndarray], ...] = field(default=(), repr=False)
    _home: np.ndarray = field(default_factory=lambda: np.eye(4), repr=False)

    def __post_init__(self) -> None:
        t = np.eye(4)
        screws = []
        for pl, j in zip(self.placements, self.joints):
            t = t @ pl
            w = t[:3, :3] @ np.asarray(j.axis, dtype=float)
            screws.append((w / np.linalg.norm(w), t[:3, 3].copy()))
        object.__setattr__(self, "_screws", tuple(screws))
        object.__setattr__(self, "_home", t @ self.tool)

    # ------------------------------------------------------------------ basic properties
    @property
    def n(self) -> int:
        return len(self.joints)

    @property
    def lower(self) -> np.ndarray:
        return np.array([j.lower for j in self.joints])

    @property
    def upper(self) -> np.ndarray:
        return np.array([j.upper for j in self.joints])

    @property
    def rates(self) -> np.ndarray:
        return np.array([j.rate for j in self.joints])

    @property
    def accels(self) -> np.ndarray:
        return np.array([j.accel for j in self.joints])

    def _check_q(self, q, where: str = "q") -> np.ndarray:
        a = np.asarray(q, dtype=float).reshape(-1)
        if a.shape != (self.n,):
            raise InputError(where, f"expected {self.n} joint angles for arm {self.name!r}, got {a.size}")
        if not np.all(np.isfinite(a)):
            raise InputError(where, "joint angles must be finite")
        return a

    def within_limits(self, q, tol: float = 1e-12) -> bool:
        q = np.asarray(q, dtype=float)
        return bool(np.all(q >= self.lower - tol) and np.all(q <= self.upper + tol))

    # ------------------------------------------------------------------ kinematics
    def _frames(self, q: np.ndarray) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """PoE: returns the tool pose and the current (axis, point) of every joint in the base frame."""
        t = np.eye(4)
        axes = []
        for (w, p), qi in zip(self._screws, q):
            r0, p0 = t[:3, :3], t[:3, 3]
            axes.append((r0 @ w, r0 @ p + p0))
            r = rot(w, qi)
            e = _transform(r, (np.eye(3) - r) @ p)
            t = t @ e
        return t @ self._home, axes

    def fk(self, q) -> np.ndarray:
        """Tool pose (4x4, metres) in the base frame for joint angles ``q`` (rad)."""
        return self._frames(self._check_q(q))[0]

    def jacobian(self, q) -> np.ndarray:
        """Geometric Jacobian (6 x n) in the base frame: rows = (linear velocity of the tool origin, angular
        velocity), so that ``[v; w] = J(q) qdot``."""
        return self._jac(self._check_q(q))[0]

    def _jac(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t, axes = self._frames(q)
        pe = t[:3, 3]
        j = np.empty((6, self.n))
        for i, (w, p) in enumerate(axes):
            j[:3, i] = np.cross(w, pe - p)
            j[3:, i] = w
        return j, t

    # ------------------------------------------------------------------ reachability
    def is_reachable(self, position) -> bool:
        """Fast position check: is ``position`` (base frame, m) within ``reach_m`` of the shoulder point?

        For the single SSRMS-type arms (spherical shoulder and wrist, joint range >= 360 deg) this is exact
        for the tool origin ignoring collisions; for the combined arm it is the reach-sphere bound."""
        p = np.asarray(position, dtype=float).reshape(3)
        return bool(np.linalg.norm(p - self.shoulder) <= self.reach_m + 1e-9)

    def pose_reachable(self, target) -> tuple[bool, str]:
        """Analytic reachability of a full pose: the wrist centre must lie within boom1 + boom2 of the
        shoulder (exact for spherical shoulder and wrist, ignoring collisions); falls back to the
        reach sphere when the arm has no single wrist (combined arm)."""
        t = np.asarray(target, dtype=float)
        d = float(np.linalg.norm(t[:3, 3] - self.shoulder))
        if d > self.reach_m + 1e-9:
            return False, f"target is beyond reach: {d:.3f} m from the shoulder > reach {self.reach_m:.3f} m"
        if self.wrist is not None:
            off, rmax = self.wrist
            wc = t[:3, :3] @ off + t[:3, 3]
            dw = float(np.linalg.norm(wc - self.shoulder))
            if dw > rmax + 1e-9:
                return False, (
                    f"orientation puts the wrist beyond reach: wrist centre {dw:.3f} m from the shoulder > "
                    f"boom reach {rmax:.3f} m (position itself is {d:.3f} m <= reach {self.reach_m:.3f} m)"
                )
        return True, "within reach"

    # ------------------------------------------------------------------ inverse kinematics
    def ik(
        self,
        target,
        q0=None,
        *,
        position_only: bool = False,
        tol_m: float = 1e-6,
        tol_rad: float = 1e-6,
        max_iter: int = 300,
        restarts: int = 12,
        seed: int = 0,
        null_gain: float = 0.05,
    ) -> IKResult:
        """Damped-least-squares IK with null-space posture/limit term and random restarts.

        ``target``: 4x4 pose in the base frame (for ``position_only`` only its translation is used; a
        3-vector is also accepted).  Restarts use a seeded generator so results are reproducible."""
        t = np.asarray(target, dtype=float)
        if t.shape == (3,):
            if not position_only:
                raise InputError("target", "a 3-vector target needs position_only=True")
            t = _transform(p=t)
        if t.shape != (4, 4) or not np.all(np.isfinite(t)):
            raise InputError("target", "expected a finite 4x4 homogeneous transform")
        if not position_only:
            r = t[:3, :3]
            if np.abs(r.T @ r - np.eye(3)).max() > 1e-6 or np.linalg.det(r) < 0:
                raise InputError("target", "rotation part is not a proper rotation matrix")
        if tol_m <= 0 or tol_rad <= 0:
            raise InputError("tol", "tolerances must be positive")
        if position_only:
            ok = self.is_reachable(t[:3, 3])
            why = "within reach" if ok else (
                f"target is beyond reach: {np.linalg.norm(t[:3, 3] - self.shoulder):.3f} m from the shoulder "
                f"> reach {self.reach_m:.3f} m")
        else:
            ok, why = self.pose_reachable(t)
        qs = self.q_preferred.copy() if q0 is None else np.clip(self._check_q(q0, "q0"), self.lower, self.upper)
        if not ok:
            pe, oe = self._errors(qs, t, position_only)
            return IKResult(qs, False, False, 0, pe, oe, why)

        rng = np.random.default_rng(seed)
        total = 0
        best = None
        # restart ranges: the preferred/given start, then random postures within +-pi (inside the limits)
        lo = np.maximum(self.lower, -math.pi)
        hi = np.minimum(self.upper, math.pi)
        for k in range(restarts + 1):
            start = qs if k == 0 else rng.uniform(lo, hi)
            q, it, pe, oe = self._dls(start, t, position_only, tol_m, tol_rad, max_iter, null_gain)
            total += it
            score = pe + (0.0 if position_only else oe)
            if best is None or score < best[0]:
                best = (score, q, pe, oe)
            if pe <= tol_m and (position_only or oe <= tol_rad):
                return IKResult(q, True, True, total, pe, oe, f"converged (restart {k})")
        _, q, pe, oe = best
        return IKResult(q, False, True, total, pe, oe,
                        f"did not converge after {restarts + 1} starts although within reach "
                        f"(best error {pe:.2e} m, {oe:.2e} rad)")

    def _errors(self, q, t, position_only):
        cur = self.fk(q)
        pe = float(np.linalg.norm(t[:3, 3] - cur[:3, 3]))
        oe = 0.0 if position_only else float(np.linalg.norm(rot_log(t[:3, :3] @ cur[:3, :3].T)))
        return pe, oe

    def _dls(self, q, t, position_only, tol_m, tol_rad, max_iter, null_gain):
        q = q.copy()
        lo, hi = self.lower, self.upper
        mid = 0.5 * (lo + hi)
        span = hi - lo
        lam0 = 0.05 * self.reach_m  # damping scale (metres; orientation rows weighted by reach below)
        wlen = self.reach_m  # orientation error weighted by a characteristic length
        pe = oe = math.inf
        for it in range(1, max_iter + 1):
            j, cur = self._jac(q)
            ep = t[:3, 3] - cur[:3, 3]
            pe = float(np.linalg.norm(ep))
            if position_only:
                e, jj, oe = ep, j[:3], 0.0
            else:
                eo = rot_log(t[:3, :3] @ cur[:3, :3].T)
                oe = float(np.linalg.norm(eo))
                e = np.concatenate([ep, wlen * eo])
                jj = np.vstack([j[:3], wlen * j[3:]])
            if pe <= tol_m and (position_only or oe <= tol_rad):
                return q, it - 1, pe, oe
            en = float(np.linalg.norm(e))
            lam2 = (lam0 * min(1.0, en / self.reach_m)) ** 2  # LM-style: damping fades near the solution
            m = jj @ jj.T + lam2 * np.eye(jj.shape[0])
            dq = jj.T @ np.linalg.solve(m, e)
            # null space: preferred posture + joint-limit avoidance (gradient of sum ((q-mid)/span)^2)
            if null_gain > 0 and en > 1e3 * tol_m:
                grad = (self.q_preferred - q) + 4.0 * (mid - q) / span**2 * span.max()
                jp = np.linalg.pinv(jj, rcond=1e-8)
                dq = dq + null_gain * (np.eye(self.n) - jp @ jj) @ grad
            step = float(np.abs(dq).max())
            if step > 0.5:
                dq *= 0.5 / step
            q = np.clip(q + dq, lo, hi)
        pe, oe = self._errors(q, t, position_only)
        return q, max_iter, pe, oe

    # ------------------------------------------------------------------ trajectories
    def _profile(self, q_a, q_b, rate, accel):
        dq = q_b - q_a
        rates = self.rates if rate is None else np.broadcast_to(np.asarray(rate, dtype=float), (self.n,))
        accs = self.accels if accel is None else np.broadcast_to(np.asarray(accel, dtype=float), (self.n,))
        if np.any(rates <= 0) or np.any(accs <= 0):
            raise InputError("rate_limit_rad_s", "rate and acceleration limits must be positive")
        ad = np.abs(dq)
        if ad.max() == 0.0:
            return dq, 0.0, 0.0, 0.0
        moving = ad > 0
        sd = float(np.min(rates[moving] / ad[moving]))  # max normalized speed ds/dt
        sdd = float(np.min(accs[moving] / ad[moving]))  # max normalized acceleration (inf if accel inf)
        if math.isinf(sdd):
            return dq, 1.0 / sd, sd, sdd
        if sd * sd / sdd <= 1.0:  # trapezoid: cruise phase exists
            return dq, 1.0 / sd + sd / sdd, sd, sdd
        sd = math.sqrt(sdd)  # triangle: peak speed sqrt(a * D)
        return dq, 2.0 / sd, sd, sdd

    def move_time_s(self, q_a, q_b, rate_limit_rad_s=None, *, accel_rad_s2=None) -> float:
        """Duration of the synchronized trapezoidal move from ``q_a`` to ``q_b`` (see :meth:`trajectory`)."""
        qa, qb = self._check_q(q_a, "q_a"), self._check_q(q_b, "q_b")
        return self._profile(qa, qb, rate_limit_rad_s, accel_rad_s2)[1]

    def trajectory(self, q_start, q_end, rate_limit_rad_s=None, *, accel_rad_s2=None, dt_s: float = 1.0) -> Trajectory:
        """Synchronized joint-space trapezoid: ``q(t) = q_start + s(t) (q_end - q_start)`` with one time law
        ``s`` for all joints, limited so every joint respects its rate ``v_i`` and acceleration ``a_i``.

        With ``D_i = |dq_i|``: ``s_dot_max = min v_i/D_i``, ``s_ddot_max = min a_i/D_i`` and the duration is
        ``T = 1/s_dot_max + s_dot_max/s_ddot_max`` (equal rates and accelerations: ``T = D/v + v/a`` with
        ``D = max D_i``), or the triangle ``T = 2 / sqrt(s_ddot_max)`` for short moves.  With
        ``accel_rad_s2=inf`` the profile is a pure velocity step and ``T = max_i D_i / v_i``.
        ``rate_limit_rad_s`` / ``accel_rad_s2`` default to the arm data (scalar or per joint)."""
        qa, qb = self._check_q(q_start, "q_start"), self._check_q(q_end, "q_end")
        if not (dt_s > 0):
            raise InputError("dt_s", "sample step must be positive")
        dq, dur, sd, sdd = self._profile(qa, qb, rate_limit_rad_s, accel_rad_s2)
        if dur == 0.0:
            return Trajectory(0.0, np.array([0.0]), qa[None, :].copy(), np.zeros((1, self.n)))
        t = np.unique(np.append(np.arange(0.0, dur, dt_s), dur))
        if math.isinf(sdd):
            s, sdot = t * sd, np.full_like(t, sd)
            sdot[-1] = 0.0
        else:
            ta = sd / sdd  # ramp time
            s = np.where(t < ta, 0.5 * sdd * t**2,
                         np.where(t <= dur - ta, 0.5 * sdd * ta**2 + sd * (t - ta), 1.0 - 0.5 * sdd * (dur - t) ** 2))
            sdot = np.where(t < ta, sdd * t, np.where(t <= dur - ta, sd, sdd * (dur - t)))
        s = np.clip(s, 0.0, 1.0)
        return Trajectory(dur, t, qa + np.outer(s, dq), np.outer(sdot, dq))


# --------------------------------------------------------------------------------------------- loading
def _load_toml() -> dict:
    text = resources.files("tiangong.data.robotics").joinpath("arms.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def arm_names() -> list[str]:
    return list(_load_toml()["arms"].keys())


def _chain(name: str, p: dict) -> tuple[list[Joint], list[np.ndarray], np.ndarray, dict]:
    where = f"arms.toml [arms.{name}]"
    try:
        l1, l2 = float(p["boom1_m"]), float(p["boom2_m"])
        ee, ry = float(p["ee_m"]), float(p["roll_to_yaw_m"])
        so, eo = float(p["pitch_offset_m"]), float(p["elbow_offset_m"])
        lim = math.radians(float(p["joint_limit_deg"]))
        rate = math.radians(float(p["joint_rate_deg_s"]))
        acc = math.radians(float(p["joint_accel_deg_s2"]))
    except KeyError as exc:
        raise InputError(where, f"missing key {exc.args[0]!r}") from None
    total = 2 * (ee + ry) + l1 + l2
    if abs(total - float(p.get("total_length_m", total))) > 1e-6:
        raise InputError(where, f"parts sum to {total} m, not total_length_m = {p['total_length_m']}")
    spec = [
        ("shoulder_roll", "z", (0, 0, ee)),
        ("shoulder_yaw", "x", (0, 0, ry)),
        ("shoulder_pitch", "y", (0, so, 0)),
        ("elbow_pitch", "y", (l1, eo, 0)),
        ("wrist_pitch", "y", (l2, -eo, 0)),
        ("wrist_yaw", "x", (0, -so, 0)),
        ("wrist_roll", "z", (0, 0, -ry)),
    ]
    joints = [Joint(f"{name}.{n}", tuple(_AXES[a]), tuple(map(float, o)), -lim, lim, rate, acc) for n, a, o in spec]
    placements = [_transform(p=np.array(j.origin)) for j in joints]
    tool = _transform(rot(_AXES["x"], math.pi), np.array([0.0, 0.0, -ee]))
    tool[np.abs(tool) < 1e-15] = 0.0
    info = {"l1": l1, "l2": l2, "h": ee + ry, "total": total}
    return joints, placements, tool, info


def load_arm(name: str) -> Arm:
    """Build ``"tianhe"``, ``"wentian"`` or ``"combined"`` from data/robotics/arms.toml."""
    arms = _load_toml()["arms"]
    if name not in arms:
        raise InputError("arm", f"unknown arm {name!r}; known: {', '.join(arms)}")
    p = arms[name]
    if "chain" not in p:
        joints, placements, tool, info = _chain(name, p)
        h = info["h"]
        shoulder = np.array([0.0, 0.0, h])
        reach = info["l1"] + info["l2"] + h
        # tool +z points away from the arm, so the wrist centre is h behind the tool origin (-z in the tool frame)
        wrist = (np.array([0.0, 0.0, -h]), info["l1"] + info["l2"])
        qpref = _preferred(len(joints))
        return Arm(name, tuple(joints), tuple(placements), tool, shoulder, reach, wrist, qpref, p.get("title", ""))
    # combined chain: the second arm's base frame coincides with the first arm's tool frame (+ offset along z)
    joints, placements, shoulder, reach = [], [], None, 0.0
    tool = np.eye(4)
    for k, sub in enumerate(p["chain"]):
        if sub not in arms or "chain" in arms[sub]:
            raise InputError(f"arms.toml [arms.{name}].chain", f"unknown or nested arm {sub!r}")
        js, pls, tl, info = _chain(sub, arms[sub])
        if k == 0:
            shoulder = np.array([0.0, 0.0, info["h"]])
            reach = info["l1"] + info["l2"] + info["h"]
        else:
            off = float(p.get("interface_offset_m", 0.0))
            pls = [tool @ _transform(p=np.array([0.0, 0.0, off])) @ pls[0]] + pls[1:]
            reach += off + info["total"]
        joints += js
        placements += pls
        tool = tl
    return Arm(name, tuple(joints), tuple(placements), tool, shoulder, reach, None, _preferred(len(joints)),
               p.get("title", ""))


def _preferred(n: int) -> np.ndarray:
    """Preferred posture: elbow bent ~60 deg with shoulder/wrist pitch compensating (per 7-joint arm)."""
    one = np.array([0.0, 0.0, -0.5, 1.0, -0.5, 0.0, 0.0])
    return np.tile(one, n // 7)


# ------------------------------------------------------------------------------------------ carry time
def carry(arm: Arm, pose_a, pose_b, *, position_only: bool = False, q0=None) -> CarryResult:
    """IK at ``pose_a`` then at ``pose_b`` (seeded from the first solution so the arm does not flip
    posture needlessly), and the synchronized joint move time between them."""
    ra = arm.ik(pose_a, q0, position_only=position_only)
    if not ra.success:
        return CarryResult(math.inf, False, None, None, f"pose A: {ra.reason}")
    rb = arm.ik(pose_b, ra.q, position_only=position_only)
    if not rb.success:
        return CarryResult(math.inf, False, ra.q, None, f"pose B: {rb.reason}")
    return CarryResult(arm.move_time_s(ra.q, rb.q), True, ra.q, rb.q, "ok")


def carry_time_s(arm: Arm, pose_a, pose_b, *, position_only: bool = False) -> float:
    """Time (s) to carry an astronaut on the foot restraint from ``pose_a`` to ``pose_b``: IK both, then the
    joint trajectory time.  ``math.inf`` if either pose cannot be reached (see :func:`carry` for why)."""
    return carry(arm, pose_a, pose_b, position_only=position_only).time_s
