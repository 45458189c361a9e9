"""Idempotency-Key: a retry returns the first response and changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import IdempotencyRecord
from core.services import idempotency_records_purge
from inventory.models import StockLevel, StockMovement
from inventory.tests.factories import SkuFactory, ean13, purchase_order, stock_level
from tests.factories import ScannerDeviceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def po(warehouse):
    sku = SkuFactory(code="MUG-1", barcode=ean13(101))
    return purchase_order(lines=[(sku, 10)], warehouse=warehouse)


def _receive(api, po, key, quantity=2):
    return api.post(
        "/api/v1/receipts/",
        {"purchase_order": po.number, "barcode": ean13(101), "quantity": quantity},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_retry_with_the_same_key_replays_the_first_response(api, po, warehouse):
    # given a receipt sent with a key
    first = _receive(api, po, "scan-0001")
    # when the terminal retries the same request (the response was lost on Wi-Fi)
    retry = _receive(api, po, "scan-0001")
    # then it gets the same response, marked as a replay, and stock rose once
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert StockLevel.objects.get(warehouse=warehouse).on_hand == 2
    assert StockMovement.objects.count() == 1


def test_same_key_with_a_different_body_is_422(api, po, warehouse):
    _receive(api, po, "scan-0001", quantity=2)
    response = _receive(api, po, "scan-0001", quantity=3)
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert StockLevel.objects.get(warehouse=warehouse).on_hand == 2


def test_same_key_on_another_endpoint_is_422(api, po):
    _receive(api, po, "scan-0001")
    response = api.post(
        "/api/v1/counts/",
        {"barcode": ean13(101), "counted": 0},
        format="json",
        HTTP_IDEMPOTENCY_KEY="scan-0001",
    )
    assert response.status_code == 422


def test_keys_are_per_device(api, po, warehouse):
    # given another device at the same warehouse that happens to use the same key
    other = ScannerDeviceFactory(warehouse=warehouse)
    _receive(api, po, "k1")
    api.credentials(HTTP_AUTHORIZATION=f"Token {other.token}")
    # when it sends its own receipt with that key
    response = _receive(api, po, "k1")
    # then it is a new request, not a replay
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert StockLevel.objects.get(warehouse=warehouse).on_hand == 4


def test_a_refused_write_is_replayed_as_refused(api, po, warehouse):
    # given an over-receipt refused with 409
    first = _receive(api, po, "k-over", quantity=11)
    assert first.status_code == 409
    # when retried, the same 409 comes back and nothing changed
    retry = _receive(api, po, "k-over", quantity=11)
    assert retry.status_code == 409
    assert retry.json() == first.json()
    assert not StockMovement.objects.exists()


def test_validation_errors_are_not_stored(api, po):
    # a 400 means the request never ran: the client may fix it and reuse the key
    bad = api.post("/api/v1/receipts/", {"quantity": 0}, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    assert _receive(api, po, "k2").status_code == 201


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "ключ"])
def test_malformed_key_is_400(api, po, key):
    response = api.post(
        "/api/v1/receipts/",
        {"purchase_order": po.number, "barcode": ean13(101)},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not StockMovement.objects.exists()


def test_key_and_effect_are_recorded_together(api, po):
    _receive(api, po, "k3")
    record = IdempotencyRecord.objects.get()
    assert (record.key, record.method, record.path, record.status_code) == (
        "k3",
        "POST",
        "/api/v1/receipts/",
        201,
    )
    assert record.response_body["on_hand"] == 2


def test_purge_removes_only_keys_older_than_the_ttl(api, warehouse, settings):
    # given a count recorded 49 hours ago and one just now (TTL 48 h)
    settings.ZAPAS = {**settings.ZAPAS, "IDEMPOTENCY_TTL_HOURS": 48}
    sku = SkuFactory(barcode=ean13(5))
    stock_level(sku=sku, warehouse=warehouse, on_hand=1)
    for key in ("old", "new"):
        api.post(
            "/api/v1/counts/",
            {"barcode": ean13(5), "counted": 1},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=49)
    )
    # when purged
    deleted = idempotency_records_purge()
    # then only the old one is gone
    assert deleted == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_purge_task_is_scheduled():
    from django_celery_beat.models import PeriodicTask

    entry = PeriodicTask.objects.get(name="Purge old idempotency keys")
    assert entry.task == "core.tasks.idempotency_records_purge"
