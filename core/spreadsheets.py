"""Cells for files people open in a spreadsheet: text is never taken for a formula.

A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is a formula to
Excel, LibreOffice and Google Sheets: a SKU name such as ``=HYPERLINK("http://…")`` from an
import would run on the buyer's or the supplier's machine (CSV injection, OWASP). CSV cells are
prefixed with an apostrophe, the convention those programs hide; XLSX cells are stored as text.
"""

from __future__ import annotations

from typing import Any

from import_export.formats import base_formats

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    """Text that a spreadsheet would evaluate; a plain number such as ``-3`` is left alone."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return False
    try:
        float(value)
    except ValueError:
        return True
    return not value.strip().lstrip("+-").replace(".", "", 1).isdigit()


def csv_cell(value: Any) -> str:
    """``value`` as CSV text that no spreadsheet evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula_like(text) else text


def xlsx_row_append(sheet, values: list[Any]) -> None:
    """Append ``values`` to an openpyxl ``sheet``; text stays text, even ``=1+1``."""
    sheet.append(values)
    for cell, value in zip(sheet[sheet.max_row], values, strict=False):
        if is_formula_like(value):
            cell.value = value
            cell.data_type = "s"


class SafeCSV(base_formats.CSV):
    """django-import-export's CSV format with every exported cell made safe (``csv_cell``)."""

    def export_data(self, dataset, **kwargs):
        dataset = dataset.__class__(
            *[[csv_cell(cell) for cell in row] for row in dataset],
            headers=dataset.headers,
            title=dataset.title,
        )
        return super().export_data(dataset, **kwargs)
