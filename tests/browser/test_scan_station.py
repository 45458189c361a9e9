"""The /scan/ page end to end in headless Chromium: sign in with a device token, scan."""

import pytest
from playwright.sync_api import expect

from fulfilment.models import Order
from fulfilment.services import order_pack
from fulfilment.tests.factories import order as make_order
from inventory.models import StockLevel
from inventory.tests.factories import (
    SkuFactory,
    WarehouseFactory,
    ean13,
    purchase_order,
    stock_level,
)
from tests.factories import ScannerDeviceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scan(page, code: str) -> None:
    page.fill("#scan", code)
    page.press("#scan", "Enter")


def sign_in(page, live_server, token: str) -> None:
    page.goto(f"{live_server.url}/scan/")
    page.fill("#token", token)
    page.press("#token", "Enter")
    expect(page.locator("#station")).to_be_visible()


def test_receive_flow(page, live_server):
    # given a device at MSK1 and a sent PO for 2 mugs and a cup there
    warehouse = WarehouseFactory(code="MSK1")
    device = ScannerDeviceFactory(name="TSD-01", warehouse=warehouse)
    sku = SkuFactory(code="MUG-1", barcode=ean13(101))
    po = purchase_order(lines=[(sku, 2), (SkuFactory(code="CUP-1"), 1)], warehouse=warehouse)
    sign_in(page, live_server, device.token)
    expect(page.locator("#who")).to_contain_text("TSD-01 · MSK1")
    # when the clerk picks Receive, scans the PO, then the mug twice and once more
    page.click("#modes button[data-mode=receive]")
    scan(page, po.number)
    expect(page.locator("#context")).to_have_text(f"Receiving on {po.number}")
    scan(page, ean13(101))
    expect(page.locator("#feedback")).to_have_text("+1 MUG-1 (1/2)")
    expect(page.locator("#feedback")).to_have_class("ok")
    scan(page, ean13(101))
    expect(page.locator("#feedback")).to_have_text("+1 MUG-1 (2/2)")
    scan(page, ean13(101))
    # then the third is refused in red, saying what is open
    expect(page.locator("#feedback")).to_have_class("error")
    expect(page.locator("#feedback")).to_contain_text("would exceed the order; 0 of 2 still open")
    expect(page.locator("#log li")).to_have_count(4)
    assert StockLevel.objects.get(sku=sku, warehouse=warehouse).on_hand == 2


def test_a_dropped_request_is_retried_with_the_same_key(page, live_server):
    # given the first attempt of each receipt dies on the network
    warehouse = WarehouseFactory(code="MSK1")
    device = ScannerDeviceFactory(warehouse=warehouse)
    sku = SkuFactory(code="MUG-1", barcode=ean13(101))
    po = purchase_order(lines=[(sku, 5)], warehouse=warehouse)
    sign_in(page, live_server, device.token)
    page.click("#modes button[data-mode=receive]")
    scan(page, po.number)
    keys = []

    def flaky(route, request):
        keys.append(request.headers.get("idempotency-key"))
        if len(keys) == 1:
            # the request reaches the server, but the answer is lost on the way back
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/receipts/", flaky)
    # when one item is scanned
    scan(page, ean13(101))
    # then the page retries with the same key and the unit is counted once
    expect(page.locator("#feedback")).to_have_text("+1 MUG-1 (1/5)")
    assert len(keys) == 2 and keys[0] == keys[1]
    assert StockLevel.objects.get(sku=sku, warehouse=warehouse).on_hand == 1


