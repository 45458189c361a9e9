"""``core.sql.update_many`` on stock rows: one prepared UPDATE per row, values converted by their fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core import sql
from inventory.models import StockLevel
from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level

pytestmark = pytest.mark.django_db


def test_update_many_sets_each_row_its_own_values_and_leaves_others_alone():
    warehouse = WarehouseFactory()
    first, second, untouched = (
        stock_level(sku=SkuFactory(), warehouse=warehouse, on_hand=10) for _ in range(3)
    )
    moment = datetime(2026, 12, 3, 9, 30, 15, 250000, tzinfo=UTC)

    sql.update_many(
        StockLevel,
        ["reserved", "updated_at"],
        [(4, moment, first.pk), (7, moment, second.pk)],
    )
    sql.update_many(StockLevel, ["reserved"], [])  # nothing to do is no statement

    rows = {row.pk: row for row in StockLevel.objects.all()}
    assert (rows[first.pk].reserved, rows[second.pk].reserved) == (4, 7)
    assert rows[first.pk].updated_at == moment  # an aware datetime survives the round trip
    assert (rows[untouched.pk].reserved, rows[untouched.pk].updated_at) == (
        0,
        untouched.updated_at,
    )


def test_update_many_is_checked_by_the_database_constraints():
    level = stock_level(sku=SkuFactory(), warehouse=WarehouseFactory(), on_hand=3)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        sql.update_many(StockLevel, ["reserved"], [(4, level.pk)])  # more than on hand
