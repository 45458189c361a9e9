"""Overlapping hand-over batches sent with an ``Idempotency-Key`` never deadlock.

Each order of a batch is its own transaction; the key must not turn the batch into one
transaction holding the stock locks of earlier orders while later ones are taken in another
order. PostgreSQL only (row locks); real threads, real transactions.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection
from rest_framework.test import APIClient

from fulfilment import services as fulfilment_services
from fulfilment.models import Order, OrderStatus
from fulfilment.tests.factories import order as make_order
from inventory.models import StockLevel
from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level
from tests.factories import ScannerDeviceFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ORDERS = 24
BATCHES = 12


def test_overlapping_batches_with_keys_never_deadlock():
    # given 24 packed orders, each of two SKUs out of six, with stock for all of them
    warehouse = WarehouseFactory(code="MSK1")
    device = ScannerDeviceFactory(warehouse=warehouse)
    skus = [SkuFactory(code=f"S-{n}") for n in range(6)]
    for sku in skus:
        stock_level(sku=sku, warehouse=warehouse, on_hand=ORDERS)
    numbers = []
    for n in range(ORDERS):
        lines = [(skus[n % 6], 1), (skus[(n + 1 + n // 6) % 6], 1)]
        order = make_order(warehouse=warehouse, lines=lines, number=f"B-{n:03d}")
        fulfilment_services.order_pack(order=order)
        numbers.append(order.external_number)
    # and 12 scan stations, each sending an overlapping batch of 12 in its own order,
    # half of them in the opposite order of the other half
    rng = random.Random(14)
    batches = []
    for b in range(BATCHES):
        chosen = rng.sample(numbers, 12)
        batches.append(sorted(chosen, reverse=bool(b % 2)))
    barrier = Barrier(BATCHES)

    def send(b: int) -> tuple[int, dict]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {device.token}")
        try:
            barrier.wait(timeout=10)
            response = client.post(
                "/api/v1/shipments/",
                {"orders": batches[b]},
                format="json",
                HTTP_IDEMPOTENCY_KEY=f"batch-{b}",
            )
            return response.status_code, response.json()
        finally:
            connection.close()

    # when they all hand over at once
    with ThreadPoolExecutor(max_workers=BATCHES) as pool:
        results = list(pool.map(send, range(BATCHES)))

    # then every batch is answered 200 (no deadlock, no 500)
    assert [status for status, _ in results] == [200] * BATCHES, results
    # and each order that appears in some batch shipped exactly once
    sent = {number for batch in batches for number in batch}
    shipped = sum(body["shipped"] for _, body in results)
    assert shipped == len(sent)
    assert (
        set(
            Order.objects.filter(status=OrderStatus.DELIVERING).values_list(
                "external_number", flat=True
            )
        )
        == sent
    )
    # and every other outcome is the "already handed over" refusal, not an error
    codes = {r["code"] for _, body in results for r in body["results"] if not r["ok"]}
    assert codes <= {"invalid_transition"}
    # and stock went down by exactly two units per shipped order
    assert sum(StockLevel.objects.values_list("on_hand", flat=True)) == 6 * ORDERS - 2 * len(sent)


def test_a_retried_batch_replays_the_first_answer():
    warehouse = WarehouseFactory(code="MSK1")
    device = ScannerDeviceFactory(warehouse=warehouse)
    sku = SkuFactory()
    stock_level(sku=sku, warehouse=warehouse, on_hand=2)
    order = make_order(warehouse=warehouse, lines=[(sku, 1)], number="R-1")
    fulfilment_services.order_pack(order=order)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {device.token}")

    first = client.post(
        "/api/v1/shipments/", {"orders": ["R-1"]}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    retry = client.post(
        "/api/v1/shipments/", {"orders": ["R-1"]}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert first.status_code == retry.status_code == 200
    assert first.json()["shipped"] == 1
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert StockLevel.objects.get(sku=sku).on_hand == 1
