"""An EVA plan as a self-contained HTML Gantt chart (plotly, plotly.js inlined: no network).

Rows EV1, EV2, IV, ARM; one bar per task and role (arm translations hatched grey); daylight
windows as pale yellow bands behind the bars (night left white); Tianlian contact windows as a
strip along the bottom; the suit's usable-time limit from hatch opening as a red line.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from ..errors import InputError
from ..timeutil import iso_z
from .library import ROLES
from .plan import Plan

def _colours() -> tuple[str, ...]:
    """48 distinct colours (plotly's Dark24 then Light24): one per library task."""
    from plotly.colors import qualitative

    return tuple(qualitative.Dark24) + tuple(qualitative.Light24)


def hm(seconds: float) -> str:
    """``h:mm`` of a duration in seconds (the one duration format of the EVA CLI and pages)."""
    m = int(round(seconds / 60.0))
    return f"{m // 60}:{m % 60:02d}"


@functools.lru_cache(maxsize=1)
def _task_index() -> dict[str, int]:
    """Place of every task in the packaged library (read once: a page draws a hundred bars)."""
    from .library import load_library

    return {t.name: i for i, t in enumerate(load_library().task)}


def task_colour(name: str) -> str:
    """One colour per library task, the same in every Gantt (by the task's place in the packaged library;
    items of a task split over windows share its colour)."""
    from .plan import base_name

    base = base_name(name)
    i = _task_index().get(base, sum(map(ord, base)))
    colours = _colours()
    return colours[i % len(colours)]


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
            marker=dict(color="#bbbbbb" if move else task_colour(name),
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
               f"({hm(plan.duration_s)} h:mm; hatch open {hm(plan.hatch_open_s)})<br>"
               f"<sup>{crew}; airlock {plan.airlock}; yellow: daylight, blue strip: Tianlian contact, "
               f"red dashed: suit usable-time limit</sup>"),
        barmode="overlay", shapes=shapes, xaxis=dict(type="date", title="UTC"),
        yaxis=dict(categoryorder="array", categoryarray=list(reversed(ROLES)), title=""),
        height=480, legend=dict(title="task"), autosize=True,
    )
    return fig


_CONFIG = {"responsive": True, "displaylogo": False}
_STYLE = ("<style>body{font-family:sans-serif;margin:0 12px;max-width:100%;box-sizing:border-box}"
          ".chart{width:100%;max-width:100%;overflow:hidden}</style>")


def _div(fig, first: bool = False) -> str:
    return ("<div class='chart'>" + fig.to_html(include_plotlyjs=first, full_html=False, config=_CONFIG,
                                                default_width="100%") + "</div>")


def _page(title: str, body: str) -> str:
    from ..plots import RESIZE_JS  # charts re-fitted to their container once the page is laid out

    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><meta name='viewport' "
            f"content='width=device-width'><title>{title}</title>{_STYLE}</head><body>{body}"
            f"<script>{RESIZE_JS}</script></body></html>")


def plan_html(plan: Plan) -> str:
    """The whole HTML page (plotly.js inlined)."""
    return _page(f"EVA plan {plan.name}", _div(figure(plan), first=True))


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
    fig.add_trace(go.Histogram(x=np.asarray(summary.duration_s) / 3600.0, nbinsx=40, name="hatch open",
                               marker_color="#1f5fa8"), row=1, col=1)
    fig.add_vline(x=plan.hatch_open_s / 3600.0, line=dict(color="black", dash="dash"), row=1, col=1,
                  annotation_text=f"planned {hm(plan.hatch_open_s)}")
    for c in cons:
        v = margins[c][np.isfinite(margins[c])]
        fig.add_trace(go.Box(y=v, name=c, boxpoints=False), row=1, col=2)
    lo, hi = np.quantile(np.asarray(summary.duration_s), [0.0, 1.0]) / 3600.0
    fig.update_xaxes(title_text="hatch open (h:mm)", row=1, col=1, **_hm_axis(lo, hi))
    fig.update_yaxes(title_text="runs", row=1, col=1)
    fig.update_yaxes(title_text="min", row=1, col=2)
    fig.update_layout(height=420, showlegend=False, title=f"EVA {plan.name}: Monte Carlo (seed {summary.seed})")
    return _page(f"EVA {plan.name}", _div(figure(plan), first=True) + _div(fig))


def write_simulation_html(plan: Plan, summary, path: str | Path) -> Path:
    return _write(simulation_html(plan, summary), path)


def _hm_axis(lo_h: float, hi_h: float, step_min: int = 30) -> dict:
    """Axis ticks in h:mm for an axis in hours."""
    import math

    a, b = math.floor(lo_h * 60 / step_min) * step_min, math.ceil(hi_h * 60 / step_min) * step_min
    ticks = list(range(int(a), int(b) + 1, step_min))
    return dict(tickvals=[t / 60 for t in ticks], ticktext=[hm(t * 60) for t in ticks])


