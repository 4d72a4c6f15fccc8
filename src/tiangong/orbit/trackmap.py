"""Ground-track map (plotly, self-contained HTML, no tiles or topojson fetched): the track on a
longitude/latitude plane over Natural Earth 1:110m coastlines shipped in data/orbit, coloured by
sunlight and contact, with the TT&C stations and the Tianlian sub-satellite points."""

from __future__ import annotations

import functools
import importlib.resources
import json

import numpy as np


@functools.lru_cache(maxsize=1)
def coastlines() -> list:
    """Coastline polylines [[lon, lat], ...] (data/orbit/coastlines_110m.json, Natural Earth)."""
    text = importlib.resources.files("tiangong").joinpath("data/orbit/coastlines_110m.json").read_text()
    return json.loads(text)["lines"]


# Label placement: Xi'an sits 7 deg south-east of Jiuquan; both labels on top touch at map widths
# of 800-1300 px (measured in tests/browser/test_report_page.py), so Xi'an's goes to the right.
_STATION_LABEL = {"Xi'an": "middle right"}


def _relay_label(lon_deg: float) -> str:
    """Below the marker, turned inwards near the map's edges (I-02 at 176.8 E would be cut off)."""
    return "bottom left" if lon_deg > 150.0 else "bottom right" if lon_deg < -150.0 else "bottom center"


@functools.lru_cache(maxsize=1)
def _coastline_xy() -> tuple[np.ndarray, np.ndarray]:
    """All coastlines as one pair of arrays, NaN between polylines (plotly breaks lines at NaN)."""
    xs, ys = [], []
    for line in coastlines():
        a = np.asarray(line, dtype=float)
        xs += [a[:, 0], [np.nan]]
        ys += [a[:, 1], [np.nan]]
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.float32)


def _broken(lon, lat, mask, labels=None):
    """Coordinates (and hover labels) with NaN ("") where the mask is off and between points that
    jump across the antimeridian.  numpy arrays: plotly takes them without a per-point Python loop
    (lists of floats cost ~60 ms a map in its validators)."""
    x = np.where(mask, lon, np.nan).astype(np.float32)  # float32: 1e-5 deg (~1 m) on a world map
    y = np.where(mask, lat, np.nan).astype(np.float32)
    cut = np.flatnonzero(np.abs(np.diff(lon)) > 180.0) + 1
    text = None if labels is None else np.insert(np.where(mask, np.asarray(labels, dtype=object), ""), cut, "")
    return np.insert(x, cut, np.nan), np.insert(y, cut, np.nan), text


def ground_track_figure(lat_deg, lon_deg, sunlit, contact, title: str, stations=(), relays=(), times=None):
    """plotly Figure of the track.  ``sunlit`` (fraction 0..1) and ``contact`` (bool) per point;
    ``times`` (optional, one label per point, e.g. ISO UTC) are shown on hover."""
    import plotly.graph_objects as go

    lat = np.asarray(lat_deg, float)
    lon = np.asarray(lon_deg, float)
    lit = np.asarray(sunlit, float) >= 0.5
    con = np.asarray(contact, bool)
    fig = go.Figure()
    cx, cy = _coastline_xy()
    fig.add_trace(go.Scatter(x=cx, y=cy, mode="lines", line=dict(color="#9aa5b1", width=1), name="coastline",
                             hoverinfo="skip"))
    styles = [("sunlit, in contact", lit & con, "#e8a317", "solid"), ("sunlit, no contact", lit & ~con, "#e8a317", "dot"),
              ("eclipse, in contact", ~lit & con, "#1f3a93", "solid"), ("eclipse, no contact", ~lit & ~con, "#1f3a93", "dot")]
    for name, mask, color, dash in styles:
        x, y, text = _broken(lon, lat, mask, times)
        hover = dict(text=text, hovertemplate="%{text}<br>%{y:.2f}, %{x:.2f} deg<extra>" + name + "</extra>") \
            if times is not None else {}
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color=color, width=2.5, dash=dash), name=name,
                                 **hover))
    if stations:
        fig.add_trace(go.Scatter(x=[s.lon_deg for s in stations], y=[s.lat_deg for s in stations], mode="markers+text",
                                 text=[s.name for s in stations], name="TT&C station",
                                 textposition=[_STATION_LABEL.get(s.name, "top center") for s in stations],
                                 marker=dict(symbol="triangle-up", size=9, color="#c0392b")))
    if relays:
        lons = [((r.lon_deg + 180) % 360) - 180 for r in relays]
        fig.add_trace(go.Scatter(x=lons, y=[0.0] * len(relays), textposition=[_relay_label(x) for x in lons],
                                 mode="markers+text", text=[r.name for r in relays],
                                 name="Tianlian (GEO)", marker=dict(symbol="diamond", size=9, color="#27ae60")))
    fig.update_layout(title=title, xaxis=dict(range=[-180, 180], title="longitude (deg)", dtick=30),
                      yaxis=dict(range=[-90, 90], title="latitude (deg)", dtick=30, scaleanchor="x"),
                      template="plotly_white", legend=dict(orientation="h", y=-0.15), height=620)
    return fig
