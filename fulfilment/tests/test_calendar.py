"""Ship-by deadlines and working hours on a warehouse calendar (pure: no database)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from core.errors import InvalidInput
from fulfilment.calendar import WarehouseCalendar, ship_by_deadline, working_hours_between

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")


def calendar(tz=MSK, days="12345", holidays=(), cutoff=time(14, 0)) -> WarehouseCalendar:
    return WarehouseCalendar(
        time_zone=tz,
        working_weekdays=frozenset(int(d) for d in days),
        holidays=frozenset(holidays),
        cutoff=cutoff,
    )


def local(tz, *args) -> datetime:
    return datetime(*args, tzinfo=tz)


@pytest.mark.parametrize(
    ("accepted", "prep_days", "expected"),
    [
        # Monday 2026-03-02 before cut-off: counting starts that day.
        ((2026, 3, 2, 10, 0), 1, (2026, 3, 3, 14, 0)),
        ((2026, 3, 2, 10, 0), 0, (2026, 3, 2, 14, 0)),
        ((2026, 3, 2, 10, 0), 2, (2026, 3, 4, 14, 0)),
        # Cut-off edges: one second before counts today, the cut-off itself counts tomorrow.
        ((2026, 3, 2, 13, 59, 59), 1, (2026, 3, 3, 14, 0)),
        ((2026, 3, 2, 14, 0, 0), 1, (2026, 3, 4, 14, 0)),
        # Friday after cut-off: day 0 is Monday, so one working day later is Tuesday.
        ((2026, 3, 6, 15, 0), 1, (2026, 3, 10, 14, 0)),
        # Friday before cut-off, prep 1: Monday.
        ((2026, 3, 6, 9, 0), 1, (2026, 3, 9, 14, 0)),
        # Saturday and Sunday: day 0 is Monday.
        ((2026, 3, 7, 9, 0), 1, (2026, 3, 10, 14, 0)),
        ((2026, 3, 8, 23, 59), 0, (2026, 3, 9, 14, 0)),
    ],
)
def test_ship_by_on_weekdays_and_cutoff(accepted, prep_days, expected):
    # given a Moscow warehouse working Monday to Friday with a 14:00 cut-off
    cal = calendar()
    # when the deadline is computed
    deadline = ship_by_deadline(
        accepted_at=local(MSK, *accepted), calendar=cal, prep_days=prep_days
    )
    # then it is the cut-off on the expected working day
    assert deadline == local(MSK, *expected)


def test_ship_by_skips_holidays():
    # given 8 and 9 March are holidays (Women's Day moved to Monday)
    cal = calendar(holidays=[date(2026, 3, 9), date(2026, 3, 10)])
    # when an order arrives on Friday 6 March after cut-off with 1 day of prep
    deadline = ship_by_deadline(
        accepted_at=local(MSK, 2026, 3, 6, 16, 0), calendar=cal, prep_days=1
    )
    # then day 0 is Wednesday 11 March and the deadline Thursday 12 March 14:00
    assert deadline == local(MSK, 2026, 3, 12, 14, 0)


def test_accepted_on_a_holiday_counts_from_next_working_day():
    cal = calendar(holidays=[date(2026, 3, 3)])
    deadline = ship_by_deadline(accepted_at=local(MSK, 2026, 3, 3, 8, 0), calendar=cal, prep_days=0)
    assert deadline == local(MSK, 2026, 3, 4, 14, 0)


def test_cutoff_is_in_the_warehouse_time_zone():
    # given a Novosibirsk warehouse (UTC+7); 07:30 UTC is 14:30 there, after its cut-off
    cal = calendar(tz=ZoneInfo("Asia/Novosibirsk"))
    deadline = ship_by_deadline(
        accepted_at=datetime(2026, 3, 2, 7, 30, tzinfo=UTC), calendar=cal, prep_days=1
    )
    # then counting starts on Tuesday: Wednesday 14:00 local = 07:00 UTC
    assert deadline == datetime(2026, 3, 4, 7, 0, tzinfo=UTC)


def test_daylight_saving_change_keeps_the_local_cutoff():
    # given a Berlin warehouse; summer time starts on Sunday 29 March 2026
    cal = calendar(tz=BERLIN)
    # when an order arrives on Friday 27 March (UTC+1) before cut-off with 1 day of prep
    deadline = ship_by_deadline(
        accepted_at=local(BERLIN, 2026, 3, 27, 10, 0), calendar=cal, prep_days=1
    )
    # then the deadline is Monday 14:00 summer time, i.e. 12:00 UTC (not 13:00)
    assert deadline == datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
    # and the working hours from Friday 13:00 to the deadline are 5 (Fri) + 5 (Mon) = 10
    hours = working_hours_between(
        start=local(BERLIN, 2026, 3, 27, 13, 0),
        end=deadline,
        calendar=cal,
        day_start=time(9, 0),
        day_end=time(18, 0),
    )
    assert hours == 10.0


def test_working_hours_ignore_weekends_and_nights():
    cal = calendar()
    hours = working_hours_between(
        start=local(MSK, 2026, 3, 6, 17, 0),  # Friday 17:00
        end=local(MSK, 2026, 3, 9, 14, 0),  # Monday 14:00
        calendar=cal,
        day_start=time(9, 0),
        day_end=time(18, 0),
    )
    assert hours == 6.0


def test_working_hours_are_negative_when_past():
    cal = calendar()
    hours = working_hours_between(
        start=local(MSK, 2026, 3, 2, 15, 0),
        end=local(MSK, 2026, 3, 2, 13, 30),
        calendar=cal,
        day_start=time(9, 0),
        day_end=time(18, 0),
    )
    assert hours == -1.5


def test_naive_acceptance_time_is_refused():
    with pytest.raises(InvalidInput) as exc:
        ship_by_deadline(accepted_at=datetime(2026, 3, 2, 10, 0), calendar=calendar(), prep_days=1)
    assert exc.value.code == "naive_datetime"


def test_calendar_without_working_days_is_an_error():
    cal = calendar(
        days="1",
        holidays=[date(2026, 3, 2) + (date(2026, 3, 9) - date(2026, 3, 2)) * i for i in range(60)],
    )
    with pytest.raises(InvalidInput) as exc:
        ship_by_deadline(accepted_at=local(MSK, 2026, 3, 1, 10, 0), calendar=cal, prep_days=0)
    assert exc.value.code == "calendar_without_working_days"


@pytest.mark.django_db
def test_calendar_for_warehouse_reads_holidays():
    from inventory.tests.factories import WarehouseFactory, WarehouseHolidayFactory

    warehouse = WarehouseFactory(working_days="123456")
    WarehouseHolidayFactory(warehouse=warehouse, date=date(2026, 5, 1))
    cal = WarehouseCalendar.for_warehouse(warehouse)
    assert cal.working_weekdays == frozenset({1, 2, 3, 4, 5, 6})
    assert cal.holidays == frozenset({date(2026, 5, 1)})
    assert cal.cutoff == time(14, 0)


def test_a_moved_working_saturday_counts_as_a_working_day():
    # given Russia's 2025 calendar: Saturday 1 November is a working day, Monday 3 a day off
    moved = WarehouseCalendar(
        time_zone=MSK,
        working_weekdays=frozenset(range(1, 6)),
        holidays=frozenset({date(2025, 11, 3), date(2025, 11, 4)}),
        cutoff=time(14, 0),
        extra_working_days=frozenset({date(2025, 11, 1)}),
    )
    # when an order comes on Friday 31 October after the cut-off with one day of prep time
    deadline = ship_by_deadline(
        accepted_at=local(MSK, 2025, 10, 31, 15, 0), calendar=moved, prep_days=1
    )
    # then day 0 is the working Saturday and the deadline Wednesday 5 November
    assert deadline == local(MSK, 2025, 11, 5, 14, 0)
    assert moved.is_working_day(date(2025, 11, 1)) and not moved.is_working_day(date(2025, 11, 2))


@pytest.mark.django_db
def test_the_calendar_reads_days_off_and_working_days_from_the_warehouse():
    from inventory.tests.factories import WarehouseFactory, WarehouseHolidayFactory

    warehouse = WarehouseFactory()
    WarehouseHolidayFactory(warehouse=warehouse, date=date(2025, 11, 4))
    WarehouseHolidayFactory(warehouse=warehouse, date=date(2025, 11, 1), is_working_day=True)
    read = WarehouseCalendar.for_warehouse(warehouse)
    assert (read.holidays, read.extra_working_days) == (
        frozenset({date(2025, 11, 4)}),
        frozenset({date(2025, 11, 1)}),
    )
