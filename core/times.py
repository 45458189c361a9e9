"""How an instant is shown: one rule for every page.

Warehouse work (an order's acceptance, deadline, packing, hand-over, its notices) is shown in
the warehouse's own time with its zone beside it; everything else (a planner's decision, a run)
in the current time zone (``TIME_ZONE``), with its zone too. Dates and times use the language's
``SHORT_DATETIME_FORMAT``; nothing is hand-formatted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from operator import attrgetter
from zoneinfo import ZoneInfo

from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

EMPTY = "—"


def moment_html(moment: datetime | None, zone: str | ZoneInfo | None = None) -> str:
    """``04.12.2026 14:00 <small class="quiet">+05</small>``: ``moment`` in ``zone`` (a zone
    name, or the current time zone when None), in the active language's short format."""
    if moment is None:
        return EMPTY
    if isinstance(zone, str):
        zone = ZoneInfo(zone)
    local = timezone.localtime(moment, zone)
    return format_html(
        '{} <small class="quiet">{}</small>',
        date_format(local, "SHORT_DATETIME_FORMAT"),
        local.tzname(),
    )


def warehouse_time(field: str, description, *, warehouse: str = "warehouse") -> Callable:
    """An admin column or read-only field showing ``field`` in the time of the warehouse at
    ``warehouse`` (a dotted path from the row, e.g. ``order.warehouse``). List it with
    ``list_select_related`` on that warehouse so that a page costs no extra queries."""
    moment_of, warehouse_of = attrgetter(field), attrgetter(warehouse)

    @admin.display(description=description, ordering=field)
    def show(self, obj) -> str:
        return moment_html(moment_of(obj), warehouse_of(obj).time_zone)

    return show


def local_time(field: str, description) -> Callable:
    """An admin column or read-only field showing ``field`` in the current time zone."""
    moment_of = attrgetter(field)

    @admin.display(description=description, ordering=field)
    def show(self, obj) -> str:
        return moment_html(moment_of(obj))

    return show
