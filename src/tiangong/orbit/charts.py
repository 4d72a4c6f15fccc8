"""Charts of a prediction and of a reboost plan (plotly, self-contained HTML, no network):
what a flight-dynamics engineer looks at -- the one-orbit mean altitude against the band or a
floor, perigee and apogee, the burns and the propellant they leave."""

from __future__ import annotations

import datetime as dt

import numpy as np


def _utc(start: dt.datetime, t_s) -> list:
    return [start + dt.timedelta(seconds=float(x)) for x in np.asarray(t_s, dtype=float)]


MAX_POINTS = 4000  # per trace: a page of a few hundred kB that a browser draws at once


def _thin(t_s, *columns):
    """Every k-th sample (and the last) so that a trace keeps at most MAX_POINTS points."""
    t = np.asarray(t_s, dtype=float)
    k = max(1, int(np.ceil(len(t) / MAX_POINTS)))
    idx = np.unique(np.append(np.arange(0, len(t), k), len(t) - 1)) if len(t) else np.arange(0)
    return (t[idx], *(np.asarray(c, dtype=float)[idx] for c in columns))


def _layout(fig, title: str, height: int) -> None:
    fig.update_layout(title=title, height=height, template="plotly_white", hovermode="x unified",
                      margin=dict(l=70, r=30, t=70, b=50), legend=dict(orientation="h", y=-0.12))


def prediction_figure(start: dt.datetime, table: dict, mean_t_s, mean_alt_m, title: str,
                      below_m: float | None = None, below_t_s: float | None = None):
    """Mean altitude, perigee and apogee [km] of a prediction (``state_table`` columns), with the
    ``--below`` level and the time it is first crossed."""
    import plotly.graph_objects as go

    fig = go.Figure()
    ts, apo, per = _thin(table["t_s"], table["apogee_m"], table["perigee_m"])
    t = _utc(start, ts)
    fig.add_trace(go.Scatter(x=t, y=apo / 1e3, name="apogee (osculating)", line=dict(color="#9db4d0", width=1)))
    fig.add_trace(go.Scatter(x=t, y=per / 1e3, name="perigee (osculating)", line=dict(color="#d0a99d", width=1)))
    if len(mean_t_s):
        mt, mh = _thin(mean_t_s, mean_alt_m)
        fig.add_trace(go.Scatter(x=_utc(start, mt), y=mh / 1e3, name="mean altitude (one orbit)",
                                 line=dict(color="#1f5fa8", width=2.5)))
    if below_m is not None:
        fig.add_hline(y=below_m / 1e3, line=dict(color="#b03030", dash="dash"),
                      annotation_text=f"{below_m / 1e3:g} km", annotation_position="top left")
        if below_t_s is not None:
            when = start + dt.timedelta(seconds=below_t_s)
            fig.add_trace(go.Scatter(x=[when], y=[below_m / 1e3], mode="markers", name=f"below at {when:%Y-%m-%d %H:%M} UTC",
                                     marker=dict(color="#b03030", size=11, symbol="x")))
    fig.update_yaxes(title="altitude above the WGS84 equatorial radius (km)")
    _layout(fig, title, 520)
    return fig


def reboost_figure(start: dt.datetime, plan, title: str):
    """Mean altitude [km] with the band and the burns; propellant left [kg] below."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    lo, hi = plan.band_m
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.06)
    mt, mh = _thin(plan.mean_t_s, plan.mean_alt_m)
    fig.add_trace(go.Scatter(x=_utc(start, mt), y=mh / 1e3, name="mean altitude",
                             line=dict(color="#1f5fa8", width=2.5)), row=1, col=1)
    for level, name in ((lo, "floor"), (hi, "ceiling")):
        fig.add_trace(go.Scatter(x=[start, start + dt.timedelta(seconds=float(plan.trajectory.t_end_s))],
                                 y=[level / 1e3] * 2, name=f"band {name}", mode="lines",
                                 line=dict(color="#2e8b57", dash="dash", width=1)), row=1, col=1)
    if plan.burns:
        h = np.interp([b.t_s for b in plan.burns], plan.mean_t_s, plan.mean_alt_m) / 1e3 if len(plan.mean_t_s) else None
        fig.add_trace(go.Scatter(x=[b.time for b in plan.burns], y=h, mode="markers", name="burns",
                                 marker=dict(color="#d9822b", size=10, symbol="triangle-up"),
                                 text=[f"{b.label}: {b.dv_mps:.2f} m/s, {b.propellant_kg:.1f} kg" for b in plan.burns],
                                 hovertemplate="%{text}<extra></extra>"), row=1, col=1)
    left = [plan.propellant_aboard_kg]
    times = [start]
    for b in plan.burns:
        times += [b.time, b.time]
        left += [left[-1], left[-1] - b.propellant_kg]
    times.append(start + dt.timedelta(seconds=float(plan.trajectory.t_end_s)))
    left.append(left[-1])
    fig.add_trace(go.Scatter(x=times, y=left, name="propellant left", mode="lines", line=dict(color="#d9822b", width=2)),
                  row=2, col=1)
    fig.update_yaxes(title_text="mean altitude (km)", row=1, col=1)
    fig.update_yaxes(title_text="propellant (kg)", rangemode="tozero", row=2, col=1)
    _layout(fig, title, 640)
    return fig


def write_html(fig, path: str, flag: str = "--html") -> None:
    """Write a self-contained page; an unwritable path is a one-line input error."""
    from ..errors import InputError

    try:
        fig.write_html(path, include_plotlyjs=True, full_html=True, config={"responsive": True})
    except OSError as exc:
        raise InputError(flag, f"cannot write {path}: {exc.strerror or exc}") from None
