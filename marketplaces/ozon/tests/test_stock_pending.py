"""The stock hook marks exactly the changed pairs' outbox rows pending, in chunks of SKUs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplaces.ozon import outbox
from marketplaces.ozon.models import StockPush
from marketplaces.ozon.sync.runner import sync_run

PRODUCTS = 1_200  # more SKUs at one warehouse than one statement names


@pytest.fixture
def pushes(fake_ozon, account, client):
    for wh in (1001, 1002):
        fake_ozon.add_warehouse(wh, f"FBS {wh}")
    for n in range(PRODUCTS):
        fake_ozon.add_product(10_000 + n, f"OFF-{n:05d}", sku=500_000 + n)
    assert sync_run(account=account, client=client, steps=["warehouses", "products"])[0].ok
    assert StockPush.objects.count() == 2 * PRODUCTS
    StockPush.objects.update(pending_since=None, version=0)
    return {(p.sku_id, p.warehouse_id): p for p in StockPush.objects.all()}


def test_changed_pairs_and_only_they_become_pending_once(pushes):
    # given one row already pending since an hour ago
    earlier = timezone.now() - timedelta(hours=1)
    pairs = sorted(pushes)
    by_warehouse: dict[int, list] = {}
    for pair in pairs:
        by_warehouse.setdefault(pair[1], []).append(pair)
    first, second = sorted(by_warehouse)
    changed = by_warehouse[first][:1_100] + by_warehouse[second][5:7]
    already = changed[0]
    StockPush.objects.filter(pk=pushes[already].pk).update(pending_since=earlier)

    # when the stock hook reports those pairs changed
    before = timezone.now()
    outbox.on_stock_changed(changed)

    # then each of them is pending with its version bumped once, the first keeps its time,
    # and no other row moved
    rows = {(p.sku_id, p.warehouse_id): p for p in StockPush.objects.all()}
    for pair in changed:
        assert rows[pair].version == 1
        assert rows[pair].pending_since is not None
    assert rows[already].pending_since == earlier
    assert all(rows[pair].pending_since >= before for pair in changed[1:])
    untouched = set(rows) - set(changed)
    assert len(untouched) == 2 * PRODUCTS - len(changed)
    assert all(rows[p].version == 0 and rows[p].pending_since is None for p in untouched)


def test_no_pairs_no_statement(pushes, django_assert_num_queries):
    with django_assert_num_queries(0):
        outbox.on_stock_changed([])
