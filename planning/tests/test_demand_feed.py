"""Demand feed: shipped lines, cancellations and lost demand roll up idempotently."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from fulfilment.services import order_cancel, order_pack, order_ship
from fulfilment.tests.factories import order as make_order
from inventory.services import SYSTEM
from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level
from planning.demand_feed import demand_feed_refresh
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


def test_a_refresh_writes_only_cells_that_changed(history, settings):
    # given the feed computed once
    settings.TIME_ZONE = "Europe/Moscow"
    warehouse, mug, _ = history
    assert demand_feed_refresh(since=date(2026, 3, 1), until=date(2026, 3, 5)) == 3
    # then computing it again writes nothing
    assert demand_feed_refresh(since=date(2026, 3, 1), until=date(2026, 3, 5)) == 0
    # and one more hand-over on the 3rd rewrites that one cell
    order = make_order(
        warehouse=warehouse, lines=[(mug, 1)], accepted_at=datetime(2026, 3, 3, 9, tzinfo=MSK)
    )
    order_ship(order=order_pack(order=order), at=datetime(2026, 3, 3, 11, tzinfo=MSK))
    assert demand_feed_refresh(since=date(2026, 3, 1), until=date(2026, 3, 5)) == 1
    assert cells()[("MUG", date(2026, 3, 3))][:2] == (5, 2)


@pytest.fixture
def broker(monkeypatch):
    """Tasks go to a broker instead of running in-process; what is queued is recorded."""
    from celery import current_app

    from planning.tasks import demand_feed_refresh_task

    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    sent = []
    monkeypatch.setattr(demand_feed_refresh_task, "delay", lambda **kwargs: sent.append(kwargs))
    return sent


def packed_order(warehouse, code):
    sku = SkuFactory(code=code)
    stock_level(sku=sku, warehouse=warehouse, on_hand=5)
    return order_pack(order=make_order(warehouse=warehouse, lines=[(sku, 2)])), sku


def test_with_a_broker_todays_handovers_queue_nothing(broker, django_capture_on_commit_callbacks):
    # given two packed orders
    warehouse = WarehouseFactory()
    orders = [packed_order(warehouse, code)[0] for code in ("PEN", "INK")]
    # when handed over now, with a broker
    with django_capture_on_commit_callbacks(execute=True):
        for order in orders:
            order_ship(order=order, actor=SYSTEM)
    # then no task is queued and nothing is computed inside the request
    assert broker == []
    assert DemandHistory.objects.count() == 0


def test_with_a_broker_a_backdated_handover_queues_its_day(
    broker, django_capture_on_commit_callbacks
):
    # given a packed order handed over with yesterday's time, with a broker
    order, sku = packed_order(WarehouseFactory(), "PEN")
    yesterday = timezone.localdate() - timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        order_ship(order=order, actor=SYSTEM, at=timezone.now() - timedelta(days=1))
    # then one refresh of that day and SKU is queued
    day = yesterday.isoformat()
    assert broker == [{"since": day, "until": day, "sku_ids": [sku.pk]}]


def test_the_minutely_refresh_covers_today_for_every_sku(settings):
    # given two hand-overs today whose cells were never computed
    from planning.tasks import demand_feed_recent_task

    warehouse = WarehouseFactory()
    for code in ("PEN", "INK"):
        order_ship(order=packed_order(warehouse, code)[0], actor=SYSTEM)
    DemandHistory.objects.all().delete()
    # when the beat's task runs
    assert demand_feed_recent_task.apply().get() == 2
    # then both SKUs' cells are there
    today = timezone.localdate()
    assert cells() == {
        ("PEN", today): (2, 1, Decimal("200.00"), 0, 0, False),
        ("INK", today): (2, 1, Decimal("200.00"), 0, 0, False),
    }


def test_just_after_midnight_the_minutely_refresh_also_covers_yesterday(settings):
    from planning.tasks import demand_feed_recent_task

    settings.TIME_ZONE = "Europe/Moscow"
    # given a hand-over at 23:59 and the task running at 00:02 the next day
    order, _ = packed_order(WarehouseFactory(), "PEN")
    order_ship(order=order, actor=SYSTEM, at=datetime(2026, 3, 2, 23, 59, tzinfo=MSK))
    DemandHistory.objects.all().delete()
    with mock.patch(
        "django.utils.timezone.now", return_value=datetime(2026, 3, 3, 0, 2, tzinfo=MSK)
    ):
        demand_feed_recent_task.apply()
    # then the 23:59 hand-over is counted on the 2nd
    assert list(cells()) == [("PEN", date(2026, 3, 2))]


def test_the_minutely_refresh_is_on_the_beat_schedule():
    from celery import current_app
    from django_celery_beat.models import PeriodicTask

    entry = PeriodicTask.objects.get(name="Demand feed: today")
    assert (entry.interval.every, entry.interval.period) == (60, "seconds")
    assert entry.task in current_app.tasks and entry.enabled


def test_the_demand_feed_follows_hand_overs_and_cancellations():
    from fulfilment import hooks
    from planning.demand_feed import demand_feed_on_order_closed

    handlers = hooks.order_handlers()
    assert demand_feed_on_order_closed in handlers["shipped"]
    assert demand_feed_on_order_closed in handlers["cancelled"]
