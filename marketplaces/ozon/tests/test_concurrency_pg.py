"""Two syncs of one account at once on PostgreSQL: each posting is taken in once.

Threads with their own connections and clients race the same pages; order numbers and posting
rows are unique, reservations are made once per order and never exceed on hand. Skipped on
SQLite (it serialises writers, nothing races there).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Count, Sum

from fulfilment.models import Order, OrderLine
from inventory.models import StockLevel
from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.models import OzonAccount, Posting
from marketplaces.ozon.sync.runner import sync_run
from marketplaces.ozon.tests.fake import FakePosting

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
POSTINGS = 300
SOON = datetime.now(UTC) + timedelta(days=1)


def _race(count: int, work):
    barrier = threading.Barrier(count)

    def worker(i):
        try:
            barrier.wait()
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(worker, range(count)))


@pytest.fixture
def crowded(fake_ozon, account, client):
    fake_ozon.add_warehouse(1001, "Kazan FBS")
    fake_ozon.add_warehouse(1002, "Ekb FBS")
    for n in range(20):
        fake_ozon.add_product(500 + n, f"SKU-{n:02d}", sku=9500 + n)
        fake_ozon.set_stock(500 + n, 1001, present=10)
        fake_ozon.set_stock(500 + n, 1002, present=10)
    for n in range(POSTINGS):
        fake_ozon.add_posting(
            FakePosting(
                f"6000-{n:04d}-1",
                1001 + n % 2,
                [
                    {"sku": 9500 + n % 20, "offer_id": f"SKU-{n % 20:02d}", "quantity": 1},
                    {
                        "sku": 9500 + (n * 7) % 20,
                        "offer_id": f"SKU-{(n * 7) % 20:02d}",
                        "quantity": 1,
                    },
                ],
                shipment_date=SOON + timedelta(minutes=n * 20),
            )
        )
    run, _ = sync_run(
        account=account, client=client, steps=["warehouses", "products", "opening stock"]
    )
    assert run.ok
    return fake_ozon


def test_two_syncs_at_once_take_each_posting_once(crowded, account):
    def sync(i: int):
        mine = OzonAccount.objects.get(pk=account.pk)
        with OzonClient.for_account(mine) as client:
            run, steps = sync_run(account=mine, client=client, steps=["FBS postings"])
        return run.ok, [s.error for s in steps if not s.ok]

    outcomes = _race(2, sync)

    assert outcomes == [(True, []), (True, [])]
    assert Order.objects.count() == POSTINGS
    assert Posting.objects.count() == POSTINGS
    assert not Posting.objects.values("posting_number").annotate(n=Count("id")).filter(n__gt=1)
    # every order holds its lines once, and the stock rows hold exactly what the orders hold
    assert OrderLine.objects.values("order").annotate(n=Count("id")).filter(n__gt=2).count() == 0
    for level in StockLevel.objects.all():
        held = OrderLine.objects.filter(
            sku=level.sku_id, order__warehouse=level.warehouse_id
        ).aggregate(units=Sum("reserved_quantity"))["units"]
        assert (level.reserved, level.reserved <= level.on_hand) == (held or 0, True)
    # even postings ask for even SKUs at Kazan, odd for odd at Ekb: 20 rows × 10 units for 600
    # units wanted, so all 200 are reserved, none twice
    assert StockLevel.objects.aggregate(r=Sum("reserved"))["r"] == 200
