"""Demand feed: shipped lines, cancellations and lost demand roll up idempotently."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from fulfilment.demand import demand_feed_refresh
from fulfilment.services import order_cancel, order_pack, order_ship
from fulfilment.tests.factories import order as make_order
from inventory.services import SYSTEM
from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level
from planning.models import DemandHistory, DemandSource

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")


def cells():
    return {
        (row.sku.code, row.date): (
            row.units,
            row.orders,
            row.revenue,
            row.cancelled_units,
            row.lost_units,
            row.stocked_out,
        )
        for row in DemandHistory.objects.filter(source=DemandSource.ORDERS).select_related("sku")
    }


@pytest.fixture
def history():
    warehouse = WarehouseFactory()
    mug, cup = SkuFactory(code="MUG"), SkuFactory(code="CUP")
    stock_level(sku=mug, warehouse=warehouse, on_hand=20)
    accepted = datetime(2026, 3, 1, 9, 0, tzinfo=MSK)

    def shipped(sku, quantity, at, price=Decimal("10")):
        order = make_order(
            warehouse=warehouse, lines=[(sku, quantity)], accepted_at=accepted, price=price
        )
        order_pack(order=order, actor=SYSTEM)
        return order_ship(order=order, actor=SYSTEM, at=at)

    def cancelled(sku, quantity, at, reason):
        order = make_order(warehouse=warehouse, lines=[(sku, quantity)], accepted_at=accepted)
        return order_cancel(order=order, reason=reason, cancelled_by="seller", actor=SYSTEM, at=at)

    shipped(mug, 2, datetime(2026, 3, 2, 10, 0, tzinfo=MSK))
    # 23:30 Moscow on the 2nd is 20:30 UTC: still the 2nd locally
    shipped(mug, 1, datetime(2026, 3, 2, 23, 30, tzinfo=MSK), price=Decimal("12.50"))
    shipped(mug, 4, datetime(2026, 3, 3, 0, 30, tzinfo=MSK))
    cancelled(cup, 3, datetime(2026, 3, 2, 12, 0, tzinfo=MSK), "out_of_stock")
    cancelled(mug, 1, datetime(2026, 3, 2, 12, 0, tzinfo=MSK), "customer_request")
    return warehouse, mug, cup


EXPECTED = {
    ("MUG", date(2026, 3, 2)): (3, 2, Decimal("32.50"), 1, 0, False),
    ("MUG", date(2026, 3, 3)): (4, 1, Decimal("40.00"), 0, 0, False),
    ("CUP", date(2026, 3, 2)): (0, 0, Decimal("0.00"), 3, 3, True),
}


def test_feed_rolls_up_by_local_day(history, settings):
    settings.TIME_ZONE = "Europe/Moscow"
    assert demand_feed_refresh(since=date(2026, 3, 1), until=date(2026, 3, 5)) == 3
    assert cells() == EXPECTED


def test_feed_is_idempotent_and_incremental(history, settings):
    settings.TIME_ZONE = "Europe/Moscow"
    demand_feed_refresh(since=date(2026, 3, 1), until=date(2026, 3, 5))
    demand_feed_refresh(since=date(2026, 3, 1), until=date(2026, 3, 5))
    demand_feed_refresh(since=date(2026, 3, 3), until=date(2026, 3, 3))
    assert cells() == EXPECTED
    assert DemandHistory.objects.count() == 3


def test_feed_removes_cells_with_nothing_behind_them(history, settings):
    settings.TIME_ZONE = "Europe/Moscow"
    _, mug, _ = history
    DemandHistory.objects.create(
        sku=mug, date=date(2026, 3, 4), source=DemandSource.ORDERS, units=9
    )
    DemandHistory.objects.create(
        sku=mug, date=date(2026, 3, 4), source=DemandSource.IMPORT, units=5
    )
    demand_feed_refresh(since=date(2026, 3, 1), until=date(2026, 3, 5))
    assert ("MUG", date(2026, 3, 4)) not in cells()
    assert DemandHistory.objects.filter(source=DemandSource.IMPORT).count() == 1


def test_ship_and_cancel_refresh_the_feed_after_commit(django_capture_on_commit_callbacks):
    warehouse, sku = WarehouseFactory(), SkuFactory(code="PEN")
    stock_level(sku=sku, warehouse=warehouse, on_hand=5)
    order = make_order(warehouse=warehouse, lines=[(sku, 2)])
    order_pack(order=order, actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_ship(order=order, actor=SYSTEM)
    row = DemandHistory.objects.get(source=DemandSource.ORDERS)
    assert (row.sku_id, row.units, row.orders) == (sku.pk, 2, 1)


@pytest.fixture
def broker(monkeypatch):
    """Tasks go to a broker instead of running in-process; apply_async is recorded."""
    from celery import current_app
    from django.core.cache import cache

    from fulfilment.tasks import demand_feed_refresh_task

    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    sent = []
    monkeypatch.setattr(
        demand_feed_refresh_task, "apply_async", lambda **kwargs: sent.append(kwargs)
    )
    cache.clear()
    yield sent
    cache.clear()


def test_with_a_broker_a_burst_of_handovers_queues_one_refresh(
    broker, settings, django_capture_on_commit_callbacks
):
    # given three packed orders of different SKUs and a 30-second coalescing delay
    from django.core.cache import cache

    settings.ZAPAS_FULFILMENT = {"DEMAND_FEED_DELAY_SECONDS": 30}
    warehouse = WarehouseFactory()
    orders = []
    for _ in range(3):
        sku = SkuFactory()
        stock_level(sku=sku, warehouse=warehouse, on_hand=5)
        orders.append(order_pack(order=make_order(warehouse=warehouse, lines=[(sku, 1)])))
    # when all three are handed over
    with django_capture_on_commit_callbacks(execute=True):
        for order in orders:
            order_ship(order=order, actor=SYSTEM)
    # then one refresh of the whole day is queued, to start after the pending mark expires
    today = timezone.localdate().isoformat()
    assert broker == [{"kwargs": {"since": today}, "countdown": 31}]
    assert DemandHistory.objects.count() == 0  # nothing computed inside the request
    # and once the mark has expired, the next hand-over queues the next refresh
    cache.clear()
    sku = SkuFactory()
    stock_level(sku=sku, warehouse=warehouse, on_hand=5)
    last = order_pack(order=make_order(warehouse=warehouse, lines=[(sku, 1)]))
    with django_capture_on_commit_callbacks(execute=True):
        order_ship(order=last, actor=SYSTEM)
    assert len(broker) == 2


def test_the_queued_refresh_covers_every_sku_of_the_day(settings):
    # given two hand-overs today whose cells were never computed
    from fulfilment.tasks import demand_feed_refresh_task

    warehouse = WarehouseFactory()
    for code in ("PEN", "INK"):
        sku = SkuFactory(code=code)
        stock_level(sku=sku, warehouse=warehouse, on_hand=5)
        order_ship(
            order=order_pack(order=make_order(warehouse=warehouse, lines=[(sku, 2)])),
            actor=SYSTEM,
        )
    DemandHistory.objects.all().delete()
    # when the task queued with only a day runs
    demand_feed_refresh_task.apply(kwargs={"since": timezone.localdate().isoformat()})
    # then both SKUs' cells are there
    assert {(code, units) for (code, _), (units, *_) in cells().items()} == {
        ("PEN", 2),
        ("INK", 2),
    }
