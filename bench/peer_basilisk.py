"""Peer measurement: Basilisk's closest equivalent of our power model, one day at a 1 s step.

Spacecraft (66 t, point mass + J2) + SPICE Sun/Earth (DE421 from skyfield-data, a hand-written
leap-second kernel: the pip wheel ships no kernels and this machine is offline) + conical
eclipse + a 200 m^2 sun-pointing panel + a 40 kW load + a 100 kWh battery: the scenario "C" of the
shared peer bench.  Basilisk is not a dependency: ``pip install bsk`` in a separate venv together
with tiangong to measure it.  Returns wall seconds for one simulated day.
"""

from __future__ import annotations

import math
import os
import tempfile
import time

import numpy as np

MU, RE, J2 = 3.986004415e14, 6378136.3, 1.0826261738522227e-3
LEAPS = [(10, "1972-JAN-1"), (11, "1972-JUL-1"), (12, "1973-JAN-1"), (13, "1974-JAN-1"), (14, "1975-JAN-1"),
         (15, "1976-JAN-1"), (16, "1977-JAN-1"), (17, "1978-JAN-1"), (18, "1979-JAN-1"), (19, "1980-JAN-1"),
         (20, "1981-JUL-1"), (21, "1982-JUL-1"), (22, "1983-JUL-1"), (23, "1985-JUL-1"), (24, "1988-JAN-1"),
         (25, "1990-JAN-1"), (26, "1991-JAN-1"), (27, "1992-JUL-1"), (28, "1993-JUL-1"), (29, "1994-JUL-1"),
         (30, "1996-JAN-1"), (31, "1997-JUL-1"), (32, "1999-JAN-1"), (33, "2006-JAN-1"), (34, "2009-JAN-1"),
         (35, "2012-JUL-1"), (36, "2015-JUL-1"), (37, "2017-JAN-1")]


def _files(work: str) -> tuple[str, str]:
    grav = os.path.join(work, "J2only.csv")
    with open(grav, "w") as f:
        f.write(f"{RE},{MU},0.0,2,2,1,0,0\n")
        for n, m, c in [(0, 0, 1.0), (1, 0, 0.0), (1, 1, 0.0), (2, 0, -J2 / math.sqrt(5.0)), (2, 1, 0.0), (2, 2, 0.0)]:
            f.write(f"{n},{m},{c:.16e},0.0,0.0,0.0\n")
    lsk = os.path.join(work, "naif0012.tls")
    with open(lsk, "w") as f:
        f.write("KPL/LSK\n\n\\begindata\n\nDELTET/DELTA_T_A = 32.184\nDELTET/K = 1.657D-3\n"
                "DELTET/EB = 1.671D-2\nDELTET/M = ( 6.239996D0 1.99096871D-7 )\n"
                "DELTET/DELTA_AT = ( " + "\n ".join(f"{n}, @{d}" for n, d in LEAPS) + " )\n\n\\begintext\n")
    return grav, lsk


def power_day_s(step_s: float = 1.0) -> float:
    """Wall time (s) to build and run one simulated day of the Basilisk power scenario."""
    import skyfield_data
    from Basilisk.simulation import (eclipse, gravityEffector, simpleBattery, simplePowerSink,
                                     simpleSolarPanel, spacecraft, spiceInterface)
    from Basilisk.utilities import SimulationBaseClass, macros

    work = tempfile.mkdtemp(prefix="bsk_")
    grav, lsk = _files(work)
    t0 = time.perf_counter()
    sim = SimulationBaseClass.SimBaseClass()
    proc = sim.CreateNewProcess("dyn")
    proc.addTask(sim.CreateNewTask("t", macros.sec2nano(step_s)))
    sc = spacecraft.Spacecraft()
    sc.hub.mHub = 66000.0
    sc.hub.IHubPntBc_B = np.diag([1e7, 1e7, 1e7]).tolist()
    a, inc = 6771.0e3, math.radians(41.47)
    v = math.sqrt(MU / a)
    sc.hub.r_CN_NInit = [a, 0.0, 0.0]
    sc.hub.v_CN_NInit = [0.0, v * math.cos(inc), v * math.sin(inc)]
    earth = gravityEffector.GravBodyData()
    earth.planetName, earth.mu, earth.radEquator, earth.isCentralBody = "earth", MU, RE, True
    earth.useSphericalHarmonicsGravityModel(grav, 2)
    sc.gravField.gravBodies = spacecraft.GravBodyVector([earth])
    sim.AddModelToTask("t", sc, 10)
    spice = spiceInterface.SpiceInterface(auto_configure_kernels=False)
    spice.addKernelPaths([lsk, os.path.join(skyfield_data.get_skyfield_data_path(), "de421.bsp")])
    spice.addPlanetNames(["sun", "earth"])
    spice.UTCCalInit = "2022 SEP 17 00:00:00.0 (UTC)"
    spice.zeroBase = "earth"
    for body in ("sun", "earth"):
        try:
            spice.setPlanetOrientationDisabled(body)
        except Exception:  # older/newer API
            pass
    sim.AddModelToTask("t", spice, 100)
    ecl = eclipse.Eclipse()
    ecl.sunInMsg.subscribeTo(spice.planetStateOutMsgs[0])
    ecl.addPlanetToModel(spice.planetStateOutMsgs[1])
    ecl.addSpacecraftToModel(sc.scStateOutMsg)
    sim.AddModelToTask("t", ecl, 5)
    panel = simpleSolarPanel.SimpleSolarPanel()
    panel.stateInMsg.subscribeTo(sc.scStateOutMsg)
    panel.sunInMsg.subscribeTo(spice.planetStateOutMsgs[0])
    panel.sunEclipseInMsg.subscribeTo(ecl.eclipseOutMsgs[0])
    panel.setPanelParameters([1.0, 0.0, 0.0], 200.0, 0.30)
    sim.AddModelToTask("t", panel, 4)
    sink = simplePowerSink.SimplePowerSink()
    sink.nodePowerOut = -40000.0
    sim.AddModelToTask("t", sink, 4)
    bat = simpleBattery.SimpleBattery()
    bat.storageCapacity = 100.0 * 3.6e6
    bat.storedCharge_Init = 0.6 * bat.storageCapacity
    bat.addPowerNodeToModel(panel.nodePowerOutMsg)
    bat.addPowerNodeToModel(sink.nodePowerOutMsg)
    sim.AddModelToTask("t", bat, 3)
    rec = bat.batPowerOutMsg.recorder(macros.sec2nano(10.0))
    sim.AddModelToTask("t", rec)
    sim.InitializeSimulation()
    sim.ConfigureStopTime(macros.sec2nano(86400.0))
    sim.ExecuteSimulation()
    return time.perf_counter() - t0


