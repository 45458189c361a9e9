"""Ozon supply orders become Zapas transfers: held from ready-to-ship until they leave."""

from __future__ import annotations

import numpy as np
import pytest
from django.utils import timezone

from inventory import services as inventory_services
from inventory.models import StockLevel, Transfer, TransferLine
from inventory.tests.factories import SkuFactory, WarehouseFactory
from marketplaces.ozon.contract import ContractError
from marketplaces.ozon.fbo.clusters import clusters_sync
from marketplaces.ozon.fbo.models import SupplyLink
from marketplaces.ozon.fbo.supplies import supply_orders_sync
from marketplaces.ozon.models import ProductLink, WarehouseLink
from planning.snapshot import plan_input_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(fake_ozon, account, ozon):
    own = WarehouseFactory(code="OZ-1001")
    WarehouseLink.objects.create(account=account, ozon_warehouse_id=1001, name="Own", warehouse=own)
    fake_ozon.add_cluster(154, "Moscow", {21: "Khorugvino"})
    clusters_sync(account=account, client=ozon)
    for product_id, code, ozon_sku, on_hand in ((501, "CUP-1", 9501, 50), (502, "MUG-2", 9502, 20)):
        sku = SkuFactory(code=code)
        ProductLink.objects.create(
            account=account, sku=sku, offer_id=code, product_id=product_id, ozon_sku=ozon_sku
        )
        inventory_services.stock_receive(sku=sku, warehouse=own, quantity=on_hand)
    fake_ozon.add_supply_order(7001, "DATA_FILLING", {71: (21, {9501: 10, 9502: 4})})
    return fake_ozon


def _own():
    return sorted(
        StockLevel.objects.filter(warehouse__code="OZ-1001").values_list(
            "sku__code", "on_hand", "reserved"
        )
    )


def _lines():
    return sorted(
        TransferLine.objects.filter(transfer__status__in=Transfer.OPEN_STATUSES).values_list(
            "transfer__status",
            "transfer__destination__code",
            "sku__code",
            "quantity",
            "quantity_reserved",
            "quantity_dispatched",
        )
    )


def _sync(account, ozon):
    return supply_orders_sync(account=account, client=ozon)


def test_a_supply_being_filled_in_is_a_draft_transfer_and_a_reread_changes_nothing(
    account, ozon, shop
):
    _sync(account, ozon)

    assert _lines() == [
        ("draft", "OZF-21", "CUP-1", 10, 0, 0),
        ("draft", "OZF-21", "MUG-2", 4, 0, 0),
    ]
    assert _own() == [("CUP-1", 50, 0), ("MUG-2", 20, 0)]
    _sync(account, ozon)
    assert Transfer.objects.count() == 1 and SupplyLink.objects.get().order_number == "SO-7001"


def test_ready_to_ship_holds_the_units_until_they_leave_and_complete_receives_them(
    account, ozon, shop
):
    _sync(account, ozon)

    shop.supply_orders[7001]["state"] = "READY_TO_SUPPLY"
    _sync(account, ozon)
    assert _own() == [("CUP-1", 50, 10), ("MUG-2", 20, 4)]
    assert [line[4] for line in _lines()] == [10, 4]
    # the planner's position keeps the held units: out of available, into in transit
    cup = ProductLink.objects.get(offer_id="CUP-1").sku_id
    today = timezone.localdate()
    snap = plan_input_build(sku_ids=np.array([cup]), plan_date=today, start=today).snapshot
    assert (snap.available.tolist(), snap.in_transit.tolist()) == ([40.0], [10.0])
    assert snap.fbo.in_transit.tolist() == [[10.0]]

    shop.supply_orders[7001]["state"] = "IN_TRANSIT"
    _sync(account, ozon)
    assert _own() == [("CUP-1", 40, 0), ("MUG-2", 16, 0)]
    assert _lines() == [
        ("in_transit", "OZF-21", "CUP-1", 10, 0, 10),
        ("in_transit", "OZF-21", "MUG-2", 4, 0, 4),
    ]

    # COMPLETED is no longer listed among open orders: re-read by id, it is received
    shop.supply_orders[7001]["state"] = "COMPLETED"
    _sync(account, ozon)
    assert Transfer.objects.get().status == "received"
    assert sorted(
        StockLevel.objects.filter(warehouse__code="OZF-21").values_list("sku__code", "on_hand")
    ) == [("CUP-1", 10), ("MUG-2", 4)]
    # and, finished, it is not asked for again
    calls = len(shop.calls_to("/v3/supply-order/get"))
    _sync(account, ozon)
    assert len(shop.calls_to("/v3/supply-order/get")) == calls


def test_a_cancelled_supply_gives_its_units_back(account, ozon, shop):
    shop.supply_orders[7001]["state"] = "READY_TO_SUPPLY"
    _sync(account, ozon)

    shop.supply_orders[7001]["state"] = "CANCELLED"
    _sync(account, ozon)

    assert Transfer.objects.get().status == "cancelled"
    assert _own() == [("CUP-1", 50, 0), ("MUG-2", 20, 0)]


def test_changed_contents_replace_the_draft(account, ozon, shop):
    shop.supply_orders[7001]["state"] = "READY_TO_SUPPLY"
    _sync(account, ozon)

    shop.bundles["b-71"] = [{"sku": 9501, "quantity": 6, "offer_id": "CUP-1", "name": ""}]
    _sync(account, ozon)

    assert _lines() == [("draft", "OZF-21", "CUP-1", 6, 6, 0)]
    assert _own() == [("CUP-1", 50, 6), ("MUG-2", 20, 0)]


def test_a_supply_zapas_has_no_stock_for_is_noted_and_stays_a_draft(account, ozon, shop):
    shop.add_supply_order(7002, "IN_TRANSIT", {72: (21, {9502: 30})})

    result = _sync(account, ozon)

    assert result.skipped == 1 and "supply 72" in result.notes[0]
    assert "Only 20 available" in SupplyLink.objects.get(supply_id=72).note
    assert _own() == [("CUP-1", 50, 0), ("MUG-2", 20, 0)]


def test_a_bad_bundle_is_a_clear_error(account, ozon, shop):
    shop.validate_responses = False
    shop.bundles["b-71"][0]["quantity"] = -1

    with pytest.raises(ContractError, match="quantity is not a positive count: -1"):
        _sync(account, ozon)
    assert Transfer.objects.count() == 0


def test_supplies_leave_from_the_warehouse_the_account_names(account, ozon, shop):
    # given a second own warehouse, named on the account as the one FBO supplies leave from
    store = WarehouseFactory(code="STORE-2")
    for sku in SkuFactory._meta.model.objects.filter(code__in=["CUP-1", "MUG-2"]):
        inventory_services.stock_receive(sku=sku, warehouse=store, quantity=30)
    account.fbo_source_warehouse = store
    account.save()

    _sync(account, ozon)

    # then the draft takes its units from there, not from the linked FBS warehouse
    assert Transfer.objects.get().source == store
