"""Exports never hand a spreadsheet a formula (CSV injection)."""

import io

import pytest
from openpyxl import load_workbook

from core.spreadsheets import csv_cell
from inventory.exports import purchase_order_export
from inventory.tests.factories import SkuFactory, purchase_order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+7 999", "'+7 999"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-3", "-3"),
        ("Mug", "Mug"),
    ],
)
def test_csv_cells(value, cell):
    assert csv_cell(value) == cell


def test_po_export_escapes_formula_like_names(warehouse):
    sku = SkuFactory(name='=HYPERLINK("http://x","y")')
    po = purchase_order(lines=[(sku, 2)], warehouse=warehouse)
    text = purchase_order_export(purchase_order=po, fmt="csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    book = load_workbook(io.BytesIO(purchase_order_export(purchase_order=po, fmt="xlsx")))
    cells = [c for c in book.active[2] if c.value == '=HYPERLINK("http://x","y")']
    assert cells and cells[0].data_type == "s"


def test_every_admin_import_export_offers_only_safe_formats():
    # given every model admin with django-import-export
    from django.apps import apps
    from django.contrib import admin
    from import_export.mixins import BaseImportExportMixin

    from core.spreadsheets import FORMATS

    registered = [
        admin.site.get_model_admin(m) for m in apps.get_models() if admin.site.is_registered(m)
    ]
    admins = [a for a in registered if isinstance(a, BaseImportExportMixin)]
    # then each offers our escaping CSV and XLSX, nothing else
    assert len(admins) >= 3
    for model_admin in admins:
        assert list(model_admin.get_export_formats()) == FORMATS, model_admin
        assert list(model_admin.get_import_formats()) == FORMATS, model_admin


@pytest.mark.parametrize("fmt", [0, 1])
def test_sku_admin_export_keeps_formula_like_text_as_text(client, fmt):
    # given a SKU whose name and code a spreadsheet would evaluate
    from django.urls import reverse

    from inventory.tests.factories import StaffUserFactory

    SkuFactory(code="@SUM(1)", name='=HYPERLINK("http://x","y")')
    client.force_login(StaffUserFactory(is_superuser=True))
    # when the admin exports the SKUs (every field)
    response = client.post(
        reverse("admin:inventory_sku_export"),
        {"format": str(fmt), "resource": "0", "export_items": [], **_all_fields()},
    )
    assert response.status_code == 200, response.content[:500]
    if fmt == 0:
        text = response.content.decode("utf-8-sig")
        # then CSV cells carry the apostrophe spreadsheets hide
        assert "'@SUM(1)" in text
        assert "'=HYPERLINK" in text
    else:
        # then the XLSX stores the exact text as text cells, never a formula
        sheet = load_workbook(io.BytesIO(response.content)).active
        cells = {c.value: c.data_type for row in sheet.iter_rows() for c in row}
        assert cells['=HYPERLINK("http://x","y")'] == "s"
        assert cells["@SUM(1)"] == "s"


def _all_fields() -> dict:
    from inventory.resources import SkuResource

    resource = SkuResource()
    return {f"skuresource_{f.column_name}": "on" for f in resource.get_export_fields()}
