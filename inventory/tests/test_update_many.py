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


def test_update_many_of_one_row_and_update_row_convert_like_the_fields():
    warehouse = WarehouseFactory()
    level, other = (stock_level(sku=SkuFactory(), warehouse=warehouse, on_hand=9) for _ in "ab")
    moment = datetime(2026, 12, 4, 3, 0, 1, 500000, tzinfo=UTC)

    sql.update_many(StockLevel, ["reserved", "updated_at"], [(2, moment, level.pk)])
    changed = sql.update_row(StockLevel, other.pk, {"reserved": 5, "updated_at": moment})
    missing = sql.update_row(StockLevel, other.pk + level.pk + 1000, {"reserved": 1})

    rows = {row.pk: row for row in StockLevel.objects.all()}
    assert (rows[level.pk].reserved, rows[level.pk].updated_at) == (2, moment)
    assert (rows[other.pk].reserved, rows[other.pk].updated_at) == (5, moment)
    assert (changed, missing) == (1, 0)


def test_update_row_stores_json_as_its_field_does():
    from core.models import IdempotencyRecord

    record = IdempotencyRecord.objects.create(
        principal="device:1", key="k", method="POST", path="/x/", request_hash="h"
    )
    body = {"order": "S-1", "lines": [{"sku": "MUG-1", "barcodes": ["4600000000011"]}], "n": None}

    sql.update_row(IdempotencyRecord, record.pk, {"status_code": 200, "response_body": body})

    record.refresh_from_db()
    assert (record.status_code, record.response_body) == (200, body)
