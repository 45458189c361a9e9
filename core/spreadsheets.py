"""Cells for files people open in a spreadsheet: text is never taken for a formula.

A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is a formula to
Excel, LibreOffice and Google Sheets: a SKU name such as ``=HYPERLINK("http://…")`` from an
import would run on the buyer's or the supplier's machine (CSV injection, OWASP). CSV cells are
prefixed with an apostrophe, the convention those programs hide; XLSX cells are stored as text.
"""

from __future__ import annotations

import io
from typing import Any

from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats

from core.errors import DomainError
from core.uploads import cells_check, rows_check, upload_size_check, xlsx_archive_check

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
    """django-import-export's CSV format with every exported cell made safe (``csv_cell``);
    an import is checked against the upload limits (``core.uploads``)."""

    def create_dataset(self, in_stream, **kwargs):
        upload_size_check(in_stream)
        return _dataset_check(super().create_dataset(in_stream, **kwargs))

    def export_data(self, dataset, **kwargs):
        dataset = dataset.__class__(
            *[[csv_cell(cell) for cell in row] for row in dataset],
            headers=dataset.headers,
            title=dataset.title,
        )
        return super().export_data(dataset, **kwargs)


def _dataset_check(dataset):
    """Rows and cell lengths of an imported dataset within ``core.uploads``' limits."""
    rows_check(len(dataset))
    for line, row in enumerate(dataset, start=2):
        cells_check(row, line=line)
    return dataset


class SafeXLSX(base_formats.XLSX):
    """django-import-export's XLSX format with formula-like text stored as text cells: the value
    is kept as it is (the library's own escaping would drop the ``=``) and never evaluated.
    An import is checked against the upload limits (``core.uploads``) before openpyxl unpacks
    anything."""

    def create_dataset(self, in_stream):
        upload_size_check(in_stream)
        xlsx_archive_check(in_stream)
        return _dataset_check(super().create_dataset(in_stream))

    def export_data(self, dataset, **kwargs):
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = (dataset.title or "Sheet")[:31]
        if dataset.headers:
            xlsx_row_append(sheet, list(dataset.headers))
        for row in dataset:
            xlsx_row_append(sheet, list(row))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


# The only formats the admin offers for import and export: TSV, ODS, HTML and the rest would
# need their own escaping, and nobody asked for them.
FORMATS = [SafeCSV, SafeXLSX]


class SafeImportExportModelAdmin(ImportExportModelAdmin):
    """``ImportExportModelAdmin`` offering only ``FORMATS``: every admin export is safe to open
    in a spreadsheet (a test checks that no registered admin offers another format)."""

    formats = FORMATS
    import_formats = FORMATS
    export_formats = FORMATS

    def add_data_read_fail_error_to_form(self, form, e):
        # A refused upload (too large, too many rows, a zip bomb) says why, not just its type.
        if isinstance(e, DomainError):
            form.add_error("import_file", e.message)
        else:
            super().add_data_read_fail_error_to_form(form, e)
