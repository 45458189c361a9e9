"""Deadline watch states: is an open FBS order on track, due soon, overdue or short?

Pure given a calendar (no writes); ``fulfilment.deadline_watch`` is the periodic job that
stores the states and queues the customer notices they imply.
"""

from __future__ import annotations

from datetime import datetime, time

from fulfilment.calendar import WarehouseCalendar, working_hours_between
from fulfilment.conf import setting
from fulfilment.models import Order, OrderScheme, WatchState


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
