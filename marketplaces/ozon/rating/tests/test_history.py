"""Zapas's orders read as Ozon's index counts them (days in Moscow time)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from fulfilment.models import CancelledBy, CancelReason, Order, OrderStatus, WatchState
from fulfilment.tests.factories import order
from inventory.models import PurchaseOrder
from inventory.tests.factories import SkuFactory, WarehouseFactory, purchase_order, stock_level
from marketplaces.ozon.rating import history
from marketplaces.ozon.rating.forecast import OrderState
from marketplaces.ozon.rating.index import ErrorType, error_index
from marketplaces.ozon.rating.selectors import zapas_forecast

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 10, 12, 0, tzinfo=MSK)


def msk(day: int, hour: int = 15, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=MSK)


def placed(number: str, ship_by: datetime, *, stocked: bool = True, price="100.00", **fields):
    warehouse = WarehouseFactory()
    sku = SkuFactory()
    if stocked:
        stock_level(sku=sku, warehouse=warehouse, on_hand=5)
    made = order(
        number=number,
        warehouse=warehouse,
        lines=[(sku, 2)],
        accepted_at=msk(1, 9),
        ship_by=ship_by,
        price=Decimal(price),
    )
    if fields:
        Order.objects.filter(pk=made.pk).update(**fields)
    return made


@pytest.fixture
def orders():
    placed("ON-TIME", msk(8), status=OrderStatus.DELIVERING, shipped_at=msk(8, 10))
    placed("LATE", msk(7), status=OrderStatus.DELIVERING, shipped_at=msk(8, 10), price="50.00")
    placed(
        "SELLER-CANCEL",
        msk(6),
        status=OrderStatus.CANCELLED,
        cancelled_at=msk(5, 18),
        cancelled_by=CancelledBy.MARKETPLACE,
        cancel_reason=CancelReason.OUT_OF_STOCK,
    )
    placed(
        "BUYER-CANCEL",
        msk(6),
        status=OrderStatus.CANCELLED,
        cancelled_at=msk(5, 18),
        cancelled_by=CancelledBy.CUSTOMER,
        cancel_reason=CancelReason.CUSTOMER_REQUEST,
    )
    placed(
        "BUYER-AFTER-DEADLINE",
        msk(4),
        status=OrderStatus.CANCELLED,
        cancelled_at=msk(5, 9),
        cancelled_by=CancelledBy.CUSTOMER,
        cancel_reason=CancelReason.CUSTOMER_REQUEST,
    )
    placed("OVERDUE", msk(9))
    # 22:30 UTC on 9 Dec is 01:30 on 10 Dec in Moscow: today, outside today's window.
    placed(
        "AFTER-MIDNIGHT",
        datetime(2026, 12, 9, 22, 30, tzinfo=ZoneInfo("UTC")),
        status=OrderStatus.DELIVERING,
        shipped_at=msk(9, 20),
    )
    placed("OPEN-TRACK", msk(11))
    placed("OPEN-SOON", msk(10, 16), watch_state=WatchState.DUE_SOON)
    placed("OPEN-PACKED", msk(11), status=OrderStatus.AWAITING_DELIVER)
    placed("SHORT-NOTHING", msk(11), stocked=False, price="700.00")
    short = placed("SHORT-PO", msk(12), stocked=False)
    sku = short.lines.get().sku
    po = purchase_order(lines=[(sku, 10)], warehouse=short.warehouse)
    PurchaseOrder.objects.filter(pk=po.pk).update(expected_arrival=date(2026, 12, 11))
    # Late, but before the windows of today and the next days.
    placed(
        "OLD",
        datetime(2026, 11, 20, 15, tzinfo=MSK),
        status=OrderStatus.DELIVERING,
        shipped_at=datetime(2026, 11, 21, 9, tzinfo=MSK),
    )
    order(number="WB-1", ship_by=msk(8), accepted_at=msk(1)).__class__.objects.filter(
        external_number="WB-1"
    ).update(channel="wildberries")


def test_posting_records_follow_ozons_rule(orders):
    records = {r.number: r for r in history.posting_records(now=NOW)}

    assert set(records) == {
        "ON-TIME",
        "LATE",
        "SELLER-CANCEL",
        "BUYER-AFTER-DEADLINE",
        "OVERDUE",
        "AFTER-MIDNIGHT",
    }
    found = {n: (r.error, r.counted_day.day, r.price) for n, r in records.items()}
    assert found == {
        "ON-TIME": (None, 8, Decimal("200.00")),
        "LATE": (ErrorType.SELLER_DELAY, 7, Decimal("100.00")),
        "SELLER-CANCEL": (ErrorType.SELLER_CANCELLATION, 5, Decimal("200.00")),
        "BUYER-AFTER-DEADLINE": (ErrorType.SELLER_DELAY, 4, Decimal("200.00")),
        "OVERDUE": (ErrorType.SELLER_DELAY, 9, Decimal("200.00")),
        "AFTER-MIDNIGHT": (None, 10, Decimal("200.00")),
    }
    today = error_index(records.values(), day=date(2026, 12, 10))
    assert (today.postings, today.errors, today.percent) == (5, 4, 80.0)


def test_open_orders_get_their_state(orders):
    found = history.open_orders(now=NOW)
    assert list(zip(found.numbers, found.states, [d.day for d in found.due_days], strict=True)) == [
        ("OPEN-SOON", OrderState.DUE_SOON, 10),
        ("OPEN-TRACK", OrderState.ON_TRACK, 11),
        ("OPEN-PACKED", OrderState.PACKED, 11),
        ("SHORT-NOTHING", OrderState.SHORT_NO_ARRIVAL, 11),
        ("SHORT-PO", OrderState.SHORT_ARRIVAL, 12),
    ]
    assert found.prices[3] == 1400.0


def test_forecast_from_the_database(orders, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        result = zapas_forecast(now=NOW, with_new_orders=False)
    assert result.today.percent == 80.0 and result.today.zone.name == "blocking"
    # Tomorrow: AFTER-MIDNIGHT and OPEN-SOON (0.15 of an error) join the window.
    assert result.days[1].expected_postings == 7
    assert result.days[1].expected_errors == 4.15
    assert result.actions[0].number == "SHORT-NOTHING"
