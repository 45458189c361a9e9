"""A device sees only its own warehouse (issue 14, item 8).

Naming another warehouse is 403 ``wrong_warehouse`` whether or not the code exists, so the answer
never tells a device which codes exist; without a name, every answer is its own warehouse's.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from fulfilment.services import order_pack, order_ship
from fulfilment.tests.factories import order as make_order
from inventory.models import StockLevel
from inventory.tests.factories import (
    SkuFactory,
    WarehouseFactory,
    ean13,
    stock_level,
)

pytestmark = pytest.mark.django_db

METRICS = "/api/v1/fulfilment/metrics/"
WAREHOUSE_NAMING_URLS = [
    METRICS,
    "/api/v1/stock-levels/",
    "/api/v1/movements/",
    "/api/v1/orders/",
    "/api/v1/pick-list/",
    "/api/v1/cycle-counts/",
    f"/api/v1/barcodes/{ean13(7)}/",
]


@pytest.fixture
def elsewhere(warehouse):
    """Stock, movements and a late hand-over at SPB1, and one on-time hand-over at MSK1."""
    other = WarehouseFactory(code="SPB1")
    sku = SkuFactory(code="MUG-7", barcode=ean13(7))
    stock_level(sku=sku, warehouse=other, on_hand=5)
    stock_level(sku=sku, warehouse=warehouse, on_hand=5)
    now = timezone.now()
    for where, late in ((other, True), (warehouse, False)):
        order = make_order(
            warehouse=where,
            lines=[(sku, 1)],
            accepted_at=now - timedelta(days=2),
            ship_by=now - timedelta(days=1),
        )
        order_pack(order=order)
        order_ship(order=order, at=now - timedelta(days=1) + timedelta(hours=1 if late else -1))
    return other


@pytest.mark.parametrize("url", WAREHOUSE_NAMING_URLS)
@pytest.mark.parametrize("code", ["SPB1", "NO-SUCH-CODE"])
def test_another_or_unknown_warehouse_is_403_alike(api, elsewhere, url, code):
    # when the MSK1 device names another warehouse, existing or not
    response = api.get(url, {"warehouse": code})
    # then the answer is the same 403, naming only its own warehouse
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["code"] == "wrong_warehouse"
    assert body["details"] == {"device_warehouse": "MSK1"}


@pytest.mark.parametrize("url", WAREHOUSE_NAMING_URLS)
def test_its_own_warehouse_by_name_is_fine(api, elsewhere, url):
    assert api.get(url, {"warehouse": "MSK1"}).status_code == 200


def test_metrics_default_to_the_devices_warehouse(api, elsewhere):
    # when the device asks for metrics without naming a warehouse
    body = api.get(METRICS).json()
    # then only its warehouse appears, and the overall figures are its own (no late hand-over)
    assert {w["warehouse"] for w in body["windows"]} == {None, "MSK1"}
    overall = next(w for w in body["windows"] if w["warehouse"] is None and w["days"] == 7)
    assert overall["late_shipment_rate"]["numerator"] == 0
    assert overall["late_shipment_rate"]["denominator"] == 1


def test_staff_still_see_every_warehouse_and_get_404_for_unknown_codes(staff_api, elsewhere):
    body = staff_api.get(METRICS).json()
    assert {w["warehouse"] for w in body["windows"]} == {None, "MSK1", "SPB1"}
    assert staff_api.get(METRICS, {"warehouse": "SPB1"}).status_code == 200
    assert staff_api.get(METRICS, {"warehouse": "NOPE"}).status_code == 404


@pytest.mark.parametrize("url", ["/api/v1/stock-levels/", "/api/v1/movements/", "/api/v1/orders/"])
def test_lists_without_a_name_show_only_the_devices_warehouse(api, elsewhere, url):
    rows = api.get(url).json()["results"]
    assert rows
    assert {row["warehouse"] for row in rows} == {"MSK1"}


def test_count_naming_another_warehouse_is_403_and_changes_nothing(api, elsewhere):
    for code in ("SPB1", "NO-SUCH-CODE"):
        response = api.post(
            "/api/v1/counts/",
            {"barcode": ean13(7), "counted": 1, "warehouse": code},
            format="json",
        )
        assert (response.status_code, response.json()["code"]) == (403, "wrong_warehouse")
    assert StockLevel.objects.get(warehouse=elsewhere).on_hand == 4  # 5, less the one shipped
