"""Server-side charts of a SKU's plan, drawn with matplotlib (Agg backend, no display needed).

``sku_plan_chart`` takes a ``SkuChartData`` (built from the database by
``planning.admin_selectors.sku_chart_data``) and returns image bytes: SVG by default, PNG on
request.  It uses the object-oriented ``Figure`` API, never ``pyplot``, so concurrent requests
in one process share no global figure state.

Two panels share the date axis:

* **Demand** (units/day): the last days of history as bars (stocked-out days hatched, because
  their demand is censored), then the forecast with its uncertainty band.
* **Stock** (units): on hand projected forward (available − cumulative forecast + arrivals),
  with the reorder point and safety stock as horizontal lines and arrivals marked.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")  # before any backend is touched; the server has no display

import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
from babel.dates import format_date  # noqa: E402
from django.conf import settings  # noqa: E402
from django.utils.formats import number_format  # noqa: E402
from django.utils.translation import get_language, to_locale  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from planning.labels import method_label  # noqa: E402

#: z of the two-sided 80 % interval drawn as the forecast band.
BAND_Z = 1.2816

_HISTORY = "#4c72b0"
_STOCKOUT = "#c44e52"
_FORECAST = "#dd8452"
_ON_HAND = "#2f7d32"
_REORDER = "#8172b3"
_SAFETY = "#c44e52"
_ARRIVAL = "#2f7d32"


@dataclass(frozen=True)
class Arrival:
    """Units expected to arrive on a day (an open purchase order or transfer)."""

    date: date
    quantity: int
    label: str


@dataclass(frozen=True)
class SkuChartData:
    """Everything the SKU chart shows, as plain arrays (units; one value per day).

    history_start: date of ``history_units[0]``; history ends the day before ``plan_date``.
    history_units: (T,) units demanded per day; history_stocked_out: (T,) bool, censored days.
    forecast_mean/_low/_high: (H,) units/day from ``plan_date`` on (day 0 = plan date).
    projected_on_hand: (H + 1,) units at the start of each day from ``plan_date``, never below
        zero (a marketplace buyer does not wait: demand beyond the stock is lost, not owed).
    projected_lost: (H,) units/day of demand the projected stock cannot serve (its own series).
    reorder_point, safety_stock: units.
    """

    sku_code: str
    sku_name: str
    plan_date: date
    history_start: date
    history_units: np.ndarray
    history_stocked_out: np.ndarray
    forecast_mean: np.ndarray
    forecast_low: np.ndarray
    forecast_high: np.ndarray
    projected_on_hand: np.ndarray
    reorder_point: float
    safety_stock: float
    arrivals: tuple[Arrival, ...] = field(default_factory=tuple)
    method: str = ""
    #: The projection if the plan's suggested order is placed today (None: nothing to order).
    suggested_order: Arrival | None = None
    projected_with_order: np.ndarray | None = None
    projected_lost: np.ndarray | None = None

    @property
    def history_dates(self) -> list[date]:
        return [self.history_start + timedelta(days=i) for i in range(len(self.history_units))]

    @property
    def forecast_dates(self) -> list[date]:
        return [self.plan_date + timedelta(days=i) for i in range(len(self.forecast_mean))]

    @property
    def projection_dates(self) -> list[date]:
        return [self.plan_date + timedelta(days=i) for i in range(len(self.projected_on_hand))]


def forecast_band(
    *, mean_per_day: float, sd_per_day: float, profile: np.ndarray, start_weekday: int, days: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Daily forecast and its 80 % band over ``days`` days (units/day, clipped at 0).

    ``profile`` holds seven Monday..Sunday multipliers averaging 1 (all ones when the method
    is not seasonal); ``start_weekday`` is the weekday of day 0 (Monday = 0).  The band is
    mean ± z·sd with the daily error sd scaled by the same profile.
    """
    weekdays = (start_weekday + np.arange(days)) % 7
    factors = np.asarray(profile, dtype=float)[weekdays] if len(profile) == 7 else np.ones(days)
    mean = np.maximum(mean_per_day * factors, 0.0)
    spread = BAND_Z * sd_per_day * factors
    return mean, np.maximum(mean - spread, 0.0), mean + spread


