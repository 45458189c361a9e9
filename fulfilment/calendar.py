"""Ship-by deadlines and working time on a warehouse's calendar.

Rules (documented in the README):

* Day 0 is the acceptance day if it is a working day and the order arrived before the
  warehouse's daily cut-off (local time); otherwise it is the next working day.
* The deadline is the cut-off time, local, on the working day ``prep_days`` working days after
  day 0 (``prep_days`` = the longest FBS prep time among the order's SKUs; 0 = same day).
* Working days are the warehouse's ISO weekdays minus its holidays, plus its working-day
  exceptions (a Saturday that the production calendar makes a working day).

All arithmetic between instants is done in UTC, so a daylight-saving change between acceptance
and deadline costs or gains nothing but the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.errors import InvalidInput

# A calendar with no working day for this long is a configuration error, not a long wait.
_MAX_SCAN_DAYS = 400


@dataclass(frozen=True)
class WarehouseCalendar:
    time_zone: ZoneInfo
    working_weekdays: frozenset[int]
    holidays: frozenset[date]
    cutoff: time
    extra_working_days: frozenset[date] = frozenset()

    @classmethod
    def for_warehouse(cls, warehouse) -> WarehouseCalendar:
        """The calendar of a ``Warehouse`` (one query for its holidays and working days)."""
        cutoff = warehouse.cutoff_time
        if isinstance(cutoff, str):  # an unsaved instance keeps the field's string default
            cutoff = time.fromisoformat(cutoff)
        exceptions = list(warehouse.holidays.values_list("date", "is_working_day"))
        return cls(
            time_zone=ZoneInfo(warehouse.time_zone),
            working_weekdays=frozenset(int(ch) for ch in warehouse.working_days),
            holidays=frozenset(day for day, working in exceptions if not working),
            cutoff=cutoff,
            extra_working_days=frozenset(day for day, working in exceptions if working),
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        return day.isoweekday() in self.working_weekdays and day not in self.holidays

    def next_working_day(self, day: date, *, include: bool = False) -> date:
        """The first working day after ``day`` (or ``day`` itself with ``include``)."""
        candidate = day if include else day + timedelta(days=1)
        for _ in range(_MAX_SCAN_DAYS):
            if self.is_working_day(candidate):
                return candidate
            candidate += timedelta(days=1)
        raise InvalidInput(
            "The warehouse calendar has no working day within a year; check its working days "
            "and holidays.",
            code="calendar_without_working_days",
        )

    def add_working_days(self, day: date, count: int) -> date:
        """``day`` (a working day) moved forward by ``count`` working days."""
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.time_zone)

    def at(self, day: date, wall_time: time) -> datetime:
        """An aware instant for a local wall-clock time (normalised through UTC for DST gaps)."""
        return datetime.combine(day, wall_time, tzinfo=self.time_zone).astimezone(UTC)


def ship_by_deadline(
    *, accepted_at: datetime, calendar: WarehouseCalendar, prep_days: int
) -> datetime:
    """The ship-by deadline (aware, UTC) of an order accepted at ``accepted_at``."""
    if accepted_at.tzinfo is None:
        raise InvalidInput("The acceptance time must carry a time zone.", code="naive_datetime")
    if prep_days < 0:
        raise InvalidInput(f"Prep time cannot be negative, got {prep_days}.")
    local = calendar.local(accepted_at)
    day = local.date()
    if calendar.is_working_day(day) and local.time() < calendar.cutoff:
        day_zero = day
    else:
        day_zero = calendar.next_working_day(day)
    return calendar.at(calendar.add_working_days(day_zero, prep_days), calendar.cutoff)


def working_hours_between(
    *,
    start: datetime,
    end: datetime,
    calendar: WarehouseCalendar,
    day_start: time,
    day_end: time,
) -> float:
    """Working hours from ``start`` to ``end``: time on working days between the local
    ``day_start`` and ``day_end``. Negative when ``end`` is before ``start``."""
    if end < start:
        return -working_hours_between(
            start=end, end=start, calendar=calendar, day_start=day_start, day_end=day_end
        )
    total = timedelta(0)
    day = calendar.local(start).date()
    last = calendar.local(end).date()
    while day <= last:
        if calendar.is_working_day(day):
            opens = max(start, calendar.at(day, day_start))
            closes = min(end, calendar.at(day, day_end))
            if closes > opens:
                total += closes.astimezone(UTC) - opens.astimezone(UTC)
        day += timedelta(days=1)
    return total.total_seconds() / 3600
