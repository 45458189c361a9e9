"""A purchase order as a file for the supplier (CSV or XLSX), one row per line."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Literal

from core.errors import InvalidInput
from core.spreadsheets import csv_cell, xlsx_row_append
from inventory.models import PurchaseOrder, SupplierItem

EXPORT_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_EXPORT_HEADER = [
    "PO number",
    "Order date",
    "Supplier",
    "Supplier item code",
    "Offer id",
    "Name",
    "Barcode",
    "Quantity",
    "Unit cost",
    "Line total",
    "Currency",
    "Expected arrival",
]


def _export_rows(purchase_order: PurchaseOrder) -> list[list]:
    po = PurchaseOrder.objects.select_related("supplier").get(pk=purchase_order.pk)
    lines = list(po.lines.select_related("sku").prefetch_related("sku__barcodes").order_by("id"))
    codes = dict(
        SupplierItem.objects.filter(
            supplier_id=po.supplier_id, sku_id__in=[line.sku_id for line in lines]
        ).values_list("sku_id", "supplier_code")
    )
    rows = []
    for line in lines:
        barcodes = sorted(b.code for b in line.sku.barcodes.all())
        rows.append(
            [
                po.number,
                po.order_date.isoformat(),
                po.supplier.name,
                codes.get(line.sku_id, ""),
                line.sku.code,
                line.sku.name,
                barcodes[0] if barcodes else "",
                line.quantity_ordered,
                line.unit_cost,
                (line.unit_cost * line.quantity_ordered).quantize(Decimal("0.01")),
                po.supplier.currency,
                po.expected_arrival.isoformat() if po.expected_arrival else "",
            ]
        )
    total = sum((row[9] for row in rows), Decimal("0.00"))
    units = sum(row[7] for row in rows)
    rows.append(["Total", "", "", "", "", "", "", units, "", total, po.supplier.currency, ""])
    return rows


def purchase_order_export(
    *, purchase_order: PurchaseOrder, fmt: Literal["csv", "xlsx"] = "csv"
) -> bytes:
    """The PO as a file for the supplier: one row per line (UTF-8 CSV with BOM, or XLSX)."""
    rows = _export_rows(purchase_order)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(_EXPORT_HEADER)
        writer.writerows([[csv_cell(v) for v in row] for row in rows])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = str(rows[0][0] if rows else "PO")[:31]
        sheet.append(_EXPORT_HEADER)
        for row in rows:
            xlsx_row_append(sheet, [float(v) if isinstance(v, Decimal) else v for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    raise InvalidInput(f"Unknown export format {fmt!r}; use csv or xlsx.", code="invalid_format")
