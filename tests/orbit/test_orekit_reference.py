"""The propagator against Orekit on the same initial state and force model (reference file and its
generating script in tests/validation/: orekit_reference.json, make_orekit_reference.py)."""

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from tiangong.orbit.propagate import ForceModel, Propagator

REF = json.loads((Path(__file__).resolve().parents[1] / "validation" / "orekit_reference.json").read_text())
EPOCH = dt.datetime(2022, 9, 17, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("case, kw", [
    ("zonal", dict(drag=None, sun=False, moon=False)),
    ("zonal_3b", dict(drag=None)),
    ("drag_exp", dict(drag="exponential", sun=False, moon=False)),
])
def test_one_day_against_orekit_within_10_m(case, kw):
    # measured: 2.5 m after 1 day in all three cases (max 3.1 m over the day)
    c = REF["cases"][case]
    s = np.array(c["states"])
    model = ForceModel(srp=False, mass_kg=REF["mass_kg"], area_m2=REF["area_m2"], cd=REF["cd"], mu_m3_s2=c["mu_m3_s2"],
                       re_m=c["re_m"], exponential=tuple(REF["exponential"]), **kw)
    ours = Propagator(EPOCH, 86400.0, model).run(s[0, 1:4], s[0, 4:7]).states(s[:, 0])
    d = np.linalg.norm(ours[:, :3] - s[:, 1:4], axis=1)
    assert d[-1] < 10.0 and d.max() < 10.0


def test_drag_is_visible_in_the_reference():
    # the drag case differs from the zonal one by km after a day: the comparison above tests drag too
    z = np.array(REF["cases"]["zonal"]["states"])[-1, 1:4]
    d = np.array(REF["cases"]["drag_exp"]["states"])[-1, 1:4]
    assert np.linalg.norm(z - d) > 1000.0
