"""Charts of a promise audit, drawn with matplotlib from its stored score (``PromiseAudit.score``).

Like ``planning.charts`` it uses the object-oriented ``Figure`` API on the Agg backend (no
global pyplot state shared between requests) and fixed metadata, so the same audit always gives
the same bytes. Three charts:

* ``coverage``: per calibration group, the share of promises covered by each stated quantile
  (bars) against the level it claims (black ticks), and achieved service against the target
  (red when more than the warning margin below);
* ``reliability``: stated stock-out risk against the share that ran over the reorder point,
  one point per risk bin (area ∝ promises), with the diagonal of a perfectly honest statement;
* ``bias``: Σ stated mean ÷ Σ actual − 1 per plan week, with the ±5 % band.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

CHART_KINDS = ("coverage", "reliability", "bias")

_LEVEL_COLOURS = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
_OK = "#2f7d32"
_BAD = "#c44e52"
_NEUTRAL = "#4c72b0"


def _floats(values: list | None) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in (values or [])], dtype=np.float64)


def _style(ax) -> None:
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])


def _coverage(fig: Figure, score: dict[str, Any], warn_points: float) -> None:
    cover_ax, service_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    groups = score.get("groups", [])
    levels = score.get("levels", [])
    if not groups:
        _empty(cover_ax, _("Nothing scored yet"))
        _empty(service_ax, _("Nothing scored yet"))
        return
    x = np.arange(len(groups))
    width = 0.8 / max(len(levels), 1)
    for j, level in enumerate(levels):
        coverage = _floats([row[j] for row in score["coverage"]])
        pos = x - 0.4 + width * (j + 0.5)
        cover_ax.bar(
            pos,
            np.nan_to_num(coverage),
            width * 0.92,
            color=_LEVEL_COLOURS[j % len(_LEVEL_COLOURS)],
            label=f"{level:.0%}",
        )
        cover_ax.hlines(
            [level] * len(groups), pos - width / 2, pos + width / 2, color="black", linewidth=1.4
        )
    cover_ax.set_xticks(x, groups)
    cover_ax.set_ylim(0, 1.02)
    cover_ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    cover_ax.set_title(
        _("Coverage of the stated quantiles (ticks: the level)"), loc="left", fontsize=10
    )
    cover_ax.legend(
        fontsize=8, ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.08), frameon=False,
        borderaxespad=0.2, handlelength=1.2, columnspacing=0.8,
    )  # fmt: skip
    _style(cover_ax)

    targets = score.get("targets", [])
    labels, achieved, wanted = [], [], []
    for g, group in enumerate(groups):
        for s, target in enumerate(targets):
            if score["target_count"][g][s]:
                labels.append(f"{group}\n{target:.1%}")
                achieved.append(score["achieved"][g][s])
                wanted.append(target)
    if not labels:
        _empty(service_ax, _("No service targets scored"))
        return
    achieved_a, wanted_a = _floats(achieved), np.array(wanted)
    short = (wanted_a - achieved_a) * 100 > warn_points
    pos = np.arange(len(labels))
    service_ax.bar(pos, achieved_a, 0.6, color=np.where(short, _BAD, _OK))
    service_ax.hlines(wanted_a, pos - 0.35, pos + 0.35, color="black", linewidth=1.6)
    service_ax.set_xticks(pos, labels, fontsize=8)
    low = float(np.nanmin(np.concatenate([achieved_a, wanted_a]))) if len(labels) else 0.5
    service_ax.set_ylim(max(0.0, min(low - 0.05, 0.8)), 1.01)
    service_ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    service_ax.set_title(_("Achieved service vs target"), loc="left", fontsize=10)
    _style(service_ax)


def _reliability(fig: Figure, score: dict[str, Any]) -> None:
    ax = fig.subplots()
    curve = score.get("reliability") or {}
    count = np.array(curve.get("count", []), dtype=np.float64)
    stated, observed = _floats(curve.get("stated")), _floats(curve.get("observed"))
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label=_("honest"))
    shown = count > 0
    if not shown.any():
        _empty(ax, _("Nothing scored yet"))
        return
    top = float(max(np.nanmax(stated[shown]), np.nanmax(observed[shown]), 0.05)) * 1.15
    sizes = 30 + 400 * count[shown] / count[shown].max()
    ax.scatter(stated[shown], observed[shown], s=sizes, color=_NEUTRAL, alpha=0.75, zorder=3)
    ax.plot(stated[shown], observed[shown], color=_NEUTRAL, linewidth=1)
    for xs, ys, n in zip(stated[shown], observed[shown], count[shown], strict=True):
        ax.annotate(
            f"{int(n):,}", (xs, ys), xytext=(6, -10), textcoords="offset points", fontsize=7
        )
    ax.set_xlim(0, min(top, 1.0))
    ax.set_ylim(0, min(top, 1.0))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(_("stated stock-out risk per cycle"))
    ax.set_ylabel(_("observed: demand over the reorder point"))
    ax.set_title(_("Reliability of the stated risk (labels: promises)"), loc="left", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    _style(ax)


def _bias(fig: Figure, score: dict[str, Any]) -> None:
    ax = fig.subplots()
    series = score.get("period_bias") or {}
    weeks = [date.fromisoformat(w) for w in series.get("weeks", [])]
    bias = _floats(series.get("bias"))
    if not weeks:
        _empty(ax, _("Nothing scored yet"))
        return
    x = mdates.date2num(weeks)
    ax.axhspan(-0.05, 0.05, color=_OK, alpha=0.12, linewidth=0, label=_("±5 %"))
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.plot(x, bias, marker="o", color=_NEUTRAL, linewidth=1.8, label=_("bias"))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    if len(weeks) == 1:
        ax.set_xlim(x[0] - 7, x[0] + 7)
    span = float(np.nanmax(np.abs(bias))) if np.isfinite(bias).any() else 0.1
    ax.set_ylim(-max(span, 0.1) * 1.2, max(span, 0.1) * 1.2)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(_("week of the plan date"))
    ax.set_title(_("Σ stated mean ÷ Σ actual − 1 by plan week"), loc="left", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    _style(ax)


def audit_chart(
    score: dict[str, Any], *, kind: str, fmt: str = "svg", warn_points: float = 3.0
) -> bytes:
    """Render one chart of an audit's stored score; ``kind`` in ``CHART_KINDS``, ``fmt`` "svg"
    or "png". Returns the image bytes."""
    if kind not in CHART_KINDS:
        raise ValueError(f"unknown audit chart {kind!r}")
    if fmt not in ("svg", "png"):
        raise ValueError(f"unsupported chart format {fmt!r}")
    if kind == "coverage":
        fig = Figure(figsize=(10, 4), dpi=100)
        fig.subplots_adjust(left=0.06, right=0.99, top=0.92, bottom=0.17, wspace=0.18)
        _coverage(fig, score, warn_points)
    elif kind == "reliability":
        fig = Figure(figsize=(5.5, 4.4), dpi=100)
        fig.subplots_adjust(left=0.14, right=0.97, top=0.9, bottom=0.13)
        _reliability(fig, score)
    else:
        fig = Figure(figsize=(6.5, 4.4), dpi=100)
        fig.subplots_adjust(left=0.12, right=0.97, top=0.9, bottom=0.13)
        _bias(fig, score)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with matplotlib.rc_context({"svg.hashsalt": "zapas", "svg.fonttype": "none"}):
        fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


# Where each curve's setting labels sit (offset in points, alignment): the two Zapas curves run
# close together at the same settings, so one is labelled above-left, the other below-right.
_LABEL_PLACES = {
    "zapas": ((-4, 5), "right", "bottom"),
    "zapas_cancellations": ((4, -5), "left", "top"),
    "naive_min_max": ((4, -5), "left", "top"),
}


def _untangle_labels(fig: Figure, labels: list, tries: int = 6) -> None:
    """Move each setting label further from its point (away along its side, 8 points a step)
    until its box clears the labels placed before it, at most ``tries`` steps."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # lays out the axes, so the labels' boxes are known
    renderer = canvas.get_renderer()
    placed = []
    for label in labels:
        dx, dy = label.xyann
        step = 8 if dy > 0 else -8
        for _try in range(tries):
            box = label.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                break
            dy += step
            label.xyann = (dx, dy)
        placed.append(label.get_window_extent(renderer))


