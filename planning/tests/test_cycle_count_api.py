"""GET /api/v1/cycle-counts/: the device's own warehouse, today's list in order."""

from __future__ import annotations

import pytest
from django.utils import timezone

from inventory import services
from inventory.tests.factories import SkuFactory, WarehouseFactory, ean13, stock_level
from planning.cycle_counts import cycle_count_plan_build
from tests.factories import ScannerDeviceFactory

pytestmark = pytest.mark.django_db


def test_device_gets_its_warehouses_list_with_done_marks(client):
    wh = WarehouseFactory(code="MSK1")
    other = WarehouseFactory(code="EKB1")
    a = SkuFactory(code="A-1", barcode=ean13(501))
    stock_level(sku=a, warehouse=wh, on_hand=3)
    stock_level(sku=SkuFactory(code="B-1"), warehouse=other, on_hand=3)
    cycle_count_plan_build(as_of=timezone.localdate())
    device = ScannerDeviceFactory(warehouse=wh)
    auth = {"HTTP_AUTHORIZATION": f"Token {device.token}"}
    body = client.get("/api/v1/cycle-counts/", **auth).json()
    assert body["warehouse"] == "MSK1"
    assert [(t["rank"], t["sku"], t["barcode"], t["done"]) for t in body["tasks"]] == [
        (1, "A-1", ean13(501), False)
    ]
    services.stock_count(sku=a, warehouse=wh, counted=3)
    assert client.get("/api/v1/cycle-counts/", **auth).json()["tasks"][0]["done"] is True
    # another warehouse's list is not the device's to read
    response = client.get("/api/v1/cycle-counts/?warehouse=EKB1", **auth)
    assert response.status_code == 403
    assert response.json()["code"]


def test_staff_must_name_the_warehouse(admin_client):
    response = admin_client.get("/api/v1/cycle-counts/")
    assert response.status_code == 400
    assert response.json()["code"] == "warehouse_required"
