"""``orbit predict --oem``: the CCSDS OEM read back by an independent parser (the PyPI ``oem``
package, CCSDS 502.0-B-3), states equal to the JSON prediction to the file's precision."""

from __future__ import annotations

import json

import numpy as np
import oem  # a dev dependency (pyproject [dev], installed by make test): fails loudly when missing

from tiangong.orbit.oem import international_designator
from tiangong.timeutil import parse_utc

from .test_cli_predict import HISTORY, START, one_line_error, tiangong



def test_oem_is_read_back_by_the_ccsds_parser_with_the_predicted_states(tmp_path):
    path = tmp_path / "tiangong.oem"
    out = tiangong("orbit", "predict", "--tle", HISTORY, "--start", START, "--days", "0.25", "--step-s", "300",
                   "--json", "--oem", str(path))
    assert out.returncode == 0, out.stderr
    states = json.loads(out.stdout)["states"]
    msg = oem.OrbitEphemerisMessage.open(str(path))
    (seg,) = msg.segments
    meta = seg.metadata
    assert (meta["REF_FRAME"], meta["TIME_SYSTEM"], meta["CENTER_NAME"], meta["OBJECT_ID"]) == \
        ("GCRF", "UTC", "EARTH", "2021-035A")
    got = list(msg.states)
    assert len(got) == len(states)
    for s, ref in zip(got, states):
        t_ref = parse_utc(ref["time"], "t").replace(tzinfo=None)
        assert abs((s.epoch.datetime - t_ref).total_seconds()) < 1e-3
        np.testing.assert_allclose(np.asarray(s.position) * 1e3, ref["r_gcrs_m"], atol=1e-3)   # 1 mm: 6 decimals in km
        np.testing.assert_allclose(np.asarray(s.velocity) * 1e3, ref["v_gcrs_mps"], atol=1e-6)


def test_international_designator_from_line_1():
    assert international_designator("1 48274U 21035A   24140.03050157  .00060909  00000+0  60831-3 0  9992") == "2021-035A"
    assert international_designator("1 25544U 98067A   24140.5 ...") == "1998-067A"


def test_unwritable_oem_is_a_one_line_error():
    one_line_error(tiangong("orbit", "predict", "--days", "0.1", "--oem", "/nonexistent-dir/x.oem"), "--oem", "cannot write")