def frontier_figure(points: list[dict[str, Any]]) -> Figure:
    """The frontier chart as a Figure (``frontier_chart`` renders it); each setting label
    carries the gid ``label-<policy>-<k>`` (k-th point by value)."""
    fig = Figure(figsize=(7, 4.4), dpi=100)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.13)
    ax = fig.subplots()
    styles = (
        ("zapas", _("Zapas (service target)"), "o", _NEUTRAL),
        (
            "zapas_cancellations",
            _("Zapas (stock spread for the fewest cancellations)"),
            "D",
            "#55a868",
        ),  # fmt: skip
        ("naive_min_max", _("min/max (multiplier)"), "s", "#dd8452"),
    )
    labels = []
    for policy, label, marker, colour in styles:
        pts = sorted(
            (p for p in points if p["policy"] == policy and p["avg_inventory_value"] is not None),
            key=lambda p: p["avg_inventory_value"],
        )
        xs = [p["avg_inventory_value"] for p in pts]
        ys = [p["fill_rate"] for p in pts]
        ax.plot(xs, ys, marker=marker, color=colour, label=label)
        offset, ha, va = _LABEL_PLACES[policy]
        for k, (p, x, y) in enumerate(zip(pts, xs, ys, strict=True)):
            labels.append(
                ax.annotate(
                    f"{p['setting']:g}",
                    (x, y),
                    xytext=offset,
                    textcoords="offset points",
                    fontsize=7,
                    ha=ha,
                    va=va,
                    color=colour,
                    gid=f"label-{policy}-{k}",
                )  # fmt: skip
            )
    if not points:
        _empty(ax, _("No frontier computed yet"))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(_("average inventory value"))
    ax.set_ylabel(_("fill rate"))
    ax.set_title(_("Fill rate against stock held (the efficient frontier)"), loc="left",
                 fontsize=10)  # fmt: skip
    ax.legend(fontsize=8, loc="lower right")
    _style(ax)
    _untangle_labels(fig, labels)
    return fig


def frontier_chart(points: list[dict[str, Any]], *, fmt: str = "svg") -> bytes:
    """Fill rate against average inventory value for Zapas (each SKU at the target, and the
    stock spread for the fewest cancellations) and min/max (stored frontier points)."""
    if fmt not in ("svg", "png"):
        raise ValueError(f"unsupported chart format {fmt!r}")
    fig = frontier_figure(points)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with matplotlib.rc_context({"svg.hashsalt": "zapas", "svg.fonttype": "none"}):
        fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()
