"""Demo orders: every watch state appears and the metrics have something to say."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from demo.orders import seed_orders
from fulfilment.metrics import seller_metrics
from fulfilment.models import Notice, Order, OrderStatus, WatchState
from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level

pytestmark = pytest.mark.django_db


def test_seed_orders_shows_every_state():
    warehouses = [WarehouseFactory(), WarehouseFactory()]
    for _ in range(6):
        sku = SkuFactory()
        for warehouse in warehouses:
            stock_level(sku=sku, warehouse=warehouse, on_hand=200)
    today = timezone.localdate()

    result = seed_orders(rng=np.random.default_rng(7), today=today, open_orders=10, history_days=4)

    states = set(Order.objects.open().values_list("watch_state", flat=True))
    assert {
        WatchState.OVERDUE,
        WatchState.DUE_SOON,
        WatchState.ON_TRACK,
        WatchState.SHORT,
    } <= states
    assert result.open == 10
    assert result.short >= 2
    assert (
        Order.objects.filter(status__in=[OrderStatus.DELIVERING, OrderStatus.DELIVERED]).count()
        == result.shipped
        > 0
    )
    assert Notice.objects.count() == result.notices > 0
    # nobody is mailed by demo data: every notice waits for a person to approve it
    assert set(Notice.objects.values_list("status", flat=True)) == {"awaiting_approval"}
    overall = seller_metrics(windows=(30,)).overall()[0]
    assert overall.late_shipment_rate.denominator == result.shipped
    assert Order.objects.filter(accepted_at__lt=timezone.now() - timedelta(days=5)).count() == 0
