"""The scan station without traps, in headless Chromium at 360 px: no empty warehouse picker for a
device, a staff sign-out that signs out, nothing wider than the screen, "mis-scan" for a wrong
check digit, a scanned barcode never taken as a count, product names while packing, and a device
that signs in by scanning the code the admin shows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fulfilment.tests.factories import order as make_order
from inventory.models import Barcode, StockLevel, StockMovement
from inventory.tests.factories import SkuFactory, UserFactory, WarehouseFactory, ean13, stock_level
from tests.browser.test_scan_station import scan, sign_in
from tests.factories import ScannerDeviceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw"


def misread(code: str) -> str:
    """``code`` with its check digit read wrong."""
    return code[:-1] + str((int(code[-1]) + 3) % 10)


def staff_sign_in(page, live_server, username: str = "packer1"):
    user = UserFactory(username=username, is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.goto(f"{live_server.url}/scan/")
    page.click("#login a")  # "sign in with your account"
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#station")).to_be_visible()
    expect(page.locator("#who")).to_have_text(f"{username} (staff)")
    return user


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_device_sees_no_warehouse_picker(page, live_server):
    # given a device: its warehouse is fixed
    device = ScannerDeviceFactory(warehouse=WarehouseFactory(code="MSK1"))
    # when it signs in
    sign_in(page, live_server, device.token)
    # then no (empty) warehouse dropdown is on the screen
    expect(page.locator("#warehouse-picker")).to_be_hidden()
    expect(page.locator("#warehouse option")).to_have_count(0)


def test_staff_sign_out_ends_the_session(page, live_server):
    # given a packer signed in with their own account at a shared desk
    WarehouseFactory(code="MSK1")
    staff_sign_in(page, live_server, "packer1")
    expect(page.locator("#warehouse-picker")).to_be_visible()
    # when they sign out
    page.click("#logout")
    # then the station asks for a sign-in, also after a reload
    expect(page.locator("#login")).to_be_visible()
    page.reload()
    expect(page.locator("#login")).to_be_visible()
    expect(page.locator("#station")).to_be_hidden()
    # and the server no longer knows them: the API refuses, the admin asks for a login
    status = page.evaluate("fetch('/api/v1/me/').then(r => r.status)")
    assert status in (401, 403)
    page.goto(f"{live_server.url}/admin/")
    assert "/admin/login/" in page.url


def test_the_staff_view_fits_a_360_px_screen_in_every_mode(page, live_server):
    # given warehouses with long names and a long user name
    WarehouseFactory(code="MSK-SOFINO-1", name="Moscow, Sofino logistics park, building 4, gate 12")
    WarehouseFactory(code="EKB-1", name="Yekaterinburg, Koltsovo cargo terminal, zone B")
    staff_sign_in(page, live_server, "a.very.long.username.of.a.packer")
    # then nothing is wider than the screen, whichever mode is open
    for mode in ("receive", "pack", "ship", "count"):
        page.click(f"#modes button[data-mode={mode}]")
        assert page_width(page) <= 360, mode
    box = page.locator("#warehouse").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360


def test_a_wrong_check_digit_says_mis_scan(page, live_server):
    # given a device and a mug with an EAN-13
    warehouse = WarehouseFactory(code="MSK1")
    device = ScannerDeviceFactory(warehouse=warehouse)
    SkuFactory(code="MUG-1", barcode=ean13(101))
    stock_level(sku=Barcode.objects.get(code=ean13(101)).sku, warehouse=warehouse, on_hand=1)
    sign_in(page, live_server, device.token)
    page.click("#modes button[data-mode=count]")
    # when the scanner misreads its last digit
    scan(page, misread(ean13(101)))
    # then the clerk reads "mis-scan", not "no such item"
    expect(page.locator("#feedback")).to_have_class("error")
    expect(page.locator("#feedback")).to_contain_text(
        f"Mis-scan: {misread(ean13(101))} has a wrong check digit"
    )
    expect(page.locator("#feedback")).to_contain_text("Scan it again.")


def test_in_count_mode_a_scanned_barcode_is_never_taken_as_a_quantity(page, live_server):
    # given a mug (EAN-13), a cup (EAN-8) and a jar whose barcode is the short free text "12"
    warehouse = WarehouseFactory(code="MSK1")
    device = ScannerDeviceFactory(warehouse=warehouse)
    mug = SkuFactory(code="MUG-1", barcode=ean13(101))
    cup = SkuFactory(code="CUP-1", barcode="96385074")
    jar = SkuFactory(code="JAR-1", barcode="12")
    for sku, on_hand in ((mug, 5), (cup, 3), (jar, 9)):
        stock_level(sku=sku, warehouse=warehouse, on_hand=on_hand)
    sign_in(page, live_server, device.token)
    page.click("#modes button[data-mode=count]")
    scan(page, ean13(101))
    expect(page.locator("#feedback")).to_have_text("MUG-1: on hand 5")
    # when the mug is scanned again instead of typing its quantity
    scan(page, ean13(101))
    # then it is refused and the mug is still being counted
    expect(page.locator("#feedback")).to_have_class("error")
    expect(page.locator("#feedback")).to_have_text(
        "That is the barcode of MUG-1, not a quantity: type the counted quantity."
    )
    expect(page.locator("#prompt")).to_have_text("Counted quantity")
    # when the cup's 8-digit barcode is scanned: the mug is not counted, the cup is next
    scan(page, "96385074")
    expect(page.locator("#feedback")).to_have_class("error")
    expect(page.locator("#feedback")).to_contain_text("MUG-1 was not counted. Now counting CUP-1")
    # when the jar's short barcode "12" is scanned: still a barcode, not a count of 12
    scan(page, "12")
    expect(page.locator("#feedback")).to_contain_text("CUP-1 was not counted. Now counting JAR-1")
    # and when 8 is typed, the jar is counted 8
    scan(page, "8")
    expect(page.locator("#feedback")).to_have_text("JAR-1: counted 8, variance -1")
    # then only the jar changed
    levels = dict(StockLevel.objects.values_list("sku__code", "on_hand"))
    assert levels == {"MUG-1": 5, "CUP-1": 3, "JAR-1": 8}
    assert StockMovement.objects.filter(kind="adjustment").count() == 1


def test_pack_mode_shows_product_names(page, live_server):
    # given an order for a mug and two cups
    warehouse = WarehouseFactory(code="MSK1")
    device = ScannerDeviceFactory(warehouse=warehouse)
    mug = SkuFactory(code="MUG-1", name="Enamel mug 300 ml", barcode=ean13(101))
    cup = SkuFactory(code="CUP-1", name="Paper cup", barcode=ean13(202))
    stock_level(sku=mug, warehouse=warehouse, on_hand=3)
    stock_level(sku=cup, warehouse=warehouse, on_hand=3)
    make_order(warehouse=warehouse, lines=[(mug, 1), (cup, 2)], number="0003-PACK")
    sign_in(page, live_server, device.token)
    page.click("#modes button[data-mode=pack]")
    # when the packer scans the order, then a cup
    scan(page, "0003-PACK")
    lines = page.locator("#order-lines li")
    expect(lines).to_have_text(["MUG-1 · Enamel mug 300 ml — 0/1", "CUP-1 · Paper cup — 0/2"])
    scan(page, ean13(202))
    # then each line and the feedback name the product
    expect(page.locator("#feedback")).to_have_text("CUP-1 · Paper cup 1/2")
    expect(lines.nth(1)).to_have_text("CUP-1 · Paper cup — 1/2")


def test_a_device_signs_in_by_scanning_the_code_shown_in_the_admin(browser, page, live_server):
    # given a registered device and an admin who issues its sign-in code
    from core.models import ScannerDevice

    device = ScannerDevice.objects.create(
        name="TSD-07", warehouse=WarehouseFactory(code="MSK1"), user=UserFactory()
    )
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    admin.set_password(PASSWORD)
    admin.save(update_fields=["password"])
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk.goto(f"{live_server.url}/admin/login/?next=/admin/core/scannerdevice/")
    desk.fill("#id_username", "boss")
    desk.fill("#id_password", PASSWORD)
    desk.click("input[type=submit]")
    desk.check(f"input[name=_selected_action][value='{device.pk}']")
    desk.select_option("select[name=action]", "issue_token")
    desk.click("button[name=index]")
    qr = desk.locator(".sign-in-code img")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    link = desk.locator(".sign-in-code a").inner_text()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/scan/#token=[A-Za-z0-9_-]{{43}}", link)
    desk.context.close()
    # when the handheld's scanner reads the code into the sign-in field (it types the link)
    page.goto(f"{live_server.url}/scan/")
    page.fill("#token", link)
    page.press("#token", "Enter")
    # then the device is signed in
    expect(page.locator("#who")).to_contain_text("TSD-07 · MSK1")
    # and a phone's camera opening the link signs in too, leaving no token in the address
    page.click("#logout")
    expect(page.locator("#login")).to_be_visible()
    page.goto(link)
    expect(page.locator("#who")).to_contain_text("TSD-07 · MSK1")
    assert "token" not in page.url
