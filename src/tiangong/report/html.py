"""The run report: one self-contained HTML file (plotly.js inlined once, no network).

``write_report(path, record)`` renders a header (scenario, window, generated time), the
summary (margins to limits, limit violations with times, event counts by kind, the engine's
own summary), the one-day ground-track map of ``record.ground_track`` (when the record has one:
older archives do not), one plot per key parameter (:data:`PLOTS`, with warn/limit lines taken from
the :class:`~tiangong.record.Parameter`) and an event timeline.  Parameters absent from the
record are listed as skipped.  Long series are decimated to the min and max of ~2,000
time buckets (:func:`decimate`), which keeps the spikes a plain stride would lose.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from ..plots import RESIZE_JS as _RESIZE
from ..record import Parameter, RunRecord
from ..timeutil import UTC, as_utc, at_seconds, iso_z

N_BUCKETS = 2000
"""Time buckets per plotted series (each keeps its min and max sample)."""

DENSE_EVENTS = 300
"""Event kinds with more events than this (and all ``eclipse.*``) are shown as counts per day."""

MAX_ALARM_ROWS = 200
"""Limit violations listed in the table (all of them are counted and plotted)."""


@dataclass(frozen=True)
class PlotSpec:
    """One plot: parameter ``name`` shown as ``value_SI * scale`` in ``unit``; ``title`` has the unit."""

    name: str
    title: str
    unit: str
    scale: float = 1.0
    step: bool = False  # piecewise constant (e.g. crew count): draw as steps
    digits: int = 4  # significant digits in hover labels


PLOTS: tuple[PlotSpec, ...] = (
    PlotSpec("power.battery.soc", "Battery state of charge (%)", "%", 100.0),
    PlotSpec("eclss.cabin.ppo2_pa", "Cabin O₂ partial pressure (kPa)", "kPa", 1e-3),
    PlotSpec("eclss.cabin.ppco2_pa", "Cabin CO₂ partial pressure (Pa)", "Pa", 1.0),
    PlotSpec("eclss.water.potable_kg", "Potable water (kg)", "kg", 1.0),
    PlotSpec("propulsion.propellant_kg", "Propellant (kg)", "kg", 1.0),
    PlotSpec("orbit.altitude_m", "Altitude (km)", "km", 1e-3, digits=5),
    PlotSpec("crew.count", "Crew on board (persons)", "persons", 1.0, step=True),
    PlotSpec("station.mass_kg", "Station mass (t)", "t", 1e-3, digits=5),
    PlotSpec("orbit.beta_deg", "Beta angle (deg)", "deg", 1.0),
    PlotSpec("eclss.tank.o2_kg", "Stored O₂ (kg)", "kg", 1.0),
)
"""The parameters plotted, in page order."""

TIMELINE_TITLE = "Event timeline"
GROUND_TRACK_TITLE = "Ground track"
MAP_HEIGHT_PX = 560

_COLORS = {"line": "#1f5fa8", "warn": "#e69500", "limit": "#d62728", "alarm": "#d62728", "grid": "#e6eaf0"}
_KIND_COLORS = ["#1f5fa8", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#ff7f0e"]
_CONFIG = {"responsive": True, "displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


# ---------------------------------------------------------------------------- helpers


def decimate(t_s, values, n: int = N_BUCKETS) -> tuple[np.ndarray, np.ndarray]:
    """Reduce a series to at most ~2n points: per time bucket the min and the max sample.

    Points are original samples, in time order, plus the first and last sample.  A bucket
    with samples that are all NaN keeps one NaN so that the plotted line shows the gap.
    Series with at most ``2n`` points are returned unchanged.
    """
    t = np.asarray(t_s, dtype=np.float64).ravel()
    v = np.asarray(values, dtype=np.float64).ravel()
    if t.size <= 2 * n or t[-1] <= t[0]:
        return t, v
    if np.any(np.diff(t) < 0):
        order = np.argsort(t, kind="stable")
        t, v = t[order], v[order]
    b = np.floor((t - t[0]) / (t[-1] - t[0]) * n).astype(np.int64)
    np.clip(b, 0, n - 1, out=b)
    fin = np.flatnonzero(np.isfinite(v))
    keep = [np.array([0, t.size - 1])]
    if fin.size:
        bf = b[fin]
        order = np.lexsort((v[fin], bf))  # by bucket, then by value
        sb = bf[order]
        change = sb[1:] != sb[:-1]
        keep.append(fin[order[np.r_[True, change]]])  # min of each bucket
        keep.append(fin[order[np.r_[change, True]]])  # max of each bucket
    has_any = np.bincount(b, minlength=n) > 0
    has_fin = np.bincount(b[fin], minlength=n) > 0 if fin.size else np.zeros(n, bool)
    gaps = np.flatnonzero(has_any & ~has_fin)
    if gaps.size:
        keep.append(np.searchsorted(b, gaps))  # first (NaN) sample of an all-NaN bucket
    idx = np.unique(np.concatenate(keep))
    return t[idx], v[idx]


def _fmt(x, digits: int = 4) -> str:
    if x is None:
        return "–"
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(xf):
        return "–"
    if math.isinf(xf):
        return "∞" if xf > 0 else "−∞"
    if xf != 0 and (abs(xf) >= 1e7 or abs(xf) < 1e-3):
        return f"{xf:.{digits - 1}e}"
    return f"{xf:,.{digits}g}" if abs(xf) < 10 ** digits else f"{xf:,.0f}"


def _esc(x) -> str:
    return html.escape(str(x), quote=True)


def _ms(epoch: dt.datetime, t_s) -> np.ndarray:
    """Milliseconds since 1970 (what a plotly date axis takes as a number, in UTC)."""
    return as_utc(epoch).timestamp() * 1e3 + np.asarray(t_s, dtype=np.float64) * 1e3


def _when(record: RunRecord, t_s: float | None) -> str:
    return "–" if t_s is None else iso_z(at_seconds(record.epoch, t_s), 0)


def _duration(seconds: float) -> str:
    seconds = float(seconds)
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} d"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def _param(record: RunRecord, name: str) -> Parameter | None:
    try:
        return record.parameter(name)
    except KeyError:
        return None


def _base_layout(height: int = 300, **extra) -> dict:
    layout = dict(
        template="none",
        autosize=True,  # width from the card (no fixed width); see _RESIZE for the first layout
        height=height,
        margin=dict(l=60, r=20, t=10, b=40),
        font=dict(family=_FONT, size=12, color="#1d2733"),
        paper_bgcolor="white",
        plot_bgcolor="white",
        hovermode="x unified",
        showlegend=False,
        xaxis=dict(type="date", title=dict(text="UTC"), gridcolor=_COLORS["grid"], linecolor="#b8c2cc",
                   hoverformat="%Y-%m-%d %H:%M:%S"),
        yaxis=dict(gridcolor=_COLORS["grid"], linecolor="#b8c2cc", zeroline=False),
    )
    layout.update(extra)
    return layout


def _figure_html(fig: go.Figure, div_id: str) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, config=_CONFIG, div_id=div_id,
                       default_width="100%", default_height=f"{fig.layout.height}px")


# ---------------------------------------------------------------------------- plots


def _series_figure(record: RunRecord, spec: PlotSpec, param: Parameter | None,
                   parent: RunRecord | None = None, fork_t_s: float | None = None) -> go.Figure:
    t, v = decimate(record.t_s, record.samples[spec.name])
    x = _ms(record.epoch, t)
    y = (v * spec.scale).astype(np.float32)
    fig = go.Figure()
    if parent is not None and spec.name in parent.samples:  # a fork: the parent run beneath, dashed
        pt, pv = decimate(parent.t_s, parent.samples[spec.name])
        fig.add_trace(go.Scatter(x=_ms(parent.epoch, pt), y=(pv * spec.scale).astype(np.float32), mode="lines",
                                 name="parent", line=dict(color="#9aa5b1", width=1.2, dash="dash"),
                                 hovertemplate=f"parent %{{y:.{spec.digits}g}} {spec.unit}<extra></extra>"))
    if fork_t_s is not None:
        fig.add_vline(x=float(_ms(record.epoch, [fork_t_s])[0]), line=dict(color="#6b7785", width=1, dash="dot"))
    fig.add_trace(
        go.Scatter(
            x=x, y=y, mode="lines", name=spec.unit or spec.name,
            line=dict(color=_COLORS["line"], width=1.4, shape="hv" if spec.step else "linear"),
            hovertemplate=f"%{{y:.{spec.digits}g}} {spec.unit}<extra></extra>",
        )
    )
    if param is not None:
        for level, dash in (("warn", "dot"), ("limit", "dash")):
            for side in ("lo", "hi"):
                value = getattr(param, f"{level}_{side}")
                if value is None or not math.isfinite(value):
                    continue
                fig.add_hline(
                    y=value * spec.scale, line=dict(color=_COLORS[level], width=1.2, dash=dash),
                    annotation=dict(text=f"{level} {side} {_fmt(value * spec.scale, spec.digits)}",
                                    font=dict(size=10, color=_COLORS[level])),
                    # warn labels at the left end, limits at the right: close levels (ppO2 warn hi
                    # 23.7 / limit hi 23.8 kPa) never print on top of each other
                    annotation_position=("top " if side == "hi" else "bottom ") + ("left" if level == "warn" else "right"),
                )
    alarms = [a for a in record.alarms if a.parameter == spec.name]
    if alarms:
        fig.add_trace(
            go.Scatter(
                x=_ms(record.epoch, [a.t_s for a in alarms]),
                y=np.array([a.value for a in alarms], dtype=np.float64) * spec.scale,
                mode="markers", name="alarm",
                marker=dict(symbol="x", size=8, color=[_COLORS[a.level] if a.level in _COLORS else "#d62728" for a in alarms]),
                hovertemplate="%{text}<extra>alarm</extra>",
                text=[f"{a.level} {a.side}" for a in alarms],
            )
        )
    fig.update_layout(**_base_layout(yaxis=dict(title=dict(text=spec.unit), gridcolor=_COLORS["grid"],
                                                 linecolor="#b8c2cc", zeroline=False)))
    return fig


def _is_dense(kind: str, count: int) -> bool:
    return kind.startswith("eclipse.") or kind == "eclipse" or count > DENSE_EVENTS


def _timeline_figure(record: RunRecord) -> go.Figure | None:
    counts = Counter(e.kind for e in record.events)
    sparse = sorted(k for k, c in counts.items() if not _is_dense(k, c))
    dense = sorted(k for k, c in counts.items() if _is_dense(k, c))
    alarm_rows = [("limit", "alarm: limit"), ("warn", "alarm: warn")]
    alarm_levels = {a.level for a in record.alarms}
    rows_top = sparse + [label for level, label in alarm_rows if level in alarm_levels]
    if not rows_top and not dense:
        return None
    n_rows = (1 if rows_top else 0) + (1 if dense else 0)
    top_h = max(140, 60 + 26 * len(rows_top)) if rows_top else 0
    dense_h = 200 if dense else 0
    fig = make_subplots(rows=n_rows, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        row_heights=[h for h in (top_h, dense_h) if h] if n_rows == 2 else None)
    palette = {k: _KIND_COLORS[i % len(_KIND_COLORS)] for i, k in enumerate(sparse + dense)}
    if rows_top:
        for kind in sparse:
            evs = [e for e in record.events if e.kind == kind]
            fig.add_trace(
                go.Scatter(
                    x=_ms(record.epoch, [e.t_s for e in evs]), y=[kind] * len(evs), mode="markers", name=kind,
                    showlegend=False,
                    marker=dict(symbol="line-ns", size=14, line=dict(width=2, color=palette[kind])),
                    text=[f"{iso_z(at_seconds(record.epoch, e.t_s), 0)}<br>{_esc(e.source)}: {_esc(e.detail)}"
                          for e in evs],
                    hovertemplate="<b>%{y}</b><br>%{text}<extra></extra>",
                ),
                row=1, col=1,
            )
        for level, label in alarm_rows:
            als = [a for a in record.alarms if a.level == level]
            if not als:
                continue
            fig.add_trace(
                go.Scatter(
                    x=_ms(record.epoch, [a.t_s for a in als]), y=[label] * len(als), mode="markers", name=label,
                    showlegend=False,
                    marker=dict(symbol="x", size=8, color=_COLORS[level]),
                    text=[f"{iso_z(at_seconds(record.epoch, a.t_s), 0)}<br>{_esc(a.parameter)} {a.side} "
                          f"{_fmt(a.value)} (limit {_fmt(a.limit)})" for a in als],
                    hovertemplate="<b>%{y}</b><br>%{text}<extra></extra>",
                ),
                row=1, col=1,
            )
        fig.update_yaxes(type="category", categoryorder="array", categoryarray=list(reversed(rows_top)),
                         gridcolor=_COLORS["grid"], row=1, col=1)
    if dense:
        row = n_rows
        day0 = as_utc(record.epoch).replace(hour=0, minute=0, second=0, microsecond=0)
        off = (as_utc(record.epoch) - day0).total_seconds()
        for kind in dense:
            ts = np.array([e.t_s for e in record.events if e.kind == kind], dtype=np.float64)
            days, n = np.unique(np.floor((ts + off) / 86400.0).astype(np.int64), return_counts=True)
            x = day0.timestamp() * 1e3 + (days + 0.5) * 86400e3
            fig.add_trace(
                go.Bar(x=x, y=n, name=kind, marker=dict(color=palette[kind]), showlegend=True,
                       hovertemplate=f"{_esc(kind)}: %{{y}} per day<extra></extra>"),
                row=row, col=1,
            )
        fig.update_yaxes(title=dict(text="events per day"), gridcolor=_COLORS["grid"], row=row, col=1)
    layout = _base_layout(height=top_h + dense_h + 70, hovermode="closest", barmode="group", bargap=0.15,
                          showlegend=bool(dense), legend=dict(orientation="h", y=-0.15 if n_rows == 1 else -0.12))
    layout.pop("xaxis")
    layout.pop("yaxis")
    layout["margin"] = dict(l=150, r=20, t=10, b=60)
    fig.update_layout(**layout)
    fig.update_xaxes(type="date", gridcolor=_COLORS["grid"], linecolor="#b8c2cc")
    fig.update_xaxes(title=dict(text="UTC"), row=n_rows, col=1)
    return fig


def _ground_track_card(record: RunRecord) -> str:
    """The wide card with the one-day ground-track map (orbit/trackmap.py over shipped coastlines,
    TT&C stations and Tianlian sub-points) and a one-line note; "" if the record has no track."""
    from ..orbit.contacts import DEFAULT_RELAYS
    from ..orbit.passes import ground_stations
    from ..orbit.trackmap import ground_track_figure

    g = getattr(record, "ground_track", None)
    if g is None or len(g.t_s) < 2:
        return ""
    t = np.asarray(g.t_s, dtype=np.float64)
    labels = [iso_z(at_seconds(record.epoch, float(x)), 0) for x in t]
    fig = ground_track_figure(g.latitude_deg, g.longitude_deg, g.sunlit, g.contact, "", ground_stations(),
                              DEFAULT_RELAYS, times=labels)
    fig.update_layout(template="none", autosize=True, width=None, height=MAP_HEIGHT_PX, title=None,
                      margin=dict(l=60, r=20, t=10, b=40), font=dict(family=_FONT, size=12, color="#1d2733"),
                      paper_bgcolor="white", plot_bgcolor="white", hovermode="closest",
                      legend=dict(orientation="h", x=0.5, xanchor="center", y=-0.12, yanchor="top"))
    fig.update_xaxes(gridcolor=_COLORS["grid"], linecolor="#b8c2cc", zeroline=False, constrain="domain")
    fig.update_yaxes(gridcolor=_COLORS["grid"], linecolor="#b8c2cc", zeroline=False, constrain="domain")
    step = float(np.median(np.diff(t)))
    note = (f"{_duration(t[-1] - t[0])} from {labels[0]} on a {step:g}-s grid ({_esc(g.source)}): "
            f"sunlit {100 * g.sunlit_fraction:.1f} % of the time, in line of sight of a Tianlian relay "
            f"{100 * g.contact_fraction:.1f} %. Solid: relay contact; dotted: none; orange: sunlit; blue: eclipse.")
    return (f'<div class="card wide"><h3>{GROUND_TRACK_TITLE}</h3><div class="sub">{note}</div>'
            f"{_figure_html(fig, 'plot-groundtrack')}</div>")


# ---------------------------------------------------------------------------- tables


def _margins(record: RunRecord) -> list[dict]:
    """Per limited parameter: range reached, smallest margin to a limit and a status."""
    rows = []
    for p in sorted(record.parameters, key=lambda q: q.name):
        limits = [p.warn_lo, p.warn_hi, p.limit_lo, p.limit_hi]
        if p.name not in record.samples or all(x is None for x in limits):
            continue
        v = np.asarray(record.samples[p.name], dtype=np.float64)
        fin = np.isfinite(v)
        if not fin.any():
            continue
        t = np.asarray(record.t_s, dtype=np.float64)
        i_lo = int(np.flatnonzero(fin)[np.argmin(v[fin])])
        i_hi = int(np.flatnonzero(fin)[np.argmax(v[fin])])
        vmin, vmax = float(v[i_lo]), float(v[i_hi])
        margin, which, when = None, "", None
        for bound, side, value, i in (("limit_lo", "lo", vmin, i_lo), ("limit_hi", "hi", vmax, i_hi)):
            limit = getattr(p, bound)
            if limit is None:
                continue
            m = value - limit if side == "lo" else limit - value
            if margin is None or m < margin:
                margin, which, when = m, f"limit {side} {_fmt(limit)}", float(t[i])
        status = "ok"
        if (p.warn_lo is not None and vmin < p.warn_lo) or (p.warn_hi is not None and vmax > p.warn_hi):
            status = "warn"
        if (p.limit_lo is not None and vmin < p.limit_lo) or (p.limit_hi is not None and vmax > p.limit_hi):
            status = "limit"
        span = None
        if p.limit_lo is not None and p.limit_hi is not None and p.limit_hi > p.limit_lo:
            span = p.limit_hi - p.limit_lo
        elif margin is not None:
            span = abs(float(getattr(p, "limit_" + which.split()[1]))) or 1.0
        rel = margin / span if margin is not None and span else math.inf
        rows.append(dict(param=p, vmin=vmin, vmax=vmax, t_min=float(t[i_lo]), t_max=float(t[i_hi]),
                         margin=margin, which=which, when=when, status=status, rel=rel))
    severity = {"limit": 0, "warn": 1, "ok": 2}
    rows.sort(key=lambda r: (severity[r["status"]], r["rel"], r["param"].name))
    return rows


def _range(lo, hi) -> str:
    if lo is None and hi is None:
        return "–"
    return f"{_fmt(lo) if lo is not None else '−∞'} … {_fmt(hi) if hi is not None else '∞'}"


def _margins_html(record: RunRecord) -> str:
    rows = _margins(record)
    if not rows:
        return '<p class="muted">No parameter with limits was sampled.</p>'
    body = []
    for r in rows:
        p = r["param"]
        body.append(
            f'<tr class="st-{r["status"]}"><td><code>{_esc(p.name)}</code></td><td>{_esc(p.unit)}</td>'
            f'<td class="num" title="{_when(record, r["t_min"])}">{_fmt(r["vmin"])}</td>'
            f'<td class="num" title="{_when(record, r["t_max"])}">{_fmt(r["vmax"])}</td>'
            f'<td class="num">{_range(p.warn_lo, p.warn_hi)}</td><td class="num">{_range(p.limit_lo, p.limit_hi)}</td>'
            f'<td class="num">{_fmt(r["margin"])}</td><td>{_esc(r["which"])}</td>'
            f'<td>{_when(record, r["when"]) if r["margin"] is not None else "–"}</td>'
            f'<td><span class="badge {r["status"]}">{r["status"]}</span></td></tr>'
        )
    return (
        '<div class="scroll tall"><table><thead><tr><th>Parameter</th><th>Unit</th><th>Min</th><th>Max</th>'
        "<th>Warn range</th><th>Limit range</th><th>Margin</th><th>Closest limit</th><th>At (UTC)</th>"
        "<th>Status</th></tr></thead><tbody>" + "".join(body) + "</tbody></table></div>"
        '<p class="note">Margin: distance from the extreme value reached to the nearest hard limit '
        "(negative: violated), in the parameter's unit; sorted by status, then by margin relative to the "
        "limit range. Hover min/max for their times.</p>"
    )


def _alarms_html(record: RunRecord) -> str:
    alarms = sorted(record.alarms, key=lambda a: a.t_s)
    if not alarms:
        return '<p class="ok-text">No limit violations.</p>'
    units = {p.name: p.unit for p in record.parameters}
    by_level = Counter(a.level for a in alarms)
    head = ", ".join(f"{n} {lvl}" for lvl, n in sorted(by_level.items()))
    body = []
    for a in alarms[:MAX_ALARM_ROWS]:
        cleared = _when(record, a.cleared_t_s) if a.cleared_t_s is not None else "not cleared"
        dur = _duration(a.cleared_t_s - a.t_s) if a.cleared_t_s is not None else "–"
        body.append(
            f'<tr class="st-{_esc(a.level)}"><td>{_when(record, a.t_s)}</td><td><code>{_esc(a.parameter)}</code></td>'
            f'<td><span class="badge {_esc(a.level)}">{_esc(a.level)}</span></td><td>{_esc(a.side)}</td>'
            f'<td class="num">{_fmt(a.limit)}</td><td class="num">{_fmt(a.value)}</td><td>{_esc(units.get(a.parameter, ""))}</td>'
            f"<td>{cleared}</td><td>{dur}</td></tr>"
        )
    more = (f'<p class="note">Showing the first {MAX_ALARM_ROWS} of {len(alarms)}.</p>'
            if len(alarms) > MAX_ALARM_ROWS else "")
    return (
        f"<p>{len(alarms)} violation(s): {_esc(head)}.</p>"
        '<div class="scroll tall"><table><thead><tr><th>Start (UTC)</th><th>Parameter</th><th>Level</th><th>Side</th>'
        "<th>Limit</th><th>Value</th><th>Unit</th><th>Cleared (UTC)</th><th>Duration</th></tr></thead><tbody>"
        + "".join(body) + "</tbody></table></div>" + more
    )


def _event_counts_html(record: RunRecord) -> str:
    if not record.events:
        return '<p class="muted">No events.</p>'
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    counts: Counter = Counter()
    for e in record.events:
        counts[e.kind] += 1
        first[e.kind] = min(first.get(e.kind, e.t_s), e.t_s)
        last[e.kind] = max(last.get(e.kind, e.t_s), e.t_s)
    body = "".join(
        f'<tr><td><code>{_esc(k)}</code></td><td class="num">{n:,}</td><td>{_when(record, first[k])}</td>'
        f"<td>{_when(record, last[k])}</td></tr>"
        for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return (
        '<div class="scroll tall"><table><thead><tr><th>Kind</th><th>Count</th><th>First (UTC)</th><th>Last (UTC)</th>'
        f"</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _flatten(obj, prefix: str = "") -> list[tuple[str, object]]:
    if isinstance(obj, dict):
        out = []
        for k, v in obj.items():
            out.extend(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return [(prefix, obj)]


def _kv_html(items: list[tuple[str, object]], empty: str) -> str:
    if not items:
        return f'<p class="muted">{_esc(empty)}</p>'
    body = []
    for key, value in items:
        if isinstance(value, (list, tuple)):
            text = json.dumps(value, default=str)
            text = text if len(text) <= 200 else text[:197] + "…"
        elif isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, (bool, np.bool_)):
            text = _fmt(value, 6)
        else:
            text = str(value)
        body.append(f'<tr><td><code>{_esc(key)}</code></td><td class="num">{_esc(text)}</td></tr>')
    return '<div class="scroll tall"><table class="kv"><tbody>' + "".join(body) + "</tbody></table></div>"


def _engine_margins_html(record: RunRecord) -> str | None:
    """The engine's own ``summary["margins"]`` (reserve days, minimum SOC, ...), if it has one."""
    margins = (record.summary or {}).get("margins")
    if not isinstance(margins, dict) or not margins:
        return None
    return _kv_html(_flatten(margins), "")


