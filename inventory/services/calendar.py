"""Warehouse calendars: public holidays and moved working days from the ``holidays`` package."""

from __future__ import annotations

from collections.abc import Iterable

import holidays
from django.db import transaction
from django.utils.translation import gettext

from core.errors import InvalidInput
from inventory.models import Warehouse, WarehouseHoliday


@transaction.atomic
def warehouse_calendar_seed(
    *, warehouse: Warehouse, country: str, years: Iterable[int]
) -> tuple[int, int]:
    """Add the public holidays of ``country`` (ISO code, e.g. ``RU``) in ``years`` as days off,
    and the weekend days its production calendar makes working days as working days.

    Days the warehouse already lists are left as they are (a person may have edited them).
    Returns (days off added, working days added). ``InvalidInput`` (``unknown_country``) for a
    country the package does not know.
    """
    try:
        calendar = holidays.country_holidays(country.upper(), years=sorted(set(years)))
    except NotImplementedError as exc:
        raise InvalidInput(
            gettext("No public holiday calendar for country %(country)s.")
            % {"country": repr(country)},
            code="unknown_country",
        ) from exc
    known = set(warehouse.holidays.values_list("date", flat=True))
    days_off = [
        WarehouseHoliday(warehouse=warehouse, date=day, name=str(name)[:100])
        for day, name in sorted(calendar.items())
        if day not in known
    ]
    working = [
        WarehouseHoliday(
            warehouse=warehouse,
            date=day,
            name="Working day (production calendar)",
            is_working_day=True,
        )
        for day in sorted(getattr(calendar, "weekend_workdays", ()))
        if day not in known
    ]
    WarehouseHoliday.objects.bulk_create([*days_off, *working])
    return len(days_off), len(working)
