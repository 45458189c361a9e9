"""Demand cells written from an outside feed (a marketplace's FBO sales), recomputed per cell."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from django.db import transaction

from planning.models import DemandHistory, DemandSource


@transaction.atomic
def demand_cells_replace(
    *, source: str, cells: Mapping[tuple[int, date], tuple[int, int, int, Decimal]]
) -> int:
    """Set ``(units, orders, cancelled_units, revenue)`` of each (sku_id, day) cell of ``source``.

    The caller recomputes each cell from its own records (never increments), so a feed can
    replay any range any number of times. A cell set to all zeros is removed. Returns cells
    written or removed.
    """
    if source not in DemandSource.values or source in (DemandSource.ORDERS, DemandSource.IMPORT):
        raise ValueError(f"{source!r} is not an outside feed's demand source")
    keep = {k: v for k, v in cells.items() if any(v)}
    drop = [k for k in cells if k not in keep]
    removed = 0
    for sku_id, day in drop:
        removed += DemandHistory.objects.filter(sku_id=sku_id, date=day, source=source).delete()[0]
    rows = [
        DemandHistory(
            sku_id=sku_id,
            date=day,
            source=source,
            units=units,
            orders=orders,
            cancelled_units=cancelled,
            revenue=revenue,
        )
        for (sku_id, day), (units, orders, cancelled, revenue) in sorted(keep.items())
    ]
    DemandHistory.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["sku", "date", "source"],
        update_fields=["units", "orders", "cancelled_units", "revenue"],
    )
    return len(rows) + removed
