"""The crew's daily timeline: sleep, work, exercise (Beijing time, as flown on Tiangong).

The Tiangong crew keeps Beijing time (UTC+8): sleep 22:00-06:00 BJT = 14:00-22:00 UTC.  Each
crew member exercises 30 min a day (BVAD's reference day: 8 h sleep, 30 min exercise, the rest
nominal), staggered one hour apart by crew slot from 11:00 BJT.  Slots are assigned in name order
among those aboard when the slot starts, so the timeline works for 3 or 6 crew without per-person
schedules.  Hours are data here, not logic: change them in this module's constants.
"""

from __future__ import annotations

DAY_S = 86400.0
SLEEP_START_UTC_H = 14.0   # 22:00 BJT
SLEEP_END_UTC_H = 22.0     # 06:00 BJT
EXERCISE_START_UTC_H = 3.0  # 11:00 BJT for slot 0
EXERCISE_STAGGER_H = 1.0
EXERCISE_DURATION_H = 0.5
MAX_SLOTS = 6


def activity_at(t_of_day_s: float) -> str:
    """Sleep or nominal at a time of day (UTC seconds since midnight, any multiple of a day)."""
    h = (t_of_day_s % DAY_S) / 3600.0
    return "sleep" if SLEEP_START_UTC_H <= h < SLEEP_END_UTC_H else "nominal"


def transitions(tod0_s: float, duration_s: float):
    """Timeline transitions ``(t_s, slot, activity)`` for a window starting ``tod0_s`` after a UTC
    midnight; ``slot`` None means every crew member, an int the k-th (name order)."""
    out = []
    day = -1
    while True:
        base = day * DAY_S - tod0_s
        if base > duration_s:
            break
        items = [(SLEEP_START_UTC_H, None, "sleep"), (SLEEP_END_UTC_H, None, "nominal")]
        for k in range(MAX_SLOTS):
            h = EXERCISE_START_UTC_H + k * EXERCISE_STAGGER_H
            items.append((h, k, "exercise"))
            items.append((h + EXERCISE_DURATION_H, k, "end_exercise"))
        for h, slot, act in items:
            t = base + h * 3600.0
            if 0.0 < t < duration_s:
                out.append((t, slot, act))
        day += 1
    out.sort(key=lambda e: e[0])
    return out
