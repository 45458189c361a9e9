"""Read-only seller metrics API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fulfilment.services import order_pack, order_ship
from fulfilment.tests.factories import order as make_order
from inventory.tests.factories import (
    SkuFactory,
    StaffUserFactory,
    UserFactory,
    WarehouseFactory,
    stock_level,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/fulfilment/metrics/"


@pytest.fixture
def shipped():
    warehouse = WarehouseFactory(code="MSK1")
    sku = SkuFactory()
    stock_level(sku=sku, warehouse=warehouse, on_hand=5)
    now = timezone.now()
    for late in (False, True):
        order = make_order(
            warehouse=warehouse,
            lines=[(sku, 1)],
            accepted_at=now - timedelta(days=2),
            ship_by=now - timedelta(days=1),
        )
        order_pack(order=order)
        order_ship(order=order, at=now - timedelta(days=1) + timedelta(hours=1 if late else -1))
    return warehouse


def test_metrics_api(client, shipped, django_assert_max_num_queries):
    client.force_login(StaffUserFactory())
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert response.status_code == 200
    data = response.json()
    assert data["scheme"] == "fbs"
    assert data["thresholds"]["cancellation_rate"] == {"warning": 0.1, "danger": 0.2}
    overall = [w for w in data["windows"] if w["warehouse"] is None]
    assert [w["days"] for w in overall] == [7, 14, 30]
    assert overall[0]["late_shipment_rate"] == {
        "numerator": 1,
        "denominator": 2,
        "value": 0.5,
        "level": "danger",
    }
    assert overall[0]["on_time_rate"] == {
        "numerator": 1,
        "denominator": 2,
        "value": 0.5,
        "level": "danger",
    }
    assert overall[0]["cancellation_rate"] == {
        "numerator": 0,
        "denominator": 2,
        "value": 0.0,
        "level": "ok",
    }
    assert {w["warehouse"] for w in data["windows"]} == {None, "MSK1"}


def test_metrics_api_filters_and_errors(client, shipped):
    client.force_login(StaffUserFactory())
    assert client.get(URL, {"warehouse": "MSK1"}).status_code == 200
    missing = client.get(URL, {"warehouse": "NOPE"})
    assert missing.status_code == 404
    assert missing.json()["code"] == "unknown_warehouse"
    bad = client.get(URL, {"scheme": "dbs"})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_scheme")
    everything = client.get(URL, {"scheme": "all"}).json()
    assert everything["scheme"] is None


def test_metrics_api_needs_staff(client, shipped):
    assert client.get(URL).status_code in (401, 403)
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403


def test_metrics_api_is_read_only(client, shipped):
    client.force_login(StaffUserFactory())
    assert client.post(URL, {}).status_code == 405
