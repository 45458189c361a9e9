"""Reads of inventory data. Each selector owns its joins so that lists never fall into N+1."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from core import sql
from core.barcodes import unknown_barcode_error
from inventory.models import (
    Barcode,
    PurchaseOrder,
    PurchaseOrderLine,
    Sku,
    StockLevel,
    StockMovement,
    Supplier,
    Transfer,
    TransferLine,
)


def skus_with_barcodes(*, sku_ids: Iterable[int]) -> dict[int, tuple[Sku, list[str]]]:
    """SKU id → (the SKU with its code and name loaded, its barcodes in code order), in one
    statement of plain columns (``sql.loader``; a hand-over answers with them on every scan)."""
    wanted = sorted(set(sku_ids))
    if not wanted:
        return {}
    columns, load = sql.loader(Sku, ("id", "code", "name"), alias="s")
    statement = (
        f"SELECT {columns}, b.{sql.column(Barcode, 'code')}"
        f" FROM {sql.table(Sku)} s LEFT JOIN {sql.table(Barcode)} b"
        f" ON b.{sql.column(Barcode, 'sku')} = s.{sql.column(Sku, 'id')}"
        f" WHERE s.{sql.column(Sku, 'id')} IN ({', '.join(['%s'] * len(wanted))})"
        f" ORDER BY s.{sql.column(Sku, 'id')}, b.{sql.column(Barcode, 'code')}"
    )
    found: dict[int, tuple[Sku, list[str]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(statement, wanted)
        for row in cursor.fetchall():
            entry = found.get(row[0])
            if entry is None:
                entry = found[row[0]] = (load(row), [])
            if row[3] is not None:
                entry[1].append(row[3])
    return found


def sku_by_barcode(code: str) -> Sku:
    """The SKU with this barcode (or this offer id).

    ``NotFound``: ``unknown_barcode``, or ``misscan`` for a GS1 number with a wrong check digit.
    """
    code = (code or "").strip()
    barcode = Barcode.objects.select_related("sku").filter(code=code).first()
    if barcode is not None:
        return barcode.sku
    sku = Sku.objects.filter(code=code).first()
    if sku is None:
        raise unknown_barcode_error(code)
    return sku


def _sum_subquery(queryset: QuerySet, group_by: str, field: str) -> Coalesce:
    """``SUM(field)`` of ``queryset`` rows for the outer row, 0 when there are none.

    A correlated subquery rather than ``Sum()`` over a join: the totals stay right whatever
    other joins (admin search on barcodes, filters) the outer query picks up.
    """
    total = queryset.order_by().values(group_by).annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def sku_queryset_with_stock(queryset: QuerySet[Sku] | None = None) -> QuerySet[Sku]:
    """SKUs with ``total_on_hand``, ``total_reserved`` and ``total_available`` over warehouses."""
    queryset = Sku.objects.all() if queryset is None else queryset
    levels = StockLevel.objects.filter(sku=OuterRef("pk"))
    return queryset.annotate(
        total_on_hand=_sum_subquery(levels, "sku", "on_hand"),
        total_reserved=_sum_subquery(levels, "sku", "reserved"),
    ).annotate(total_available=F("total_on_hand") - F("total_reserved"))


def supplier_queryset_with_counts(queryset: QuerySet[Supplier] | None = None) -> QuerySet[Supplier]:
    """Suppliers with ``item_count`` (SKUs they supply) and ``open_po_count``."""
    queryset = Supplier.objects.all() if queryset is None else queryset
    return queryset.annotate(
        item_count=Count("items", distinct=True),
        open_po_count=Count(
            "purchase_orders",
            filter=Q(purchase_orders__status__in=PurchaseOrder.OPEN_STATUSES),
            distinct=True,
        ),
    )


def purchase_order_queryset_with_totals(
    queryset: QuerySet[PurchaseOrder] | None = None,
) -> QuerySet[PurchaseOrder]:
    """POs with ``line_count``, ``units_ordered``, ``units_received`` and ``value_ordered`` (in
    the supplier's currency); supplier and warehouse joined."""
    queryset = PurchaseOrder.objects.all() if queryset is None else queryset
    lines = PurchaseOrderLine.objects.filter(purchase_order=OuterRef("pk"))
    count = lines.order_by().values("purchase_order").annotate(n=Count("pk")).values("n")
    return queryset.select_related("supplier", "warehouse").annotate(
        line_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
        units_ordered=_sum_subquery(lines, "purchase_order", "quantity_ordered"),
        units_received=_sum_subquery(lines, "purchase_order", "quantity_received"),
        # In the supplier's currency (PurchaseOrder.supplier.currency).
        value_ordered=Coalesce(
            Subquery(
                lines.order_by()
                .values("purchase_order")
                .annotate(total=Sum(F("quantity_ordered") * F("unit_cost")))
                .values("total"),
                output_field=DecimalField(max_digits=16, decimal_places=2),
            ),
            Value(Decimal("0")),
        ),
    )


def transfer_queryset_with_totals(
    queryset: QuerySet[Transfer] | None = None,
) -> QuerySet[Transfer]:
    """Transfers with ``units`` (planned) and ``units_in_transit``; warehouses joined."""
    queryset = Transfer.objects.all() if queryset is None else queryset
    lines = TransferLine.objects.filter(transfer=OuterRef("pk"))
    return (
        queryset.select_related("source", "destination")
        .annotate(
            units=_sum_subquery(lines, "transfer", "quantity"),
            units_dispatched=_sum_subquery(lines, "transfer", "quantity_dispatched"),
            units_received=_sum_subquery(lines, "transfer", "quantity_received"),
        )
        .annotate(units_in_transit=F("units_dispatched") - F("units_received"))
    )


@dataclass(frozen=True)
class StockDrift:
    """A stock level whose on hand differs from the sum of its ledger (units)."""

    sku_code: str
    warehouse_code: str
    on_hand: int
    ledger_sum: int

    @property
    def difference(self) -> int:
        return self.on_hand - self.ledger_sum


@dataclass(frozen=True)
class StockAnomaly:
    """A level that breaks an invariant the database constraints should already enforce."""

    sku_code: str
    warehouse_code: str
    on_hand: int
    reserved: int
    problem: str


def stock_drift() -> list[StockDrift]:
    """Every level whose on hand ≠ Σ ledger, plus ledger rows without a level (on hand 0).

    Two queries whatever the number of levels: one over the levels with the ledger sum as a
    correlated aggregate (served by the (sku, warehouse, created_at) index), one for orphans.
    """
    ledger = StockMovement.objects.filter(
        sku_id=OuterRef("sku_id"), warehouse_id=OuterRef("warehouse_id")
    )
    drifted = (
        StockLevel.objects.annotate(
            ledger_sum=_sum_subquery(ledger, "sku_id", "quantity"),
        )
        .exclude(on_hand=F("ledger_sum"))
        .order_by("sku__code", "warehouse__code")
        .values_list("sku__code", "warehouse__code", "on_hand", "ledger_sum")
    )
    result = [StockDrift(*row) for row in drifted]
    level_exists = StockLevel.objects.filter(
        sku_id=OuterRef("sku_id"), warehouse_id=OuterRef("warehouse_id")
    )
    orphans = (
        StockMovement.objects.filter(~Exists(level_exists))
        .order_by()
        .values("sku__code", "warehouse__code")
        .annotate(total=Sum("quantity"))
        .order_by("sku__code", "warehouse__code")
        .values_list("sku__code", "warehouse__code", "total")
    )
    result += [StockDrift(sku, warehouse, 0, total) for sku, warehouse, total in orphans]
    return result


def stock_anomalies() -> list[StockAnomaly]:
    """Levels with negative quantities or more reserved than on hand (one query)."""
    rows = (
        StockLevel.objects.filter(
            Q(on_hand__lt=0) | Q(reserved__lt=0) | Q(reserved__gt=F("on_hand"))
        )
        .order_by("sku__code", "warehouse__code")
        .values_list("sku__code", "warehouse__code", "on_hand", "reserved")
    )
    anomalies = []
    for sku, warehouse, on_hand, reserved in rows:
        problems = []
        if on_hand < 0:
            problems.append("negative on hand")
        if reserved < 0:
            problems.append("negative reserved")
        if reserved > on_hand:
            problems.append("reserved exceeds on hand")
        anomalies.append(StockAnomaly(sku, warehouse, on_hand, reserved, ", ".join(problems)))
    return anomalies
