"""What people do with the suggestions: order, resize, dismiss, switch scheme, ship to FBO."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from core.errors import InsufficientStock, InvalidInput, InvalidTransition
from inventory import exports
from inventory.models import PurchaseOrder, StockLevel, Transfer
from inventory.tests.factories import (
    FboWarehouseFactory,
    SkuFactory,
    StaffUserFactory,
    SupplierFactory,
    SupplierItemFactory,
    WarehouseFactory,
    stock_level,
)
from planning import services
from planning.models import (
    FboShipmentSuggestion,
    FulfilmentDecision,
    ReorderSuggestion,
    SuggestionStatus,
)
from planning.tests.factories import ReorderSuggestionFactory

PLAN_DATE = date(2026, 11, 20)

pytestmark = pytest.mark.django_db


@given(
    quantity=st.integers(min_value=1, max_value=10_000),
    moq=st.integers(min_value=1, max_value=500),
    pack=st.integers(min_value=1, max_value=48),
)
def test_rounded_quantities_are_whole_packs_at_least_the_moq_and_the_least_such(
    quantity, moq, pack
):
    rounded = services.order_quantity_round(quantity=quantity, moq=moq, pack_size=pack)
    assert rounded % pack == 0
    assert rounded >= max(quantity, moq)
    assert rounded - pack < max(quantity, moq)


def test_approving_makes_one_draft_po_per_supplier_and_warehouse():
    # given: two suggestions for ACME→MAIN (two SKUs), one for ACME→SOUTH, one for BOLT→MAIN
    user = StaffUserFactory()
    acme, bolt = SupplierFactory(code="ACME"), SupplierFactory(code="BOLT")
    main, south = WarehouseFactory(code="MAIN"), WarehouseFactory(code="SOUTH")
    a, b = SkuFactory(code="A"), SkuFactory(code="B")
    s1 = ReorderSuggestionFactory(
        sku=a, supplier=acme, warehouse=main, quantity=12, unit_cost=Decimal("5")
    )
    s2 = ReorderSuggestionFactory(sku=b, supplier=acme, warehouse=main, quantity=3)
    s3 = ReorderSuggestionFactory(sku=a, supplier=acme, warehouse=south, quantity=4)
    s4 = ReorderSuggestionFactory(sku=b, supplier=bolt, warehouse=main, quantity=6)

    # when
    orders = services.suggestions_approve(suggestions=ReorderSuggestion.objects.all(), user=user)

    # then
    assert len(orders) == 3
    lines = {
        (po.supplier.code, po.warehouse.code): sorted(
            (line.sku.code, line.quantity_ordered) for line in po.lines.all()
        )
        for po in orders
    }
    assert lines == {
        ("ACME", "MAIN"): [("A", 12), ("B", 3)],
        ("ACME", "SOUTH"): [("A", 4)],
        ("BOLT", "MAIN"): [("B", 6)],
    }
    assert all(po.status == PurchaseOrder.Status.DRAFT for po in orders)
    assert all(po.created_by == user for po in orders)
    assert orders[0].lines.get(sku=a).unit_cost == Decimal("5.00")
    for s in (s1, s2, s3, s4):
        s.refresh_from_db()
        assert (s.status, s.decided_by) == (SuggestionStatus.ORDERED, user)
        assert s.purchase_order is not None
    assert s1.purchase_order == s2.purchase_order != s3.purchase_order


def test_an_ordered_suggestion_cannot_be_ordered_again_and_nothing_is_written():
    # given
    ordered = ReorderSuggestionFactory(status=SuggestionStatus.ORDERED)
    fresh = ReorderSuggestionFactory()

    # when / then
    with pytest.raises(InvalidTransition) as excinfo:
        services.suggestions_approve(suggestions=[fresh, ordered], user=None)
    assert excinfo.value.code == "suggestion_not_open"
    fresh.refresh_from_db()
    assert fresh.status == SuggestionStatus.PROPOSED
    assert PurchaseOrder.objects.count() == 0


def test_resizing_rounds_up_to_moq_and_pack_and_reprices():
    # given: MOQ 10, packs of 6
    item = SupplierItemFactory(moq=10, pack_size=6)
    suggestion = ReorderSuggestionFactory(
        sku=item.sku, supplier=item.supplier, quantity=12, unit_cost=Decimal("2.50")
    )

    # when
    resized = services.suggestion_update_quantity(suggestion=suggestion, quantity=7, user=None)

    # then: max(7, 10) → 12 (two packs)
    assert (resized.quantity, resized.cost) == (12, Decimal("30.00"))
    resized = services.suggestion_update_quantity(suggestion=suggestion, quantity=13, user=None)
    assert resized.quantity == 18


@pytest.mark.parametrize("status", ["approved", "ordered", "dismissed"])
def test_only_proposed_suggestions_can_be_resized(status):
    suggestion = ReorderSuggestionFactory(status=status)
    with pytest.raises(InvalidTransition):
        services.suggestion_update_quantity(suggestion=suggestion, quantity=5, user=None)


@pytest.mark.parametrize("quantity", [0, -3, "x"])
def test_bad_quantities_are_refused(quantity):
    suggestion = ReorderSuggestionFactory()
    with pytest.raises(InvalidInput):
        services.suggestion_update_quantity(suggestion=suggestion, quantity=quantity, user=None)


def test_dismissing_records_who_and_why():
    user = StaffUserFactory()
    suggestion = services.suggestion_dismiss(
        suggestion=ReorderSuggestionFactory(), user=user, reason="discontinued"
    )
    assert (suggestion.status, suggestion.dismiss_reason, suggestion.decided_by) == (
        "dismissed",
        "discontinued",
        user,
    )
    assert suggestion.decided_at is not None
    with pytest.raises(InvalidTransition):
        services.suggestion_dismiss(suggestion=suggestion, user=user, reason="again")


def test_approving_a_scheme_decision_switches_the_sku_and_records_who():
    # given
    user = StaffUserFactory()
    sku = SkuFactory(scheme="fbs")
    decision = FulfilmentDecision.objects.create(
        plan_date=PLAN_DATE, sku=sku, current_scheme="fbs", recommended_scheme="fbo"
    )

    # when
    decision = services.fulfilment_decision_approve(decision=decision, user=user)

    # then
    sku.refresh_from_db()
    assert sku.scheme == "fbo"
    assert (decision.status, decision.decided_by) == ("approved", user)
    change = sku.history.first()
    assert (change.scheme, change.history_user) == ("fbo", user)
    with pytest.raises(InvalidTransition):
        services.fulfilment_decision_approve(decision=decision, user=user)


def test_dismissing_a_scheme_decision_keeps_the_scheme():
    sku = SkuFactory(scheme="fbs")
    decision = FulfilmentDecision.objects.create(
        plan_date=PLAN_DATE, sku=sku, current_scheme="fbs", recommended_scheme="fbo"
    )
    services.fulfilment_decision_dismiss(decision=decision, user=None)
    sku.refresh_from_db()
    assert sku.scheme == "fbs"
    assert FulfilmentDecision.objects.get().status == "dismissed"


def test_fbo_suggestions_become_one_transfer_per_fbo_warehouse():
    # given: stock mostly in BIG; three suggestions to two FBO warehouses
    small, big = WarehouseFactory(code="SMALL"), WarehouseFactory(code="BIG")
    north, south = FboWarehouseFactory(code="N"), FboWarehouseFactory(code="S")
    a, b = SkuFactory(code="A"), SkuFactory(code="B")
    stock_level(sku=a, warehouse=small, on_hand=5)
    stock_level(sku=a, warehouse=big, on_hand=50)
    stock_level(sku=b, warehouse=big, on_hand=2)
    suggestions = [
        FboShipmentSuggestion.objects.create(
            plan_date=PLAN_DATE, sku=sku, warehouse=warehouse, quantity=qty
        )
        for sku, warehouse, qty in ((a, north, 4), (b, north, 2), (a, south, 6))
    ]

    # when
    transfers = services.fbo_suggestions_to_transfers(suggestions=suggestions, user=None)

    # then
    assert sorted(
        (
            t.source.code,
            t.destination.code,
            sorted((ln.sku.code, ln.quantity) for ln in t.lines.all()),
        )
        for t in transfers
    ) == [("BIG", "N", [("A", 4), ("B", 2)]), ("BIG", "S", [("A", 6)])]
    assert all(t.status == Transfer.Status.DRAFT for t in transfers)
    # the drafts hold their units at the source, so nothing else can take them
    held = {(lv.sku.code, lv.reserved) for lv in StockLevel.objects.filter(warehouse=big)}
    assert held == {("A", 10), ("B", 2)}
    statuses = set(FboShipmentSuggestion.objects.values_list("status", flat=True))
    assert statuses == {"ordered"}
    with pytest.raises(InvalidTransition):
        services.fbo_suggestions_to_transfers(suggestions=suggestions, user=None)


def test_fbo_suggestions_above_the_sources_available_stock_make_no_transfer():
    # given 6 units of A at the source, 2 of them reserved for an order, and suggestions of 3 + 2
    source, north, south = (
        WarehouseFactory(code="MSK"),
        FboWarehouseFactory(),
        FboWarehouseFactory(),
    )
    a = SkuFactory(code="A")
    stock_level(sku=a, warehouse=source, on_hand=6, reserved=2)
    suggestions = [
        FboShipmentSuggestion.objects.create(
            plan_date=PLAN_DATE, sku=a, warehouse=warehouse, quantity=qty
        )
        for warehouse, qty in ((north, 3), (south, 2))
    ]

    # when they are turned into transfers
    with pytest.raises(InsufficientStock) as refused:
        services.fbo_suggestions_to_transfers(suggestions=suggestions, user=None)

    # then nothing is created, held or marked, and the message says what is missing
    assert refused.value.code == "insufficient_stock"
    assert refused.value.details == {
        "source": "MSK",
        "short": {"A": {"wanted": 5, "available": 4}},
    }
    assert "A 5 wanted, 4 available" in refused.value.message
    assert not Transfer.objects.exists()
    assert StockLevel.objects.get(sku=a, warehouse=source).reserved == 2
    assert set(FboShipmentSuggestion.objects.values_list("status", flat=True)) == {"proposed"}


def test_purchase_orders_export_as_csv_and_xlsx():
    # given
    item = SupplierItemFactory(supplier_code="V-1")
    ReorderSuggestionFactory(
        sku=item.sku, supplier=item.supplier, quantity=12, unit_cost=Decimal("2.50")
    )
    (po,) = services.suggestions_approve(suggestions=ReorderSuggestion.objects.all(), user=None)

    # when
    csv_bytes = exports.purchase_order_export(purchase_order=po, fmt="csv")
    xlsx_bytes = exports.purchase_order_export(purchase_order=po, fmt="xlsx")

    # then
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert rows[0][:3] == ["PO number", "Order date", "Supplier"]
    assert rows[1][3:6] == ["V-1", item.sku.code, item.sku.name]
    assert rows[1][7:11] == ["12", "2.50", "30.00", item.supplier.currency]
    assert rows[2][0] == "Total" and rows[2][9:11] == ["30.00", item.supplier.currency]
    sheet = load_workbook(io.BytesIO(xlsx_bytes)).active
    assert [c.value for c in sheet[2]][7:10] == [12, 2.5, 30.0]
    with pytest.raises(InvalidInput):
        exports.purchase_order_export(purchase_order=po, fmt="pdf")
