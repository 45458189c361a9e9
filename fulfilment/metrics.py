"""Seller metrics over rolling windows, per warehouse and overall (FBS orders by default).

For a window of N days ending now, ``[now − N days, now)``:

* **cancellation rate** = seller-caused cancellations ÷ orders, among orders accepted in the
  window. Seller-caused: cancelled by the seller, or for a reason that is the seller's fault
  whoever cancelled (out of stock, prep time exceeded).
* **late-shipment rate** = orders handed over after their deadline ÷ orders handed over, among
  handovers in the window.
* **on-time rate** = orders handed over by their deadline ÷ orders whose deadline fell in the
  window (orders cancelled by the customer or the marketplace for reasons not the seller's are
  left out; orders still open past their deadline count as not on time).

Levels come from ``METRIC_THRESHOLDS``: rates where lower is better are ``danger`` at or above
the danger threshold, ``warning`` at or above the warning one; the on-time rate the other way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from fulfilment.conf import setting
from fulfilment.models import (
    SELLER_CAUSED_REASONS,
    CancelledBy,
    Order,
    OrderScheme,
    OrderStatus,
)

OK, WARNING, DANGER = "ok", "warning", "danger"
_HIGHER_IS_BETTER = {"on_time_rate"}


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int
    value: float | None  # None when there is nothing to measure
    level: str  # ok, warning, danger, or "" without data


@dataclass(frozen=True)
class MetricWindow:
    days: int
    warehouse_id: int | None  # None = all warehouses
    warehouse_code: str
    cancellation_rate: Rate
    late_shipment_rate: Rate
    on_time_rate: Rate

    @property
    def rates(self) -> tuple[Rate, Rate, Rate]:
        return (self.cancellation_rate, self.late_shipment_rate, self.on_time_rate)


@dataclass(frozen=True)
class SellerMetrics:
    generated_at: datetime
    scheme: str | None
    thresholds: dict
    windows: list[MetricWindow] = field(default_factory=list)

    def overall(self) -> list[MetricWindow]:
        return [w for w in self.windows if w.warehouse_id is None]

    def by_warehouse(self) -> dict[str, list[MetricWindow]]:
        groups: dict[str, list[MetricWindow]] = {}
        for window in self.windows:
            if window.warehouse_id is not None:
                groups.setdefault(window.warehouse_code, []).append(window)
        return groups

    @property
    def worst_level(self) -> str:
        levels = {
            rate.level
            for w in self.overall()
            for rate in (w.cancellation_rate, w.late_shipment_rate, w.on_time_rate)
        }
        return next((level for level in (DANGER, WARNING, OK) if level in levels), "")


def rate_level(name: str, value: float | None, thresholds: dict | None = None) -> str:
    if value is None:
        return ""
    limits = (thresholds or setting("METRIC_THRESHOLDS"))[name]
    if name in _HIGHER_IS_BETTER:
        if value < limits["danger"]:
            return DANGER
        return WARNING if value < limits["warning"] else OK
    if value >= limits["danger"]:
        return DANGER
    return WARNING if value >= limits["warning"] else OK


def _rate(name: str, numerator: int, denominator: int, thresholds: dict) -> Rate:
    value = round(numerator / denominator, 4) if denominator else None
    return Rate(numerator, denominator, value, rate_level(name, value, thresholds))


def seller_metrics(
    *,
    now: datetime | None = None,
    windows: tuple[int, ...] | None = None,
    scheme: str | None = OrderScheme.FBS,
    warehouse_id: int | None = None,
) -> SellerMetrics:
    """Metrics for each window (days), overall and per warehouse; one query per window."""
    now = now or timezone.now()
    windows = tuple(windows or setting("METRIC_WINDOWS_DAYS"))
    thresholds = setting("METRIC_THRESHOLDS")
    base = Order.objects.all()
    if scheme:
        base = base.filter(scheme=scheme)
    if warehouse_id is not None:
        base = base.filter(warehouse_id=warehouse_id)
    seller_caused = Q(status=OrderStatus.CANCELLED) & (
        Q(cancelled_by=CancelledBy.SELLER) | Q(cancel_reason__in=SELLER_CAUSED_REASONS)
    )
    excused = (
        Q(status=OrderStatus.CANCELLED)
        & Q(cancelled_at__lt=F("ship_by"))
        & ~Q(cancelled_by=CancelledBy.SELLER)
        & ~Q(cancel_reason__in=SELLER_CAUSED_REASONS)
    )
    result = SellerMetrics(generated_at=now, scheme=scheme, thresholds=thresholds)
    for days in sorted(windows):
        start = now - timedelta(days=days)
        accepted = Q(accepted_at__gte=start, accepted_at__lt=now)
        handed = Q(shipped_at__gte=start, shipped_at__lt=now)
        due = Q(ship_by__gte=start, ship_by__lt=now) & ~excused
        rows = (
            base.filter(accepted | handed | Q(ship_by__gte=start, ship_by__lt=now))
            .values("warehouse_id", "warehouse__code")
            .annotate(
                orders=Count("pk", filter=accepted),
                cancelled=Count("pk", filter=accepted & seller_caused),
                handed=Count("pk", filter=handed),
                late=Count("pk", filter=handed & Q(shipped_late=True)),
                due=Count("pk", filter=due),
                on_time=Count("pk", filter=due & Q(shipped_at__lte=F("ship_by"))),
            )
            .order_by("warehouse__code")
        )
        totals = dict.fromkeys(("orders", "cancelled", "handed", "late", "due", "on_time"), 0)
        per_warehouse = []
        for row in rows:
            for key in totals:
                totals[key] += row[key]
            per_warehouse.append(
                _window(days, row["warehouse_id"], row["warehouse__code"], row, thresholds)
            )
        result.windows.append(_window(days, None, "", totals, thresholds))
        result.windows.extend(per_warehouse)
    return result


def _window(days: int, warehouse_id, code: str, counts: dict, thresholds: dict) -> MetricWindow:
    return MetricWindow(
        days=days,
        warehouse_id=warehouse_id,
        warehouse_code=code,
        cancellation_rate=_rate(
            "cancellation_rate", counts["cancelled"], counts["orders"], thresholds
        ),
        late_shipment_rate=_rate(
            "late_shipment_rate", counts["late"], counts["handed"], thresholds
        ),
        on_time_rate=_rate("on_time_rate", counts["on_time"], counts["due"], thresholds),
    )
