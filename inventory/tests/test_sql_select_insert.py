"""``core.sql.select``/``loader`` and ``insert`` on inventory rows: plain columns through
``Model.from_db()``, the rest deferred; new rows in one statement with their ids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core import sql
from inventory.models import Sku, StockLevel
from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level

pytestmark = pytest.mark.django_db


def test_select_loads_the_plain_columns_and_defers_the_rest():
    sku = SkuFactory(code="MUG-1", name="Mug")
    level = stock_level(sku=sku, warehouse=WarehouseFactory(), on_hand=7)

    [row] = sql.select(
        StockLevel, ("reserved", "id", "sku", "on_hand"), "WHERE id = %s", [level.pk]
    )
    columns, load = sql.loader(Sku, ("id", "code", "name"), alias="s")

    assert (row.pk, row.sku_id, row.on_hand, row.reserved) == (level.pk, sku.pk, 7, 0)
    assert row.get_deferred_fields() == {"warehouse_id", "updated_at"}
    assert row.updated_at == level.updated_at  # a deferred field loads on access
    assert [name.split(".")[0] for name in columns.split(", ")] == ["s", "s", "s"]
    loaded = load((sku.pk, "MUG-1", "Mug", "an extra column"))
    assert (loaded.pk, loaded.code, loaded.name) == (sku.pk, "MUG-1", "Mug")
    assert "unit_cost" in loaded.get_deferred_fields()


def test_select_refuses_a_field_that_needs_converting():
    # a datetime (text on SQLite), a decimal: only Manager.raw() converts them
    for model, field in ((StockLevel, "updated_at"), (Sku, "unit_cost")):
        with pytest.raises(ValueError, match="Manager.raw"):
            sql.loader(model, ("id", field))


def test_insert_writes_every_field_and_gives_the_rows_their_ids():
    from inventory.models import MovementKind, StockMovement

    sku, warehouse = SkuFactory(), WarehouseFactory()
    moment = datetime(2026, 12, 4, 3, 10, 0, 123000, tzinfo=UTC)
    movements = [
        StockMovement(
            sku_id=sku.pk,
            warehouse_id=warehouse.pk,
            kind=MovementKind.OPENING,
            quantity=quantity,
            on_hand_after=quantity,
            reason=f"opening {quantity}",
            device="TSD-1",
            created_at=moment,
        )
        for quantity in (3, 5)
    ]

    sql.insert(movements)
    sql.insert([])  # nothing to write is no statement

    stored = {m.pk: m for m in StockMovement.objects.filter(sku=sku)}
    assert sorted(stored) == sorted(m.pk for m in movements) and None not in stored
    for movement in movements:
        again = stored[movement.pk]
        assert (again.quantity, again.reason, again.device, again.created_at) == (
            movement.quantity,
            f"opening {movement.quantity}",
            "TSD-1",
            moment,
        )
        assert not movement._state.adding  # saved: the append-only save() refuses a change
