"""Reads behind the planner and buyer admin: the At-risk list, the SKU chart, suggestion groups
and the dashboard.

Each function costs a fixed number of queries whatever the catalogue size: lists are single
annotated querysets (sub-queries, not per-row look-ups) and the dashboard is a handful of
aggregates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import MoneyTotals
from inventory.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    SupplierItem,
    Transfer,
    TransferLine,
    Warehouse,
)
from planning.charts import (
    Arrival,
    SkuChartData,
    forecast_band,
    projected_on_hand,
    projected_stock,
)
from planning.engine.schema import METHOD_NAMES, SEASONAL_METHODS
from planning.models import (
    DemandHistory,
    FboShipmentSuggestion,
    FulfilmentDecision,
    PlanRun,
    ReorderSuggestion,
    RiskThreshold,
    SkuPlan,
    SuggestionStatus,
)

CHART_HISTORY_DAYS = 180
#: The projection shows at least this many days, and at least two replenishment cycles.
CHART_MIN_HORIZON_DAYS = 28
CHART_MAX_HORIZON_DAYS = 120

_SEASONAL_METHOD_NAMES = frozenset(METHOD_NAMES[m] for m in SEASONAL_METHODS)


def current_run_id_subquery() -> Subquery:
    """The id of the run whose results are live (latest finished), as a SQL sub-query."""
    return Subquery(PlanRun.objects.done().order_by("-plan_date", "-id").values("id")[:1])


def risk_bar(run: PlanRun | None) -> float:
    """Stock-out probability from which a SKU counts as at risk in this run.

    Part of the run's ``RiskThreshold`` (stored in ``parameters["risk"]`` by ``plan_run``);
    a SKU must also expect ``min_cancelled_orders`` lost orders, see ``at_risk_filter``.
    """
    return RiskThreshold.of_run(run).probability


def at_risk_filter(queryset: QuerySet[SkuPlan], run: PlanRun | None) -> QuerySet[SkuPlan]:
    """SKU plans at risk by the run's ``RiskThreshold`` (the same rule as its count)."""
    return queryset.filter(RiskThreshold.of_run(run).condition())


# --- At risk ----------------------------------------------------------------------------------


def at_risk_queryset(queryset: QuerySet[SkuPlan]) -> QuerySet[SkuPlan]:
    """SKU plans of the live run with the margin at risk and the next arrival, in one query.

    ``margin_at_risk`` = expected cancelled orders × (sale price − unit cost), money;
    ``next_arrival`` = the earliest expected arrival of an open purchase-order line of the SKU.
    """
    open_po_lines = PurchaseOrderLine.objects.filter(
        sku_id=OuterRef("sku_id"),
        purchase_order__status__in=PurchaseOrder.OPEN_STATUSES,
        purchase_order__expected_arrival__isnull=False,
        quantity_received__lt=F("quantity_ordered"),
    ).order_by("purchase_order__expected_arrival")
    unit_margin = Cast(F("sku__sale_price") - F("sku__unit_cost"), FloatField())
    return (
        queryset.filter(run_id=current_run_id_subquery())
        .select_related("sku", "run")
        .annotate(
            margin_at_risk=Cast(F("expected_cancelled_orders"), FloatField()) * unit_margin,
            next_arrival=Subquery(open_po_lines.values("purchase_order__expected_arrival")[:1]),
        )
    )


def with_stock_at(queryset: QuerySet[SkuPlan], warehouse_id: int) -> QuerySet[SkuPlan]:
    """Plans of SKUs that have units on hand at the warehouse."""
    return queryset.filter(
        Exists(
            StockLevel.objects.filter(
                sku_id=OuterRef("sku_id"), warehouse_id=warehouse_id, on_hand__gt=0
            )
        )
    )


def with_primary_supplier(queryset: QuerySet[SkuPlan], supplier_id: int) -> QuerySet[SkuPlan]:
    return queryset.filter(
        Exists(
            SupplierItem.objects.filter(
                sku_id=OuterRef("sku_id"), supplier_id=supplier_id, is_primary=True
            )
        )
    )


# --- SKU chart --------------------------------------------------------------------------------


