"""Every stock service: the happy path, the ledger, and each domain error by its code."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from core.errors import Conflict, DomainError, InsufficientStock, InvalidInput, NotFound
from inventory import services
from inventory.models import MovementKind, PurchaseOrder, StockLevel, StockMovement, Transfer
from inventory.tests.factories import (
    PurchaseOrderFactory,
    SkuFactory,
    StaffUserFactory,
    StockLevelFactory,
    SupplierFactory,
    SupplierItemFactory,
    WarehouseFactory,
    purchase_order,
)

pytestmark = pytest.mark.django_db


def level_of(sku, warehouse) -> tuple[int, int]:
    level = StockLevel.objects.get(sku=sku, warehouse=warehouse)
    return level.on_hand, level.reserved


def ledger_of(sku, warehouse) -> int:
    return (
        StockMovement.objects.filter(sku=sku, warehouse=warehouse).aggregate(s=Sum("quantity"))["s"]
        or 0
    )


def assert_raises_code(code, func, **kwargs):
    with pytest.raises(DomainError) as exc:
        func(**kwargs)
    assert exc.value.code == code, exc.value.message
    return exc.value


# --- receive / ship ---------------------------------------------------------------------------


def test_receive_creates_the_level_and_a_ledger_row(sku, warehouse):
    user = StaffUserFactory()

    movement = services.stock_receive(
        sku=sku,
        warehouse=warehouse,
        quantity=12,
        actor=services.Actor(user=user, device="scanner-1"),
        document_type="delivery",
        document_ref="D-1",
    )

    assert level_of(sku, warehouse) == (12, 0)
    assert (movement.kind, movement.quantity, movement.on_hand_after) == ("receipt", 12, 12)
    assert (movement.user, movement.device, movement.document_ref) == (user, "scanner-1", "D-1")


def test_receive_accepts_returns_and_opening_balances(sku, warehouse):
    services.stock_receive(sku=sku, warehouse=warehouse, quantity=5, kind=MovementKind.OPENING)
    services.stock_receive(sku=sku, warehouse=warehouse, quantity=1, kind=MovementKind.RETURN)

    assert level_of(sku, warehouse) == (6, 0)
    assert ledger_of(sku, warehouse) == 6


def test_receive_refuses_an_outbound_kind(sku, warehouse):
    assert_raises_code(
        "invalid",
        services.stock_receive,
        sku=sku,
        warehouse=warehouse,
        quantity=1,
        kind=MovementKind.SHIPMENT,
    )
    assert not StockLevel.objects.exists()


@pytest.mark.parametrize("quantity", [0, -3, 1.5, True, "2"])
def test_quantities_must_be_positive_whole_numbers(sku, warehouse, quantity):
    assert_raises_code(
        "invalid", services.stock_receive, sku=sku, warehouse=warehouse, quantity=quantity
    )
    assert_raises_code(
        "invalid", services.stock_ship, sku=sku, warehouse=warehouse, quantity=quantity
    )


def test_ship_takes_units_out(sku, warehouse):
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=10)

    movement = services.stock_ship(sku=sku, warehouse=warehouse, quantity=4, document_ref="O-1")

    assert level_of(sku, warehouse) == (6, 0)
    assert (movement.kind, movement.quantity, movement.on_hand_after) == ("shipment", -4, 6)
    assert ledger_of(sku, warehouse) == 6


def test_ship_cannot_take_reserved_units(sku, warehouse):
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=10, reserved=7)

    exc = assert_raises_code(
        "insufficient_stock", services.stock_ship, sku=sku, warehouse=warehouse, quantity=4
    )

    assert exc.details == {"available": 3, "requested": 4}
    assert level_of(sku, warehouse) == (10, 7)
    assert ledger_of(sku, warehouse) == 10


def test_ship_from_nothing_is_insufficient_stock(sku, warehouse):
    with pytest.raises(InsufficientStock):
        services.stock_ship(sku=sku, warehouse=warehouse, quantity=1)

    assert StockMovement.objects.count() == 0


# --- idempotency ------------------------------------------------------------------------------


def test_a_repeated_receipt_key_returns_the_first_movement(sku, warehouse):
    first = services.stock_receive(sku=sku, warehouse=warehouse, quantity=3, idempotency_key="k1")

    again = services.stock_receive(sku=sku, warehouse=warehouse, quantity=3, idempotency_key="k1")

    assert again.pk == first.pk
    assert level_of(sku, warehouse) == (3, 0)
    assert StockMovement.objects.count() == 1


def test_a_repeated_shipment_key_ships_once(sku, warehouse):
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=5)

    first = services.stock_ship(sku=sku, warehouse=warehouse, quantity=2, idempotency_key="o-9")
    again = services.stock_ship(sku=sku, warehouse=warehouse, quantity=2, idempotency_key="o-9")

    assert again.pk == first.pk
    assert level_of(sku, warehouse) == (3, 0)


def test_a_key_reused_for_another_change_is_a_conflict(sku, warehouse):
    services.stock_receive(sku=sku, warehouse=warehouse, quantity=3, idempotency_key="k1")

    assert_raises_code(
        "idempotency_key_reused",
        services.stock_receive,
        sku=sku,
        warehouse=warehouse,
        quantity=4,
        idempotency_key="k1",
    )
    assert_raises_code(
        "idempotency_key_reused",
        services.stock_receive,
        sku=SkuFactory(),
        warehouse=warehouse,
        quantity=3,
        idempotency_key="k1",
    )
    assert_raises_code(
        "idempotency_key_reused",
        services.stock_ship,
        sku=sku,
        warehouse=warehouse,
        quantity=3,
        idempotency_key="k1",
    )
    assert level_of(sku, warehouse) == (3, 0)
    assert StockMovement.objects.count() == 1


def test_keys_are_scoped_per_warehouse(sku, warehouse):
    other = WarehouseFactory()

    services.stock_receive(sku=sku, warehouse=warehouse, quantity=3, idempotency_key="k1")
    services.stock_receive(sku=sku, warehouse=other, quantity=3, idempotency_key="k1")

    assert level_of(sku, warehouse) == (3, 0)
    assert level_of(sku, other) == (3, 0)


def test_a_repeated_count_key_does_not_adjust_twice(sku, warehouse):
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=10)
    first = services.stock_count(sku=sku, warehouse=warehouse, counted=8, idempotency_key="c1")
    services.stock_ship(sku=sku, warehouse=warehouse, quantity=1)

    again = services.stock_count(sku=sku, warehouse=warehouse, counted=8, idempotency_key="c1")

    assert again.movement.pk == first.movement.pk
    assert (again.expected, again.counted, again.variance) == (10, 8, -2)
    assert level_of(sku, warehouse) == (7, 0)


# --- counts -----------------------------------------------------------------------------------


def test_count_books_the_variance_as_an_adjustment(sku, warehouse):
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=10, reserved=2)

    result = services.stock_count(sku=sku, warehouse=warehouse, counted=7, reason="cycle count")

    assert (result.expected, result.counted, result.variance) == (10, 7, -3)
    assert (result.movement.kind, result.movement.quantity) == ("adjustment", -3)
    assert result.movement.reason == "cycle count"
    assert level_of(sku, warehouse) == (7, 2)
    assert ledger_of(sku, warehouse) == 7


def test_count_above_on_hand_adds_units(sku, warehouse):
    result = services.stock_count(sku=sku, warehouse=warehouse, counted=4)

    assert (result.expected, result.variance, result.movement.quantity) == (0, 4, 4)
    assert result.movement.reason == "Count: expected 0, counted 4"
    assert level_of(sku, warehouse) == (4, 0)


def test_a_matching_count_writes_nothing(sku, warehouse):
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=5)

    result = services.stock_count(sku=sku, warehouse=warehouse, counted=5)

    assert (result.variance, result.movement) == (0, None)
    assert StockMovement.objects.count() == 1


def test_count_below_reserved_is_refused(sku, warehouse):
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=10, reserved=6)

    exc = assert_raises_code(
        "count_below_reserved", services.stock_count, sku=sku, warehouse=warehouse, counted=5
    )

    assert exc.details == {"counted": 5, "reserved": 6}
    assert level_of(sku, warehouse) == (10, 6)


@pytest.mark.parametrize("counted", [-1, 2.0, None])
def test_count_must_be_a_whole_number(sku, warehouse, counted):
    assert_raises_code(
        "invalid", services.stock_count, sku=sku, warehouse=warehouse, counted=counted
    )


# --- reservations -----------------------------------------------------------------------------


def test_reserve_grants_what_is_available(sku, warehouse):
    other = SkuFactory()
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=5)
    StockLevelFactory(sku=other, warehouse=warehouse, on_hand=2)

    granted = services.stock_reserve(warehouse_id=warehouse.pk, lines=[(sku.pk, 3), (other.pk, 4)])

    assert granted == [3, 2]
    assert level_of(sku, warehouse) == (5, 3)
    assert level_of(other, warehouse) == (2, 2)
    assert StockMovement.objects.count() == 2  # the two opening receipts only


def test_reserve_counts_repeated_skus_together(sku, warehouse):
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=5)

    granted = services.stock_reserve(warehouse_id=warehouse.pk, lines=[(sku.pk, 3), (sku.pk, 3)])

    assert granted == [3, 2]
    assert level_of(sku, warehouse) == (5, 5)


def test_reserve_all_or_nothing(sku, warehouse):
    other = SkuFactory()
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=5)

    exc = assert_raises_code(
        "insufficient_stock",
        services.stock_reserve,
        warehouse_id=warehouse.pk,
        lines=[(sku.pk, 3), (other.pk, 1)],
        allow_partial=False,
    )

    assert exc.details == {"sku_id": other.pk, "available": 0, "requested": 1}
    assert level_of(sku, warehouse) == (5, 0)


@pytest.mark.parametrize("count", [1, 2, 16, 17, 40])
def test_reserve_many_skus_at_once(warehouse, count):
    # given `count` SKUs, every other one with 3 on hand and the rest with no stock row yet
    # (up to 16 rows are locked by a compiled query, more by a query built each time)
    skus = SkuFactory.create_batch(count)
    for sku in skus[::2]:
        StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=3)
    # when 2 of each are reserved, in reverse order
    granted = services.stock_reserve(
        warehouse_id=warehouse.pk, lines=[(sku.pk, 2) for sku in reversed(skus)]
    )
    # then stocked SKUs get 2, the others 0, and every row now exists
    assert granted == [2 if n % 2 == 0 else 0 for n in reversed(range(count))]
    assert [level_of(sku, warehouse) for sku in skus] == [
        (3, 2) if n % 2 == 0 else (0, 0) for n in range(count)
    ]


@pytest.mark.parametrize("count", [1, 2, 16, 17])
def test_lock_levels_reads_the_rows_of_each_pair_across_warehouses(count):
    # given stock of the same SKUs at two warehouses (distinct amounts per row)
    from django.db import transaction

    first, second = WarehouseFactory(), WarehouseFactory()
    skus = SkuFactory.create_batch(count)
    for n, sku in enumerate(skus):
        StockLevelFactory(sku=sku, warehouse=first, on_hand=n + 1)
        StockLevelFactory(sku=sku, warehouse=second, on_hand=100 + n)
    # when the even SKUs are locked at the first warehouse and the odd ones at the second
    pairs = [(sku.pk, (first if n % 2 == 0 else second).pk) for n, sku in enumerate(skus)]
    with transaction.atomic():
        levels = services._lock_levels(reversed(pairs))
    # then exactly those rows come back, keyed by their pair
    assert sorted(levels) == sorted(pairs)
    assert [levels[pair].on_hand for pair in pairs] == [
        n + 1 if n % 2 == 0 else 100 + n for n in range(count)
    ]


def test_reserve_unknown_ids_is_not_found(sku, warehouse):
    assert_raises_code(
        "unknown_sku", services.stock_reserve, warehouse_id=warehouse.pk, lines=[(999_999, 1)]
    )
    assert_raises_code(
        "unknown_warehouse", services.stock_reserve, warehouse_id=999_999, lines=[(sku.pk, 1)]
    )


def test_release_gives_reserved_units_back(sku, warehouse):
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=5, reserved=4)

    services.stock_release(warehouse_id=warehouse.pk, lines=[(sku.pk, 3), (sku.pk, 0)])

    assert level_of(sku, warehouse) == (5, 1)


def test_release_more_than_reserved_is_refused(sku, warehouse):
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=5, reserved=2)

    assert_raises_code(
        "release_exceeds_reserved",
        services.stock_release,
        warehouse_id=warehouse.pk,
        lines=[(sku.pk, 3)],
    )
    assert_raises_code(
        "invalid", services.stock_release, warehouse_id=warehouse.pk, lines=[(sku.pk, -1)]
    )
    assert level_of(sku, warehouse) == (5, 2)


def test_ship_reserved_lowers_on_hand_and_reserved(sku, warehouse):
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=5, reserved=4)

    [movement] = services.stock_ship_reserved(
        warehouse_id=warehouse.pk, lines=[(sku.pk, 3)], document_ref="ORD-7"
    )

    assert level_of(sku, warehouse) == (2, 1)
    assert (movement.quantity, movement.document_type, movement.document_ref) == (
        -3,
        "order",
        "ORD-7",
    )


def test_ship_reserved_beyond_the_reservation_changes_nothing(sku, warehouse):
    other = SkuFactory()
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=5, reserved=4)
    StockLevelFactory(sku=other, warehouse=warehouse, on_hand=5, reserved=1)

    exc = assert_raises_code(
        "insufficient_stock",
        services.stock_ship_reserved,
        warehouse_id=warehouse.pk,
        lines=[(sku.pk, 4), (other.pk, 2)],
    )

    assert exc.details == {"sku_id": other.pk, "reserved": 1, "requested": 2}
    assert level_of(sku, warehouse) == (5, 4)
    assert ledger_of(sku, warehouse) == 5


# --- barcodes ---------------------------------------------------------------------------------


def test_sku_by_barcode_finds_by_barcode_or_offer_id():
    sku = SkuFactory(barcode="4006381333931")

    assert services.sku_by_barcode(" 4006381333931 ") == sku
    assert services.sku_by_barcode(sku.code) == sku


def test_unknown_barcode_is_not_found():
    with pytest.raises(NotFound) as exc:
        services.sku_by_barcode("0000000000000")

    assert (exc.value.code, exc.value.details) == ("unknown_barcode", {"barcode": "0000000000000"})


# --- purchase orders --------------------------------------------------------------------------


def test_purchase_order_create_prices_lines_from_the_supplier(warehouse):
    supplier = SupplierFactory(lead_time_mean_days=Decimal("9.2"))
    listed, unlisted = SkuFactory(unit_cost=Decimal("50")), SkuFactory(unit_cost=Decimal("70"))
    SupplierItemFactory(sku=listed, supplier=supplier, unit_cost=Decimal("42.50"))

    po = services.purchase_order_create(
        supplier=supplier,
        warehouse=warehouse,
        lines=[(listed, 10, None), (unlisted, 5, None), (SkuFactory(), 1, Decimal("9.99"))],
        order_date=date(2026, 3, 1),
    )

    assert po.status == PurchaseOrder.Status.DRAFT
    assert str(po.expected_arrival) == "2026-03-11"
    assert [(line.quantity_ordered, line.unit_cost) for line in po.lines.order_by("pk")] == [
        (10, Decimal("42.50")),
        (5, Decimal("70.00")),
        (1, Decimal("9.99")),
    ]


def test_purchase_order_create_validates_lines(warehouse, sku):
    supplier = SupplierFactory()

    assert_raises_code(
        "po_empty",
        services.purchase_order_create,
        supplier=supplier,
        warehouse=warehouse,
        lines=[],
    )
    assert_raises_code(
        "duplicate_line",
        services.purchase_order_create,
        supplier=supplier,
        warehouse=warehouse,
        lines=[(sku, 1, None), (sku, 2, None)],
    )
    assert_raises_code(
        "invalid",
        services.purchase_order_create,
        supplier=supplier,
        warehouse=warehouse,
        lines=[(sku, 0, None)],
    )
    assert not PurchaseOrder.objects.exists()


def test_send_and_cancel_follow_the_status_rules(sku):
    po = purchase_order(lines=[(sku, 5)], sent=False)

    po = services.purchase_order_send(purchase_order=po)
    assert po.status == "sent"
    assert_raises_code("invalid_transition", services.purchase_order_send, purchase_order=po)

    po = services.purchase_order_cancel(purchase_order=po)
    assert po.status == "cancelled"
    assert_raises_code("invalid_transition", services.purchase_order_cancel, purchase_order=po)


def test_an_empty_draft_cannot_be_sent():
    po = PurchaseOrderFactory()

    assert_raises_code("po_empty", services.purchase_order_send, purchase_order=po)


def test_a_partly_received_po_cannot_be_cancelled(sku):
    po = purchase_order(lines=[(sku, 5)])
    services.purchase_order_receive(line=po.lines.get(), quantity=2)

    assert_raises_code("invalid_transition", services.purchase_order_cancel, purchase_order=po)


def test_receive_on_a_po_line_books_stock_and_moves_status(sku):
    other = SkuFactory()
    po = purchase_order(lines=[(sku, 10), (other, 4)])
    line = po.lines.get(sku=sku)

    movement = services.purchase_order_receive(line=line, quantity=6)

    po.refresh_from_db()
    line.refresh_from_db()
    assert po.status == "partially_received"
    assert (line.quantity_received, line.quantity_open) == (6, 4)
    assert (movement.document_type, movement.document_ref) == ("purchase_order", po.number)
    assert level_of(sku, po.warehouse) == (6, 0)

    services.purchase_order_receive(line=line, quantity=4)
    services.purchase_order_receive(line=po.lines.get(sku=other), quantity=4)

    po.refresh_from_db()
    assert po.status == "received"
    assert ledger_of(sku, po.warehouse) == 10


def test_over_receipt_is_refused_unless_allowed(sku, settings):
    po = purchase_order(lines=[(sku, 5), (SkuFactory(), 5)])
    line = po.lines.get(sku=sku)
    services.purchase_order_receive(line=line, quantity=3)

    exc = assert_raises_code("over_receipt", services.purchase_order_receive, line=line, quantity=3)
    assert exc.details == {"line_id": line.pk, "open": 2, "ordered": 5, "requested": 3}
    assert level_of(sku, po.warehouse) == (3, 0)

    services.purchase_order_receive(line=line, quantity=3, allow_over_receipt=True)
    assert level_of(sku, po.warehouse) == (6, 0)
    settings.ZAPAS = {**settings.ZAPAS, "ALLOW_OVER_RECEIPT": True}
    services.purchase_order_receive(line=line, quantity=1)
    assert level_of(sku, po.warehouse) == (7, 0)


@pytest.mark.parametrize("status", ["draft", "received", "cancelled"])
def test_receipt_on_a_closed_po_is_refused(sku, status):
    po = purchase_order(lines=[(sku, 5)], sent=False)
    PurchaseOrder.objects.filter(pk=po.pk).update(status=status)

    exc = assert_raises_code(
        "po_closed", services.purchase_order_receive, line=po.lines.get(), quantity=1
    )

    assert exc.details == {"purchase_order": po.number, "status": status}
    assert not StockMovement.objects.exists()


def test_po_receipt_key_is_idempotent_even_after_the_po_closed(sku):
    po = purchase_order(lines=[(sku, 5)])
    line = po.lines.get()
    first = services.purchase_order_receive(line=line, quantity=5, idempotency_key="rcv-1")

    again = services.purchase_order_receive(line=line, quantity=5, idempotency_key="rcv-1")

    assert again.pk == first.pk
    assert level_of(sku, po.warehouse) == (5, 0)


def test_receive_lines_receives_everything_open(sku):
    other = SkuFactory()
    po = purchase_order(lines=[(sku, 10), (other, 4)])
    services.purchase_order_receive(line=po.lines.get(sku=sku), quantity=3)

    movements = services.purchase_order_receive_lines(purchase_order=po)

    po.refresh_from_db()
    assert po.status == "received"
    assert sorted(m.quantity for m in movements) == [4, 7]
    assert level_of(sku, po.warehouse) == (10, 0)
    assert level_of(other, po.warehouse) == (4, 0)


def test_receive_lines_with_quantities_is_all_or_nothing(sku):
    other = SkuFactory()
    po = purchase_order(lines=[(sku, 10), (other, 4)])
    first, second = po.lines.order_by("pk")

    assert_raises_code(
        "over_receipt",
        services.purchase_order_receive_lines,
        purchase_order=po,
        quantities={first.pk: 2, second.pk: 5},
    )
    assert not StockMovement.objects.exists()

    services.purchase_order_receive_lines(purchase_order=po, quantities={first.pk: 2, second.pk: 0})
    po.refresh_from_db()
    assert po.status == "partially_received"
    assert level_of(sku, po.warehouse) == (2, 0)


def test_receive_lines_input_errors(sku):
    po = purchase_order(lines=[(sku, 10)])
    foreign = purchase_order(lines=[(sku, 1)]).lines.get()

    assert_raises_code(
        "not_on_purchase_order",
        services.purchase_order_receive_lines,
        purchase_order=po,
        quantities={foreign.pk: 1},
    )
    assert_raises_code(
        "nothing_to_receive",
        services.purchase_order_receive_lines,
        purchase_order=po,
        quantities={po.lines.get().pk: 0},
    )
    assert_raises_code(
        "invalid",
        services.purchase_order_receive_lines,
        purchase_order=po,
        quantities={po.lines.get().pk: -2},
    )


def test_receive_lines_on_a_closed_po(sku):
    po = purchase_order(lines=[(sku, 10)], sent=False)

    assert_raises_code("po_closed", services.purchase_order_receive_lines, purchase_order=po)


# --- transfers --------------------------------------------------------------------------------


@pytest.fixture
def stocked_transfer(sku, warehouse, fbo_warehouse):
    other = SkuFactory()
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=10, reserved=2)
    StockLevelFactory(sku=other, warehouse=warehouse, on_hand=3)
    return services.transfer_create(
        source=warehouse, destination=fbo_warehouse, lines=[(sku, 6), (other, 3)]
    )


def test_transfer_between_the_same_warehouse_is_refused(sku, warehouse):
    assert_raises_code(
        "same_warehouse",
        services.transfer_create,
        source=warehouse,
        destination=warehouse,
        lines=[(sku, 1)],
    )


def test_transfer_goes_from_own_to_fbo(sku, warehouse, fbo_warehouse):
    assert_raises_code(
        "transfer_direction",
        services.transfer_create,
        source=fbo_warehouse,
        destination=warehouse,
        lines=[(sku, 1)],
    )
    assert_raises_code(
        "transfer_direction",
        services.transfer_create,
        source=warehouse,
        destination=WarehouseFactory(),
        lines=[(sku, 1)],
    )


def test_transfer_create_validates_lines(sku, warehouse, fbo_warehouse):
    assert_raises_code(
        "transfer_empty",
        services.transfer_create,
        source=warehouse,
        destination=fbo_warehouse,
        lines=[],
    )
    assert_raises_code(
        "duplicate_line",
        services.transfer_create,
        source=warehouse,
        destination=fbo_warehouse,
        lines=[(sku, 1), (sku, 1)],
    )
    assert not Transfer.objects.exists()


def test_dispatch_takes_stock_out_of_the_source(stocked_transfer, sku, warehouse, fbo_warehouse):
    transfer = services.transfer_dispatch(transfer=stocked_transfer)

    assert transfer.status == "in_transit"
    assert transfer.expected_arrival is not None
    assert level_of(sku, warehouse) == (4, 2)
    assert ledger_of(sku, warehouse) == 4
    assert list(transfer.lines.values_list("quantity_dispatched", flat=True)) == [6, 3]
    assert_raises_code("invalid_transition", services.transfer_dispatch, transfer=transfer)


def test_dispatch_never_takes_reserved_units(sku, warehouse, fbo_warehouse):
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=10, reserved=5)
    transfer = services.transfer_create(
        source=warehouse, destination=fbo_warehouse, lines=[(sku, 6)]
    )

    assert_raises_code("insufficient_stock", services.transfer_dispatch, transfer=transfer)

    transfer.refresh_from_db()
    assert transfer.status == "draft"
    assert level_of(sku, warehouse) == (10, 5)


def test_receive_transfer_partly_then_fully(stocked_transfer, sku, fbo_warehouse):
    transfer = services.transfer_dispatch(transfer=stocked_transfer)

    transfer = services.transfer_receive(transfer=transfer, quantities={sku.pk: 4})
    assert transfer.status == "partially_received"
    assert level_of(sku, fbo_warehouse) == (4, 0)

    transfer = services.transfer_receive(transfer=transfer)
    assert transfer.status == "received"
    assert transfer.received_at is not None
    assert level_of(sku, fbo_warehouse) == (6, 0)
    assert ledger_of(sku, fbo_warehouse) == 6
    assert_raises_code("invalid_transition", services.transfer_receive, transfer=transfer)


def test_receive_transfer_errors(stocked_transfer, sku, fbo_warehouse):
    assert_raises_code("invalid_transition", services.transfer_receive, transfer=stocked_transfer)
    transfer = services.transfer_dispatch(transfer=stocked_transfer)

    assert_raises_code(
        "over_receipt", services.transfer_receive, transfer=transfer, quantities={sku.pk: 7}
    )
    assert_raises_code(
        "not_on_transfer",
        services.transfer_receive,
        transfer=transfer,
        quantities={SkuFactory().pk: 1},
    )
    assert_raises_code(
        "nothing_to_receive", services.transfer_receive, transfer=transfer, quantities={sku.pk: 0}
    )
    assert_raises_code(
        "invalid", services.transfer_receive, transfer=transfer, quantities={sku.pk: -1}
    )
    assert not StockMovement.objects.filter(warehouse=fbo_warehouse).exists()


def test_cancel_transfer_only_while_draft(stocked_transfer):
    transfer = services.transfer_cancel(transfer=stocked_transfer)
    assert transfer.status == "cancelled"

    assert_raises_code("invalid_transition", services.transfer_cancel, transfer=transfer)


def test_every_domain_error_is_typed(sku, warehouse):
    with pytest.raises(InvalidInput):
        services.stock_ship(sku=sku, warehouse=warehouse, quantity=0)
    with pytest.raises(Conflict):
        services.stock_ship(sku=sku, warehouse=warehouse, quantity=1)
    with pytest.raises(NotFound):
        services.sku_by_barcode("nope")


def test_short_orders_are_offered_new_stock(sku, warehouse, monkeypatch):
    from inventory import hooks

    calls = []
    record = lambda pairs: calls.extend({"sku_id": s, "warehouse_id": w} for s, w in pairs)  # noqa: E731
    monkeypatch.setattr(hooks, "_stock_freed", [record])

    services.stock_receive(sku=sku, warehouse=warehouse, quantity=2)
    services.stock_count(sku=sku, warehouse=warehouse, counted=5)
    services.stock_count(sku=sku, warehouse=warehouse, counted=1)

    assert calls == [{"sku_id": sku.pk, "warehouse_id": warehouse.pk}] * 2
