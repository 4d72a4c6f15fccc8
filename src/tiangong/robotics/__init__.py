"""Robotic-arm kinematics (Tianhe large arm, Wentian small arm, combined) and station hull geometry.

Pure numpy; see docs/robotics.md.
"""

from tiangong.robotics.arm import (
    Arm,
    CarryResult,
    IKResult,
    Joint,
    Trajectory,
    arm_names,
    carry,
    carry_time_s,
    load_arm,
)

__all__ = ["Arm", "CarryResult", "IKResult", "Joint", "Trajectory", "arm_names", "carry", "carry_time_s", "load_arm"]
