"""An EVA plan as a self-contained HTML Gantt chart (plotly, plotly.js inlined: no network).

Rows EV1, EV2, IV, ARM; one bar per task and role (arm translations hatched grey); daylight
windows as pale yellow bands behind the bars (night left white); Tianlian contact windows as a
strip along the bottom; the suit's usable-time limit from hatch opening as a red line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import InputError
from ..timeutil import iso_z
from .library import ROLES
from .plan import Plan

_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
            "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
            "#e6550d", "#31a354", "#756bb1", "#636363")  # 20 distinct colours: one per library task


def _ms(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() * 1000.0


def figure(plan: Plan):
    """The plotly ``Figure`` of ``plan``."""
    import plotly.graph_objects as go

    fig = go.Figure()
    names = []
    for r in plan.tasks:
        if r.name not in names:
            names.append(r.name)
    for i, name in enumerate(names):
        rows = [r for r in plan.tasks if r.name == name]
        move = name.startswith("arm_move:")
        fig.add_trace(go.Bar(
            orientation="h", y=[r.role for r in rows], x=[_ms(r.start, r.end) for r in rows],
            base=[iso_z(r.start, 0) for r in rows], name=name,
            marker=dict(color="#bbbbbb" if move else _COLOURS[i % len(_COLOURS)],
                        pattern=dict(shape="/" if move else "")),
            hovertext=[f"{r.name} ({r.role})<br>{r.title}<br>{iso_z(r.start, 0)} - {iso_z(r.end, 0)}"
                       f"<br>worksite {r.worksite}" for r in rows],
            hoverinfo="text", showlegend=not move,
        ))
    shapes = []
    for s, e in plan.daylight:
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=iso_z(max(s, plan.start), 0),
                           x1=iso_z(min(e, plan.end), 0), y0=0.06, y1=1.0, fillcolor="#fff3b0",
                           opacity=0.6, line_width=0, layer="below"))
    for s, e in plan.comm:
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=iso_z(max(s, plan.start), 0),
                           x1=iso_z(min(e, plan.end), 0), y0=0.0, y1=0.04, fillcolor="#6baed6",
                           opacity=0.9, line_width=0))
    limit = plan.hatch_open + dt.timedelta(seconds=plan.suit_usable_s)
    shapes.append(dict(type="line", xref="x", yref="paper", x0=iso_z(limit, 0), x1=iso_z(limit, 0),
                       y0=0, y1=1, line=dict(color="red", dash="dash")))
    crew = ", ".join(f"{k} {v}" for k, v in plan.crew.items())
    fig.update_layout(
        title=(f"EVA plan {plan.name}: {iso_z(plan.start, 0)} - {iso_z(plan.end, 0)} "
               f"({plan.duration_s / 3600:.2f} h; hatch open {plan.hatch_open_s / 3600:.2f} h)<br>"
               f"<sup>{crew}; airlock {plan.airlock}; yellow: daylight, blue strip: Tianlian contact, "
               f"red dashed: suit usable-time limit</sup>"),
        barmode="overlay", shapes=shapes, xaxis=dict(type="date", title="UTC"),
        yaxis=dict(categoryorder="array", categoryarray=list(reversed(ROLES)), title=""),
        height=480, legend=dict(title="task"),
    )
    return fig


def plan_html(plan: Plan) -> str:
    """The whole HTML page (plotly.js inlined)."""
    return figure(plan).to_html(include_plotlyjs=True, full_html=True)


def _write(text: str, path: str | Path) -> Path:
    p = Path(path)
    try:
        p.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError("--html", f"cannot write {path}: {exc.strerror or exc}") from None
    return p


def write_html(plan: Plan, path: str | Path) -> Path:
    return _write(plan_html(plan), path)


def simulation_html(plan: Plan, summary) -> str:
    """One page: the plan's Gantt chart, the Monte Carlo distribution of the hatch-open time (with the
    planned value) and of each consumable's minimum margin (minutes, worst EV)."""
    import numpy as np
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    cons = list(summary.margins_min)
    margins = {c: np.concatenate([np.asarray(r.margins_min[c], dtype=float) for r in summary.results])
               for c in cons}
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        f"Hatch open, {summary.runs} runs (abort probability {100 * summary.abort_probability:.1f} %)",
        "Minimum consumable margin (min, worst EV)"))
    fig.add_trace(go.Histogram(x=np.asarray(summary.duration_s) / 3600.0, nbinsx=40, name="hatch open (h)",
                               marker_color="#1f5fa8"), row=1, col=1)
    fig.add_vline(x=plan.hatch_open_s / 3600.0, line=dict(color="black", dash="dash"), row=1, col=1,
                  annotation_text="planned")
    for c in cons:
        v = margins[c][np.isfinite(margins[c])]
        fig.add_trace(go.Box(y=v, name=c, boxpoints=False), row=1, col=2)
    fig.update_xaxes(title_text="h", row=1, col=1)
    fig.update_yaxes(title_text="runs", row=1, col=1)
    fig.update_yaxes(title_text="min", row=1, col=2)
    fig.update_layout(height=420, showlegend=False, title=f"EVA {plan.name}: Monte Carlo (seed {summary.seed})")
    gantt = figure(plan).to_html(include_plotlyjs=True, full_html=False)
    dist = fig.to_html(include_plotlyjs=False, full_html=False)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>EVA {plan.name}</title></head>"
            f"<body style='font-family:sans-serif'>{gantt}{dist}</body></html>")


