"""Order lifecycle services: intake, packing, handover, delivery, cancellation, allocation."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import Conflict, InsufficientStock, InvalidInput, InvalidTransition
from fulfilment import services
from fulfilment.models import (
    CancelledBy,
    CancelReason,
    Notice,
    NoticeKind,
    Order,
    OrderLine,
    OrderStatus,
    ShipBySource,
    WatchState,
)
from fulfilment.services import (
    OrderLineInput,
    order_cancel,
    order_deliver,
    order_intake,
    order_pack,
    order_pack_scan,
    order_ship,
    order_ship_batch,
)
from fulfilment.tests.factories import order as make_order
from inventory import services as stock
from inventory.models import MovementKind, StockLevel, StockMovement
from inventory.services import SYSTEM
from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level

pytestmark = pytest.mark.django_db


def level(sku, warehouse) -> tuple[int, int]:
    row = StockLevel.objects.get(sku=sku, warehouse=warehouse)
    return row.on_hand, row.reserved


def lines_of(order) -> dict[str, tuple[int, int, int]]:
    return {
        line.sku.code: (line.quantity, line.reserved_quantity, line.packed_quantity)
        for line in order.lines.select_related("sku")
    }


@pytest.fixture
def warehouse():
    return WarehouseFactory()


@pytest.fixture
def skus():
    return SkuFactory(code="A"), SkuFactory(code="B")


# --- intake -----------------------------------------------------------------------------------


def test_intake_reserves_every_line(warehouse, skus):
    a, b = skus
    stock_level(sku=a, warehouse=warehouse, on_hand=5)
    stock_level(sku=b, warehouse=warehouse, on_hand=5)
    order = make_order(warehouse=warehouse, lines=[(a, 2), (b, 3)])
    assert order.status == OrderStatus.AWAITING_PACKAGING
    assert order.is_short is False
    assert lines_of(order) == {"A": (2, 2, 0), "B": (3, 3, 0)}
    assert level(a, warehouse) == (5, 2)
    assert level(b, warehouse) == (5, 3)
    assert order.ship_by_source == ShipBySource.COMPUTED
    assert not Notice.objects.exists()


def test_intake_short_line_accepts_the_order_and_marks_it_short(warehouse, skus):
    # given 1 unit of A on hand and none of B
    a, b = skus
    stock_level(sku=a, warehouse=warehouse, on_hand=1)
    # when an order wants 3 A and 1 B
    order = make_order(warehouse=warehouse, lines=[(a, 3), (b, 1)])
    # then it is accepted, short, with what could be reserved, and a notice is queued once
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PACKAGING
    assert order.is_short is True
    assert order.watch_state in (WatchState.SHORT, WatchState.OVERDUE)
    assert lines_of(order) == {"A": (3, 1, 0), "B": (1, 0, 0)}
    assert level(a, warehouse) == (1, 1)
    assert list(Notice.objects.values_list("kind", "event_key")) == [(NoticeKind.SHORT, "intake")]


def test_intake_is_idempotent_on_channel_and_number(warehouse, skus):
    a, _ = skus
    stock_level(sku=a, warehouse=warehouse, on_hand=5)
    kwargs = dict(
        channel="ozon",
        external_number="12345678-0001-1",
        warehouse=warehouse,
        scheme="fbs",
        accepted_at=timezone.now(),
        lines=[OrderLineInput(a, 2, Decimal("10"))],
    )
    first = order_intake(**kwargs)
    second = order_intake(**kwargs)
    assert first.created is True
    assert second.created is False
    assert second.order.pk == first.order.pk
    assert Order.objects.count() == 1
    assert level(a, warehouse) == (5, 2)
    # the same number on another channel is another order
    third = order_intake(**{**kwargs, "channel": "wildberries"})
    assert third.created is True


def test_intake_keeps_the_marketplace_deadline(warehouse, skus):
    deadline = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    order = make_order(warehouse=warehouse, lines=[(skus[0], 1)], ship_by=deadline)
    assert order.ship_by == deadline
    assert order.ship_by_source == ShipBySource.MARKETPLACE


def test_intake_uses_the_longest_prep_time(warehouse):
    msk = warehouse.time_zone
    slow, fast = SkuFactory(fbs_prep_days=3), SkuFactory(fbs_prep_days=1)
    accepted = datetime(2026, 3, 2, 10, 0, tzinfo=__import__("zoneinfo").ZoneInfo(msk))
    order = make_order(warehouse=warehouse, lines=[(slow, 1), (fast, 1)], accepted_at=accepted)
    assert order.ship_by == accepted.replace(day=5, hour=14)


def test_intake_merges_a_repeated_sku(warehouse, skus):
    a, _ = skus
    result = order_intake(
        channel="ozon",
        external_number="N-1",
        warehouse=warehouse,
        scheme="fbs",
        accepted_at=timezone.now(),
        lines=[OrderLineInput(a, 1), OrderLineInput(a, 2)],
    )
    assert lines_of(result.order) == {"A": (3, 0, 0)}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"lines": []}, "no_lines"),
        ({"scheme": "dbs"}, "invalid_scheme"),
        ({"external_number": "  "}, "invalid"),
        ({"accepted_at": datetime(2026, 1, 1, 10, 0)}, "naive_datetime"),
        ({"ship_by": datetime(2026, 1, 1, 10, 0)}, "naive_datetime"),
    ],
)
def test_intake_rejects_bad_input_without_writing(warehouse, skus, change, code):
    kwargs = dict(
        channel="ozon",
        external_number="N-2",
        warehouse=warehouse,
        scheme="fbs",
        accepted_at=timezone.now(),
        lines=[OrderLineInput(skus[0], 1)],
    )
    with pytest.raises(InvalidInput) as exc:
        order_intake(**{**kwargs, **change})
    assert exc.value.code == code
    assert not Order.objects.exists()


def test_intake_rejects_a_zero_quantity(warehouse, skus):
    with pytest.raises(InvalidInput):
        make_order(warehouse=warehouse, lines=[(skus[0], 0)])
    assert not Order.objects.exists()


# --- packing ----------------------------------------------------------------------------------


def test_pack_scan_line_by_line_until_packed(warehouse, skus):
    a, b = skus
    order = make_order(warehouse=warehouse, lines=[(a, 2), (b, 1)])
    first = order_pack_scan(order=order, sku=a, actor=SYSTEM)
    assert first.order_packed is False
    assert first.remaining == {"A": 1, "B": 1}
    order_pack_scan(order=order, sku=b, actor=SYSTEM)
    last = order_pack_scan(order=order, sku=a, actor=SYSTEM)
    assert last.order_packed is True
    assert last.remaining == {}
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_DELIVER
    assert order.packed_at is not None
    assert lines_of(order) == {"A": (2, 0, 2), "B": (1, 0, 1)}


def test_pack_scan_wrong_item_says_what_is_expected(warehouse, skus):
    a, b = skus
    order = make_order(warehouse=warehouse, lines=[(a, 2)])
    stranger = SkuFactory(code="Z")
    with pytest.raises(Conflict) as exc:
        order_pack_scan(order=order, sku=stranger, actor=SYSTEM)
    assert exc.value.code == "wrong_item"
    assert exc.value.message == f"Z is not on order {order.external_number}. Still to pack: A × 2."
    assert exc.value.details["expected"] == {"A": 2}


def test_pack_scan_too_many(warehouse, skus):
    a, b = skus
    order = make_order(warehouse=warehouse, lines=[(a, 1), (b, 1)])
    order_pack_scan(order=order, sku=a, actor=SYSTEM)
    with pytest.raises(Conflict) as exc:
        order_pack_scan(order=order, sku=a, actor=SYSTEM)
    assert exc.value.code == "too_many"
    assert "Still to pack: B × 1" in exc.value.message
    with pytest.raises(Conflict) as exc:
        order_pack_scan(order=order, sku=b, quantity=2, actor=SYSTEM)
    assert exc.value.code == "too_many"
    assert lines_of(order) == {"A": (1, 0, 1), "B": (1, 0, 0)}


def test_pack_scan_on_a_packed_order_is_an_invalid_transition(warehouse, skus):
    order = make_order(warehouse=warehouse, lines=[(skus[0], 1)])
    order_pack(order=order, actor=SYSTEM)
    with pytest.raises(InvalidTransition) as exc:
        order_pack_scan(order=order, sku=skus[0], actor=SYSTEM)
    assert exc.value.code == "invalid_transition"
    assert "packed, awaiting handover" in exc.value.message


def test_pack_all_at_once(warehouse, skus):
    a, b = skus
    order = make_order(warehouse=warehouse, lines=[(a, 2), (b, 1)])
    order = order_pack(order=order, actor=SYSTEM)
    assert order.status == OrderStatus.AWAITING_DELIVER
    assert lines_of(order) == {"A": (2, 0, 2), "B": (1, 0, 1)}
    with pytest.raises(InvalidTransition):
        order_pack(order=order, actor=SYSTEM)


# --- handover ---------------------------------------------------------------------------------


def test_ship_turns_reservations_into_shipments(warehouse, skus):
    a, b = skus
    stock_level(sku=a, warehouse=warehouse, on_hand=5)
    stock_level(sku=b, warehouse=warehouse, on_hand=5)
    order = make_order(warehouse=warehouse, lines=[(a, 2), (b, 1)])
    order_pack(order=order, actor=SYSTEM)
    at = order.ship_by - timedelta(hours=1)
    order = order_ship(order=order, actor=SYSTEM, at=at)
    assert order.status == OrderStatus.DELIVERING
    assert order.shipped_at == at
    assert order.shipped_late is False
    assert level(a, warehouse) == (3, 0)
    assert level(b, warehouse) == (4, 0)
    shipments = StockMovement.objects.filter(
        kind=MovementKind.SHIPMENT, document_ref=order.external_number
    )
    assert sorted(shipments.values_list("sku__code", "quantity")) == [("A", -2), ("B", -1)]


def test_ship_after_the_deadline_is_late(warehouse, skus):
    stock_level(sku=skus[0], warehouse=warehouse, on_hand=1)
    order = make_order(warehouse=warehouse, lines=[(skus[0], 1)])
    order_pack(order=order, actor=SYSTEM)
    order = order_ship(order=order, actor=SYSTEM, at=order.ship_by + timedelta(seconds=1))
    assert order.shipped_late is True


def test_ship_unpacked_order_is_refused(warehouse, skus):
    stock_level(sku=skus[0], warehouse=warehouse, on_hand=1)
    order = make_order(warehouse=warehouse, lines=[(skus[0], 1)])
    with pytest.raises(InvalidTransition) as exc:
        order_ship(order=order, actor=SYSTEM)
    assert exc.value.code == "not_packed"


def test_ship_short_order_reserves_what_arrived_meanwhile(warehouse, skus):
    # given a short order whose stock arrived while it was locked elsewhere (simulated by
    # adding stock without offering it)
    a, _ = skus
    order = make_order(warehouse=warehouse, lines=[(a, 2)])
    assert order.is_short
    order_pack(order=order, actor=SYSTEM)
    StockLevel.objects.filter(sku=a, warehouse=warehouse).update(on_hand=2)
    # when it is handed over
    order = order_ship(order=order, actor=SYSTEM)
    # then the missing units were reserved first and shipped
    assert order.status == OrderStatus.DELIVERING
    assert order.is_short is False
    assert level(a, warehouse) == (0, 0)


def test_ship_short_order_without_stock_changes_nothing(warehouse, skus):
    a, b = skus
    stock_level(sku=a, warehouse=warehouse, on_hand=1)
    order = make_order(warehouse=warehouse, lines=[(a, 1), (b, 2)])
    order_pack(order=order, actor=SYSTEM)
    StockLevel.objects.filter(sku=b, warehouse=warehouse).update(on_hand=1)
    with pytest.raises(InsufficientStock) as exc:
        order_ship(order=order, actor=SYSTEM)
    assert exc.value.code == "order_short"
    assert exc.value.http_status == 409
    assert exc.value.details["missing"] == {"B": 1}
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_DELIVER
    assert lines_of(order) == {"A": (1, 1, 1), "B": (2, 0, 2)}  # the partial top-up rolled back
    assert level(a, warehouse) == (1, 1)
    assert level(b, warehouse) == (1, 0)
    assert not StockMovement.objects.filter(kind=MovementKind.SHIPMENT).exists()


def test_ship_batch_reports_each_order(warehouse, skus):
    a, b = skus
    stock_level(sku=a, warehouse=warehouse, on_hand=1)
    good = make_order(warehouse=warehouse, lines=[(a, 1)])
    short = make_order(warehouse=warehouse, lines=[(b, 1)])
    unpacked = make_order(warehouse=warehouse, lines=[(b, 1)])
    order_pack(order=good, actor=SYSTEM)
    order_pack(order=short, actor=SYSTEM)
    outcomes = order_ship_batch(orders=[good, short, unpacked], actor=SYSTEM)
    assert [(o.ok, o.error.code if o.error else None) for o in outcomes] == [
        (True, None),
        (False, "order_short"),
        (False, "not_packed"),
    ]
    assert Order.objects.get(pk=good.pk).status == OrderStatus.DELIVERING


def test_deliver(warehouse, skus):
    stock_level(sku=skus[0], warehouse=warehouse, on_hand=1)
    order = make_order(warehouse=warehouse, lines=[(skus[0], 1)])
    with pytest.raises(InvalidTransition):
        order_deliver(order=order)
    order_pack(order=order, actor=SYSTEM)
    order_ship(order=order, actor=SYSTEM)
    order = order_deliver(order=order)
    assert order.status == OrderStatus.DELIVERED
    assert order.delivered_at is not None
    with pytest.raises(InvalidTransition):
        order_deliver(order=order)


# --- cancellation -----------------------------------------------------------------------------


def test_cancel_releases_reservations(warehouse, skus):
    a, _ = skus
    stock_level(sku=a, warehouse=warehouse, on_hand=3)
    order = make_order(warehouse=warehouse, lines=[(a, 2)])
    order = order_cancel(
        order=order,
        reason=CancelReason.CUSTOMER_REQUEST,
        cancelled_by=CancelledBy.CUSTOMER,
        actor=SYSTEM,
    )
    assert order.status == OrderStatus.CANCELLED
    assert (order.cancel_reason, order.cancelled_by) == ("customer_request", "customer")
    assert order.cancelled_at is not None
    assert level(a, warehouse) == (3, 0)
    assert lines_of(order) == {"A": (2, 0, 0)}


def test_cancel_hands_released_units_to_short_orders(warehouse, skus):
    a, _ = skus
    stock_level(sku=a, warehouse=warehouse, on_hand=2)
    first = make_order(warehouse=warehouse, lines=[(a, 2)])
    waiting = make_order(warehouse=warehouse, lines=[(a, 1)])
    assert waiting.is_short
    order_cancel(order=first, reason="customer_request", cancelled_by="customer", actor=SYSTEM)
    waiting.refresh_from_db()
    assert waiting.is_short is False
    assert lines_of(waiting) == {"A": (1, 1, 0)}
    assert level(a, warehouse) == (2, 1)


def test_cancel_a_packed_order(warehouse, skus):
    order = make_order(warehouse=warehouse, lines=[(skus[0], 1)])
    order_pack(order=order, actor=SYSTEM)
    order = order_cancel(
        order=order, reason="quality", cancelled_by="seller", actor=SYSTEM, note="torn"
    )
    assert order.status == OrderStatus.CANCELLED
    assert order.cancel_note == "torn"


@pytest.mark.parametrize(
    ("reason", "by", "code"),
    [("lost", "seller", "invalid_cancel_reason"), ("other", "courier", "invalid_cancelled_by")],
)
def test_cancel_rejects_unknown_reasons(warehouse, skus, reason, by, code):
    order = make_order(warehouse=warehouse, lines=[(skus[0], 1)])
    with pytest.raises(InvalidInput) as exc:
        order_cancel(order=order, reason=reason, cancelled_by=by, actor=SYSTEM)
    assert exc.value.code == code
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PACKAGING


def test_cancel_after_handover_is_an_invalid_transition(warehouse, skus):
    stock_level(sku=skus[0], warehouse=warehouse, on_hand=1)
    order = make_order(warehouse=warehouse, lines=[(skus[0], 1)])
    order_pack(order=order, actor=SYSTEM)
    order_ship(order=order, actor=SYSTEM)
    with pytest.raises(InvalidTransition) as exc:
        order_cancel(order=order, reason="other", cancelled_by="seller", actor=SYSTEM)
    assert "handed to carrier" in exc.value.message
    with pytest.raises(InvalidTransition):
        order_cancel(order=order, reason="other", cancelled_by="seller", actor=SYSTEM)


# --- short orders get new stock first ---------------------------------------------------------


def test_receipt_goes_to_short_orders_oldest_deadline_first(warehouse, skus):
    a, _ = skus
    now = timezone.now()
    later = make_order(warehouse=warehouse, lines=[(a, 2)], ship_by=now + timedelta(days=3))
    sooner = make_order(warehouse=warehouse, lines=[(a, 2)], ship_by=now + timedelta(days=1))
    middle = make_order(warehouse=warehouse, lines=[(a, 2)], ship_by=now + timedelta(days=2))
    # when 3 units arrive
    stock.stock_receive(sku=a, warehouse=warehouse, quantity=3)
    # then the soonest deadline is served in full, the next gets the rest
    for order in (later, sooner, middle):
        order.refresh_from_db()
    assert lines_of(sooner) == {"A": (2, 2, 0)}
    assert lines_of(middle) == {"A": (2, 1, 0)}
    assert lines_of(later) == {"A": (2, 0, 0)}
    assert (sooner.is_short, middle.is_short, later.is_short) == (False, True, True)
    assert level(a, warehouse) == (3, 3)


def test_count_up_goes_to_short_orders(warehouse, skus):
    a, b = skus
    stock_level(sku=b, warehouse=warehouse, on_hand=1)
    order = make_order(warehouse=warehouse, lines=[(a, 1), (b, 1)])
    assert order.is_short
    stock.stock_count(sku=a, warehouse=warehouse, counted=4)
    order.refresh_from_db()
    assert order.is_short is False
    assert level(a, warehouse) == (4, 1)


def test_allocation_ignores_other_warehouses_and_closed_orders(warehouse, skus):
    a, _ = skus
    elsewhere = make_order(warehouse=WarehouseFactory(), lines=[(a, 1)])
    cancelled = make_order(warehouse=warehouse, lines=[(a, 1)])
    order_cancel(order=cancelled, reason="other", cancelled_by="marketplace", actor=SYSTEM)
    allocated = services.short_orders_allocate(sku_id=a.pk, warehouse_id=warehouse.pk)
    assert allocated == 0
    stock.stock_receive(sku=a, warehouse=warehouse, quantity=5)
    elsewhere.refresh_from_db()
    assert elsewhere.is_short is True
    assert level(a, warehouse) == (5, 0)


def test_short_orders_reallocate_sweeps_everything(warehouse, skus):
    a, b = skus
    order = make_order(warehouse=warehouse, lines=[(a, 1), (b, 2)])
    StockLevel.objects.filter(sku__in=[a, b], warehouse=warehouse).update(on_hand=2)
    assert services.short_orders_reallocate() == 3
    order.refresh_from_db()
    assert order.is_short is False


# --- the compiled locking reads ---------------------------------------------------------------


def _values(instance) -> dict:
    return {k: v for k, v in vars(instance).items() if k != "_state"}


def test_the_order_locks_read_what_the_orm_queries_read(django_assert_num_queries):
    # given an order of two SKUs
    from django.db import transaction

    from fulfilment.models import Order, OrderLine

    warehouse, mug, cup = WarehouseFactory(), SkuFactory(), SkuFactory()
    order = make_order(warehouse=warehouse, lines=[(mug, 2), (cup, 1)])
    with transaction.atomic():
        # when locked through the services' compiled reads
        locked = services._lock_order(order)
        lines = services._lock_lines(locked)
        # then they equal the ORM querysets they replace, related objects included
        orm_order = Order.objects.select_for_update(of=("self",)).select_related("warehouse")
        assert _values(locked) == _values(orm_order.get(pk=order.pk))
        orm_lines = list(
            locked.lines.select_for_update(of=("self",)).select_related("sku").order_by("pk")
        )
        assert [_values(line) for line in lines] == [_values(line) for line in orm_lines]
        assert [line.sku.code for line in lines] == [mug.code, cup.code]
        with django_assert_num_queries(0):
            assert locked.warehouse.code == warehouse.code
            assert all(line.order is locked for line in lines)
        with pytest.raises(Order.DoesNotExist):
            services._lock_order(Order(pk=999_999))
        assert services._lock_lines(Order(pk=999_999)) == []
        assert OrderLine.objects.count() == 2


def test_a_hand_over_joins_its_callers_transaction_and_a_refusal_leaves_it_usable(warehouse, skus):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    a, b = skus
    stock_level(sku=a, warehouse=warehouse, on_hand=3)
    packed = order_pack(order=make_order(warehouse=warehouse, lines=[(a, 1)]), actor=SYSTEM)
    unpacked = make_order(warehouse=warehouse, lines=[(a, 1)])
    # given a caller's transaction (as the API's Idempotency-Key opens one)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        # when an unpacked order is refused and a packed one handed over inside it
        with pytest.raises(InvalidTransition):
            order_ship(order=unpacked, actor=SYSTEM)
        shipped = order_ship(order=packed, actor=SYSTEM)
        # then the caller's transaction goes on (nothing to roll back)
        assert Order.objects.filter(status=OrderStatus.DELIVERING).count() == 1
    # and neither the order's nor the stock's service took a savepoint of its own
    kinds = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert kinds.count("SAVEPOINT") == 1  # the caller's own (the test runs inside one)
    assert shipped.status == OrderStatus.DELIVERING
    assert level(a, warehouse) == (2, 1)
    assert Order.objects.get(pk=unpacked.pk).status == OrderStatus.AWAITING_PACKAGING


@pytest.mark.django_db(transaction=True)
def test_a_hand_over_outside_a_transaction_is_its_own(warehouse, skus):
    a, b = skus
    stock_level(sku=a, warehouse=warehouse, on_hand=2)
    order = order_pack(order=make_order(warehouse=warehouse, lines=[(a, 1), (b, 1)]), actor=SYSTEM)
    StockLevel.objects.filter(sku=b, warehouse=warehouse).update(on_hand=0, reserved=0)
    OrderLine.objects.filter(order=order, sku=b).update(reserved_quantity=0)
    # when a short order is refused with no transaction open, then nothing of it stays
    with pytest.raises(InsufficientStock):
        order_ship(order=order, actor=SYSTEM)
    assert lines_of(order) == {"A": (1, 1, 1), "B": (1, 0, 1)}
    # and once the stock is there it ships, committed
    StockLevel.objects.filter(sku=b, warehouse=warehouse).update(on_hand=1)
    assert order_ship(order=order, actor=SYSTEM).status == OrderStatus.DELIVERING
    assert (level(a, warehouse), level(b, warehouse)) == ((1, 0), (0, 0))