def test_pack_flow_with_a_wrong_item_then_the_right_one(page, live_server):
    # given an order for one mug at the device's warehouse, and a cup lying around
    warehouse = WarehouseFactory(code="MSK1")
    device = ScannerDeviceFactory(warehouse=warehouse)
    mug = SkuFactory(code="MUG-1", barcode=ean13(101))
    SkuFactory(code="CUP-1", barcode=ean13(202))
    stock_level(sku=mug, warehouse=warehouse, on_hand=3)
    make_order(warehouse=warehouse, lines=[(mug, 1)], number="0001-PACK")
    sign_in(page, live_server, device.token)
    # when the packer picks Pack and scans the order label
    page.click("#modes button[data-mode=pack]")
    scan(page, "0001-PACK")
    expect(page.locator("#order-lines li")).to_have_text([f"MUG-1 · {mug.name} — 0/1"])
    # and scans the cup: red, saying what is expected
    scan(page, ean13(202))
    expect(page.locator("#feedback")).to_have_class("error")
    expect(page.locator("#feedback")).to_have_text(
        "CUP-1 is not on order 0001-PACK. Still to pack: MUG-1 × 1."
    )
    # and then the mug: green, the order is packed
    scan(page, ean13(101))
    expect(page.locator("#feedback")).to_have_class("ok")
    expect(page.locator("#feedback")).to_have_text("Packed 0001-PACK")
    expect(page.locator("#log li").first).to_have_class("ok")
    assert Order.objects.get(external_number="0001-PACK").status == "awaiting_deliver"
    # and the next order can be scanned straight away
    expect(page.locator("#prompt")).to_have_text("Scan the order number")


def test_count_and_ship_modes(page, live_server):
    # given 5 mugs on the shelf and a packed order for one of them
    warehouse = WarehouseFactory(code="MSK1")
    device = ScannerDeviceFactory(warehouse=warehouse)
    mug = SkuFactory(code="MUG-1", barcode=ean13(101))
    stock_level(sku=mug, warehouse=warehouse, on_hand=5)
    order_pack(order=make_order(warehouse=warehouse, lines=[(mug, 1)], number="0002-SHIP"))
    sign_in(page, live_server, device.token)
    # when the clerk counts 7 mugs
    page.click("#modes button[data-mode=count]")
    scan(page, ean13(101))
    expect(page.locator("#feedback")).to_have_text("MUG-1: on hand 5")
    scan(page, "7")
    expect(page.locator("#feedback")).to_have_text("MUG-1: counted 7, variance +2")
    # and hands the order over
    page.click("#modes button[data-mode=ship]")
    scan(page, "0002-SHIP")
    expect(page.locator("#feedback")).to_have_text("Handed over 0002-SHIP")
    scan(page, "0002-SHIP")
    expect(page.locator("#feedback")).to_have_class("error")
    # then 7 − 1 = 6 are left
    assert StockLevel.objects.get(sku=mug, warehouse=warehouse).on_hand == 6
    assert Order.objects.get(external_number="0002-SHIP").status == "delivering"


def test_count_mode_shows_todays_cycle_counts_and_strikes_out_the_counted(page, live_server):
    from django.utils import timezone

    from planning.cycle_counts import cycle_count_plan_build

    # given two never-counted cells at MSK1 on today's list
    warehouse = WarehouseFactory(code="MSK1")
    device = ScannerDeviceFactory(name="TSD-03", warehouse=warehouse)
    jar = SkuFactory(code="JAR-1", name="Jar", barcode=ean13(301))
    lid = SkuFactory(code="LID-1", name="Lid", barcode=ean13(302))
    stock_level(sku=jar, warehouse=warehouse, on_hand=5)
    stock_level(sku=lid, warehouse=warehouse, on_hand=7)
    assert cycle_count_plan_build(as_of=timezone.localdate()) == 2
    sign_in(page, live_server, device.token)
    # when the clerk opens Count
    page.click("#modes button[data-mode=count]")
    # then the list shows both, and counting the jar strikes it out
    plan = page.locator("#count-plan")
    expect(plan.locator("li.head")).to_have_text("Today's counts: 2 of 2 left")
    expect(plan.locator("li.todo")).to_have_count(2)
    expect(plan).to_contain_text(f"JAR-1 · Jar · {ean13(301)} (")
    scan(page, ean13(301))
    scan(page, "5")
    expect(page.locator("#feedback")).to_have_text("JAR-1: counted 5, variance 0")
    expect(plan.locator("li.head")).to_have_text("Today's counts: 1 of 2 left")
    expect(plan.locator("li.done")).to_contain_text("JAR-1")
