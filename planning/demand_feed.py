"""Demand feed: shipped and cancelled order lines roll up into ``DemandHistory``.

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
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.transactions import after_commit
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
    dates; ``until`` defaults to today), optionally for some SKUs only. Returns the number of
    cells written (new or changed; unchanged cells are left alone).
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

    fields = ("units", "orders", "revenue", "cancelled_units", "lost_units", "stocked_out")
    wanted = {
        key: (
            cell.units,
            cell.orders,
            cell.revenue,
            cell.cancelled_units,
            cell.lost_units,
            cell.lost_units > 0,
        )
        for key, cell in cells.items()
    }
    with transaction.atomic():
        existing = {
            (sku_id, day): (pk, tuple(values))
            for pk, sku_id, day, *values in DemandHistory.objects.filter(
                sku_filter, source=DemandSource.ORDERS, date__gte=since, date__lte=until
            ).values_list("pk", "sku_id", "date", *fields)
        }
        # Cells in the range that no longer have any order behind them go; only cells whose
        # figures changed are written, so a frequent refresh of today costs reads, not writes.
        stale = [pk for key, (pk, _) in existing.items() if key not in wanted]
        if stale:
            DemandHistory.objects.filter(pk__in=stale).delete()
        rows = [
            DemandHistory(
                sku_id=sku_id,
                date=day,
                source=DemandSource.ORDERS,
                **dict(zip(fields, values, strict=True)),
            )
            for (sku_id, day), values in sorted(wanted.items())
            if existing.get((sku_id, day), (None, None))[1] != values
        ]
        if rows:
            DemandHistory.objects.bulk_create(
                rows,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["sku", "date", "source"],
                update_fields=list(fields),
            )
    return len(rows)


def demand_feed_schedule(*, since: date, sku_ids: Iterable[int]) -> None:
    """Have the cells of ``sku_ids`` on day ``since`` recomputed (call after commit).

    Without a broker (tasks run in-process) they are recomputed now. With one, today's cells
    are recomputed every minute for the whole catalogue by ``planning.demand_feed_recent``
    (Celery beat), so a hand-over of today queues nothing; a back-dated one queues a refresh
    of its day and SKUs. The hourly refresh of the last three days is the safety net.
    """
    from planning.tasks import demand_feed_refresh_task

    if current_app.conf.task_always_eager or since != timezone.localdate():
        day = since.isoformat()
        demand_feed_refresh_task.delay(since=day, until=day, sku_ids=sorted(set(sku_ids)))


def demand_feed_on_order_closed(order: Order, at: datetime, sku_ids: frozenset[int]) -> None:
    """The ``fulfilment.hooks`` handler for hand-overs and cancellations: the day's cells of
    those SKUs are recomputed after the order's transaction commits."""
    after_commit(demand_feed_schedule, since=timezone.localdate(at), sku_ids=sku_ids)