def sku_plan_fbo_units(sku_plan: SkuPlan) -> int:
    """Units at the marketplace's (FBO) warehouses that the plan counted.

    The engine's inventory position is available + FBO stock + on order + in transit, and
    its stock-out date and days of cover count available + FBO stock; the plan row keeps the
    position, so the FBO part is what is left of it (never negative, whole units).
    """
    rest = sku_plan.inventory_position - sku_plan.available - sku_plan.on_order
    rest -= sku_plan.in_transit
    if not math.isfinite(rest):
        return 0
    return max(int(round(rest)), 0)


def _weekly_profile(units: np.ndarray, start: date, method: str) -> np.ndarray:
    """Monday..Sunday multipliers (mean 1) for seasonal methods; ones otherwise.

    The plan does not store the engine's profile, so it is re-estimated from the last eight
    weeks shown: weekday means over the overall mean (the same definition the engine uses).
    """
    if method not in _SEASONAL_METHOD_NAMES or len(units) < 14:
        return np.ones(7)
    recent = units[-56:]
    first_weekday = (start + timedelta(days=len(units) - len(recent))).weekday()
    weekdays = (first_weekday + np.arange(len(recent))) % 7
    overall = recent.mean()
    if overall <= 0:
        return np.ones(7)
    means = np.array([recent[weekdays == d].mean() for d in range(7)])
    profile = means / overall
    return profile / profile.mean()


def _arrivals(sku_plan: SkuPlan) -> list[Arrival]:
    """Open purchase-order lines and inbound transfers to own warehouses (one query each)."""
    plan_date = sku_plan.plan_date
    default_eta = plan_date + timedelta(days=math.floor(sku_plan.lead_time_days))
    arrivals: list[Arrival] = []
    po_lines = (
        PurchaseOrderLine.objects.filter(
            sku_id=sku_plan.sku_id,
            purchase_order__status__in=PurchaseOrder.OPEN_STATUSES,
            quantity_received__lt=F("quantity_ordered"),
        )
        .select_related("purchase_order")
        .order_by("purchase_order__expected_arrival", "pk")
    )
    for line in po_lines:
        po = line.purchase_order
        eta = max(po.expected_arrival or default_eta, plan_date)
        label = po.number
        if po.status == PurchaseOrder.Status.DRAFT:
            label = _("%(number)s (draft)") % {"number": po.number}
        arrivals.append(Arrival(date=eta, quantity=line.quantity_open, label=label))
    transfer_lines = (
        TransferLine.objects.filter(
            sku_id=sku_plan.sku_id,
            transfer__status__in=Transfer.OPEN_STATUSES,
            transfer__destination__kind=Warehouse.Kind.OWN,
        )
        .select_related("transfer")
        .order_by("transfer__expected_arrival", "pk")
    )
    for line in transfer_lines:
        units = line.quantity - line.quantity_received
        if units > 0:
            eta = max(line.transfer.expected_arrival or plan_date, plan_date)
            arrivals.append(Arrival(date=eta, quantity=units, label=line.transfer.number))
    return sorted(arrivals, key=lambda a: (a.date, a.label))


def chart_horizon_days(sku_plan: SkuPlan) -> int:
    cycle = sku_plan.lead_time_days + sku_plan.review_days
    days = max(CHART_MIN_HORIZON_DAYS, math.ceil(2 * cycle) if math.isfinite(cycle) else 0)
    return min(days, CHART_MAX_HORIZON_DAYS)


