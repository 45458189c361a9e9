"""Reads of orders and notices; each selector owns its joins and prefetches (no N+1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from fulfilment.models import Order, OrderLine
from inventory.models import Warehouse


def _lines_prefetch() -> Prefetch:
    return Prefetch(
        "lines",
        queryset=OrderLine.objects.select_related("sku")
        .prefetch_related("sku__barcodes")
        .order_by("pk"),
    )


def orders_with_lines(queryset: QuerySet[Order] | None = None) -> QuerySet[Order]:
    """Orders with their warehouse, lines, SKUs and barcodes in a constant number of queries."""
    queryset = Order.objects.all() if queryset is None else queryset
    return queryset.select_related("warehouse").prefetch_related(_lines_prefetch())


def pick_list(*, warehouse: Warehouse) -> QuerySet[Order]:
    """Open orders of a warehouse, most urgent deadline first, with their lines."""
    return orders_with_lines(Order.objects.open().filter(warehouse=warehouse)).order_by(
        "ship_by", "pk"
    )


@dataclass(frozen=True)
class DueToday:
    warehouse: Warehouse
    orders: list[Order]


def due_today(*, now: datetime | None = None, warehouse: Warehouse | None = None) -> list[DueToday]:
    """Per warehouse, open FBS orders whose deadline falls by the end of the warehouse's local
    day (overdue ones included), sorted by deadline. Warehouses without such orders are left out.
    """
    now = now or timezone.now()
    # Two days ahead covers every time zone's "end of today"; the exact cut is per warehouse.
    candidates = orders_with_lines(
        Order.objects.open().fbs().filter(ship_by__lt=now + timedelta(days=2))
    ).order_by("ship_by", "pk")
    if warehouse is not None:
        candidates = candidates.filter(warehouse=warehouse)
    groups: dict[int, DueToday] = {}
    for order in candidates:
        tz = ZoneInfo(order.warehouse.time_zone)
        end_of_day = datetime.combine(
            now.astimezone(tz).date() + timedelta(days=1), time.min, tzinfo=tz
        )
        if order.ship_by < end_of_day:
            groups.setdefault(order.warehouse_id, DueToday(order.warehouse, [])).orders.append(
                order
            )
    return sorted(groups.values(), key=lambda group: group.warehouse.code)
