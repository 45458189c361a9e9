"""The deadline watch job (periodic task and ``manage.py deadline_watch``).

It re-offers stock to short orders, stores each open FBS order's watch state
(``fulfilment.watch``) and queues the customer notices those states imply.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from fulfilment.calendar import WarehouseCalendar
from fulfilment.models import Notice, NoticeKind, NoticeStatus, Order, WatchState
from fulfilment.notices.outbox import notice_queue
from fulfilment.services import short_orders_reallocate
from fulfilment.watch import time_state


@dataclass(frozen=True)
class WatchSummary:
    counts: dict[str, int] = field(default_factory=dict)
    changed: int = 0
    notices_queued: int = 0
    units_allocated: int = 0
    notices_deferred: int = 0  # orders whose customer has a notice not yet sent: next run


# A customer whose last notice has not gone out yet (it waits for approval or for the worker)
# hears nothing new from the watch: two messages in the same moment say less than one, and the
# event is still there for the next run once that notice is out.
UNSENT = (NoticeStatus.AWAITING_APPROVAL, NoticeStatus.PENDING, NoticeStatus.SENDING)


def deadline_watch_run(*, now: datetime | None = None) -> WatchSummary:
    """Re-offer stock to short orders, classify every open FBS order and queue notices.

    Notices: an overdue order (once per deadline) or a short order whose deadline is near
    (once per deadline); at most one notice per order per run (overdue first), none while the
    order has a notice not yet sent (``UNSENT``: deferred to a later run). The outbox is unique
    on (order, kind, deadline), so a retried or overlapping run queues nothing twice.
    """
    now = now or timezone.now()
    allocated = short_orders_reallocate()
    calendars: dict[int, WarehouseCalendar] = {}
    counts: Counter[str] = Counter()
    changed: dict[str, list[int]] = {}
    events: dict[int, tuple[Order, str]] = {}  # one per order: each order is visited once
    orders = Order.objects.open().fbs().select_related("warehouse").order_by("ship_by", "pk")
    for order in orders:
        calendar = calendars.get(order.warehouse_id)
        if calendar is None:
            calendar = calendars[order.warehouse_id] = WarehouseCalendar.for_warehouse(
                order.warehouse
            )
        by_time = time_state(ship_by=order.ship_by, now=now, calendar=calendar)
        if by_time == WatchState.OVERDUE or not order.is_short:
            state = by_time
        else:
            state = WatchState.SHORT
        counts[state] += 1
        if by_time == WatchState.OVERDUE:
            events[order.pk] = (order, NoticeKind.OVERDUE)
        elif by_time == WatchState.DUE_SOON and order.is_short:
            events[order.pk] = (order, NoticeKind.DUE_SOON_SHORT)
        if state != order.watch_state:
            changed.setdefault(state, []).append(order.pk)
    queued = 0
    # Unsent notices are few (the worker sends them within seconds): read them all, not the
    # orders' ids (a catalogue's open orders would pass a database's parameter limit).
    waiting = events.keys() & set(
        Notice.objects.filter(status__in=UNSENT).values_list("order_id", flat=True)
    )
    told = set(
        Notice.objects.filter(order_id__in=waiting).values_list("order_id", "kind", "event_key")
    )
    deferred = sum(
        (pk, kind, order.ship_by.isoformat()) not in told
        for pk, (order, kind) in events.items()
        if pk in waiting
    )
    with transaction.atomic():
        # Guarded by status: an order shipped or cancelled meanwhile keeps its empty state.
        for state, ids in changed.items():
            Order.objects.open().filter(pk__in=ids).update(watch_state=state)
        Order.objects.open().fbs().update(watch_checked_at=now)
        for order_id, (order, kind) in events.items():
            if order_id in waiting:
                continue
            if notice_queue(order=order, kind=kind, event_key=order.ship_by.isoformat(), now=now):
                queued += 1
    return WatchSummary(
        counts=dict(counts),
        changed=sum(len(ids) for ids in changed.values()),
        notices_queued=queued,
        units_allocated=allocated,
        notices_deferred=deferred,
    )