def sku_chart_data(*, sku_plan: SkuPlan, history_days: int = CHART_HISTORY_DAYS) -> SkuChartData:
    """The chart's data for one SKU plan: 3 queries (history, PO lines, transfer lines).

    History: units demanded per day (all sources, plus demand lost to stock-outs) over the
    ``history_days`` days before the plan date; missing days are zero.  Forecast: the plan's
    daily mean (× weekly profile for seasonal methods) with the 80 % band mean ± 1.28·sd.
    Projection: the plan's available units and its units at FBO warehouses (the stock the
    stock-out date counts), less the forecast, plus open arrivals by day.
    """
    plan_date = sku_plan.plan_date
    start = plan_date - timedelta(days=history_days)
    rows = (
        DemandHistory.objects.filter(sku_id=sku_plan.sku_id, date__gte=start, date__lt=plan_date)
        .values("date")
        .annotate(
            demand=Sum(F("units") + F("lost_units")),
            stocked_out_sources=Count("pk", filter=Q(stocked_out=True)),
        )
        .order_by("date")
    )
    units = np.zeros(history_days)
    stocked_out = np.zeros(history_days, dtype=bool)
    for row in rows:
        i = (row["date"] - start).days
        units[i] = row["demand"] or 0
        stocked_out[i] = row["stocked_out_sources"] > 0

    horizon = chart_horizon_days(sku_plan)
    profile = _weekly_profile(units, start, sku_plan.method)
    mean, low, high = forecast_band(
        mean_per_day=max(sku_plan.forecast_mean, 0.0),
        sd_per_day=max(sku_plan.forecast_sd, 0.0),
        profile=profile,
        start_weekday=plan_date.weekday(),
        days=horizon,
    )
    arrivals = _arrivals(sku_plan)
    by_day = np.zeros(horizon + 1)
    for arrival in arrivals:
        offset = (arrival.date - plan_date).days
        if offset <= horizon:
            by_day[offset] += arrival.quantity
    # The stock the engine's stock-out date counts: own warehouses and Ozon's (FBO).
    start_stock = float(sku_plan.available + sku_plan_fbo_units(sku_plan))
    on_hand, lost = projected_stock(available=start_stock, forecast=mean, arrivals_by_day=by_day)
    suggested, with_order = None, None
    if sku_plan.suggested_order > 0:
        # Ordered today, it arrives after the lead time (rounded up to whole days).
        offset = math.ceil(sku_plan.lead_time_days) if math.isfinite(sku_plan.lead_time_days) else 0
        suggested = Arrival(
            date=plan_date + timedelta(days=offset),
            quantity=int(sku_plan.suggested_order),
            label=_("suggested"),
        )
        if offset <= horizon:
            with_suggested = by_day.copy()
            with_suggested[offset] += sku_plan.suggested_order
            with_order = projected_on_hand(
                available=start_stock, forecast=mean, arrivals_by_day=with_suggested
            )
    return SkuChartData(
        sku_code=sku_plan.sku.code,
        sku_name=sku_plan.sku.name,
        plan_date=plan_date,
        history_start=start,
        history_units=units,
        history_stocked_out=stocked_out,
        forecast_mean=mean,
        forecast_low=low,
        forecast_high=high,
        projected_on_hand=on_hand,
        reorder_point=float(sku_plan.reorder_point),
        safety_stock=float(sku_plan.safety_stock),
        arrivals=tuple(arrivals),
        method=sku_plan.method,
        suggested_order=suggested,
        projected_with_order=with_order,
        projected_lost=lost,
    )


# --- Buyer: suggestion groups -----------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionGroup:
    """Open suggestions of one supplier into one warehouse: what one purchase order would be."""

    supplier_id: int
    supplier: str
    warehouse_id: int
    warehouse: str
    currency: str
    lines: int
    units: int
    total: Decimal
    min_order_value: Decimal

    @property
    def below_minimum(self) -> bool:
        return self.total < self.min_order_value

    @property
    def shortfall(self) -> Decimal:
        return max(self.min_order_value - self.total, Decimal("0"))


def suggestion_groups(queryset: QuerySet[ReorderSuggestion]) -> list[SuggestionGroup]:
    """Proposed suggestions of ``queryset`` grouped by (supplier, warehouse): one query."""
    rows = (
        queryset.filter(status=SuggestionStatus.PROPOSED)
        .order_by()
        .values(
            "supplier_id",
            "supplier__code",
            "supplier__name",
            "supplier__currency",
            "supplier__min_order_value",
            "warehouse_id",
            "warehouse__code",
        )
        .annotate(lines=Count("pk"), units=Sum("quantity"), total=Sum("cost"))
        .order_by("supplier__code", "warehouse__code")
    )
    return [
        SuggestionGroup(
            supplier_id=row["supplier_id"],
            supplier=f"{row['supplier__code']} · {row['supplier__name']}",
            warehouse_id=row["warehouse_id"],
            warehouse=row["warehouse__code"],
            currency=row["supplier__currency"],
            lines=row["lines"],
            units=row["units"] or 0,
            total=Decimal(row["total"] or 0).quantize(Decimal("0.01")),
            min_order_value=row["supplier__min_order_value"] or Decimal("0"),
        )
        for row in rows
    ]


