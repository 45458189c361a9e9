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
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from inventory.models import Sku
from planning.admin_selectors import sku_chart_data
from planning.charts import sku_plan_chart
from planning.models import PlanRun, SkuPlan
from planning.sku_plan_figures import sku_plan_figures

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


def _runs_out(data: SkuChartData) -> date | None:
    """The first day of the day table with lost demand: the table's reading of the plan's
    stock-out date (both count the stock at own and FBO warehouses)."""
    if data.projected_lost is None:
        return None
    for i, day in enumerate(data.forecast_dates):
        if data.projected_lost[i] > 1e-9:
            return day
    return None


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


def sku_plan_address(model_admin: ModelAdmin, code: str, *, run_id: int | None = None) -> str:
    """The SKU's stable plan address (its latest plan), or one run's plan with ``run_id``."""
    opts = model_admin.model._meta
    url = reverse(
        f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_sku", args=[code]
    )
    return f"{url}?{urlencode({'run': run_id})}" if run_id is not None else url


def sku_plan_redirect(
    request: HttpRequest, *, model_admin: ModelAdmin, object_id: str
) -> HttpResponse:
    """An old per-run link (``…/skuplan/<id>/change/``): to that run's plan at the SKU's
    stable address; a plan a later run replaced sends to the SKU plan list with a word."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        sku_plan = _sku_plan_or_404(object_id)
    except Http404:
        messages.warning(
            request,
            _(
                "That plan was replaced by a later planning run. Pick the SKU below: its plan "
                "page keeps one address that always shows the latest plan."
            ),
        )
        opts = model_admin.model._meta
        return HttpResponseRedirect(
            reverse(f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
        )
    return HttpResponseRedirect(
        sku_plan_address(model_admin, sku_plan.sku.code, run_id=sku_plan.run_id)
    )


@dataclass(frozen=True)
class PlanHistoryRow:
    plan: SkuPlan
    url: str
    shown: bool
    live: bool


def _plan_history(
    model_admin: ModelAdmin, sku: Sku, shown: SkuPlan, live_run_id: int | None
) -> list[PlanHistoryRow]:
    """The SKU's plans of every kept run, newest first (one query)."""
    plans = (
        SkuPlan.objects.filter(sku=sku)
        .select_related("run")
        .order_by("-plan_date", "-run_id")
        .only(
            "pk",
            "run_id",
            "plan_date",
            "suggested_order",
            "stockout_date",
            "stockout_probability",
            "run__started_at",
        )[:60]
    )
    return [
        PlanHistoryRow(
            plan=p,
            url=sku_plan_address(model_admin, sku.code, run_id=p.run_id),
            shown=p.pk == shown.pk,
            live=p.run_id == live_run_id,
        )
        for p in plans
    ]


def sku_plan_latest(request: HttpRequest, *, model_admin: ModelAdmin, code: str) -> HttpResponse:
    """The SKU's stable plan address: the live run's plan (or its newest kept one), or with
    ``?run=<id>`` an earlier run's; a run whose plan is gone sends to the latest with a word."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    sku = get_object_or_404(Sku, code=code)
    plans = SkuPlan.objects.select_related("sku", "run").filter(sku=sku)
    live = PlanRun.objects.current()
    wanted = request.GET.get("run")
    sku_plan = None
    if wanted is not None:
        if wanted.isdigit() and len(wanted) <= 18:
            sku_plan = plans.filter(run_id=int(wanted)).first()
        if sku_plan is None:
            messages.info(
                request,
                _("That run's plan for %(code)s is no longer kept; this is the latest.")
                % {"code": sku.code},
            )
            return HttpResponseRedirect(sku_plan_address(model_admin, sku.code))
    if sku_plan is None and live is not None:
        sku_plan = plans.filter(run=live).first()
    if sku_plan is None:
        sku_plan = plans.order_by("-plan_date", "-run_id").first()
    if sku_plan is None:
        raise Http404(_("No plan for this SKU yet."))
    live_id = live.pk if live else None
    return sku_plan_page(
        request,
        model_admin=model_admin,
        sku_plan=sku_plan,
        history=_plan_history(model_admin, sku, sku_plan, live_id),
        is_live=sku_plan.run_id == live_id,
    )


def sku_plan_page(
    request: HttpRequest,
    *,
    model_admin: ModelAdmin,
    sku_plan: SkuPlan,
    history: list[PlanHistoryRow],
    is_live: bool,
) -> HttpResponse:
    """The SKU plan page: the chart, the plan's figures, the numbers behind the chart and the
    SKU's earlier plans."""
    data = sku_chart_data(sku_plan=sku_plan)
    opts = model_admin.model._meta
    chart_url = reverse(
        f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_chart",
        args=[sku_plan.pk, "svg"],
    )
    # The chart's words are in the page's language: one cached image per language.
    language = urlencode({"lang": get_language() or ""})
    history_total = int(data.history_units.sum())
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "title": _("%(code)s · plan of %(date)s")
        % {"code": sku_plan.sku.code, "date": date_format(sku_plan.plan_date, "DATE_FORMAT")},
        "subtitle": sku_plan.sku.name,
        "sku_plan": sku_plan,
        "is_live": is_live,
        "plan_history": history,
        "latest_url": sku_plan_address(model_admin, sku_plan.sku.code),
        "chart_url": f"{chart_url}?{language}",
        "png_url": f"{chart_url.removesuffix('.svg')}.png?{language}",
        "sections": sku_plan_figures(sku_plan),
        "projection": _projection_rows(data),
        "history_weeks": _history_weeks(data),
        "history_days": len(data.history_units),
        "runs_out": _runs_out(data),
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
