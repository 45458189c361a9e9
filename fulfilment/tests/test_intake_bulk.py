"""Bulk intake keeps order_intake's rules: idempotent, earliest deadline served first, no half-writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fulfilment.intake_bulk import OrderIntakeInput, orders_intake_bulk
from fulfilment.models import Order, OrderLine
from fulfilment.services import OrderLineInput
from inventory.models import StockLevel
from inventory.services import stock_opening_balances, stock_receive
from inventory.tests.factories import SkuFactory, WarehouseFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _order(number, warehouse, lines, hours):
    return OrderIntakeInput(
        external_number=number,
        warehouse=warehouse,
        scheme="fbs",
        accepted_at=NOW,
        lines=lines,
        ship_by=NOW + timedelta(hours=hours),
    )


def test_a_batch_reserves_earliest_deadlines_first_and_is_idempotent():
    warehouse, sku = WarehouseFactory(), SkuFactory()
    stock_receive(sku=sku, warehouse=warehouse, quantity=3)
    batch = [
        _order("LATE", warehouse, [OrderLineInput(sku, 2)], hours=30),
        _order("EARLY", warehouse, [OrderLineInput(sku, 1), OrderLineInput(sku, 1)], hours=5),
        _order("BAD", warehouse, [OrderLineInput(sku, 0)], hours=1),
    ]
    result = orders_intake_bulk(channel="ozon", orders=batch)

    assert sorted(o.external_number for o in result.created) == ["EARLY", "LATE"]
    assert list(result.rejected) == ["BAD"]
    lines = dict(OrderLine.objects.values_list("order__external_number", "reserved_quantity"))
    assert lines == {"EARLY": 2, "LATE": 1}  # two EARLY lines of one SKU became one line
    assert dict(Order.objects.values_list("external_number", "is_short")) == {
        "EARLY": False,
        "LATE": True,
    }
    assert Order.objects.get(external_number="EARLY").ship_by_source == "marketplace"

    again = orders_intake_bulk(channel="ozon", orders=batch)
    assert (again.created, sorted(o.external_number for o in again.existing)) == (
        [],
        ["EARLY", "LATE"],
    )
    level = StockLevel.objects.get(sku=sku, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (3, 3)


def test_opening_balances_only_where_the_ledger_is_empty():
    warehouse, fresh, counted = WarehouseFactory(), SkuFactory(), SkuFactory()
    stock_receive(sku=counted, warehouse=warehouse, quantity=5)

    written = stock_opening_balances(
        warehouse=warehouse, lines=[(fresh.pk, 7), (counted.pk, 40), (SkuFactory().pk, 0)]
    )

    assert written == 1
    levels = dict(StockLevel.objects.values_list("sku_id", "on_hand"))
    assert levels[fresh.pk] == 7 and levels[counted.pk] == 5
    assert stock_opening_balances(warehouse=warehouse, lines=[(fresh.pk, 9)]) == 0