# --- Dashboard --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    pk: int
    plan_date: date
    status: str
    status_label: str
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    sku_count: int
    error: str


@dataclass(frozen=True)
class PlanningDashboard:
    """The planning figures on the admin index (money in the sellers' currency)."""

    last_run: RunSummary | None
    live_run: RunSummary | None
    at_risk: int
    risk_bar: float
    risk_min_cancelled_orders: float
    reorders_waiting: int
    reorders_value: MoneyTotals  # per supplier currency, never added across currencies
    reorder_suppliers: int
    fbo_waiting: int
    decisions_waiting: int
    orders_due_today: int | None
    orders_overdue: int | None


def _run_summary(run: PlanRun | None) -> RunSummary | None:
    if run is None:
        return None
    return RunSummary(
        pk=run.pk,
        plan_date=run.plan_date,
        status=run.status,
        status_label=run.get_status_display(),
        started_at=run.started_at,
        finished_at=run.finished_at,
        duration_seconds=run.duration_seconds,
        sku_count=run.sku_count,
        error=run.error.splitlines()[0][:200] if run.error else "",
    )


def _orders_due() -> tuple[int | None, int | None]:
    """Open FBS orders whose ship-by deadline is later today, and those past it (one query)."""
    try:
        from fulfilment.models import Order
    except ImportError:  # the fulfilment app has no orders yet
        return None, None
    now = timezone.now()
    local_now = timezone.localtime(now)
    end_of_today = local_now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    counts = (
        Order.objects.open()
        .fbs()
        .aggregate(
            due_today=Count("pk", filter=Q(ship_by__gte=now, ship_by__lt=end_of_today)),
            overdue=Count("pk", filter=Q(ship_by__lt=now)),
        )
    )
    return counts["due_today"], counts["overdue"]


def planning_dashboard() -> PlanningDashboard:
    """The dashboard's planning figures: six queries, whatever the catalogue size."""
    runs = list(PlanRun.objects.order_by("-created_at", "-id")[:1])
    last_run = runs[0] if runs else None
    live_run = PlanRun.objects.current()
    threshold = RiskThreshold.of_run(live_run)
    at_risk = 0
    if live_run is not None:
        at_risk = live_run.at_risk_count
    proposed = Q(status=SuggestionStatus.PROPOSED)
    reorders = ReorderSuggestion.objects.filter(proposed).aggregate(
        n=Count("pk"), suppliers=Count("supplier_id", distinct=True)
    )
    values = MoneyTotals.of(
        ReorderSuggestion.objects.filter(proposed)
        .values("supplier__currency")
        .annotate(value=Sum("cost"))
        .values_list("supplier__currency", "value")
    )
    fbo_waiting = FboShipmentSuggestion.objects.filter(proposed).count()
    decisions_waiting = FulfilmentDecision.objects.filter(proposed).count()
    due_today, overdue = _orders_due()
    return PlanningDashboard(
        last_run=_run_summary(last_run),
        live_run=_run_summary(live_run),
        at_risk=at_risk,
        risk_bar=threshold.probability,
        risk_min_cancelled_orders=threshold.min_cancelled_orders,
        reorders_waiting=reorders["n"],
        reorders_value=values,
        reorder_suppliers=reorders["suppliers"],
        fbo_waiting=fbo_waiting,
        decisions_waiting=decisions_waiting,
        orders_due_today=due_today,
        orders_overdue=overdue,
    )


__all__ = [
    "at_risk_filter",
    "at_risk_queryset",
    "chart_horizon_days",
    "planning_dashboard",
    "risk_bar",
    "sku_chart_data",
    "suggestion_groups",
    "with_primary_supplier",
    "with_stock_at",
]
