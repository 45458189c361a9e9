"""Warehouse calendars seeded from the holidays package (Russia's production calendar)."""

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from core.errors import InvalidInput
from inventory.models import WarehouseHoliday
from inventory.services import warehouse_calendar_seed
from inventory.tests.factories import WarehouseFactory, WarehouseHolidayFactory

pytestmark = pytest.mark.django_db


def rows(warehouse) -> dict:
    return dict(warehouse.holidays.values_list("date", "is_working_day"))


def test_russia_2025_gives_days_off_and_the_working_saturday():
    warehouse = WarehouseFactory()
    off, working = warehouse_calendar_seed(warehouse=warehouse, country="ru", years=[2025])
    seeded = rows(warehouse)
    assert (off, working) == (len(seeded) - 1, 1)
    assert seeded[date(2025, 11, 1)] is True  # Saturday made a working day
    for day_off in (date(2025, 1, 1), date(2025, 1, 7), date(2025, 5, 9), date(2025, 11, 4)):
        assert seeded[day_off] is False
    assert date(2025, 11, 5) not in seeded


def test_seeding_again_keeps_what_people_edited_and_adds_nothing_twice():
    warehouse = WarehouseFactory()
    WarehouseHolidayFactory(warehouse=warehouse, date=date(2025, 1, 2), name="Stock-take day")
    warehouse_calendar_seed(warehouse=warehouse, country="RU", years=[2025])
    count = WarehouseHoliday.objects.count()
    assert warehouse_calendar_seed(warehouse=warehouse, country="RU", years=[2025]) == (0, 0)
    assert WarehouseHoliday.objects.count() == count
    assert warehouse.holidays.get(date=date(2025, 1, 2)).name == "Stock-take day"


def test_an_unknown_country_is_a_clear_error():
    with pytest.raises(InvalidInput) as error:
        warehouse_calendar_seed(warehouse=WarehouseFactory(), country="XX", years=[2025])
    assert error.value.code == "unknown_country"


def test_the_command_seeds_own_warehouses_and_names_unknown_ones():
    own = WarehouseFactory(code="MSK1")
    out = io.StringIO()
    call_command("calendar_seed", "--country", "RU", "--year", "2025", stdout=out)
    assert "MSK1:" in out.getvalue() and "1 working days added" in out.getvalue()
    assert rows(own)[date(2025, 11, 1)] is True
    with pytest.raises(CommandError, match="Unknown warehouse"):
        call_command("calendar_seed", "--warehouse", "NOPE", stdout=io.StringIO())
