# ruff: noqa: F811  (the fixtures imported below are used as arguments)
"""Printing Ozon's package label from the scan station, in headless Chromium at 360 px."""

from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from fulfilment.models import Order, OrderStatus
from inventory.tests.factories import ean13
from marketplaces.ozon.handover.labels import LABEL_PATH
from marketplaces.ozon.handover.tests.conftest import cup, fake_ozon, ozon_order, warehouse  # noqa: F401
from marketplaces.ozon.tests.conftest import account  # noqa: F401
from tests.browser.test_scan_station import scan, sign_in
from tests.factories import ScannerDeviceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pdf_texts(path: str) -> list[str]:
    return [p.extract_text().strip() for p in PdfReader(BytesIO(Path(path).read_bytes())).pages]


def test_pack_by_scanning_then_print_the_label(page, live_server, ozon_order, fake_ozon, warehouse):
    # given an Ozon order of one cup at MSK1, and the station's device there
    ozon_order("7101-0001-1", packed=False)
    device = ScannerDeviceFactory(name="TSD-07", warehouse=warehouse)
    sign_in(page, live_server, device.token)
    page.click("#modes button[data-mode=pack]")
    # when the packer scans the order and its cup
    scan(page, "7101-0001-1")
    expect(page.locator("#documents")).to_be_hidden()  # nothing to print before packing
    scan(page, ean13(201))
    expect(page.locator("#feedback")).to_have_text("Packed 7101-0001-1")
    # then the pack went to Ozon, and the station offers the label
    assert Order.objects.get(external_number="7101-0001-1").status == OrderStatus.AWAITING_DELIVER
    assert fake_ozon.postings["7101-0001-1"].status == "awaiting_deliver"
    button = page.locator("#documents button[data-kind=label]")
    expect(button).to_have_text("Print label")
    # and a click downloads Ozon's label as a PDF
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == "label-7101-0001-1.pdf"
    assert pdf_texts(download.value.path()) == ["LABEL 7101-0001-1"]
    expect(page.locator("#feedback")).to_have_text("Downloaded label-7101-0001-1.pdf")
    assert fake_ozon.calls_to(LABEL_PATH) == [{"posting_number": ["7101-0001-1"]}]


def test_a_packed_order_scanned_again_offers_its_label_and_ozons_refusal_is_shown(
    page,
    live_server,
    ozon_order,
    fake_ozon,
    warehouse,
):
    # given an order packed a moment ago, whose label Ozon has not made yet
    ozon_order("7102-0001-1")
    fake_ozon.not_ready.add("7102-0001-1")
    device = ScannerDeviceFactory(warehouse=warehouse)
    sign_in(page, live_server, device.token)
    page.click("#modes button[data-mode=pack]")
    # when the packer scans it in Pack mode
    scan(page, "7102-0001-1")
    expect(page.locator("#feedback")).to_have_class("error")
    # then the label is offered, and printing too early says to wait
    page.click("#documents button[data-kind=label]")
    expect(page.locator("#feedback")).to_contain_text(
        "Ozon has not made the label of 7102-0001-1 yet"
    )
    expect(page.locator("#feedback")).to_have_class("error")
    # and once Ozon has it, the same button prints it
    fake_ozon.not_ready.clear()
    with page.expect_download() as download:
        page.click("#documents button[data-kind=label]")
    assert pdf_texts(download.value.path()) == ["LABEL 7102-0001-1"]
