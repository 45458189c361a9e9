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
