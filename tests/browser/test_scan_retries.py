"""The scan station retries a server error with the same key: the hand-over counts once."""

import json

import pytest
from playwright.sync_api import expect

from fulfilment.models import Order
from fulfilment.services import order_pack
from fulfilment.tests.factories import order as make_order
from inventory.models import StockLevel
from inventory.tests.factories import SkuFactory, WarehouseFactory, ean13, stock_level
from tests.browser.test_scan_station import scan, sign_in
from tests.factories import ScannerDeviceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_json_500_after_the_commit_is_retried_with_the_same_key(page, live_server):
    # given a packed order, and the first hand-over's answer replaced by a JSON 500
    # (the hand-over did commit on the server)
    warehouse = WarehouseFactory(code="MSK1")
    device = ScannerDeviceFactory(warehouse=warehouse)
    mug = SkuFactory(code="MUG-1", barcode=ean13(101))
    stock_level(sku=mug, warehouse=warehouse, on_hand=3)
    order_pack(order=make_order(warehouse=warehouse, lines=[(mug, 1)], number="0003-SHIP"))
    sign_in(page, live_server, device.token)
    page.click("#modes button[data-mode=ship]")
    keys = []

    def failing_once(route, request):
        keys.append(request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()
            body = {"code": "server_error", "message": "boom", "details": {}}
            route.fulfill(status=500, content_type="application/json", body=json.dumps(body))
        else:
            route.continue_()

    page.route("**/api/v1/orders/*/ship/", failing_once)
    # when the clerk scans the order
    scan(page, "0003-SHIP")
    # then the page retries with the same key and gets the replayed success
    expect(page.locator("#feedback")).to_have_text("Handed over 0003-SHIP")
    assert len(keys) == 2 and keys[0] == keys[1]
    assert StockLevel.objects.get(sku=mug, warehouse=warehouse).on_hand == 2
    assert Order.objects.get(external_number="0003-SHIP").status == "delivering"
