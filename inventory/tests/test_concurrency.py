"""Row locks under real concurrency (PostgreSQL only: SQLite serialises whole-database writes)."""

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection
from django.db.models import Sum

from core.errors import DomainError
from inventory import services
from inventory.models import StockLevel, StockMovement
from inventory.tests.factories import SkuFactory, StockLevelFactory, WarehouseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_in_threads(calls: list[Callable[[], object]]) -> Counter:
    """Start all calls at once; count "ok" and the domain error codes. Unexpected errors fail."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    unexpected: list[BaseException] = []

    def worker(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        except BaseException as exc:  # a deadlock or a 500 would land here
            unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not unexpected, unexpected
    return Counter(outcomes)


def ledger_sum(**filters) -> int:
    return StockMovement.objects.filter(**filters).aggregate(s=Sum("quantity"))["s"] or 0


def test_twenty_shipments_from_ten_units():
    sku, warehouse = SkuFactory(), WarehouseFactory()
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=10)

    outcomes = run_in_threads(
        [lambda: services.stock_ship(sku=sku, warehouse=warehouse, quantity=1)] * 20
    )

    assert outcomes == {"ok": 10, "insufficient_stock": 10}
    level = StockLevel.objects.get(sku=sku, warehouse=warehouse)
    assert level.on_hand == 0
    assert ledger_sum(sku=sku, warehouse=warehouse) == 0
    assert StockMovement.objects.filter(kind="shipment").count() == 10


def test_first_receipts_race_to_create_one_level():
    sku, warehouse = SkuFactory(), WarehouseFactory()

    outcomes = run_in_threads(
        [lambda: services.stock_receive(sku=sku, warehouse=warehouse, quantity=2)] * 12
    )

    assert outcomes == {"ok": 12}
    assert list(StockLevel.objects.values_list("on_hand", flat=True)) == [24]
    assert ledger_sum() == 24


def test_opposite_line_orders_do_not_deadlock():
    first, second = SkuFactory(), SkuFactory()
    warehouse = WarehouseFactory()
    StockLevelFactory(sku=first, warehouse=warehouse, on_hand=5)
    StockLevelFactory(sku=second, warehouse=warehouse, on_hand=5)
    forward = [(first.pk, 1), (second.pk, 1)]
    backward = list(reversed(forward))

    outcomes = run_in_threads(
        [
            lambda lines=lines: services.stock_reserve(
                warehouse_id=warehouse.pk, lines=lines, allow_partial=False
            )
            for lines in [forward, backward] * 8
        ]
    )

    assert outcomes == {"ok": 5, "insufficient_stock": 11}
    assert list(StockLevel.objects.order_by("pk").values_list("reserved", flat=True)) == [5, 5]


def test_one_idempotency_key_ships_once():
    sku, warehouse = SkuFactory(), WarehouseFactory()
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=10)

    outcomes = run_in_threads(
        [
            lambda: services.stock_ship(
                sku=sku, warehouse=warehouse, quantity=3, idempotency_key="order-1"
            )
        ]
        * 8
    )

    assert outcomes == {"ok": 8}
    assert StockLevel.objects.get(sku=sku, warehouse=warehouse).on_hand == 7
    assert StockMovement.objects.filter(idempotency_key="order-1").count() == 1
