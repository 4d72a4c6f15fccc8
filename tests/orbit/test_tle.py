"""TLE parsing: the shipped sets, strict rejection of malformed input, and checksum properties.

Format reference: CelesTrak "NORAD Two-Line Element Set Format" (https://celestrak.org/columns/v04n03/).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiangong.errors import InputError
from tiangong.orbit.tle import (
    builtin_tles,
    load_tle_file,
    nearest_tle,
    parse_tle_text,
    tle_checksum,
    without_drag,
)

UTC = dt.timezone.utc
L1 = "1 48274U 21035A   22304.18675865  .00026780  00000+0  30760-3 0  9994"
L2 = "2 48274  41.4738 110.2742 0005031 271.1801 256.0620 15.61416173 86033"


def with_checksum(line68: str) -> str:
    """Complete a 68-column line with its valid checksum digit."""
    return line68 + str(tle_checksum(line68))


def raises_at(text: str, lineno: int, reason: str, source: str = "x.tle") -> InputError:
    with pytest.raises(InputError) as info:
        parse_tle_text(text, source)
    err = info.value
    assert err.where == f"{source}:{lineno}", str(err)
    assert reason in err.why, str(err)
    assert "\n" not in str(err)
    return err


# --------------------------------------------------------------------------- shipped data

def test_builtin_file_parses_every_set():
    tles = builtin_tles()
    # tiangong.tle holds 4 sets (reference/tiangong.md §2); epochs decoded from line 1
    assert [t.epoch.strftime("%Y-%m-%d %H:%M") for t in tles] == [
        "2021-10-22 21:48", "2022-10-31 04:28", "2024-05-17 19:37", "2025-01-07 02:37"]
    for t in tles:
        assert t.norad_id == 48274
        assert t.epoch.tzinfo is not None
        assert len(t.line1) == len(t.line2) == 69
        assert t.satrec.error == 0 and t.satrec.satnum == 48274
        assert 15.5 < t.satrec.no_kozai * 1440 / (2 * np.pi) < 15.7  # rev/day
    assert tles[0].name == "NORAD 48274"  # that set has no name line
    assert tles[1].name == "CSS (TIANHE)"


def test_epoch_decoding_is_exact():
    t = parse_tle_text(f"{L1}\n{L2}\n")[0]
    # 22304.18675865 -> day 304 of 2022 = 31 Oct, 0.18675865 d = 04:28:55.947360
    assert t.epoch == dt.datetime(2022, 10, 31, 4, 28, 55, 947360, tzinfo=UTC)


def test_two_and_three_line_sets_comments_and_blank_lines():
    text = f"# a comment\n\n0 CSS (TIANHE)\n{L1}\n{L2}\n\n   \n{L1}\n{L2}\nMY NAME\n{L1}   \n{L2}\n"
    tles = parse_tle_text(text, "mixed.tle")
    assert [t.name for t in tles] == ["CSS (TIANHE)", "NORAD 48274", "MY NAME"]
    assert all(t.line1 == L1 for t in tles)


def test_nearest_tle_picks_closest_epoch():
    tles = builtin_tles()
    assert nearest_tle(tles, dt.datetime(2022, 1, 1, tzinfo=UTC)).epoch.year == 2021
    assert nearest_tle(tles, dt.datetime(2024, 9, 1, tzinfo=UTC)).epoch.year == 2024
    assert nearest_tle(tles, dt.datetime(2024, 9, 30, tzinfo=UTC)).epoch.year == 2025
    assert nearest_tle(tles, dt.datetime(2030, 1, 1, tzinfo=UTC)).epoch.year == 2025
    with pytest.raises(InputError):
        nearest_tle([], dt.datetime(2022, 1, 1, tzinfo=UTC))
    with pytest.raises(InputError):
        nearest_tle(tles, dt.datetime(2022, 1, 1))  # naive


def test_load_tle_file(tmp_path):
    p = tmp_path / "one.tle"
    p.write_text(f"ISS\n{L1}\n{L2}\n")
    assert load_tle_file(p)[0].name == "ISS"
    with pytest.raises(InputError) as info:
        load_tle_file(tmp_path / "missing.tle")
    assert info.value.where.endswith("missing.tle") and "not found" in info.value.why


def test_without_drag_zeroes_drag_and_keeps_elements():
    tle = builtin_tles()[2]
    src, sat = tle.satrec, without_drag(tle)
    assert (sat.bstar, sat.ndot, sat.nddot) == (0.0, 0.0, 0.0)
    for name in ("ecco", "argpo", "inclo", "mo", "no_kozai", "nodeo", "jdsatepoch", "satnum"):
        assert getattr(sat, name) == pytest.approx(getattr(src, name), abs=1e-12), name
    assert sat.jdsatepoch + sat.jdsatepochF == pytest.approx(src.jdsatepoch + src.jdsatepochF, abs=1e-9)
    _, r0, _ = src.sgp4(src.jdsatepoch, src.jdsatepochF)
    _, r1, _ = sat.sgp4(src.jdsatepoch, src.jdsatepochF)
    assert np.linalg.norm(np.subtract(r0, r1)) < 1e-6  # km: identical at the epoch
    # 30 days on, the drag-free orbit keeps its altitude while SGP4 with BSTAR decays it
    jd, fr = src.jdsatepoch, src.jdsatepochF + 30
    alt_drag = np.linalg.norm(src.sgp4(jd, fr)[1]) - 6378.137
    alt_free = np.linalg.norm(sat.sgp4(jd, fr)[1]) - 6378.137
    assert alt_free > alt_drag + 5 and 360 < alt_free < 390


# --------------------------------------------------------------------------- malformed input

@pytest.mark.parametrize("text, lineno, reason", [
    (f"{L1[:-2]}\n{L2}\n", 1, "line 1 has 67 characters, expected 69"),
    (f"{L1} 7\n{L2}\n", 1, "line 1 has 71 characters, expected 69"),
    (f"{L1}\n{L2[:60]}\n", 2, "line 2 has 60 characters, expected 69"),
    (f"{L1[:-1]}3\n{L2}\n", 1, "checksum is 3, expected 4"),
    (f"{L1}\n{L2[:-1]}9\n", 2, "checksum is 9, expected 3"),
    (f"NAME\n{with_checksum('3' + L1[1:68])}\n{L2}\n", 2, "line number is '3', expected '1'"),
    (f"{L1}\n{with_checksum('1' + L2[1:68])}\n", 2, "line number is '1', expected '2'"),
    (f"{L2}\n{L1}\n", 1, "line number is '2', expected '1'"),
    (f"{L1}\n{with_checksum(L2[:2] + '48275' + L2[7:68])}\n", 2, "catalogue number 48275 does not match line 1's 48274"),
    (f"{L1}\n{with_checksum(L2[:8] + ' 41.4x38' + L2[16:68])}\n", 2, "inclination '41.4x38' is not a number"),
    (f"{L1}\n{with_checksum(L2[:8] + '191.4738' + L2[16:68])}\n", 2, "inclination 191.4738 is outside 0..180"),
    (f"{with_checksum(L1[:20] + '400.18675865' + L1[32:68])}\n{L2}\n", 1, "epoch day 400.18675865 is outside"),
    (f"{with_checksum(L1[:53] + ' 30760/3' + L1[61:68])}\n{L2}\n", 1, "BSTAR drag term '30760/3'"),
    (f"{with_checksum(L1[:9] + 'X' + L1[10:68])}\n{L2}\n", 1, None),  # letters in the designator are legal
    (f"{with_checksum(L1[:8] + 'X' + L1[9:68])}\n{L2}\n", 1, "column 9 of line 1 is 'X', expected a blank"),
    ("hello world\nthis is not a TLE\n", 1, "name line 'hello world' is not followed by a TLE line 1"),
    (f"NAME\n{L1}\n", 2, "line 1 is not followed by line 2"),
    (f"{L1}\n\n{L2}\n", 1, "line 1 is not followed by line 2"),
    (f"{L1}\nNAME\n{L2}\n", 2, "expected line 2 after line 1"),
    (f"{L1}\n{L2}\nLONELY NAME\n", 3, "not followed by a TLE line 1 (end of file)"),
])
def test_malformed_input_names_file_line_and_reason(text, lineno, reason):
    if reason is None:
        assert parse_tle_text(text, "x.tle")[0].norad_id == 48274
    else:
        raises_at(text, lineno, reason)


def test_empty_file_is_an_error():
    with pytest.raises(InputError) as info:
        parse_tle_text("# only a comment\n\n", "empty.tle")
    assert info.value.where == "empty.tle" and "no TLE sets" in info.value.why


# --------------------------------------------------------------------------- properties

def independent_checksum(line: str) -> int:
    """The modulo-10 rule written another way: digits by regex, minus signs by count."""
    body = line[:68]
    return (sum(map(int, re.findall(r"\d", body))) + body.count("-")) % 10


@given(st.text(alphabet="0123456789-+. ABCUXYZ", min_size=68, max_size=68))
def test_checksum_agrees_with_independent_rule(body):
    assert tle_checksum(body) == independent_checksum(body)


VALID = [(t.line1, t.line2) for t in builtin_tles()]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(VALID), st.sampled_from([0, 1]), st.data())
def test_any_digit_change_is_caught(pair, which, data):
    """Replacing any digit of a valid line (checksum included) by another digit changes the
    modulo-10 sum by 1..9, so the set is always rejected, at that line."""
    lines = list(pair)
    line = lines[which]
    col = data.draw(st.sampled_from([i for i, ch in enumerate(line) if ch.isdigit()]), label="column")
    new_digit = data.draw(st.sampled_from([d for d in "0123456789" if d != line[col]]), label="digit")
    lines[which] = line[:col] + new_digit + line[col + 1:]
    with pytest.raises(InputError) as info:
        parse_tle_text("\n".join(lines) + "\n", "p.tle")
    assert info.value.where == f"p.tle:{which + 1}"
    assert "checksum" in info.value.why or "line number" in info.value.why


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(VALID), st.lists(st.sampled_from(["", "   ", "# comment", "#"]), max_size=3),
       st.one_of(st.none(), st.from_regex(r"[A-Z][A-Z0-9 ()-]{0,20}", fullmatch=True)))
def test_valid_sets_survive_comments_blank_lines_and_names(pair, filler, name):
    head = "\n".join(filler)
    text = f"{head}\n{name}\n{pair[0]}\n{pair[1]}\n" if name and name.strip() else f"{head}\n{pair[0]}\n{pair[1]}\n"
    tle = parse_tle_text(text, "q.tle")[0]
    assert (tle.line1, tle.line2) == pair
    if name and name.strip():
        assert tle.name == name.strip()


def test_a_device_or_huge_file_is_refused_not_read_forever(tmp_path):
    """`--tle /dev/zero` used to read forever (issue 9): the TLE reader is the one reader of user files."""
    with pytest.raises(InputError, match="not a regular file"):
        load_tle_file("/dev/zero")
    big = tmp_path / "big.tle"
    big.write_bytes(b"1" * (5 * 1024 * 1024))
    with pytest.raises(InputError, match="MiB"):
        load_tle_file(big)
