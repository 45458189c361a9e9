"""Cells for files people open in a spreadsheet: text is never taken for a formula.

A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is a formula to
Excel, LibreOffice and Google Sheets: a SKU name such as ``=HYPERLINK("http://…")`` from an
import would run on the buyer's or the supplier's machine (CSV injection, OWASP). CSV cells are
prefixed with an apostrophe, the convention those programs hide; XLSX cells are stored as text.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats

from core.errors import DomainError
from core.spreadsheet_jobs import spreadsheet_import_start
from core.uploads import (
    cells_check,
    rows_check,
    upload_limit,
    upload_size_check,
    xlsx_archive_check,
)

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

    def import_action(self, request, **kwargs):
        """A file larger than ``UPLOADS["INLINE_IMPORT_BYTES"]`` is imported as a job
        (``core.spreadsheet_jobs``) and the run's page shows the outcome; a smaller one keeps
        the library's preview and confirmation in the request."""
        if request.method == "POST" and self.has_import_permission(request):
            form = self.create_import_form(request)
            upload = form.cleaned_data.get("import_file") if form.is_valid() else None
            if upload is not None and upload.size > upload_limit("INLINE_IMPORT_BYTES"):
                try:
                    upload_size_check(upload)
                    run = spreadsheet_import_start(
                        upload=upload,
                        model=self.model,
                        resource_class=self.choose_import_resource_class(form, request),
                        file_format=self.get_import_formats()[int(form.cleaned_data["format"])],
                        encoding=self.from_encoding or "utf-8-sig",
                        user=request.user,
                    )
                except DomainError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                    return redirect(request.get_full_path())
                if run.finished:
                    level = messages.ERROR if run.status == run.Status.FAILED else messages.INFO
                    if run.result.get("status") == "failed":
                        level = messages.ERROR
                    self.message_user(
                        request, run.error or run.result["report"].splitlines()[0], level
                    )
                else:
                    self.message_user(
                        request, _("The import has started; this page shows its result.")
                    )
                return redirect("admin:core_jobrun_change", run.pk)
        return super().import_action(request, **kwargs)

    def add_data_read_fail_error_to_form(self, form, e):
        # A refused upload (too large, too many rows, a zip bomb) says why, not just its type.
        if isinstance(e, DomainError):
            form.add_error("import_file", e.message)
        else:
            super().add_data_read_fail_error_to_form(form, e)
