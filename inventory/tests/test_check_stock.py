"""``manage.py check_stock`` finds levels whose on hand drifted from the ledger."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from inventory.models import StockLevel
from inventory.tests.factories import SkuFactory, StockLevelFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def run_check_stock() -> str:
    out = StringIO()
    call_command("check_stock", stdout=out)
    return out.getvalue()


def test_consistent_stock_passes(django_assert_max_num_queries):
    warehouse = WarehouseFactory()
    for on_hand in (0, 3, 5):
        StockLevelFactory(
            sku=SkuFactory(), warehouse=warehouse, on_hand=on_hand, reserved=on_hand // 2
        )

    with django_assert_max_num_queries(3):
        output = run_check_stock()

    assert "Stock matches the ledger." in output


def test_drift_is_reported_and_fails():
    warehouse = WarehouseFactory(code="MSK")
    sku = SkuFactory(code="TEA-1")
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=5)
    StockLevelFactory(sku=SkuFactory(code="TEA-2"), warehouse=warehouse, on_hand=4)
    StockLevel.objects.filter(sku=sku).update(on_hand=8)  # a write that bypassed the services

    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("check_stock", stdout=out)

    assert exc.value.returncode == 1
    assert "1 drifting" in str(exc.value)
    lines = out.getvalue().splitlines()
    assert lines[0] == "1 stock level(s) drift from the ledger:"
    assert lines[2].split() == ["TEA-1", "MSK", "8", "5", "+3"]


def test_ledger_without_a_level_is_drift():
    sku = SkuFactory(code="LOST")
    StockLevelFactory(sku=sku, warehouse=WarehouseFactory(code="SPB"), on_hand=2)
    StockLevel.objects.filter(sku=sku).delete()

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_stock", stdout=out)

    assert out.getvalue().splitlines()[2].split() == ["LOST", "SPB", "0", "2", "-2"]


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="only SQLite can switch CHECK constraints off"
)
def test_impossible_levels_are_reported():
    sku = SkuFactory(code="ODD")
    StockLevelFactory(sku=sku, warehouse=WarehouseFactory(code="EKB"), on_hand=2)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            StockLevel.objects.filter(sku=sku).update(reserved=3)
        finally:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")

    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("check_stock", stdout=out)

    assert "1 impossible" in str(exc.value)
    assert (
        "ODD                      EKB          on hand 2, reserved 3: reserved exceeds on hand"
        in out.getvalue()
    )
