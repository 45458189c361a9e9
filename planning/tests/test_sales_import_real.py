"""The import on a real sample (UCI Online Retail), through the command and the admin.

``data/online_retail_sample.csv.gz`` holds the header, the first 2,000 invoice lines of
/work/shared/data/online_retail (2010-12-01 …) and, from the following days, the first 150
cancellation lines, 40 stock write-offs (negative, price 0) and 60 non-product lines. The
totals below were computed with pandas (``read_csv`` + boolean masks + ``groupby``); the cells
are also checked one by one against a plain reference calculation in this file.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from planning.models import DemandHistory, SalesImport
from planning.sales_import import sales_import
from planning.sales_parse import ImportOptions

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "online_retail_sample.csv.gz"
NON_PRODUCT = {"POST", "DOT", "M", "C2", "D", "S", "B", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS"}


def reference_cells() -> dict[tuple[str, date], tuple[int, int, int, int, Decimal]]:
    """(code, day) -> (units, orders, returned, cancelled, revenue), by the simplest rules."""
    out: dict = defaultdict(lambda: [0, 0, 0, 0, Decimal(0)])
    with gzip.open(SAMPLE, "rt", encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            code, qty = row["StockCode"], int(row["Quantity"])
            price = Decimal(row["UnitPrice"])
            if code.upper() in NON_PRODUCT or code.upper().startswith("GIFT_0001_"):
                continue
            key = (code, date.fromisoformat(row["InvoiceDate"][:10]))
            if row["InvoiceNo"].startswith("C"):
                out[key][3] += abs(qty)
            elif qty < 0 and price == 0:
                continue  # a write-off
            elif qty < 0:
                out[key][2] += -qty
            else:
                out[key][0] += qty
                out[key][1] += 1
                out[key][4] += qty * price
    return {
        key: (u, o, r, c, rev.quantize(Decimal("0.01"), ROUND_HALF_UP))
        for key, (u, o, r, c, rev) in out.items()
    }


def imported_cells() -> dict:
    return {
        (code, day): (units, orders, returned, cancelled, revenue)
        for code, day, units, orders, returned, cancelled, revenue in DemandHistory.objects.values_list(
            "sku__code", "date", "units", "orders", "returned_units", "cancelled_units", "revenue"
        )
    }


def test_online_retail_sample_imports_with_exact_figures():
    # given the real sample and an empty catalogue
    # when it is imported, creating the SKUs
    with SAMPLE.open("rb") as file:
        report = sales_import(
            file=file, file_name=SAMPLE.name, options=ImportOptions(create_skus=True)
        )

    # then the figures are those computed independently with pandas
    assert report.status == "done"
    assert report.rows_read == 2250
    assert (report.demand_rows, report.units) == (1969, 18576)
    assert (report.cancellation_rows, report.cancelled_units) == (167, 11193)
    assert (report.return_rows, report.returned_units) == (0, 0)
    assert (report.adjustment_rows, report.adjusted_units) == (40, 1691)
    assert report.non_product_rows == 74
    assert report.skipped_by_code == {
        "C2": 16,
        "POST": 14,
        "D": 11,
        "AMAZONFEE": 9,
        "DOT": 6,
        "M": 5,
        "BANK CHARGES": 5,
        "S": 2,
        "gift_0001_20": 2,
        "gift_0001_30": 1,
        "gift_0001_40": 1,
        "gift_0001_50": 1,
        "m": 1,
    }
    assert report.bad_row_count == 0
    assert report.revenue == Decimal("37432.63")
    assert (report.skus_created, report.cells_written, report.days) == (1082, 1178, 6)
    assert (report.first_date, report.last_date) == (date(2010, 12, 1), date(2010, 12, 7))
    cells = imported_cells()
    assert cells[("85123A", date(2010, 12, 1))] == (177, 12, 0, 0, Decimal("482.79"))
    assert cells[("22423", date(2010, 12, 1))] == (66, 8, 0, 0, Decimal("811.50"))
    # and every cell matches the reference calculation
    assert cells == reference_cells()


def test_command_imports_the_sample_and_is_idempotent():
    # given the sample imported by the command
    out = io.StringIO()
    call_command("import_sales", str(SAMPLE), "--create-skus", stdout=out)
    first = imported_cells()

    # when the command runs again on the same file
    again = io.StringIO()
    call_command("import_sales", str(SAMPLE), "--create-skus", stdout=again)

    # then the second run writes nothing and says so
    assert out.getvalue().splitlines()[0] == "online_retail_sample.csv.gz: imported"
    assert "rows read 2,250: demand 1,969, cancellations 167" in out.getvalue()
    assert "non-product codes skipped: C2 16, POST 14, D 11" in out.getvalue()
    assert again.getvalue().splitlines()[0] == (
        "online_retail_sample.csv.gz: already imported, nothing written"
    )
    assert imported_cells() == first
    assert list(SalesImport.objects.order_by("id").values_list("status", flat=True)) == [
        "done",
        "unchanged",
    ]


def test_command_fails_on_bad_rows_and_dry_run_writes_nothing(tmp_path):
    # given a file with one bad row
    path = tmp_path / "bad.csv"
    path.write_text(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice\n"
        "1,A1,Apple,1,2024-03-01 09:00:00,1\n"
        "2,A1,Apple,x,2024-03-01 09:00:00,1\n"
    )

    # when imported, then the command fails naming the line
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 1 bad rows"):
        call_command("import_sales", str(path), "--create-skus", stdout=out)
    assert "line 3: quantity 'x' is not a whole number" in out.getvalue()

    # and a dry run with --skip-bad-rows reports without writing
    out = io.StringIO()
    call_command(
        "import_sales", str(path), "--create-skus", "--skip-bad-rows", "--dry-run", stdout=out
    )
    assert out.getvalue().startswith("bad.csv: dry run (would import), nothing written")
    assert DemandHistory.objects.count() == 0


def test_command_refuses_unknown_skus_unless_told(tmp_path):
    # given the sample and an empty catalogue
    # when imported without --create-skus, then nothing is imported
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 1082 unknown SKUs"):
        call_command("import_sales", str(SAMPLE), stdout=out)
    assert "unknown SKUs not imported (1,082): 10002, 10125" in out.getvalue()
    assert DemandHistory.objects.count() == 0

    # and with --skip-unknown-skus the (empty) rest is imported
    call_command("import_sales", str(SAMPLE), "--skip-unknown-skus", stdout=io.StringIO())
    assert SalesImport.objects.order_by("-id").first().status == "done"


def test_command_rejects_a_file_without_the_columns(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="Column 'StockCode' is not in the file"):
        call_command("import_sales", str(path), stdout=io.StringIO())


FORM = {
    "preset": "online_retail",
    "sku_column": "StockCode",
    "quantity_column": "Quantity",
    "date_column": "InvoiceDate",
    "date_format": "%Y-%m-%d %H:%M:%S",
    "price_column": "UnitPrice",
    "document_column": "InvoiceNo",
    "description_column": "Description",
    "cancelled_prefix": "C",
    "exclude_codes": "POST,DOT,M,C2,D,S,B,BANK CHARGES,AMAZONFEE,CRUK,PADS,gift_0001_*",
    "create_skus": "on",
}


def test_admin_import_page_and_upload(
    admin_client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    # given the admin's import page
    changelist = admin_client.get("/admin/planning/salesimport/")
    page = admin_client.get("/admin/planning/salesimport/import/")
    assert changelist.status_code == 200 and page.status_code == 200
    assert b"Import sales history" in changelist.content
    assert b'name="file"' in page.content

    # when the sample is uploaded
    upload = SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        started = admin_client.post("/admin/planning/salesimport/import/", {**FORM, "file": upload})

    # then it is imported as a job, whose page shows the run and the report
    assert started.status_code == 302 and started.url.startswith("/admin/core/jobrun/")
    response = admin_client.get(started.url)
    assert response.status_code == 200
    assert b"online_retail_sample.csv.gz: imported" in response.content
    assert b"rows read 2,250" in response.content
    assert DemandHistory.objects.count() == 1178
    record = SalesImport.objects.get()
    assert record.status == "done"
    detail = admin_client.get(f"/admin/planning/salesimport/{record.pk}/change/")
    assert detail.status_code == 200 and b"units demanded 18,576" in detail.content
    assert admin_client.get("/admin/planning/demandhistory/").status_code == 200


def test_admin_upload_of_a_bad_file_shows_the_error(
    admin_client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("x.csv", b"a,b\n1,2\n")
    with django_capture_on_commit_callbacks(execute=True):
        started = admin_client.post("/admin/planning/salesimport/import/", {**FORM, "file": upload})
    response = admin_client.get(started.url)
    assert response.status_code == 200
    assert b"Column &#x27;StockCode&#x27; is not in the file" in response.content
    assert SalesImport.objects.count() == 0
    assert list(tmp_path.rglob("*.*")) == []  # the stored upload is removed after the run
