"""End to end: an empty database, ``ozon_sync`` against the fake, and Zapas holds Ozon's state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fulfilment.models import CancelledBy, CancelReason, Order, OrderStatus
from inventory.models import MovementKind, Sku, StockLevel, StockMovement, Warehouse
from marketplaces.ozon.models import Posting, SyncConflict, SyncRun
from marketplaces.ozon.tests.fake import FakePosting

DEADLINE = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def store(ozon_env, fake_ozon, db):
    fake_ozon.add_warehouse(1001, "Kazan FBS")
    fake_ozon.add_warehouse(1002, "Ekb FBS", address_info={"utc": "UTC+05:00"})
    fake_ozon.add_product(501, "CUP-1", sku=9501)
    fake_ozon.add_product(502, "MUG-2", sku=9502)
    fake_ozon.set_stock(501, 1001, present=10, reserved=2)
    fake_ozon.set_stock(502, 1001, present=4)
    fake_ozon.set_stock(501, 1002, present=7)
    fake_ozon.add_posting(
        FakePosting(
            "1000-0001-1",
            1001,
            [{"sku": 9501, "offer_id": "CUP-1", "quantity": 2}],
            shipment_date=DEADLINE,
        )
    )
    fake_ozon.add_posting(
        FakePosting(
            "1000-0002-1",
            1001,
            [{"sku": 9502, "offer_id": "MUG-2", "quantity": 1}],
            shipment_date=DEADLINE + timedelta(hours=2),
        )
    )
    late_payment = fake_ozon.add_posting(
        FakePosting(
            "1000-0003-1",
            1002,
            [{"sku": 9501, "offer_id": "CUP-1", "quantity": 3}],
            shipment_date=DEADLINE + timedelta(days=1),
        )
    )
    late_payment.in_process_at = None  # the buyer paid late: Ozon leaves it empty
    return fake_ozon


def _sync(*args) -> str:
    out = StringIO()
    call_command("ozon_sync", *args, stdout=out)
    return out.getvalue()


def _state():
    return (
        sorted(Warehouse.objects.values_list("code", flat=True)),
        sorted(Sku.objects.values_list("code", flat=True)),
        sorted(
            StockLevel.objects.values_list("sku__code", "warehouse__code", "on_hand", "reserved")
        ),
        StockMovement.objects.count(),
        sorted(Order.objects.values_list("external_number", "status", "ship_by")),
    )


def test_one_sync_takes_in_ozon_and_a_second_changes_nothing(store):
    output = _sync()

    assert "ok   warehouses     2 new" in output
    assert "ok   FBS postings   3 new" in output
    assert sorted(Warehouse.objects.values_list("code", flat=True)) == ["OZ-1001", "OZ-1002"]
    assert sorted(Sku.objects.values_list("code", flat=True)) == ["CUP-1", "MUG-2"]
    # Opening stock is Ozon's present stock, through the ledger; postings reserve from it.
    assert sorted(
        StockLevel.objects.values_list("sku__code", "warehouse__code", "on_hand", "reserved")
    ) == [
        ("CUP-1", "OZ-1001", 10, 2),
        ("CUP-1", "OZ-1002", 7, 3),
        ("MUG-2", "OZ-1001", 4, 1),
    ]
    assert StockMovement.objects.filter(kind=MovementKind.OPENING).count() == 3
    orders = {o.external_number: o for o in Order.objects.all()}
    assert orders["1000-0001-1"].ship_by == DEADLINE  # Ozon's shipment_date, UTC
    assert orders["1000-0001-1"].ship_by_source == "marketplace"
    assert orders["1000-0003-1"].warehouse.code == "OZ-1002"
    assert {o.status for o in orders.values()} == {OrderStatus.AWAITING_PACKAGING}
    assert Posting.objects.count() == 3
    assert SyncRun.objects.get().ok is True

    before = _state()
    again = _sync()
    assert _state() == before
    assert "ok   FBS postings   0 new, 0 updated" in again
    assert "ok   warehouses     0 new, 0 updated, 2 unchanged" in again


def test_a_customer_cancellation_at_ozon_cancels_and_releases(store):
    _sync()
    store.cancel_by_customer("1000-0001-1")

    _sync()

    order = Order.objects.get(external_number="1000-0001-1")
    assert (order.status, order.cancel_reason, order.cancelled_by) == (
        OrderStatus.CANCELLED,
        CancelReason.CUSTOMER_REQUEST,
        CancelledBy.CUSTOMER,
    )
    assert "affects rating: no" in order.cancel_note
    level = StockLevel.objects.get(sku__code="CUP-1", warehouse__code="OZ-1001")
    assert (level.on_hand, level.reserved) == (10, 0)
    posting = Posting.objects.get(posting_number="1000-0001-1")
    assert (posting.status, posting.affect_cancellation_rating) == ("cancelled", False)
    assert not store.calls_to("/v2/posting/fbs/cancel")  # Ozon's own change is not sent back


def test_statuses_only_move_forward_and_follow_ozon(store):
    _sync()
    store.change("1000-0002-1", status="delivering")
    _sync()
    order = Order.objects.get(external_number="1000-0002-1")
    assert order.status == OrderStatus.DELIVERING
    level = StockLevel.objects.get(sku__code="MUG-2", warehouse__code="OZ-1001")
    assert (level.on_hand, level.reserved) == (3, 0)

    # An out-of-order answer with an older status changes nothing.
    store.change("1000-0002-1", status="awaiting_packaging")
    _sync()
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERING
    assert Posting.objects.get(posting_number="1000-0002-1").status == "delivering"
    assert not SyncConflict.objects.exists()


def test_a_posting_already_packed_at_ozon_arrives_packed(store):
    store.change("1000-0002-1", status="awaiting_deliver")
    _sync()
    assert Order.objects.get(external_number="1000-0002-1").status == OrderStatus.AWAITING_DELIVER


def test_a_failed_step_makes_the_command_fail_and_others_still_run(store):
    store.fail_next("/v3/product/list", "circle")
    with pytest.raises(CommandError, match="Some steps failed"):
        _sync()
    run = SyncRun.objects.get()
    assert [(s["name"], s["ok"]) for s in run.steps] == [
        ("warehouses", True),
        ("products", False),
        ("opening stock", True),
        ("FBS postings", True),
        ("FBO postings", True),
        ("stock push", True),
        ("outbox", True),
    ]
    assert "Circle is open" in run.steps[1]["error"]


def test_no_account_is_a_clear_error(db, settings):
    settings.OZON = {**settings.OZON, "CLIENT_ID": "", "API_KEY": ""}
    with pytest.raises(CommandError, match="No Ozon account"):
        _sync()
    with pytest.raises(CommandError, match="not a date"):
        _sync("--since", "yesterday")


def test_packing_and_a_receipt_in_zapas_reach_ozon(store, settings):
    _sync()
    from fulfilment import services as orders
    from inventory.services import stock_receive

    settings.OZON = {**settings.OZON, "PUSH_STOCK": True}  # the environment's account pushes
    orders.order_pack(order=Order.objects.get(external_number="1000-0002-1"))
    stock_receive(
        sku=Sku.objects.get(code="CUP-1"),
        warehouse=Warehouse.objects.get(code="OZ-1001"),
        quantity=5,
    )

    output = _sync()

    assert store.calls_to("/v4/posting/fbs/ship")[0]["posting_number"] == "1000-0002-1"
    assert store.postings["1000-0002-1"].status == "awaiting_deliver"
    pushed = {
        (s["product_id"], s["warehouse_id"]): s["stock"]
        for body in store.calls_to("/v2/products/stocks")
        for s in body["stocks"]
    }
    # CUP-1 at Kazan: 10 + 5 on hand − 2 reserved; MUG-2: 4 − 1 reserved (packed, not shipped).
    assert pushed[(501, 1001)] == 13 and pushed[(502, 1001)] == 3
    assert "ok   stock push" in output and "ok   outbox" in output


def test_fbo_postings_feed_the_demand_history(store):
    from planning.models import DemandHistory

    sold = datetime.now(UTC) - timedelta(days=2)
    for number, status, quantity in [
        ("F-1", "delivered", 2),
        ("F-2", "delivering", 1),
        ("F-3", "cancelled", 4),
    ]:
        store.add_posting(
            FakePosting(
                number,
                7001,
                [{"sku": 9501, "offer_id": "CUP-1", "quantity": quantity, "price": "90.00"}],
                status=status,
                scheme="fbo",
                in_process_at=sold,
            )
        )
    _sync()
    _sync()  # a second read of the same window changes nothing
    cell = DemandHistory.objects.get(source="fbo")
    assert (cell.sku.code, cell.units, cell.orders, cell.cancelled_units, cell.revenue) == (
        "CUP-1",
        3,
        2,
        4,
        Decimal("270.00"),
    )
    assert Posting.objects.filter(scheme="fbo").count() == 3
    assert not Order.objects.filter(external_number__startswith="F-").exists()


def test_a_cut_off_moved_at_ozon_moves_the_deadline(store):
    _sync()
    moved = DEADLINE + timedelta(hours=20)
    posting = store.postings["1000-0001-1"]
    posting.shipment_date, posting.changed_at = moved, store.now()  # same status and substatus

    out = _sync()

    order = Order.objects.get(external_number="1000-0001-1")
    assert (order.ship_by, order.ship_by_source) == (moved, "marketplace")
    assert order.status == OrderStatus.AWAITING_PACKAGING
    assert Posting.objects.get(posting_number="1000-0001-1").shipment_date == moved
    assert "ok   FBS postings   0 new, 1 updated" in out
    assert Order.objects.get(external_number="1000-0002-1").ship_by == DEADLINE + timedelta(hours=2)
