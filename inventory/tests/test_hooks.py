"""The stock-freed hook: called inside the stock transaction with the rows locked."""

import pytest
from django.db import connection

from inventory import hooks, services
from inventory.models import StockLevel

pytestmark = pytest.mark.django_db


def test_handlers_see_the_new_figures_inside_the_stock_transaction(sku, warehouse, monkeypatch):
    # given a handler that records what it sees
    seen = []

    def handler(pairs):
        level = StockLevel.objects.get(sku=sku, warehouse=warehouse)
        seen.append((list(pairs), level.on_hand, connection.in_atomic_block))

    monkeypatch.setattr(hooks, "_stock_freed", [handler])
    # when stock arrives, a count finds more, and a count finds less
    services.stock_receive(sku=sku, warehouse=warehouse, quantity=2)
    services.stock_count(sku=sku, warehouse=warehouse, counted=5)
    services.stock_count(sku=sku, warehouse=warehouse, counted=1)
    # then it ran twice, in the transaction, after on hand was written; a shrink frees nothing
    assert seen == [([(sku.pk, warehouse.pk)], 2, True), ([(sku.pk, warehouse.pk)], 5, True)]


def test_a_failing_handler_rolls_the_stock_change_back(sku, warehouse, monkeypatch):
    def handler(pairs):
        raise RuntimeError("handler failed")

    monkeypatch.setattr(hooks, "_stock_freed", [handler])
    with pytest.raises(RuntimeError):
        services.stock_receive(sku=sku, warehouse=warehouse, quantity=2)
    assert not StockLevel.objects.filter(sku=sku, on_hand__gt=0).exists()
    assert sku.movements.count() == 0


def test_registering_twice_keeps_one_handler(monkeypatch):
    monkeypatch.setattr(hooks, "_stock_freed", [])

    def handler(pairs):
        return None

    hooks.on_stock_freed(handler)
    hooks.on_stock_freed(handler)
    assert hooks.stock_freed_handlers() == (handler,)