def _summary_html(record: RunRecord) -> str:
    rest = {k: v for k, v in (record.summary or {}).items() if k != "margins" or not isinstance(v, dict)}
    return _kv_html(_flatten(rest), "The engine left no further summary.")


# ---------------------------------------------------------------------------- page

_CSS = """
:root { --fg:#1d2733; --muted:#5f6b7a; --bg:#f4f6f9; --card:#fff; --line:#dde3ea; --accent:#1f5fa8;
        --warn:#e69500; --limit:#d62728; --ok:#2e7d32; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg); font:14px/1.45 %(font)s; }
header { background:linear-gradient(120deg,#0f2a4a,#1f5fa8); color:#fff; padding:22px 28px; }
header h1 { margin:0 0 6px; font-size:22px; font-weight:600; letter-spacing:.2px; }
header .meta { display:flex; flex-wrap:wrap; gap:6px 26px; font-size:13px; opacity:.92; }
header .meta b { font-weight:600; opacity:.75; margin-right:4px; }
main { max-width:1500px; margin:0 auto; padding:20px 24px 40px; }
section { margin:0 0 22px; }
h2 { font-size:17px; margin:26px 0 10px; font-weight:600; }
.grid { display:grid; grid-template-columns:repeat(auto-fit,minmax(460px,1fr)); gap:16px; }
.grid.summary { grid-template-columns:repeat(auto-fit,minmax(380px,1fr)); }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px;
        box-shadow:0 1px 2px rgba(16,24,40,.04); min-width:0; }
.card.wide { grid-column:1/-1; }
.card h3 { margin:0 0 2px; font-size:15px; font-weight:600; }
.card .sub { color:var(--muted); font-size:12px; margin-bottom:6px; }
.scroll { overflow-x:auto; }
.scroll.tall { max-height:420px; overflow-y:auto; }
table { border-collapse:collapse; width:100%%; font-size:13px; }
th, td { padding:5px 8px; border-bottom:1px solid var(--line); text-align:left; white-space:nowrap; }
th { color:var(--muted); font-weight:600; background:#fafbfc; position:sticky; top:0; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
table.kv { table-layout:fixed; }
table.kv td { white-space:normal; overflow-wrap:anywhere; }
table.kv td:first-child { color:var(--muted); width:45%%; }
.js-plotly-plot, .plotly-graph-div { max-width:100%%; }
code { font:12px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }
tr.st-warn td { background:#fff8e6; } tr.st-limit td { background:#fdecec; }
.badge { display:inline-block; padding:1px 7px; border-radius:9px; font-size:11px; font-weight:600; color:#fff;
         background:var(--muted); }
.badge.ok { background:var(--ok); } .badge.warn { background:var(--warn); } .badge.limit { background:var(--limit); }
.muted, .note { color:var(--muted); } .note { font-size:12px; margin:6px 0 0; }
.ok-text { color:var(--ok); font-weight:600; }
.stats { display:flex; flex-wrap:wrap; gap:10px; margin:0 0 8px; }
.stat { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:10px 16px; min-width:130px; }
.stat .v { font-size:20px; font-weight:600; } .stat .k { color:var(--muted); font-size:12px; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:10px 0 30px; }
@media (max-width:560px) { .grid, .grid.summary { grid-template-columns:1fr; } main { padding:12px; } }
""" % {"font": _FONT}




