"""Package labels: one posting from the scan station, a warehouse's packed orders in one PDF."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from marketplaces.ozon.handover.labels import LABEL_PATH
from tests.factories import ScannerDeviceFactory

pytestmark = pytest.mark.django_db


def texts(content: bytes) -> list[str]:
    return [page.extract_text().strip() for page in PdfReader(BytesIO(content)).pages]


def label_url(number: str) -> str:
    return reverse("ozon-posting-label", args=[number])


def test_a_packed_order_prints_ozons_label(client, staff, ozon_order, fake_ozon):
    ozon_order("7001-0001-1")

    response = client.get(label_url("7001-0001-1"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="label-7001-0001-1.pdf"'
    assert texts(response.content) == ["LABEL 7001-0001-1"]
    assert fake_ozon.calls_to(LABEL_PATH) == [{"posting_number": ["7001-0001-1"]}]


def test_the_label_sent_as_the_descriptions_object_is_read_too(
    client, staff, ozon_order, fake_ozon
):
    fake_ozon.label_as_json = True
    ozon_order("7001-0001-1")

    response = client.get(label_url("7001-0001-1"))

    assert response.status_code == 200
    assert texts(response.content) == ["LABEL 7001-0001-1"]


def test_an_order_not_packed_gets_a_clear_409_and_ozon_is_not_asked(
    client, staff, ozon_order, fake_ozon
):
    ozon_order("7001-0001-1", packed=False)

    response = client.get(label_url("7001-0001-1"))

    assert response.status_code == 409
    assert response.json()["code"] == "not_packed"
    assert response.json()["message"] == (
        "7001-0001-1 is not packed (awaiting packaging): Ozon prints a label only for a packed "
        "posting."
    )
    assert fake_ozon.calls_to(LABEL_PATH) == []


def test_a_pack_still_in_the_outbox_gets_a_clear_409(client, staff, ozon_order, fake_ozon):
    ozon_order("7001-0001-1", send=False)

    response = client.get(label_url("7001-0001-1"))

    assert response.status_code == 409
    assert response.json()["code"] == "pack_not_sent"
    assert "has not reached Ozon yet (pending)" in response.json()["message"]
    assert fake_ozon.calls_to(LABEL_PATH) == []


def test_a_label_ozon_has_not_made_yet_says_to_try_again(client, staff, ozon_order, fake_ozon):
    ozon_order("7001-0001-1")
    fake_ozon.not_ready.add("7001-0001-1")

    response = client.get(label_url("7001-0001-1"))

    assert response.status_code == 409
    assert response.json()["code"] == "label_not_ready"
    assert response.json()["message"] == (
        "Ozon has not made the label of 7001-0001-1 yet (it takes up to a minute after "
        "packing); try again shortly."
    )


def test_ozon_down_is_a_503_not_a_500(client, staff, ozon_order, fake_ozon):
    ozon_order("7001-0001-1")
    fake_ozon.fail_next(LABEL_PATH, "500", times=2)

    response = client.get(label_url("7001-0001-1"))

    assert response.status_code == 503
    assert response.json()["code"] == "ozon_unavailable"


def test_a_warehouse_prints_every_packed_order_in_one_pdf_twenty_a_request(
    client, staff, ozon_order, fake_ozon
):
    numbers = [f"7{n:03d}-0001-1" for n in range(23)]
    for number in numbers:
        ozon_order(number)
    ozon_order("7999-0001-1", packed=False)  # not packed: not printed

    response = client.get(reverse("ozon-labels"), {"warehouse": "MSK1"})

    assert response.status_code == 200
    assert texts(response.content) == [f"LABEL {n}" for n in numbers]
    assert [len(body["posting_number"]) for body in fake_ozon.calls_to(LABEL_PATH)] == [20, 3]


def test_a_warehouse_with_nothing_packed_and_a_missing_warehouse_are_clear_errors(
    client, staff, warehouse
):
    nothing = client.get(reverse("ozon-labels"), {"warehouse": "MSK1"})
    missing = client.get(reverse("ozon-labels"))
    unknown = client.get(reverse("ozon-labels"), {"warehouse": "NOPE"})

    assert (nothing.status_code, nothing.json()["code"]) == (404, "nothing_packed")
    assert (missing.status_code, missing.json()["code"]) == (400, "warehouse_required")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_warehouse")


def test_a_device_prints_only_for_its_own_warehouse(client, ozon_order, fake_ozon):
    ozon_order("7001-0001-1")
    other = ScannerDeviceFactory()
    auth = {"HTTP_AUTHORIZATION": f"Token {other.token}"}

    assert client.get(label_url("7001-0001-1"), **auth).status_code == 403
    assert client.get(reverse("ozon-labels"), {"warehouse": "MSK1"}, **auth).status_code == 403
    assert fake_ozon.calls_to(LABEL_PATH) == []


def test_the_scan_api_offers_the_label_of_a_packed_order_only(client, staff, ozon_order):
    ozon_order("7001-0001-1")
    ozon_order("7002-0001-1", packed=False)

    packed = client.get(reverse("api-order-documents", args=["7001-0001-1"]))
    open_ = client.get(reverse("api-order-documents", args=["7002-0001-1"]))

    assert packed.json() == {
        "documents": [{"kind": "label", "title": "Print label", "url": label_url("7001-0001-1")}]
    }
    assert open_.json() == {"documents": []}


def test_due_today_offers_the_labels_of_the_warehouse(client, staff, ozon_order):
    ozon_order("7001-0001-1")
    ozon_order("7002-0001-1")

    page = client.get(reverse("admin:fulfilment_order_due_today"))

    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{reverse("ozon-labels")}?warehouse=MSK1"' in html
    assert "Print the labels of 2 packed Ozon orders (PDF)" in html
