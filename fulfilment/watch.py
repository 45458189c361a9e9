"""Deadline watch: classify open FBS orders as on track, due soon, overdue or short.

``order_watch_state`` is pure given a calendar; ``deadline_watch_run`` (the periodic task and
the ``deadline_watch`` command) stores the states and queues the customer notices they imply.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time

from django.db import transaction
from django.utils import timezone

from fulfilment.calendar import WarehouseCalendar, working_hours_between
from fulfilment.conf import setting
from fulfilment.models import NoticeKind, Order, OrderScheme, WatchState


@dataclass(frozen=True)
class WatchSummary:
    counts: dict[str, int] = field(default_factory=dict)
    changed: int = 0
    notices_queued: int = 0
    units_allocated: int = 0


def time_state(
    *,
    ship_by: datetime,
    now: datetime,
    calendar: WarehouseCalendar,
    window_hours: float | None = None,
) -> str:
    """On track, due soon (within the window of working hours) or overdue, ignoring stock."""
    if now >= ship_by:
        return WatchState.OVERDUE
    if window_hours is None:
        window_hours = float(setting("DUE_SOON_WORKING_HOURS"))
    left = working_hours_between(
        start=now,
        end=ship_by,
        calendar=calendar,
        day_start=time.fromisoformat(setting("WORKDAY_START")),
        day_end=time.fromisoformat(setting("WORKDAY_END")),
    )
    return WatchState.DUE_SOON if left <= window_hours else WatchState.ON_TRACK


def order_watch_state(
    order: Order, *, now: datetime, calendar: WarehouseCalendar | None = None
) -> str:
    """The watch state of an order; empty for a closed order or an FBO one.

    Overdue wins over short, short over due soon: a short order cannot ship whatever the time.
    """
    if not order.is_open or order.scheme != OrderScheme.FBS:
        return ""
    calendar = calendar or WarehouseCalendar.for_warehouse(order.warehouse)
    state = time_state(ship_by=order.ship_by, now=now, calendar=calendar)
    if state == WatchState.OVERDUE:
        return state
    return WatchState.SHORT if order.is_short else state


def deadline_watch_run(*, now: datetime | None = None) -> WatchSummary:
    """Re-offer stock to short orders, classify every open FBS order and queue notices.

    Notices: an overdue order (once per deadline) and a short order whose deadline is near
    (once per deadline). The notice outbox ignores an event it has seen, so a retried or
    overlapping run queues nothing twice.
    """
    from fulfilment.notices.outbox import notice_queue
    from fulfilment.services import short_orders_reallocate

    now = now or timezone.now()
    allocated = short_orders_reallocate()
    calendars: dict[int, WarehouseCalendar] = {}
    counts: Counter[str] = Counter()
    changed: dict[str, list[int]] = {}
    events: list[tuple[Order, str]] = []
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
            events.append((order, NoticeKind.OVERDUE))
        elif by_time == WatchState.DUE_SOON and order.is_short:
            events.append((order, NoticeKind.DUE_SOON_SHORT))
        if state != order.watch_state:
            changed.setdefault(state, []).append(order.pk)
    queued = 0
    with transaction.atomic():
        # Guarded by status: an order shipped or cancelled meanwhile keeps its empty state.
        for state, ids in changed.items():
            Order.objects.open().filter(pk__in=ids).update(watch_state=state)
        Order.objects.open().fbs().update(watch_checked_at=now)
        for order, kind in events:
            if notice_queue(order=order, kind=kind, event_key=order.ship_by.isoformat(), now=now):
                queued += 1
    return WatchSummary(
        counts=dict(counts),
        changed=sum(len(ids) for ids in changed.values()),
        notices_queued=queued,
        units_allocated=allocated,
    )