def projected_on_hand(
    *, available: float, forecast: np.ndarray, arrivals_by_day: np.ndarray
) -> np.ndarray:
    """Stock at the start of each day (lost sales: it never goes below zero).

    ``forecast`` (H,) units/day; ``arrivals_by_day`` (H + 1,) units arriving at the start of
    day i (day 0 = today).  Returns (H + 1,) units ≥ 0; see ``projected_stock``.
    """
    return projected_stock(available=available, forecast=forecast, arrivals_by_day=arrivals_by_day)[
        0
    ]


def projected_stock(
    *, available: float, forecast: np.ndarray, arrivals_by_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(on hand at the start of each day, demand lost each day), in units.

    Each day sells ``min(stock, demand)``; the rest of the demand is lost, not carried as a
    backlog, so a later arrival refills from zero. ``on_hand`` is (H + 1,) ≥ 0 and ``lost`` is
    (H,) ≥ 0; on hand + cumulative arrivals − cumulative sales is conserved.
    """
    horizon = len(forecast)
    on_hand = np.zeros(horizon + 1)
    lost = np.zeros(horizon)
    stock = max(float(available), 0.0) + float(arrivals_by_day[0])
    for day in range(horizon):
        on_hand[day] = stock
        demand = max(float(forecast[day]), 0.0)
        sold = min(stock, demand)
        lost[day] = demand - sold
        stock = stock - sold + float(arrivals_by_day[day + 1])
    on_hand[horizon] = stock
    return on_hand, lost


def sku_plan_chart(data: SkuChartData, *, fmt: str = "svg") -> bytes:
    """Render the SKU plan chart; ``fmt`` is "svg" or "png".  Returns the image bytes."""
    if fmt not in ("svg", "png"):
        raise ValueError(f"unsupported chart format {fmt!r}")
    fig = sku_plan_figure(data)
    buffer = io.BytesIO()
    # Fixed metadata and hash salt: the same data gives the same bytes (cacheable, testable).
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with matplotlib.rc_context({"svg.hashsalt": "zapas", "svg.fonttype": "none"}):
        fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def sku_plan_figure(data: SkuChartData) -> Figure:
    """The SKU plan chart's figure: demand above, projected stock below."""
    # Fixed margins, not a layout engine: constrained layout doubles the drawing time.
    fig = Figure(figsize=(10, 6.4), dpi=100)
    # left: room for five-digit tick labels and the axis label beside them (never clipped).
    fig.subplots_adjust(left=0.095, right=0.96, top=0.86, bottom=0.05, hspace=0.62)
    # The stock panel has its own (forward-only) date axis: sharing the 180-day history axis
    # would squeeze the projection into a strip at the right edge.
    demand_ax, stock_ax = fig.subplots(2, 1, gridspec_kw={"height_ratios": [1.1, 1]})
    _draw_demand(demand_ax, data)
    _draw_stock(stock_ax, data)

    title = f"{data.sku_code} · {data.sku_name}"
    fig.suptitle(title if len(title) <= 90 else title[:89] + "…", fontsize=12, x=0.01, ha="left")
    locale = _babel_locale()
    demand_days = len(data.history_units) + len(data.forecast_mean)
    demand_ax.xaxis.set_major_locator(demand_month_locator(demand_days))
    demand_ax.xaxis.set_major_formatter(_month_formatter(locale))
    stock_ax.xaxis.set_major_locator(stock_date_locator(len(data.projected_on_hand)))
    stock_ax.xaxis.set_major_formatter(_date_formatter("d MMM", locale))
    for ax in (demand_ax, stock_ax):
        ax.yaxis.set_major_formatter(FuncFormatter(_tick_number))
        ax.yaxis.set_label_coords(-0.075, 0.5)
    demand_ax.axvline(data.plan_date, color="#555555", linewidth=1, linestyle=":")
    for ax in (demand_ax, stock_ax):
        ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    demand_ax.annotate(
        _("today"),
        xy=(mdates.date2num(data.plan_date), 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -2),
        textcoords="offset points",
        va="top",
        fontsize=8,
        color="#555555",
    )
    return fig


def _babel_locale() -> str:
    return to_locale(get_language() or settings.LANGUAGE_CODE)


def _date_formatter(pattern: str, locale: str) -> FuncFormatter:
    """Tick dates in the page's language (``LLL``: the month's stand-alone name)."""

    def label(value: float, _pos: int | None = None) -> str:
        return format_date(mdates.num2date(value).date(), pattern, locale=locale)

    return FuncFormatter(label)


def _month_formatter(locale: str) -> FuncFormatter:
    """Month ticks: the month's short name, with the year on January and on the first tick
    (a year on every tick makes long month names run into each other)."""

    def label(value: float, pos: int | None = None) -> str:
        day = mdates.num2date(value).date()
        if day.month == 1 or pos == 0:
            return format_date(day, "LLL yyyy", locale=locale)
        return format_date(day, "LLL", locale=locale)

    return FuncFormatter(label)


def _tick_number(value: float, _pos: int | None = None) -> str:
    return number_format(value, 0 if float(value).is_integer() else 1, force_grouping=True)


#: At most this many date labels on the stock panel: each "28 Dec" needs about 0.55 in.
STOCK_MAX_DATE_LABELS = 12


def stock_date_locator(days: int) -> mdates.DateLocator:
    """Mondays, every week or every 2, 4, 8… weeks, so that at most ``STOCK_MAX_DATE_LABELS``
    labels share the panel's width and none overlap."""
    weeks = max(days // 7 + 1, 1)
    interval = 1
    while weeks / interval > STOCK_MAX_DATE_LABELS:
        interval *= 2
    return mdates.WeekdayLocator(byweekday=mdates.MO, interval=interval)


#: At most this many month labels on the demand panel ("нояб. 2025" needs about 0.75 in).
DEMAND_MAX_MONTH_LABELS = 10


def demand_month_locator(days: int) -> mdates.MonthLocator:
    """Every month, or every 2, 3, 4, 6 or 12 months from January (so that January, which
    carries the year, keeps a label), with at most ``DEMAND_MAX_MONTH_LABELS`` labels."""
    months = days / 30.44 + 1
    step = next((k for k in (1, 2, 3, 4, 6) if months / k <= DEMAND_MAX_MONTH_LABELS), 12)
    return mdates.MonthLocator(bymonth=range(1, 13, step))


def _count(value: float) -> str:
    return number_format(round(value), 0, force_grouping=True)


def _draw_demand(ax, data: SkuChartData) -> None:
    dates = mdates.date2num(data.history_dates)
    units = np.asarray(data.history_units, dtype=float)
    censored = np.asarray(data.history_stocked_out, dtype=bool)
    if len(units):
        # One artist per series (stairs, spans), not one patch per day: drawing stays fast.
        edges = np.append(dates, dates[-1] + 1.0) - 0.5
        ax.stairs(units, edges, fill=True, color=_HISTORY, label=_("Demand"))
        if censored.any():
            ax.fill_between(
                edges[:-1] + 0.5,
                0,
                1,
                where=censored,
                step="mid",
                transform=ax.get_xaxis_transform(),
                color=_STOCKOUT,
                alpha=0.18,
                linewidth=0,
                label=_("Stocked out (censored)"),
            )
    fdates = mdates.date2num(data.forecast_dates)
    if len(fdates):
        ax.fill_between(
            fdates,
            data.forecast_low,
            data.forecast_high,
            step="mid",
            color=_FORECAST,
            alpha=0.25,
            linewidth=0,
            label=_("80 % band"),
        )
        label = (
            _("Forecast (%(method)s)") % {"method": method_label(data.method)}
            if data.method
            else _("Forecast")
        )
        ax.step(fdates, data.forecast_mean, where="mid", color=_FORECAST, linewidth=2, label=label)
    ax.set_ylabel(_("units / day"))
    ax.set_ylim(bottom=0)
    _legend_above(ax, _("Demand: last %(n)s days and forecast") % {"n": len(units)})


def _draw_stock(ax, data: SkuChartData) -> None:
    pdates = mdates.date2num(data.projection_dates)
    on_hand = np.asarray(data.projected_on_hand, dtype=float)
    if len(pdates):
        ax.step(
            pdates,
            on_hand,
            where="post",
            color=_ON_HAND,
            linewidth=2,
            label=_("Projected on hand"),
        )
        lost = data.projected_lost
        if lost is not None and (lost > 0).any():
            # Lost demand is its own series (units/day that cannot be served), drawn upwards
            # from zero in the stock-out colour: never as stock below zero.
            ax.bar(
                pdates[: len(lost)],
                lost,
                width=1.0,
                align="edge",
                color=_STOCKOUT,
                alpha=0.45,
                linewidth=0,
                label=_("Lost demand %(n)s") % {"n": _count(lost.sum())},
            )
    if data.projected_with_order is not None and data.suggested_order is not None:
        ax.step(
            pdates,
            data.projected_with_order,
            where="post",
            color=_ON_HAND,
            linewidth=1.5,
            linestyle="--",
            alpha=0.8,
            label=_("If %(n)s ordered today") % {"n": _count(data.suggested_order.quantity)},
        )
    ax.axhline(
        data.reorder_point,
        color=_REORDER,
        linestyle="--",
        linewidth=1.5,
        label=_("Reorder point %(n)s") % {"n": _count(data.reorder_point)},
    )
    ax.axhline(
        data.safety_stock,
        color=_SAFETY,
        linestyle=":",
        linewidth=1.5,
        label=_("Safety stock %(n)s") % {"n": _count(data.safety_stock)},
    )
    ax.axhline(0, color="#999999", linewidth=0.8)
    if data.arrivals:
        end = data.plan_date + timedelta(days=max(len(on_hand) - 1, 0))
        shown = [a for a in data.arrivals if data.plan_date <= a.date <= end]
        by_day = {d: i for i, d in enumerate(data.projection_dates)}
        for n, arrival in enumerate(shown):
            y = on_hand[by_day[arrival.date]] if arrival.date in by_day else 0.0
            ax.annotate(
                f"+{_count(arrival.quantity)} {arrival.label}",
                xy=(mdates.date2num(arrival.date), y),
                xytext=(6, 8 + 11 * (n % 2)),
                textcoords="offset points",
                fontsize=8,
                color=_ARRIVAL,
                arrowprops={"arrowstyle": "-", "color": _ARRIVAL, "linewidth": 0.8},
            )
        if shown:
            ax.plot(
                mdates.date2num([a.date for a in shown]),
                [on_hand[by_day[a.date]] if a.date in by_day else 0.0 for a in shown],
                linestyle="none",
                marker="^",
                color=_ARRIVAL,
                markersize=7,
                label=_("Arrival"),
            )
    ax.set_ylabel(_("units"))
    _legend_above(ax, _("Stock on hand, projected"))


#: Legend entries per row: labels in Russian or with a long method name need the width.
LEGEND_COLUMNS = 3


def _legend_above(ax, title: str) -> None:
    """The legend in rows just above the plot area, the panel's title above the legend: a
    legend inside the axes hides the data it explains, one beside the title overlaps it."""
    handles, _labels = ax.get_legend_handles_labels()
    rows = max(math.ceil(len(handles) / LEGEND_COLUMNS), 1)
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=LEGEND_COLUMNS,
        fontsize=8,
        frameon=False,
        borderaxespad=0.2,
        handlelength=1.6,
        columnspacing=1.2,
    )
    ax.set_title(title, loc="left", fontsize=10, pad=6 + 12 * rows)