def reliability(samples: dict, real: dict, names: list[str], levels=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)):
    """Observed coverage of the central intervals of each nominal level over ``names``."""
    import numpy as np

    out = []
    for lv in levels:
        lo, hi = 0.5 - lv / 2, 0.5 + lv / 2
        hits = [np.quantile(samples[n], lo) <= real[n] <= np.quantile(samples[n], hi) for n in names]
        out.append(float(np.mean(hits)) if hits else float("nan"))
    return list(levels), out


def history_html(replays, scores) -> str:
    """One page for ``tiangong eva history``: real vs forecast (median, 50 % and 90 % intervals; calibration
    EVAs left out of their own fit) vs baseline vs task plan; the reliability diagram (observed vs nominal
    coverage of central intervals, forecast and baseline); published vs planned both-outside; every Gantt."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from .forecast import climatology

    h = lambda s: None if s is None else s / 3600.0  # noqa: E731
    label = [f"{r.eva.name} ({r.eva.role[:5]})" for r in replays]
    fc = [scores.forecast[r.eva.name] for r in replays]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.66, 0.34], shared_yaxes=True, subplot_titles=(
        "Hatch open -> hatch close (h:mm): real vs forecast", "Hatch open -> both outside (h:mm)"))
    fig.add_trace(go.Scatter(x=[h(f.median_s) for f in fc], y=label, mode="markers", name="forecast: median, 90 % interval",
                             marker=dict(symbol="line-ns-open", size=16, color="#d62728", line=dict(width=3)),
                             error_x=dict(type="data", symmetric=False, array=[h(f.p95_s - f.median_s) for f in fc],
                                          arrayminus=[h(f.median_s - f.p05_s) for f in fc], thickness=1.5, width=6),
                             hovertext=[f"{r.eva.name}: forecast {hm(f.median_s)} (5-95 %: {hm(f.p05_s)}-{hm(f.p95_s)}; "
                                        f"50 %: {hm(f.p25_s)}-{hm(f.p75_s)}), real {hm(f.real_s)}"
                                        for r, f in zip(replays, fc)], hoverinfo="text"), row=1, col=1)
    fig.add_trace(go.Scatter(x=[h(f.p25_s) for f in fc] , y=label, mode="markers", name="forecast 50 % interval",
                             marker=dict(symbol="line-ns-open", size=10, color="#d62728"),
                             error_x=dict(type="data", symmetric=False, array=[h(f.p75_s - f.p25_s) for f in fc],
                                          arrayminus=[0] * len(fc), thickness=7, width=0, color="rgba(214,39,40,0.45)"),
                             hoverinfo="skip"), row=1, col=1)
    base = [scores.baseline[r.eva.name] for r in replays]
    fig.add_trace(go.Scatter(x=[h(b.median_s) for b in base], y=label, mode="markers", name="baseline (median of earlier EVAs)",
                             marker=dict(symbol="square-open", size=9, color="#2ca02c")), row=1, col=1)
    fig.add_trace(go.Scatter(x=[h(r.planned_s) for r in replays], y=label, mode="markers", name="task plan (nominal)",
                             marker=dict(symbol="circle-open", size=9, color="#1f5fa8")), row=1, col=1)
    fig.add_trace(go.Scatter(x=[h(r.real_s) for r in replays], y=label, mode="markers", name="real",
                             marker=dict(symbol="diamond", size=11, color="black")), row=1, col=1)
    both = [(r, y) for r, y in zip(replays, label) if r.real_both_out_s is not None]
    fig.add_trace(go.Scatter(x=[h(r.real_both_out_s) for r, _ in both], y=[y for _, y in both],
                             mode="markers", name="real", showlegend=False,
                             marker=dict(symbol="diamond", size=11, color="black")), row=1, col=2)
    fig.add_trace(go.Scatter(x=[h(r.planned_both_out_s) for r in replays], y=label, mode="markers",
                             name="task plan", showlegend=False, marker=dict(symbol="circle-open", size=9, color="#1f5fa8")),
                  row=1, col=2)
    hi = max([f.p95_s for f in fc] + [r.real_s for r in replays] + [r.planned_s for r in replays]) / 3600
    fig.update_xaxes(row=1, col=1, range=[0, hi * 1.05], **_hm_axis(0, hi, 60))
    hb = max(r.planned_both_out_s for r in replays) / 3600
    fig.update_xaxes(row=1, col=2, **_hm_axis(0, max(hb, 3.0), 60))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=160 + 34 * len(replays), autosize=True, margin=dict(l=10, r=10),
                      title="Real Chinese EVAs: forecast (calibration EVAs leave-one-out) vs real",
                      legend=dict(orientation="h", y=-0.18))
    # reliability
    rel = make_subplots(rows=1, cols=2, subplot_titles=[
        f"{x} EVAs ({'leave-one-out' if x == 'calibration' else 'fit on calibration'})" for x in ("calibration", "validation")])
    published = [(r.eva.hatch_open, r.real_s) for r in scores.replays]
    real = {r.eva.name: r.real_s for r in scores.replays}
    base_s = {r.eva.name: climatology(r.eva.hatch_open, published) for r in scores.replays}
    for col, role in enumerate(("calibration", "validation"), start=1):
        names = [r.eva.name for r in scores.replays if r.eva.role == role]
        rel.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color="grey", dash="dot"),
                                 name="perfect reliability", showlegend=col == 1), row=1, col=col)
        for who, smp, colour in (("forecast", scores.samples, "#d62728"), ("baseline", base_s, "#2ca02c")):
            lv, obs = reliability(smp, real, names)
            rel.add_trace(go.Scatter(x=lv, y=obs, mode="lines+markers", name=who, line=dict(color=colour),
                                     showlegend=col == 1), row=1, col=col)
        rel.update_xaxes(title_text="nominal central interval", range=[0, 1], row=1, col=col)
        rel.update_yaxes(title_text="observed share of real EVAs inside", range=[-0.02, 1.02], row=1, col=col)
    rel.update_layout(height=380, autosize=True, margin=dict(l=10, r=10), title="Reliability: are the intervals honest?")
    tab = ["<table style='border-collapse:collapse;margin:8px 0'><tr>" + "".join(
        f"<th style='padding:2px 8px;border-bottom:1px solid #999'>{c}</th>" for c in
        ("EVAs", "", "MAE", "bias", "CRPS (min)", "in 50 %", "in 90 %")) + "</tr>"]
    for role in ("calibration", "validation"):
        t = scores.table(role)
        for who in ("forecast", "baseline"):
            m = t[who]
            if not m:
                continue
            tab.append("<tr>" + "".join(f"<td style='padding:2px 8px'>{c}</td>" for c in (
                role if who == "forecast" else "", who, f"{100 * m['mae']:.1f} %", f"{100 * m['bias']:+.1f} %",
                f"{m['crps_s'] / 60:.1f}", f"{100 * m['cover_50']:.0f} %", f"{100 * m['cover_90']:.0f} %")) + "</tr>")
    tab.append("</table>")
    parts = [_div(fig, first=True), "<h3>Forecast skill vs the climatological baseline</h3>", "".join(tab),
             _div(rel)]
    for r in replays:
        f = scores.forecast[r.eva.name]
        parts.append(f"<h3>{r.eva.mission} EVA-{r.eva.eva_number} ({r.eva.role}): real {hm(r.real_s)}, "
                     f"task plan {hm(r.planned_s)}, forecast {hm(f.median_s)} ({hm(f.p05_s)}-{hm(f.p95_s)})</h3>")
        parts.append(_div(figure(r.plan)))
    return _page("tiangong: real EVAs", "".join(parts))


def write_history_html(replays, scores, path: str | Path) -> Path:
    return _write(history_html(replays, scores), path)


def prediction_html(pr) -> str:
    """``tiangong eva predict --html``: the forecast distribution (with the task plan and the suit limit)
    and the plan's Gantt chart."""
    import numpy as np
    import plotly.graph_objects as go

    q = pr.quantiles
    x = np.asarray(pr.samples_s) / 3600.0
    fig = go.Figure(go.Histogram(x=x, nbinsx=60, marker_color="#d62728", name="forecast"))
    for v, txt, colour, pos in ((pr.plan.hatch_open_s, f"task plan {hm(pr.plan.hatch_open_s)}", "#1f5fa8", "top left"),
                                (q["median"], f"median {hm(q['median'])}", "black", "top right"),
                                (pr.suit_usable_s, f"usable suit time {hm(pr.suit_usable_s)}", "red", "bottom right")):
        # the plan and the median are often minutes apart: their labels go on opposite sides
        fig.add_vline(x=v / 3600.0, line=dict(color=colour, dash="dash"), annotation_text=txt,
                      annotation_position=pos)
    fig.add_vrect(x0=q["p05"] / 3600, x1=q["p95"] / 3600, fillcolor="#d62728", opacity=0.08, line_width=0)
    fig.update_xaxes(title_text="hatch open -> hatch close (h:mm)", **_hm_axis(float(x.min()), float(x.max())))
    fig.update_yaxes(title_text="runs")
    fig.update_layout(height=380, autosize=True, showlegend=False, title=(
        f"EVA forecast {pr.name}: median {hm(q['median'])}, 50 % {hm(q['p25'])}-{hm(q['p75'])}, 90 % "
        f"{hm(q['p05'])}-{hm(q['p95'])}; P(beyond suit time) {100 * pr.p_exceed_suit_limit:.1f} % ({pr.runs} runs)"))
    return _page(f"EVA forecast {pr.name}", _div(fig, first=True) + _div(figure(pr.plan)))


def write_prediction_html(pr, path: str | Path) -> Path:
    return _write(prediction_html(pr), path)
