"""100 concurrent hand-overs compete for 50 units: exactly 50 ship, 50 get 409, and on hand
equals the ledger afterwards. PostgreSQL only (row locks); real threads, real transactions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection
from django.db.models import Sum
from rest_framework.test import APIClient

from fulfilment import services as fulfilment_services
from fulfilment.models import Order, OrderStatus
from fulfilment.tests.factories import order as make_order
from inventory import services
from inventory.models import MovementKind, StockLevel, StockMovement
from inventory.tests.factories import SkuFactory, WarehouseFactory, ean13, purchase_order
from tests.factories import ScannerDeviceFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ORDERS = 100
UNITS = 50


def test_concurrent_handovers_ship_exactly_what_stock_allows(monkeypatch):
    # given 100 packed one-unit orders taken in while the shelf was empty (so none is reserved)
    warehouse = WarehouseFactory(code="MSK1")
    sku = SkuFactory(code="HOT-1")
    device = ScannerDeviceFactory(warehouse=warehouse)
    numbers = []
    for n in range(ORDERS):
        order = make_order(warehouse=warehouse, lines=[(sku, 1)], number=f"C-{n:03d}")
        fulfilment_services.order_pack(order=order)
        numbers.append(order.external_number)
    # and 50 units arrive without being offered to the short orders, so every hand-over has to
    # win them at the shelf
    monkeypatch.setattr(fulfilment_services, "short_orders_allocate", lambda **kw: 0)
    services.stock_receive(sku=sku, warehouse=warehouse, quantity=UNITS, kind=MovementKind.OPENING)
    monkeypatch.undo()
    barrier = Barrier(20)

    def hand_over(number: str) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {device.token}")
        try:
            try:
                barrier.wait(timeout=5)
            except Exception:  # noqa: BLE001 — the barrier only bunches the start
                pass
            return client.post(f"/api/v1/orders/{number}/ship/").status_code
        finally:
            connection.close()

    # when 100 terminals hand them over at once (20 threads)
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(hand_over, numbers))

    # then exactly 50 succeed and the other 50 are refused with 409
    assert statuses.count(200) == UNITS
    assert statuses.count(409) == ORDERS - UNITS
    assert Order.objects.filter(status=OrderStatus.DELIVERING).count() == UNITS
    # and stock is consistent: nothing on hand or reserved, and the ledger agrees
    level = StockLevel.objects.get(sku=sku, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (0, 0)
    ledger = StockMovement.objects.filter(sku=sku, warehouse=warehouse).aggregate(s=Sum("quantity"))
    assert ledger["s"] == level.on_hand
    assert StockMovement.objects.filter(kind=MovementKind.SHIPMENT).count() == UNITS


def test_concurrent_duplicates_with_one_idempotency_key_count_once():
    # given a PO for 10 and a terminal that fires the same scan 8 times at once
    warehouse = WarehouseFactory(code="MSK1")
    device = ScannerDeviceFactory(warehouse=warehouse)
    sku = SkuFactory(code="MUG-1", barcode=ean13(101))
    po = purchase_order(lines=[(sku, 10)], warehouse=warehouse)
    barrier = Barrier(8)

    def receive(_: int) -> tuple[int, dict]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {device.token}")
        try:
            barrier.wait(timeout=5)
            response = client.post(
                "/api/v1/receipts/",
                {"purchase_order": po.number, "barcode": ean13(101), "quantity": 1},
                format="json",
                HTTP_IDEMPOTENCY_KEY="same-scan",
            )
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(receive, range(8)))

    # then all get the same 201 answer and the unit is received once
    assert {status for status, _ in results} == {201}
    assert len({body["movement"]["id"] for _, body in results}) == 1
    assert StockLevel.objects.get(sku=sku, warehouse=warehouse).on_hand == 1
