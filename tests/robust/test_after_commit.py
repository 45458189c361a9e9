"""What runs after a commit never turns a committed success into an error; every error of the
API, even an unexpected one, is JSON ``{"code", "message", "details"}``."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import Client

from fulfilment import services as fulfilment_services
from fulfilment.models import Order, OrderStatus
from fulfilment.tests.factories import order as make_order
from inventory.models import StockLevel
from inventory.tests.factories import SkuFactory, stock_level
from planning import demand_feed

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def packed(warehouse):
    sku = SkuFactory()
    stock_level(sku=sku, warehouse=warehouse, on_hand=2)
    order = make_order(warehouse=warehouse, lines=[(sku, 1)], number="AC-1")
    fulfilment_services.order_pack(order=order)
    return order


def _feed_fails(**kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", [None, "ship-AC-1"])
def test_a_handover_whose_demand_feed_fails_after_commit_is_still_a_success(
    api, packed, monkeypatch, key
):
    # given the demand feed that runs after the hand-over commits fails (a database restart)
    monkeypatch.setattr(demand_feed, "demand_feed_schedule", _feed_fails)
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    # when the order is handed over
    response = api.post("/api/v1/orders/AC-1/ship/", **headers)
    # then the committed hand-over is answered as the success it is
    assert response.status_code == 200
    assert response.json()["status"] == OrderStatus.DELIVERING
    assert Order.objects.get(external_number="AC-1").status == OrderStatus.DELIVERING
    assert StockLevel.objects.get().on_hand == 1


def test_work_after_commit_goes_through_after_commit():
    # A failing callback after commit must be logged, not raised into the request that
    # committed: production code schedules it with core.transactions.after_commit only.
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in {".venv", "bench", "tests"} or "tests" in rel.parts:
            continue
        if rel == Path("core/transactions.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "on_commit"
            ):
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


@pytest.mark.django_db
def test_an_unexpected_error_in_a_view_is_a_json_500(api, packed, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(fulfilment_services, "order_ship_with_lines", broken)
    response = api.post("/api/v1/orders/AC-1/ship/", HTTP_IDEMPOTENCY_KEY="k-bug")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error"
    assert set(response.json()) == {"code", "message", "details"}


@pytest.mark.django_db
def test_a_lost_database_connection_is_a_json_503_with_retry_after(api, packed, monkeypatch):
    monkeypatch.setattr(fulfilment_services, "order_ship_with_lines", _feed_fails)
    response = api.post("/api/v1/orders/AC-1/ship/", HTTP_IDEMPOTENCY_KEY="k-db")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"] == "2"
    assert Order.objects.get(external_number="AC-1").status == OrderStatus.AWAITING_DELIVER


@pytest.mark.django_db
def test_unknown_api_address_is_a_json_404(api):
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [33, 1_000, 100_000])
def test_deeply_nested_json_is_a_400(api, packed, depth):
    body = "[" * depth + "]" * depth
    response = api.post("/api/v1/shipments/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.django_db
def test_a_body_over_the_limit_is_a_json_413(api, packed, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"orders": ["AC-1"] * 400})
    response = api.post("/api/v1/shipments/", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


@pytest.mark.django_db
def test_a_form_body_over_the_limit_outside_drf_is_json_too(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = Client(raise_request_exception=False)
    response = client.post("/api/v1/shipments/", {"orders": "x" * 5000})
    assert response.status_code in (401, 413)
    assert set(response.json()) == {"code", "message", "details"}
