"""Idempotency-Key on batch writes (recorded around the handler, not in one transaction with
it) and answers that must not be stored under a key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.idempotency import PENDING_LEASE, _request_hash
from core.models import IdempotencyRecord
from fulfilment import services as fulfilment_services
from fulfilment.models import Order, OrderStatus
from fulfilment.tests.factories import order as make_order
from inventory.models import StockLevel
from inventory.tests.factories import SkuFactory, stock_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def packed(warehouse):
    sku = SkuFactory()
    stock_level(sku=sku, warehouse=warehouse, on_hand=3)
    order = make_order(warehouse=warehouse, lines=[(sku, 1)], number="R-1")
    fulfilment_services.order_pack(order=order)
    return order


def _batch(api, key, numbers=("R-1",)):
    return api.post(
        "/api/v1/shipments/", {"orders": list(numbers)}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_same_key_while_the_batch_still_runs_is_409_with_retry_after(api, packed, monkeypatch):
    # given a batch whose hand-over is still running when the terminal retries it
    seen = {}
    real = fulfilment_services.order_ship_batch

    def slow_batch(**kwargs):
        seen["retry"] = _batch(api, "k-1")
        return real(**kwargs)

    monkeypatch.setattr(fulfilment_services, "order_ship_batch", slow_batch)
    first = _batch(api, "k-1")
    # then the retry is told to come back, and the batch shipped once
    assert first.status_code == 200 and first.json()["shipped"] == 1
    assert seen["retry"].status_code == 409
    assert seen["retry"].json()["code"] == "idempotency_key_in_progress"
    assert seen["retry"]["Retry-After"] == "1"
    # and a retry after it finished replays the answer
    monkeypatch.undo()
    replay = _batch(api, "k-1")
    assert replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    assert StockLevel.objects.get().on_hand == 2


def test_a_pending_key_of_a_dead_request_is_taken_over_after_the_lease(api, device, packed):
    # given a record left pending by a process that died before it answered
    request = Request(
        APIRequestFactory().post("/api/v1/shipments/", {"orders": ["R-1"]}, format="json"),
        parsers=[JSONParser()],
    )
    record = IdempotencyRecord.objects.create(
        principal=f"device:{device.pk}",
        key="k-dead",
        method="POST",
        path="/api/v1/shipments/",
        request_hash=_request_hash(request),
        status_code=0,
    )
    # when the terminal retries within the lease, it is asked to wait
    assert _batch(api, "k-dead").status_code == 409
    # and after the lease has run out the retry runs the batch
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - PENDING_LEASE - timedelta(seconds=1)
    )
    response = _batch(api, "k-dead")
    assert response.status_code == 200 and response.json()["shipped"] == 1
    assert IdempotencyRecord.objects.get(pk=record.pk).status_code == 200


def test_a_failed_batch_frees_its_key(api, packed):
    # an unknown order refuses the whole batch (404): not stored, the key may be used again
    assert _batch(api, "k-2", ["R-1", "NOPE"]).status_code == 404
    assert not IdempotencyRecord.objects.filter(key="k-2").exists()
    assert _batch(api, "k-2", ["R-1", "NOPE"]).status_code == 404
    assert Order.objects.get(external_number="R-1").status == OrderStatus.AWAITING_DELIVER


def test_a_404_is_not_replayed_after_the_order_arrives(api, warehouse):
    # given a hand-over scanned before the order reached Zapas
    early = api.post("/api/v1/orders/L-1/ship/", HTTP_IDEMPOTENCY_KEY="ship-L-1")
    assert early.status_code == 404
    # when the order arrives and the terminal retries with the same key
    sku = SkuFactory()
    stock_level(sku=sku, warehouse=warehouse, on_hand=1)
    fulfilment_services.order_pack(
        order=make_order(warehouse=warehouse, lines=[(sku, 1)], number="L-1")
    )
    retry = api.post("/api/v1/orders/L-1/ship/", HTTP_IDEMPOTENCY_KEY="ship-L-1")
    # then the hand-over runs instead of replaying the old 404
    assert retry.status_code == 200
    assert retry.json()["status"] == OrderStatus.DELIVERING
