"""Receiving a transfer: an empty or unreadable list of lines is an error (issue 14, item 12).

Only a body without ``lines`` at all means "everything in transit"; ``[]``, ``null``, a
misspelt key or a form-encoded body the server cannot read as lines receive nothing.
"""

import json

import pytest

from inventory import services
from inventory.models import StockLevel, Transfer
from inventory.tests.factories import FboWarehouseFactory, SkuFactory, ean13, stock_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_transit(warehouse):
    sku = SkuFactory(code="MUG-1", barcode=ean13(101))
    stock_level(sku=sku, warehouse=warehouse, on_hand=10)
    fbo = FboWarehouseFactory(code="OZON-KZN")
    transfer = services.transfer_create(source=warehouse, destination=fbo, lines=[(sku, 4)])
    return services.transfer_dispatch(transfer=transfer)


def _nothing_received(transfer: Transfer) -> bool:
    transfer.refresh_from_db()
    fbo_stock = StockLevel.objects.filter(warehouse=transfer.destination).first()
    return transfer.status == "in_transit" and (fbo_stock is None or fbo_stock.on_hand == 0)


@pytest.mark.parametrize(
    "body",
    [
        {"lines": []},
        {"lines": None},
        {"line": [{"barcode": ean13(101), "quantity": 4}]},
        {"lines": [], "extra": 1},
        [],
        [{"barcode": ean13(101), "quantity": 4}],
    ],
    ids=["empty", "null", "misspelt", "empty-extra", "array", "array-of-lines"],
)
def test_empty_or_unreadable_lines_are_400_and_receive_nothing(api, in_transit, body):
    response = api.post(
        f"/api/v1/transfers/{in_transit.number}/receive/",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"code", "message", "details"}
    assert _nothing_received(in_transit)


def test_empty_list_says_what_to_send(api, in_transit):
    response = api.post(
        f"/api/v1/transfers/{in_transit.number}/receive/", {"lines": []}, format="json"
    )
    body = response.json()
    assert body["code"] == "no_lines"
    assert "omit" in body["message"]


@pytest.mark.parametrize(
    "form", [{"lines": "anything"}, {"lines[0]barcode": ean13(101)}, {"barcode": ean13(101)}]
)
def test_a_form_encoded_body_is_refused(api, in_transit, form):
    response = api.post(f"/api/v1/transfers/{in_transit.number}/receive/", form)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert _nothing_received(in_transit)


@pytest.mark.parametrize("body", ["", "{}"], ids=["no-body", "empty-object"])
def test_a_body_without_lines_still_receives_everything(api, in_transit, body):
    response = api.post(
        f"/api/v1/transfers/{in_transit.number}/receive/", body, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "received"
    assert StockLevel.objects.get(warehouse=in_transit.destination).on_hand == 4
