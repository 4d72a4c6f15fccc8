"""Physical limits of a scenario: what the station can carry, hold and when it existed.

A scenario that passes its schema can still be impossible: 1,000 crew, 1e308 kg of water, a window
past the end of the station's known history.  :func:`check_scenario` refuses those with the
physical reason, naming the file and the field, before anything runs.

Limits (all from packaged data, nothing hard-coded about a particular station):

* crew aboard at any time of the window <= what CO2 removal can keep up with: its rated capacity
  (data/systems/eclss.toml ``max_co2_kg_per_day``) over the CO2 one crew member exhales a day
  (BVAD, data/crew); with the packaged values 9 kg/d / 1.04 kg/d -> 8 crew.
* water, food, O2 and N2 aboard at the start <= what the pressurised volume of the modules and
  docked vehicles could hold at the density of water (1000 kg/m3): they are stowed inside.
* station propellant <= the modules' whole mass in orbit, which includes their tanks.
* each EVA's airlock module is part of the station at the EVA's start, and its crew are aboard;
  a TLE file is read and validated before anything runs.
* the window lies inside the DE421 ephemeris (Sun positions, eclipses) and, for a configuration
  with a history, between the station's first event and its last known one.
"""

from __future__ import annotations

import math

from .errors import InputError
from .timeutil import iso_z
from .validation import check_in_ephemeris

WATER_DENSITY_KG_M3 = 1000.0


def max_crew() -> tuple[int, str]:
    """(most crew life support can carry, the reason as one phrase)."""
    from .crew.metabolism import bvad
    from .systems import eclss

    cap = eclss.params().co2_removal.max_co2_kg_per_day
    per = bvad().co2_kg
    n = int(math.floor(cap / per))
    return n, (f"CO2 removal is rated {cap:g} kg/day and one crew member exhales {per:.2f} kg/day "
               f"(BVAD), so at most {n} crew (data/systems/eclss.toml)")


def check_scenario(sc, where: str) -> None:
    """Refuse a validated scenario ``sc`` that cannot happen (InputError naming ``where`` and the field)."""
    from . import station as st

    check_in_ephemeris(sc.start, f"{where}: start")
    check_in_ephemeris(sc.end, f"{where}: end")
    cfg = st.load_config(sc.station)
    events = st.history(sc.station)
    until = st.history_end(events)
    if until is not None and sc.end > until:
        raise InputError(where, f"end: {iso_z(sc.end, 0)} is after the end of the station history "
                                f"({iso_z(until, 0)}, data/history/{sc.station}.toml): later "
                                "traffic, crews and cargo are not known")
    if sc.start < cfg.valid_from:
        return  # the scenario loader words this one (before the station existed)
    state = st.station_at(sc.start, config=sc.station)

    extra = list(sc.crew)
    both = sorted(set(extra) & set(state.crew))
    if both:
        raise InputError(where, f"crew: {', '.join(both)} already aboard at the start (station history)")
    peak, peak_at = len(state.crew), sc.start
    for ev in events:
        if sc.start < ev.time <= sc.end and ev.kind == "crew_arrive":
            n = len(st.station_at(ev.time, config=sc.station).crew)
            if n > peak:
                peak, peak_at = n, ev.time
    n_max, why = max_crew()
    if peak + len(extra) > n_max:
        raise InputError(where, f"crew: {peak + len(extra)} aboard at {iso_z(peak_at, 0)} "
                                f"({peak} from the history + {len(extra)} extra) is more than life support "
                                f"can carry: {why}")

    _check_evas(sc, where)
    if sc.tle not in ("", "builtin"):  # the TLE file is read and validated now, not mid-run
        from .orbit.tle import select_tle

        try:  # select_tle reads it through validation.read_text: a regular file, at most 4 MiB, UTF-8
            select_tle(sc.start, sc.tle, sc.station)
        except InputError as exc:
            raise InputError(where, f"tle: {exc}") from None

    vol = state.pressurized_volume_with_vehicles_m3
    hold = vol * WATER_DENSITY_KG_M3
    ini = sc.initial
    stowed = {"potable_water_kg": ini.potable_water_kg, "food_kg": ini.food_kg,
              "o2_tank_kg": ini.o2_tank_kg, "n2_tank_kg": ini.n2_tank_kg}
    total = sum(stowed.values())
    if total > hold:
        field = max(stowed, key=stowed.get)
        raise InputError(where, f"initial.{field}: {stowed[field]:.4g} kg ({total:.4g} kg of water, food, O2 and "
                                f"N2 in all) does not fit in the station: its pressurised volume "
                                f"({vol:,.0f} m3 at the start) holds at most {hold:,.0f} kg at the density of water")
    if ini.propellant_kg > state.mass_kg:
        raise InputError(where, f"initial.propellant_kg: {ini.propellant_kg:.4g} kg is more than the modules' whole "
                                f"mass in orbit ({state.mass_kg:,.0f} kg at the start), which includes their tanks")


AIRLOCK_MODULE = {"wentian": "Wentian", "tianhe_node": "Tianhe"}
"""The module each scenario airlock belongs to (data/station/tiangong.toml ``[modules.airlock]``)."""


def _check_evas(sc, where: str) -> None:
    """Each EVA's airlock is on the station at its start, and its crew are aboard then."""
    from . import station as st

    for i, e in enumerate(sc.eva):
        state = st.station_at(e.start, config=sc.station)
        module = AIRLOCK_MODULE[e.airlock]
        if module not in {m.name for m in state.modules}:
            raise InputError(where, f"eva[{i}].airlock: {e.airlock} is on {module}, which is not part of the "
                                    f"station at {iso_z(e.start, 0)} (station history)")
        away = [n for n in e.crew if n not in set(state.crew) | set(sc.crew)]
        if away:
            raise InputError(where, f"eva[{i}].crew: {', '.join(away)} not aboard at {iso_z(e.start, 0)} "
                                    "(station history and the scenario's crew)")
