"""Races on PostgreSQL: reservations never exceed on hand, intake stays idempotent."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from fulfilment.models import Order, OrderLine
from fulfilment.services import OrderLineInput, order_intake
from inventory import services as stock
from inventory.models import StockLevel
from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_in_threads(count: int, work):
    barrier = threading.Barrier(count)

    def worker(i):
        try:
            barrier.wait()
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(worker, range(count)))


def test_racing_intakes_never_reserve_more_than_on_hand():
    # given 5 units of two SKUs and 12 orders, each wanting both
    warehouse = WarehouseFactory()
    a, b = SkuFactory(), SkuFactory()
    stock_level(sku=a, warehouse=warehouse, on_hand=5)
    stock_level(sku=b, warehouse=warehouse, on_hand=5)

    def intake(i):
        # half the orders list the SKUs in the other order: locks must still come in pk order
        lines = [OrderLineInput(a, 1), OrderLineInput(b, 1)]
        return order_intake(
            channel="ozon",
            external_number=f"RACE-{i}",
            warehouse=warehouse,
            scheme="fbs",
            accepted_at=timezone.now(),
            lines=lines if i % 2 else lines[::-1],
        ).created

    # when they race
    created = _run_in_threads(12, intake)
    # then all were accepted, exactly 5 units of each are reserved, 7 orders are short
    assert created == [True] * 12
    for sku in (a, b):
        row = StockLevel.objects.get(sku=sku, warehouse=warehouse)
        assert (row.on_hand, row.reserved) == (5, 5)
        assert (
            sum(OrderLine.objects.filter(sku=sku).values_list("reserved_quantity", flat=True)) == 5
        )
    assert Order.objects.filter(is_short=True).count() == 7


def test_racing_intakes_of_the_same_posting_create_one_order():
    warehouse = WarehouseFactory()
    a = SkuFactory()
    stock_level(sku=a, warehouse=warehouse, on_hand=10)

    def intake(i):
        return order_intake(
            channel="ozon",
            external_number="SAME-1",
            warehouse=warehouse,
            scheme="fbs",
            accepted_at=timezone.now(),
            lines=[OrderLineInput(a, 2)],
        ).created

    created = _run_in_threads(6, intake)
    assert sorted(created) == [False] * 5 + [True]
    assert Order.objects.count() == 1
    assert StockLevel.objects.get(sku=a, warehouse=warehouse).reserved == 2


def test_receipts_racing_with_intakes_keep_orders_and_stock_consistent():
    # given short orders and receipts arriving while more orders come in
    warehouse = WarehouseFactory()
    a = SkuFactory()

    def work(i):
        if i % 3 == 0:
            stock.stock_receive(sku=a, warehouse=warehouse, quantity=2)
        else:
            order_intake(
                channel="ozon",
                external_number=f"MIX-{i}",
                warehouse=warehouse,
                scheme="fbs",
                accepted_at=timezone.now(),
                lines=[OrderLineInput(a, 1)],
            )

    _run_in_threads(12, work)
    row = StockLevel.objects.get(sku=a, warehouse=warehouse)
    reserved_by_orders = sum(OrderLine.objects.values_list("reserved_quantity", flat=True))
    # then 8 units arrived for 8 orders: what the orders hold equals what stock says is reserved
    assert row.on_hand == 8
    assert row.reserved == reserved_by_orders
    assert row.reserved <= row.on_hand
    assert Order.objects.filter(is_short=True).count() == 8 - row.reserved


def test_racing_deadline_watch_runs_queue_one_notice_per_order():
    from datetime import timedelta

    from fulfilment.deadline_watch import deadline_watch_run
    from fulfilment.models import Notice, NoticeKind

    # given six overdue orders in stock (no intake notice)
    warehouse = WarehouseFactory()
    sku = SkuFactory()
    stock_level(sku=sku, warehouse=warehouse, on_hand=100)
    now = timezone.now()
    for i in range(6):
        order_intake(
            channel="ozon",
            external_number=f"LATE-{i}",
            warehouse=warehouse,
            scheme="fbs",
            accepted_at=now - timedelta(days=3),
            ship_by=now - timedelta(hours=i + 1),
            lines=[OrderLineInput(sku, 1)],
        )

    # when four watch runs overlap (beat and three admins pressing "Run now")
    queued = _run_in_threads(4, lambda i: deadline_watch_run(now=now).notices_queued)

    # then each order has one overdue notice, and the runs' counts add up to them
    assert sum(queued) == 6
    assert sorted(Notice.objects.values_list("order__external_number", "kind")) == [
        (f"LATE-{i}", NoticeKind.OVERDUE) for i in range(6)
    ]
