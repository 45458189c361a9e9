"""Admin pages of the planning app that are not plain change lists.

They are mounted by the ModelAdmins' ``get_urls`` (under /admin/, wrapped in
``admin_site.admin_view``), so they need a staff login; each also checks the model permission
it is about.  Thin: selectors read, ``planning.charts`` draws, services write.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control

from planning.admin_selectors import sku_chart_data, sku_plan_figures
from planning.charts import sku_plan_chart
from planning.models import SkuPlan

if TYPE_CHECKING:
    from planning.charts import SkuChartData

CHART_CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
#: The chart also shows open purchase orders, which change during the day: cache briefly.
CHART_MAX_AGE_SECONDS = 300


def _sku_plan_or_404(object_id: str) -> SkuPlan:
    try:
        pk = int(object_id)
    except (TypeError, ValueError) as exc:
        raise Http404("No such SKU plan.") from exc
    return get_object_or_404(SkuPlan.objects.select_related("sku", "run"), pk=pk)


def sku_plan_chart_image(
    request: HttpRequest, *, model_admin: ModelAdmin, object_id: str, fmt: str
) -> HttpResponse:
    """The SKU plan chart as SVG or PNG, drawn from the database on request."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    if fmt not in CHART_CONTENT_TYPES:
        raise Http404("Unknown chart format.")
    sku_plan = _sku_plan_or_404(object_id)
    image = sku_plan_chart(sku_chart_data(sku_plan=sku_plan), fmt=fmt)
    response = HttpResponse(image, content_type=CHART_CONTENT_TYPES[fmt])
    patch_cache_control(response, private=True, max_age=CHART_MAX_AGE_SECONDS)
    return response


@dataclass(frozen=True)
class ProjectionRow:
    date: date
    forecast: float
    low: float
    high: float
    arrivals: int
    on_hand: float
    lost: float = 0.0


@dataclass(frozen=True)
class HistoryWeek:
    week_start: date
    units: int
    stocked_out_days: int


def _projection_rows(data: SkuChartData) -> list[ProjectionRow]:
    arrivals: dict[date, int] = {}
    for arrival in data.arrivals:
        arrivals[arrival.date] = arrivals.get(arrival.date, 0) + arrival.quantity
    rows = []
    for i, day in enumerate(data.forecast_dates):
        rows.append(
            ProjectionRow(
                date=day,
                forecast=float(data.forecast_mean[i]),
                low=float(data.forecast_low[i]),
                high=float(data.forecast_high[i]),
                arrivals=arrivals.get(day, 0),
                on_hand=float(data.projected_on_hand[i]),
                lost=float(data.projected_lost[i]) if data.projected_lost is not None else 0.0,
            )
        )
    return rows


def _history_weeks(data: SkuChartData) -> list[HistoryWeek]:
    """History summed by ISO week (Monday first), newest first."""
    weeks: dict[date, list[int]] = {}
    for i, day in enumerate(data.history_dates):
        monday = day - timedelta(days=day.weekday())
        week = weeks.setdefault(monday, [0, 0])
        week[0] += int(data.history_units[i])
        week[1] += int(bool(data.history_stocked_out[i]))
    return [
        HistoryWeek(week_start=monday, units=units, stocked_out_days=out)
        for monday, (units, out) in sorted(weeks.items(), reverse=True)
    ]


def sku_plan_page(request: HttpRequest, *, model_admin: ModelAdmin, object_id: str) -> HttpResponse:
    """The SKU plan page: the chart, the plan's figures, and the numbers behind the chart."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    sku_plan = _sku_plan_or_404(object_id)
    data = sku_chart_data(sku_plan=sku_plan)
    opts = model_admin.model._meta
    chart_url = reverse(
        f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_chart",
        args=[sku_plan.pk, "svg"],
    )
    history_total = int(data.history_units.sum())
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "title": f"{sku_plan.sku.code} · plan of {sku_plan.plan_date:%d %b %Y}",
        "subtitle": sku_plan.sku.name,
        "sku_plan": sku_plan,
        "chart_url": chart_url,
        "png_url": chart_url.removesuffix(".svg") + ".png",
        "sections": sku_plan_figures(sku_plan),
        "projection": _projection_rows(data),
        "history_weeks": _history_weeks(data),
        "history_days": len(data.history_units),
        "history_total": history_total,
        "history_mean": history_total / max(len(data.history_units), 1),
        "stocked_out_days": int(data.history_stocked_out.sum()),
        "arrivals": data.arrivals,
        "at_risk": sku_plan.stockout_probability > 0
        and math.isfinite(sku_plan.stockout_probability),
        "has_view_permission": True,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/planning/skuplan/plan_page.html", context)
