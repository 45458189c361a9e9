"""End to end through the warehouse's own doors: the scan station's API and the REST API.

Packing an Ozon order by scanning writes its outbox row in the packing transaction (a rollback
leaves neither), and after commit the fake receives ``/v4/posting/fbs/ship`` with the posting's
packages; a receipt scanned against a purchase order reaches the fake as a stock push of the
absolute available quantity.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from fulfilment import hooks as order_hooks
from fulfilment.models import Order, OrderStatus
from inventory.models import Sku, StockLevel, Warehouse
from inventory.tests.factories import StaffUserFactory, ean13, purchase_order
from marketplaces.ozon.models import OutboxMessage, OutboxStatus
from marketplaces.ozon.tests.fake import FakePosting
from tests.factories import ScannerDeviceFactory

CUP, MUG = ean13(501), ean13(502)


@pytest.fixture
def store(ozon_env, fake_ozon, db):
    fake_ozon.add_warehouse(1001, "Kazan FBS")
    fake_ozon.add_product(501, "CUP-1", sku=9501, barcodes=[CUP])
    fake_ozon.add_product(502, "MUG-2", sku=9502, barcodes=[MUG])
    fake_ozon.set_stock(501, 1001, present=10)
    fake_ozon.set_stock(502, 1001, present=4)
    fake_ozon.add_posting(
        FakePosting(
            "3000-0001-1",
            1001,
            [
                {"sku": 9501, "offer_id": "CUP-1", "quantity": 2},
                {"sku": 9502, "offer_id": "MUG-2", "quantity": 1},
            ],
        )
    )
    call_command("ozon_sync", stdout=StringIO())
    return fake_ozon


@pytest.fixture
def scanner(store) -> APIClient:
    device = ScannerDeviceFactory(warehouse=Warehouse.objects.get(code="OZ-1001"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {device.token}")
    return client


def _scan(api: APIClient, barcode: str):
    return api.post("/api/v1/orders/3000-0001-1/pack-scans/", {"barcode": barcode}, format="json")


def test_packing_by_scan_writes_the_outbox_row_and_ozon_receives_the_ship_call(
    store, scanner, django_capture_on_commit_callbacks
):
    # given the posting taken in by the sync; two of three units scanned: nothing for Ozon yet
    assert _scan(scanner, CUP).status_code == 200
    assert _scan(scanner, CUP).status_code == 200
    assert not OutboxMessage.objects.exists()

    # when the last unit is scanned (the after-commit send held back)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _scan(scanner, MUG)

    # then the order is packed and its ship call waits in the outbox, not yet sent
    assert response.status_code == 200 and response.json()["order_complete"] is True
    message = OutboxMessage.objects.get()
    assert (message.kind, message.status, message.posting_number) == (
        "ship",
        OutboxStatus.PENDING,
        "3000-0001-1",
    )
    assert store.calls_to("/v4/posting/fbs/ship") == []

    # when the commit's callback runs, Ozon receives the posting's packages once
    for callback in callbacks:
        callback()
    assert store.calls_to("/v4/posting/fbs/ship") == [
        {
            "posting_number": "3000-0001-1",
            "packages": [
                {
                    "products": [
                        {"product_id": 9501, "quantity": 2},
                        {"product_id": 9502, "quantity": 1},
                    ]
                }
            ],
        }
    ]
    assert store.postings["3000-0001-1"].status == "awaiting_deliver"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 1)


def test_a_packing_that_rolls_back_leaves_no_outbox_row(store, scanner):
    # given a later handler of the packed hook that fails after the outbox row is written
    def fail(order, at, sku_ids):
        raise RuntimeError("boom")

    order_hooks._packed.append(fail)
    try:
        _scan(scanner, CUP)
        _scan(scanner, CUP)
        assert _scan(scanner, MUG).status_code == 500
    finally:
        order_hooks._packed.remove(fail)

    # then the pack and its outbox row went together: neither happened
    assert Order.objects.get(external_number="3000-0001-1").status == (
        OrderStatus.AWAITING_PACKAGING
    )
    assert not OutboxMessage.objects.exists()
    assert store.calls_to("/v4/posting/fbs/ship") == []


def test_packing_through_the_order_api_as_staff_reaches_ozon(
    store, django_capture_on_commit_callbacks
):
    staff = APIClient()
    staff.force_authenticate(StaffUserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        for barcode in (CUP, CUP, MUG):
            response = _scan(staff, barcode)
            assert response.status_code == 200
    assert [body["posting_number"] for body in store.calls_to("/v4/posting/fbs/ship")] == [
        "3000-0001-1"
    ]
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


def test_a_receipt_scanned_through_the_api_reaches_ozon_as_a_stock_push(store, scanner, settings):
    # given an account that pushes stock (the environment's) and a PO for cups at its warehouse
    settings.OZON = {**settings.OZON, "PUSH_STOCK": True}
    cup, warehouse = Sku.objects.get(code="CUP-1"), Warehouse.objects.get(code="OZ-1001")
    po = purchase_order(lines=[(cup, 5)], warehouse=warehouse)

    # when 5 cups are received on the scanner
    response = scanner.post(
        "/api/v1/receipts/",
        {"purchase_order": po.number, "barcode": CUP, "quantity": 5},
        format="json",
    )
    assert response.status_code == 201
    level = StockLevel.objects.get(sku=cup, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (15, 2)

    # and the next stock push runs (beat's 20 s step)
    call_command("ozon_sync", stdout=StringIO())

    # then Ozon holds the absolute figure available for sale: 15 on hand − 2 reserved
    pushed = [
        item
        for body in store.calls_to("/v2/products/stocks")
        for item in body["stocks"]
        if item["product_id"] == 501
    ]
    assert [(item["warehouse_id"], item["stock"]) for item in pushed] == [(1001, 13)]
    assert store.stock[(501, 1001)] == {"present": 13, "reserved": 0}
