"""Uploads are checked before they are parsed (issue 14, item 9): the upload's size, what an
XLSX unpacks to (zip bombs), rows and characters per cell, each refusal saying why and
importing nothing."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core.errors import InvalidInput
from inventory.models import Sku
from inventory.tests.factories import SkuFactory, StaffUserFactory
from planning.models import DemandHistory
from planning.sales_import import sales_import
from planning.sales_parse import ImportOptions

pytestmark = pytest.mark.django_db

HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice"]
MB = 1024 * 1024


@pytest.fixture
def limits(settings):
    def set_limits(**changes):
        settings.ZAPAS = {**settings.ZAPAS, "UPLOADS": {**settings.ZAPAS["UPLOADS"], **changes}}

    return set_limits


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bomb() -> bytes:
    """A small XLSX that unpacks to about 3 MB (one long text repeated in 100 cells)."""
    rows = [HEADER] + [[n, "A1", "x" * 30_000, 1, datetime(2024, 3, 1), 1.0] for n in range(100)]
    return _xlsx(rows)


def _csv(rows: int) -> bytes:
    lines = [",".join(HEADER)] + [f"{n},A1,Apple,1,2024-03-01 09:00,1.0" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _import(data: bytes, name: str):
    return sales_import(
        file=io.BytesIO(data),
        file_name=name,
        options=ImportOptions(date_format="%Y-%m-%d %H:%M"),
    )


@pytest.fixture
def sku(db):
    return SkuFactory(code="A1", barcode=False)


def test_a_zip_bomb_is_refused_before_openpyxl_unpacks_it(sku, limits, monkeypatch):
    limits(MAX_XLSX_UNPACKED_BYTES=1 * MB)
    data = _bomb()
    assert len(data) < 200_000  # small on the wire
    monkeypatch.setattr(
        "openpyxl.load_workbook", lambda *a, **k: pytest.fail("openpyxl opened the bomb")
    )
    with pytest.raises(InvalidInput) as refused:
        _import(data, "sales.xlsx")
    assert refused.value.code == "xlsx_too_large"
    assert "at most 1.0 MB" in refused.value.message
    assert not DemandHistory.objects.exists()


def test_an_xlsx_within_the_limit_is_read(sku, limits):
    limits(MAX_XLSX_UNPACKED_BYTES=10 * MB, MAX_CELL_CHARS=40_000)
    report = _import(_bomb(), "sales.xlsx")
    assert report.status == "done"
    assert DemandHistory.objects.get().units == 100


def test_a_broken_archive_is_a_clear_error(sku):
    with pytest.raises(InvalidInput) as refused:
        _import(b"PK\x03\x04" + b"\x00" * 100, "sales.xlsx")
    assert refused.value.code in ("xlsx_unreadable", "sales_import_unreadable")


@pytest.mark.parametrize("name,data", [("sales.csv", _csv(6)), ("sales.xlsx", None)])
def test_too_many_rows_import_nothing(sku, limits, name, data):
    limits(MAX_ROWS=5)
    if data is None:
        data = _xlsx(
            [HEADER] + [[n, "A1", "Apple", 1, datetime(2024, 3, 1), 1.0] for n in range(6)]
        )
    with pytest.raises(InvalidInput) as refused:
        _import(data, name)
    assert refused.value.code == "too_many_rows"
    assert not DemandHistory.objects.exists()


def test_five_rows_are_within_a_limit_of_five(sku, limits):
    limits(MAX_ROWS=6)  # the header and five rows
    assert _import(_csv(5), "sales.csv").status == "done"


def test_an_overlong_cell_is_refused_with_its_line(sku, limits):
    limits(MAX_CELL_CHARS=1_000)
    data = _xlsx([HEADER, [1, "A1", "Apple", 1, datetime(2024, 3, 1), 1.0], [2, "A1", "y" * 1001]])
    with pytest.raises(InvalidInput) as refused:
        _import(data, "sales.xlsx")
    assert refused.value.code == "cell_too_long"
    assert refused.value.message.startswith("Line 3 has a cell of 1,001 characters")
    assert not DemandHistory.objects.exists()


# --- through the admin ------------------------------------------------------------------------


@pytest.fixture
def staff(client):
    client.force_login(StaffUserFactory())
    return client


def test_the_sales_import_form_refuses_a_file_over_the_upload_limit(staff, sku, limits):
    limits(MAX_BYTES=100)
    response = staff.post(
        reverse("admin:planning_salesimport_import"),
        {"file": SimpleUploadedFile("sales.csv", _csv(10)), "dry_run": ""},
    )
    assert response.status_code == 200
    assert "at most 0.0 MB are accepted" in response.content.decode()
    assert not DemandHistory.objects.exists()


def _format(form, label: str) -> str:
    return next(value for value, text in form.fields["format"].choices if text.lower() == label)


def test_the_sku_import_refuses_a_zip_bomb_and_says_why(staff, limits, monkeypatch):
    limits(MAX_XLSX_UNPACKED_BYTES=1 * MB)
    url = reverse("admin:inventory_sku_import")
    form = staff.get(url).context["form"]
    bomb = _xlsx([["code", "name"]] + [[f"S-{n}", "z" * 30_000] for n in range(100)])
    monkeypatch.setattr(
        "openpyxl.load_workbook", lambda *a, **k: pytest.fail("openpyxl opened the bomb")
    )
    response = staff.post(
        url,
        {
            "format": _format(form, "xlsx"),
            "resource": "0",
            "import_file": SimpleUploadedFile("skus.xlsx", bomb),
        },
    )
    assert response.status_code == 200
    assert "unpacks to" in response.content.decode()
    assert not Sku.objects.exists()


def test_the_sku_import_refuses_too_many_rows(staff, limits):
    limits(MAX_ROWS=2)
    url = reverse("admin:inventory_sku_import")
    form = staff.get(url).context["form"]
    rows = "code,name\n" + "".join(f"S-{n},Name\n" for n in range(3))
    response = staff.post(
        url,
        {
            "format": _format(form, "csv"),
            "resource": "0",
            "import_file": SimpleUploadedFile("skus.csv", rows.encode()),
        },
    )
    assert "more than 2 rows" in response.content.decode()
    assert not Sku.objects.exists()