def write_simulation_html(plan: Plan, summary, path: str | Path) -> Path:
    return _write(simulation_html(plan, summary), path)


def history_html(replays, target: float = 0.15) -> str:
    """One page for ``tiangong eva history``: real vs planned vs simulated hatch-open duration of every
    replayed EVA (the +-``target`` band around the real time of the validation EVAs, the simulated
    p5-p95 as an error bar), published vs planned hatch open -> both outside, then each EVA's Gantt."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    h = lambda s: None if s is None else s / 3600.0  # noqa: E731
    label = [f"{r.eva.name} ({r.eva.role[:5]})" for r in replays]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.62, 0.38], shared_yaxes=True, subplot_titles=(
        "Hatch open -> hatch close (h)", "Hatch open -> both outside (h)"))
    first_band = True
    for r, y in zip(replays, label):
        if r.eva.role == "validation":
            fig.add_trace(go.Scatter(x=[h(r.real_s) * (1 - target), h(r.real_s) * (1 + target)], y=[y, y],
                                     mode="lines", line=dict(color="rgba(46,160,44,0.35)", width=14),
                                     name=f"real +-{100 * target:.0f} %", legendgroup="band", showlegend=first_band),
                          row=1, col=1)
            first_band = False
    fig.add_trace(go.Scatter(x=[h(r.real_s) for r in replays], y=label, mode="markers", name="real",
                             marker=dict(symbol="diamond", size=11, color="black")), row=1, col=1)
    fig.add_trace(go.Scatter(x=[h(r.planned_s) for r in replays], y=label, mode="markers", name="planned",
                             marker=dict(symbol="circle", size=9, color="#1f5fa8")), row=1, col=1)
    sims = [(r, y) for r, y in zip(replays, label) if r.sim_median_s is not None]
    if sims:
        fig.add_trace(go.Scatter(
            x=[h(r.sim_median_s) for r, _ in sims], y=[y for _, y in sims], mode="markers",
            name="simulated median (p5-p95)", marker=dict(symbol="x", size=9, color="#ff7f0e"),
            error_x=dict(type="data", symmetric=False, array=[h(r.sim_p95_s - r.sim_median_s) for r, _ in sims],
                         arrayminus=[h(r.sim_median_s - r.sim_p5_s) for r, _ in sims])), row=1, col=1)
    both = [(r, y) for r, y in zip(replays, label) if r.real_both_out_s is not None]
    fig.add_trace(go.Scatter(x=[h(r.real_both_out_s) for r, _ in both], y=[y for _, y in both],
                             mode="markers", name="real", showlegend=False,
                             marker=dict(symbol="diamond", size=11, color="black")), row=1, col=2)
    fig.add_trace(go.Scatter(x=[h(r.planned_both_out_s) for r in replays], y=label, mode="markers",
                             name="planned", showlegend=False, marker=dict(size=9, color="#1f5fa8")), row=1, col=2)
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=120 + 38 * len(replays), title="Real Chinese EVAs: real vs planned vs simulated",
                      legend=dict(orientation="h", y=-0.12))
    parts = [fig.to_html(include_plotlyjs=True, full_html=False)]
    for r in replays:
        parts.append(f"<h3>{r.eva.mission} EVA-{r.eva.eva_number} ({r.eva.role}): real "
                     f"{r.real_s / 3600:.2f} h, planned {r.planned_s / 3600:.2f} h</h3>")
        parts.append(figure(r.plan).to_html(include_plotlyjs=False, full_html=False))
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>tiangong: real EVAs</title></head>"
            f"<body style='font-family:sans-serif'>{''.join(parts)}</body></html>")


def write_history_html(replays, path: str | Path, target: float = 0.15) -> Path:
    return _write(history_html(replays, target), path)
