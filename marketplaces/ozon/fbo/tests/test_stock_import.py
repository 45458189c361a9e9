"""Ozon's clusters, their warehouses and FBO stock per SKU × warehouse × cluster."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import InvalidInput
from inventory.models import FboCluster, FboStockReport, Warehouse
from inventory.services import FboStockRow, fbo_stock_report_replace
from inventory.tests.factories import SkuFactory, WarehouseFactory
from marketplaces.ozon.contract import ContractError
from marketplaces.ozon.fbo.clusters import clusters_sync
from marketplaces.ozon.fbo.models import ClusterLink, FboWarehouseLink
from marketplaces.ozon.fbo.stocks import fbo_stocks_sync
from marketplaces.ozon.models import ProductLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def ozon_fbo(fake_ozon, account):
    fake_ozon.add_cluster(154, "Moscow", {21: "Khorugvino", 22: "Noginsk"})
    fake_ozon.add_cluster(4, "Kazan", {31: "Kazan RFC"})
    fake_ozon.add_product(501, "CUP-1", sku=9501)
    fake_ozon.add_product(502, "MUG-2", sku=9502)
    for product_id, code, ozon_sku in ((501, "CUP-1", 9501), (502, "MUG-2", 9502)):
        ProductLink.objects.create(
            account=account,
            sku=SkuFactory(code=code),
            offer_id=code,
            product_id=product_id,
            ozon_sku=ozon_sku,
        )
    fake_ozon.add_fbo_stock(9501, 21, available=12, in_transit=5, requested=3, ads=1.5, idc=8.0)
    fake_ozon.add_fbo_stock(9501, 22, available=4, ads=1.5, idc=8.0)
    fake_ozon.add_fbo_stock(9501, 31, available=7, ads=0.25, idc=28.0)
    fake_ozon.add_fbo_stock(9502, 31, available=0, requested=10)
    return fake_ozon


def _report():
    return sorted(
        FboStockReport.objects.values_list(
            "sku__code",
            "warehouse__code",
            "warehouse__cluster__name",
            "available",
            "in_transit",
            "requested",
            "daily_sales",
            "days_of_cover",
        )
    )


def test_clusters_become_zapas_clusters_with_their_fbo_warehouses(account, ozon, ozon_fbo):
    result = clusters_sync(account=account, client=ozon)

    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert list(FboCluster.objects.values_list("code", "name", "is_active")) == [
        ("ozon-4", "Kazan", True),
        ("ozon-154", "Moscow", True),
    ]
    assert sorted(Warehouse.objects.values_list("code", "name", "kind", "cluster__code")) == [
        ("OZF-21", "Khorugvino", "fbo", "ozon-154"),
        ("OZF-22", "Noginsk", "fbo", "ozon-154"),
        ("OZF-31", "Kazan RFC", "fbo", "ozon-4"),
    ]
    again = clusters_sync(account=account, client=ozon)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Warehouse.objects.count() == 3 and FboWarehouseLink.objects.count() == 3


def test_a_warehouse_moved_to_another_cluster_follows_and_a_dropped_cluster_goes_inactive(
    account, ozon, ozon_fbo
):
    clusters_sync(account=account, client=ozon)
    ozon_fbo.clusters = {4: {"name": "Kazan", "warehouses": {31: "Kazan RFC", 22: "Noginsk"}}}

    clusters_sync(account=account, client=ozon)

    assert Warehouse.objects.get(code="OZF-22").cluster.code == "ozon-4"
    assert FboCluster.objects.get(code="ozon-154").is_active is False


def test_stock_is_held_per_sku_warehouse_and_cluster_and_a_reread_changes_nothing(
    account, ozon, ozon_fbo
):
    clusters_sync(account=account, client=ozon)

    fbo_stocks_sync(account=account, client=ozon)

    expected = [
        ("CUP-1", "OZF-21", "Moscow", 12, 5, 3, Decimal("1.500"), Decimal("8.0")),
        ("CUP-1", "OZF-22", "Moscow", 4, 0, 0, Decimal("1.500"), Decimal("8.0")),
        ("CUP-1", "OZF-31", "Kazan", 7, 0, 0, Decimal("0.250"), Decimal("28.0")),
        ("MUG-2", "OZF-31", "Kazan", 0, 0, 10, Decimal("0.000"), Decimal("0.0")),
    ]
    assert _report() == expected
    fbo_stocks_sync(account=account, client=ozon)
    assert _report() == expected
    assert ozon_fbo.calls_to("/v1/analytics/stocks") == [{"skus": ["9501", "9502"]}] * 2


def test_a_sku_ozon_no_longer_holds_disappears_from_the_report(account, ozon, ozon_fbo):
    clusters_sync(account=account, client=ozon)
    fbo_stocks_sync(account=account, client=ozon)
    ozon_fbo.fbo_stock = [r for r in ozon_fbo.fbo_stock if r["warehouse_id"] != 22]

    result = fbo_stocks_sync(account=account, client=ozon)

    assert [r[1] for r in _report()] == ["OZF-21", "OZF-31", "OZF-31"]
    assert result.notes == ["1 rows no longer reported"]


def test_skus_are_asked_a_hundred_at_a_time(account, ozon, ozon_fbo):
    for n in range(150):
        ProductLink.objects.create(
            account=account,
            sku=SkuFactory(code=f"X-{n}"),
            offer_id=f"X-{n}",
            product_id=10_000 + n,
            ozon_sku=20_000 + n,
        )

    fbo_stocks_sync(account=account, client=ozon)

    assert [len(b["skus"]) for b in ozon_fbo.calls_to("/v1/analytics/stocks")] == [100, 52]


def test_a_bad_answer_is_a_clear_error_and_keeps_the_last_report(account, ozon, ozon_fbo):
    clusters_sync(account=account, client=ozon)
    fbo_stocks_sync(account=account, client=ozon)
    before = _report()
    ozon_fbo.validate_responses = False
    ozon_fbo.fbo_stock[1]["available_stock_count"] = -3

    with pytest.raises(ContractError, match="available_stock_count is not a count: -3"):
        fbo_stocks_sync(account=account, client=ozon)

    assert _report() == before


def test_a_cluster_without_an_identifier_is_refused(account, ozon, ozon_fbo, monkeypatch):
    monkeypatch.setattr(
        type(ozon_fbo), "do_v2_cluster_list", lambda self, body: {"result": [{"data": {}}]}
    )
    ozon_fbo.validate_responses = False

    with pytest.raises(ContractError, match="identifier is missing"):
        clusters_sync(account=account, client=ozon)
    assert ClusterLink.objects.count() == 0


def test_the_report_service_refuses_own_warehouses_and_negative_counts():
    own, fbo = WarehouseFactory(), WarehouseFactory(kind=Warehouse.Kind.FBO)
    sku = SkuFactory()

    with pytest.raises(InvalidInput, match="FBO warehouses only"):
        fbo_stock_report_replace(warehouse_ids=[own.pk], rows=[])
    with pytest.raises(InvalidInput, match="whole number ≥ 0"):
        fbo_stock_report_replace(
            warehouse_ids=[fbo.pk], rows=[FboStockRow(sku.pk, fbo.pk, available=-1)]
        )
    assert FboStockReport.objects.count() == 0
