"""The marketplace's own count of its FBO stock: replaced whole per warehouse, never a ledger."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from core.errors import InvalidInput
from inventory.models import FboStockReport, Warehouse


@dataclass(frozen=True)
class FboStockRow:
    """One SKU at one FBO warehouse, as the marketplace reports it (units)."""

    sku_id: int
    warehouse_id: int
    available: int
    in_transit: int = 0
    requested: int = 0
    daily_sales: Decimal = Decimal("0")
    days_of_cover: Decimal | None = None


def _count(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput(
            gettext("%(what)s is a whole number ≥ 0, got %(value)s.")
            % {"what": what, "value": repr(value)},
            code="bad_fbo_stock",
        )
    return value


@transaction.atomic
def fbo_stock_report_replace(
    *,
    warehouse_ids: Iterable[int],
    rows: Sequence[FboStockRow],
    reported_at: datetime | None = None,
) -> tuple[int, int]:
    """Make the report of ``warehouse_ids`` exactly ``rows``: upsert them, drop the rest.

    Every row must belong to one of ``warehouse_ids``, which must be FBO warehouses, and a
    (SKU, warehouse) pair appears once; anything else raises ``InvalidInput`` and writes
    nothing. Stock levels and the ledger are not touched. Returns (rows written, rows dropped).
    """
    scope = set(warehouse_ids)
    kinds = dict(Warehouse.objects.filter(pk__in=scope).values_list("pk", "kind"))
    if set(kinds) != scope or any(kind != Warehouse.Kind.FBO for kind in kinds.values()):
        raise InvalidInput(
            gettext("FBO stock is reported for FBO warehouses only."), code="not_fbo"
        )
    at = reported_at or timezone.now()
    seen: set[tuple[int, int]] = set()
    objs = []
    for row in rows:
        key = (row.sku_id, row.warehouse_id)
        if row.warehouse_id not in scope:
            raise InvalidInput(
                gettext("Warehouse %(warehouse)s is not being reported.")
                % {"warehouse": row.warehouse_id}
            )
        if key in seen:
            raise InvalidInput(
                gettext("SKU %(sku)s twice at warehouse %(warehouse)s.")
                % {"sku": row.sku_id, "warehouse": row.warehouse_id}
            )
        seen.add(key)
        if row.daily_sales < 0 or (row.days_of_cover is not None and row.days_of_cover < 0):
            raise InvalidInput(
                gettext("Daily sales and days of cover are ≥ 0."), code="bad_fbo_stock"
            )
        objs.append(
            FboStockReport(
                sku_id=row.sku_id,
                warehouse_id=row.warehouse_id,
                available=_count(row.available, gettext_lazy("Available stock")),
                in_transit=_count(row.in_transit, gettext_lazy("Stock in transit")),
                requested=_count(row.requested, gettext_lazy("Requested stock")),
                daily_sales=row.daily_sales,
                days_of_cover=row.days_of_cover,
                reported_at=at,
            )
        )
    stale = [
        pk
        for pk, sku_id, warehouse_id in FboStockReport.objects.filter(
            warehouse_id__in=scope
        ).values_list("pk", "sku_id", "warehouse_id")
        if (sku_id, warehouse_id) not in seen
    ]
    for start in range(0, len(stale), 500):
        FboStockReport.objects.filter(pk__in=stale[start : start + 500]).delete()
    FboStockReport.objects.bulk_create(
        objs,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["sku", "warehouse"],
        update_fields=[
            "available",
            "in_transit",
            "requested",
            "daily_sales",
            "days_of_cover",
            "reported_at",
        ],
    )
    return len(objs), len(stale)
