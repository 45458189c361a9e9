"""Fulfilment's registrations in the lower app's hooks, and its own order hooks."""

import pytest

from fulfilment import hooks, services
from fulfilment.tests.factories import order as make_order
from inventory import hooks as inventory_hooks
from inventory.services import SYSTEM
from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level


def test_short_orders_are_registered_for_freed_stock():
    assert services.short_orders_on_stock_freed in inventory_hooks.stock_freed_handlers()


@pytest.mark.django_db
def test_order_hooks_get_the_order_its_moment_and_skus(monkeypatch):
    # given recording handlers instead of the registered ones
    calls = []
    monkeypatch.setattr(
        hooks, "_shipped", [lambda o, at, ids: calls.append(("shipped", o.pk, ids))]
    )
    monkeypatch.setattr(
        hooks, "_cancelled", [lambda o, at, ids: calls.append(("cancelled", o.pk, ids))]
    )
    warehouse = WarehouseFactory()
    pen, ink = SkuFactory(code="PEN"), SkuFactory(code="INK")
    stock_level(sku=pen, warehouse=warehouse, on_hand=5)
    stock_level(sku=ink, warehouse=warehouse, on_hand=5)
    shipped = services.order_pack(order=make_order(warehouse=warehouse, lines=[(pen, 1), (ink, 1)]))
    cancelled = make_order(warehouse=warehouse, lines=[(ink, 2)])
    # when one is handed over and one cancelled
    services.order_ship(order=shipped, actor=SYSTEM)
    services.order_cancel(order=cancelled, reason="customer_request", cancelled_by="customer")
    # then each hook ran once with the order's SKUs
    assert calls == [
        ("shipped", shipped.pk, frozenset({pen.pk, ink.pk})),
        ("cancelled", cancelled.pk, frozenset({ink.pk})),
    ]