def orbit_run(r0, v0, days: float, drag: bool, step_s: float = 10.0, rec_s: float = 10.0,
              mass_kg: float = 66000.0, area_m2: float = 400.0, cd: float = 2.2,
              rho_ref: float = 9.518e-12, h_ref: float = 350e3, h_scale: float = 53.298e3):
    """Basilisk point mass + J2 (+ exponential drag, inertial velocity, spherical altitude), RK4 at
    ``step_s``, states recorded every ``rec_s``: the peer bench's case A.  Returns (wall s, r, v)."""
    from Basilisk.simulation import dragDynamicEffector, exponentialAtmosphere, gravityEffector, spacecraft
    from Basilisk.utilities import SimulationBaseClass, macros

    work = tempfile.mkdtemp(prefix="bsk_")
    grav, _ = _files(work)
    t0 = time.perf_counter()
    sim = SimulationBaseClass.SimBaseClass()
    proc = sim.CreateNewProcess("dyn")
    proc.addTask(sim.CreateNewTask("t", macros.sec2nano(step_s)))
    sc = spacecraft.Spacecraft()
    sc.hub.mHub = mass_kg
    sc.hub.IHubPntBc_B = np.diag([1e7, 1e7, 1e7]).tolist()
    sc.hub.r_CN_NInit = [float(x) for x in r0]
    sc.hub.v_CN_NInit = [float(x) for x in v0]
    earth = gravityEffector.GravBodyData()
    earth.planetName, earth.mu, earth.radEquator, earth.isCentralBody = "earth", MU, RE, True
    earth.useSphericalHarmonicsGravityModel(grav, 2)
    sc.gravField.gravBodies = spacecraft.GravBodyVector([earth])
    sim.AddModelToTask("t", sc, 10)
    keep = [earth]
    if drag:
        atmo = exponentialAtmosphere.ExponentialAtmosphere()
        atmo.planetRadius = RE
        atmo.baseDensity = rho_ref * math.exp(h_ref / h_scale)
        atmo.scaleHeight = h_scale
        atmo.addSpacecraftToModel(sc.scStateOutMsg)
        sim.AddModelToTask("t", atmo, 20)
        eff = dragDynamicEffector.DragDynamicEffector()
        eff.coreParams.projectedArea = area_m2
        eff.coreParams.dragCoeff = cd
        eff.coreParams.comOffset = [0.0, 0.0, 0.0]
        eff.atmoDensInMsg.subscribeTo(atmo.envOutMsgs[0])
        sc.addDynamicEffector(eff)
        sim.AddModelToTask("t", eff, 15)
        keep += [atmo, eff]
    rec = sc.scStateOutMsg.recorder(macros.sec2nano(rec_s))
    sim.AddModelToTask("t", rec)
    sim.InitializeSimulation()
    sim.ConfigureStopTime(macros.sec2nano(days * 86400.0))
    sim.ExecuteSimulation()
    r, v = np.array(rec.r_BN_N), np.array(rec.v_BN_N)
    return time.perf_counter() - t0, r, v


if __name__ == "__main__":
    import json
    import sys

    if len(sys.argv) > 1 and sys.argv[1] == "orbit":  # orbit r0(json) v0(json) days repeats: JSON out
        r0, v0, days, reps = json.loads(sys.argv[2]), json.loads(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
        times = []
        for _ in range(reps):
            wall, r, v = orbit_run(r0, v0, days, True)
            times.append(wall)
        import Basilisk

        print(json.dumps({"times": times, "final_r": r[-1].tolist(), "n_out": len(r),
                          "version": getattr(Basilisk, "__version__", "?")}))
    else:
        print(f"Basilisk power scenario, 1 day at 1 s: {power_day_s():.3f} s")