def write_report(path: str | os.PathLike, record: RunRecord, parent: RunRecord | None = None,
                 fork_t_s: float | None = None) -> Path:
    """Write the HTML report of ``record`` to ``path`` (a ``.html`` file, or a directory for
    ``<path>/report.html``) and return the file's path.  The file needs no network.  For a fork,
    ``parent`` (the parent run's record) is drawn beneath each series and ``fork_t_s`` marked."""
    from .. import __version__

    out = Path(path)
    if out.is_dir() or (not out.suffix and not out.exists()):
        out.mkdir(parents=True, exist_ok=True)
        out = out / "report.html"
    out.parent.mkdir(parents=True, exist_ok=True)

    epoch, end = as_utc(record.epoch, "record.epoch"), as_utc(record.end, "record.end")
    generated = dt.datetime.now(UTC)
    n_t = int(np.asarray(record.t_s).size)

    cards, skipped = [], []
    plots = tuple(PlotSpec(*p) for p in record.plots) if getattr(record, "plots", None) else PLOTS
    for i, spec in enumerate(plots):
        values = record.samples.get(spec.name)
        if values is None or np.asarray(values).size != n_t or n_t == 0:
            skipped.append(spec)
            continue
        param = _param(record, spec.name)
        sub = f"<code>{_esc(spec.name)}</code>"
        if param is not None and param.description:
            sub += f" — {_esc(param.description)}"
        fig = _series_figure(record, spec, param, parent, fork_t_s)
        cards.append(f'<div class="card"><h3>{_esc(spec.title)}</h3><div class="sub">{sub}</div>'
                     f"{_figure_html(fig, f'plot-{i}')}</div>")
    timeline = _timeline_figure(record)
    if timeline is not None:
        counts = Counter(e.kind for e in record.events)
        notes = []
        if any(not _is_dense(k, c) for k, c in counts.items()) or record.alarms:
            notes.append("each mark is one event or alarm (hover for details)")
        if any(_is_dense(k, c) for k, c in counts.items()):
            notes.append(f"eclipses and kinds with more than {DENSE_EVENTS} events are counted per UTC day")
        cards.append(
            f'<div class="card wide"><h3>{TIMELINE_TITLE}</h3><div class="sub">{_esc("; ".join(notes)[:1].upper() + "; ".join(notes)[1:])}.'
            f"</div>{_figure_html(timeline, 'plot-timeline')}</div>"
        )
    track_card = _ground_track_card(record)
    if track_card:
        cards.insert(0, track_card)
    skipped_html = ""
    if skipped:
        skipped_html = ('<p class="note">Not in this run (skipped): '
                        + ", ".join(f"<code>{_esc(s.name)}</code>" for s in skipped) + ".</p>")

    stats = [
        (f"{len(record.parameters):,}", "parameters"),
        (f"{n_t:,}", "samples per parameter"),
        (f"{len(record.events):,}", "events"),
        (f"{len(record.alarms):,}", "limit violations"),
    ]
    stats_html = "".join(f'<div class="stat"><div class="v">{v}</div><div class="k">{k}</div></div>' for v, k in stats)
    em = _engine_margins_html(record)
    engine_margins = f'<div class="card"><h3>Margins</h3>{em}</div>' if em else ""
    title = f"Tiangong run report — {record.scenario}"
    fork_at = getattr(record, "fork_t_s", None)
    fork_html = ""
    if getattr(record, "parent", None):
        when = iso_z(at_seconds(epoch, fork_at), 0) if fork_at is not None else "?"
        fork_html = (f"<span><b>Fork of</b>{_esc(record.parent)} at {when}"
                     f"{' (parent dashed grey)' if parent is not None else ''}</span>")
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tiangong {_esc(__version__)}">
<title>{_esc(title)}</title>
<style>{_CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<header>
<h1>{_esc(title)}</h1>
<div class="meta">
<span><b>Scenario</b>{_esc(record.scenario)}</span>
<span><b>Window</b>{iso_z(epoch, 0)} → {iso_z(end, 0)} ({_duration((end - epoch).total_seconds())})</span>
{fork_html}<span><b>Generated</b>{iso_z(generated, 0)}</span>
<span><b>tiangong</b>{_esc(__version__)}</span>
</div>
</header>
<main>
<section><div class="stats">{stats_html}</div></section>
<section>
<h2>Summary</h2>
<div class="grid summary">
<div class="card wide"><h3>Margins to limits</h3>{_margins_html(record)}</div>
<div class="card wide"><h3>Limit violations</h3>{_alarms_html(record)}</div>
{engine_margins}<div class="card"><h3>Events by kind</h3>{_event_counts_html(record)}</div>
<div class="card wide"><h3>Run summary</h3>{_summary_html(record)}</div>
</div>
</section>
<section>
<h2>Telemetry</h2>
<div class="grid">
{"".join(cards)}
</div>
{skipped_html}
</section>
</main>
<script>{_RESIZE}</script>
<footer>Times are UTC. Plots show the min and max of each of ~{N_BUCKETS:,} time buckets per series.
Generated {iso_z(generated, 0)} by tiangong {_esc(__version__)}; this file is self-contained (no network).</footer>
</body>
</html>
"""
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return out
