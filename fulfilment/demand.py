"""Demand feed: shipped and cancelled order lines roll up into ``planning.DemandHistory``.

Cells (SKU, day) of source ``orders`` are *recomputed* from the orders, never incremented, so a
refresh can run any number of times, for any range, in any order, with the same result.

* ``units``/``orders``/``revenue``: lines handed to the carrier that day (delivering or
  delivered), by the local date of the handover.
* ``cancelled_units``: every unit cancelled that day; ``lost_units``: the part cancelled for
  lack of stock (what customers wanted but could not get), which also marks the day
  ``stocked_out`` so the forecast treats the sales of that day as censored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from celery import current_app
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fulfilment.conf import setting
from fulfilment.models import CancelReason, Order, OrderLine, OrderStatus
from planning.models import DemandHistory, DemandSource


@dataclass
class _Cell:
    units: int = 0
    orders: int = 0
    revenue: Decimal = Decimal("0")
    cancelled_units: int = 0
    lost_units: int = 0


def demand_feed_refresh(
    *, since: date, until: date | None = None, sku_ids: Iterable[int] | None = None
) -> int:
    """Recompute the ``orders`` demand cells for days ``since``…``until`` (inclusive, local
    dates; ``until`` defaults to today), optionally for some SKUs only. Returns cells written.
    """
    until = until or timezone.localdate()
    tz = timezone.get_current_timezone()
    start = datetime.combine(since, time.min, tzinfo=tz)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz)
    sku_filter = Q()
    if sku_ids is not None:
        sku_ids = list(sku_ids)
        sku_filter = Q(sku_id__in=sku_ids)

    cells: dict[tuple[int, date], _Cell] = defaultdict(_Cell)
    shipped = OrderLine.objects.filter(
        sku_filter,
        order__status__in=Order.SHIPPED_STATUSES,
        order__shipped_at__gte=start,
        order__shipped_at__lt=end,
    ).values_list("sku_id", "quantity", "unit_price", "order__shipped_at")
    for sku_id, quantity, price, shipped_at in shipped:
        cell = cells[(sku_id, timezone.localtime(shipped_at, tz).date())]
        cell.units += quantity
        cell.orders += 1
        cell.revenue += price * quantity
    cancelled = OrderLine.objects.filter(
        sku_filter,
        order__status=OrderStatus.CANCELLED,
        order__cancelled_at__gte=start,
        order__cancelled_at__lt=end,
    ).values_list("sku_id", "quantity", "order__cancel_reason", "order__cancelled_at")
    for sku_id, quantity, reason, cancelled_at in cancelled:
        cell = cells[(sku_id, timezone.localtime(cancelled_at, tz).date())]
        cell.cancelled_units += quantity
        if reason == CancelReason.OUT_OF_STOCK:
            cell.lost_units += quantity

    rows = [
        DemandHistory(
            sku_id=sku_id,
            date=day,
            source=DemandSource.ORDERS,
            units=cell.units,
            orders=cell.orders,
            revenue=cell.revenue,
            cancelled_units=cell.cancelled_units,
            lost_units=cell.lost_units,
            stocked_out=cell.lost_units > 0,
        )
        for (sku_id, day), cell in sorted(cells.items())
    ]
    with transaction.atomic():
        # Cells in the range that no longer have any order behind them go.
        existing = DemandHistory.objects.filter(
            sku_filter, source=DemandSource.ORDERS, date__gte=since, date__lte=until
        ).values_list("pk", "sku_id", "date")
        stale = [pk for pk, sku_id, day in existing if (sku_id, day) not in cells]
        if stale:
            DemandHistory.objects.filter(pk__in=stale).delete()
        if rows:
            DemandHistory.objects.bulk_create(
                rows,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["sku", "date", "source"],
                update_fields=[
                    "units",
                    "orders",
                    "revenue",
                    "cancelled_units",
                    "lost_units",
                    "stocked_out",
                ],
            )
    return len(rows)


def demand_feed_schedule(*, since: date, sku_ids: Iterable[int]) -> None:
    """Have the cells of ``sku_ids`` from ``since`` on recomputed soon (call after commit).

    Without a broker (tasks run in-process) they are recomputed now. With one, a burst of
    hand-overs makes one task per process rather than one each: the first queues a refresh of
    every SKU from ``since`` to run ``DEMAND_FEED_DELAY_SECONDS`` later, and while that is
    pending (a cache key marks it) the others queue nothing. The task starts after the key
    expires, so every change committed while the key stood is in what it reads. The hourly
    refresh of the last three days remains the safety net.
    """
    from fulfilment.tasks import demand_feed_refresh_task

    if current_app.conf.task_always_eager:
        demand_feed_refresh_task.delay(since=since.isoformat(), sku_ids=sorted(set(sku_ids)))
        return
    delay = setting("DEMAND_FEED_DELAY_SECONDS")
    if cache.add(f"zapas:demand-feed-pending:{since.isoformat()}", True, timeout=delay):
        demand_feed_refresh_task.apply_async(
            kwargs={"since": since.isoformat()}, countdown=delay + 1
        )
