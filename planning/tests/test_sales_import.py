"""The sales-history import: classification, aggregation, idempotency, files and options."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook

from core.errors import InvalidInput
from inventory.models import Sku
from inventory.tests.factories import SkuFactory
from planning.models import DemandHistory, DemandSource, SalesImport
from planning.sales_import import sales_import
from planning.sales_parse import ImportOptions, ImportReport

pytestmark = pytest.mark.django_db

HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice"]


def csv_file(rows: list[list], *, header: list[str] = HEADER, delimiter: str = ",") -> io.BytesIO:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return io.BytesIO(buffer.getvalue().encode())


def gzipped(file: io.BytesIO) -> io.BytesIO:
    return io.BytesIO(gzip.compress(file.getvalue(), mtime=0))


def cells(source: str = DemandSource.IMPORT) -> dict[tuple[str, date], tuple]:
    """DemandHistory as {(code, day): (units, orders, returned, cancelled, revenue)}."""
    return {
        (code, day): (units, orders, returned, cancelled, revenue)
        for code, day, units, orders, returned, cancelled, revenue in DemandHistory.objects.filter(
            source=source
        ).values_list(
            "sku__code",
            "date",
            "units",
            "orders",
            "returned_units",
            "cancelled_units",
            "revenue",
        )
    }


def run(file: io.BytesIO, name: str = "sales.csv", **options):
    return sales_import(file=file, file_name=name, options=ImportOptions(**options))


@pytest.fixture
def skus() -> None:
    for code in ("A1", "B2", "C3"):
        SkuFactory(code=code, barcode=False)


D1, D2, D3 = "2024-03-01", "2024-03-02", "2024-03-03"


def test_good_file_is_aggregated_to_daily_demand_per_sku(skus):
    # given three order lines of A1 on two days and one of B2
    file = csv_file(
        [
            ["1001", "A1", "Apple", "2", f"{D1} 09:00:00", "1.50"],
            ["1002", "A1", "Apple", "3", f"{D1} 17:30:00", "1.25"],
            ["1003", "A1", "Apple", "1", f"{D2} 10:00:00", "1.50"],
            ["1003", "B2", "Bread", "10", f"{D2} 10:00:00", "0.333"],
        ]
    )

    # when it is imported
    report = run(file)

    # then each (SKU, day) holds the summed units, order lines and revenue
    assert cells() == {
        ("A1", date(2024, 3, 1)): (5, 2, 0, 0, Decimal("6.75")),
        ("A1", date(2024, 3, 2)): (1, 1, 0, 0, Decimal("1.50")),
        ("B2", date(2024, 3, 2)): (10, 1, 0, 0, Decimal("3.33")),
    }
    assert report.status == "done"
    assert (report.rows_read, report.demand_rows, report.units) == (4, 4, 16)
    assert report.revenue == Decimal("11.58")
    assert (report.days, report.cells_written, report.first_date) == (2, 3, date(2024, 3, 1))
    record = SalesImport.objects.get()
    assert (record.status, record.rows_read, record.rows_imported, record.rows_skipped) == (
        "done",
        4,
        4,
        0,
    )
    assert record.file_sha256 == report.file_sha256 and len(record.file_sha256) == 64
    assert record.report["units"] == 16


def test_cancellations_returns_and_adjustments_are_kept_out_of_demand(skus):
    # given a sale, a cancelled document, a return with a price and a write-off at price 0
    file = csv_file(
        [
            ["1001", "A1", "Apple", "10", f"{D1} 09:00:00", "2.00"],
            ["C1002", "A1", "Apple", "-4", f"{D1} 10:00:00", "2.00"],
            ["1003", "A1", "Apple", "-3", f"{D1} 11:00:00", "2.00"],
            ["1004", "A1", "damages", "-7", f"{D1} 12:00:00", "0"],
            ["C1005", "B2", "Bread", "-1", f"{D2} 12:00:00", "1.00"],
        ]
    )

    # when imported
    report = run(file)

    # then demand is the sale only; cancellations and returns sit in their own columns
    assert cells() == {
        ("A1", date(2024, 3, 1)): (10, 1, 3, 4, Decimal("20.00")),
        ("B2", date(2024, 3, 2)): (0, 0, 0, 1, Decimal("0.00")),
    }
    assert (report.demand_rows, report.cancellation_rows, report.return_rows) == (1, 2, 1)
    assert (report.units, report.cancelled_units, report.returned_units) == (10, 5, 3)
    assert (report.adjustment_rows, report.adjusted_units) == (1, 7)
    assert report.rows_imported == 4 and report.rows_skipped == 1


def test_non_product_codes_are_skipped_and_reported_by_code(skus):
    # given postage, a fee, lower-case manual lines and gift vouchers among the sales
    file = csv_file(
        [
            ["1001", "A1", "Apple", "1", f"{D1} 09:00:00", "1"],
            ["1001", "POST", "POSTAGE", "1", f"{D1} 09:00:00", "18"],
            ["1002", "POST", "POSTAGE", "2", f"{D1} 09:00:00", "18"],
            ["1003", "m", "Manual", "1", f"{D1} 09:00:00", "5"],
            ["1004", "gift_0001_20", "Dotcomgiftshop Gift Voucher", "1", f"{D1} 09:00:00", "17"],
            ["1005", "AMAZONFEE", "AMAZON FEE", "1", f"{D1} 09:00:00", "100"],
            ["C1006", "D", "Discount", "-1", f"{D1} 09:00:00", "27.50"],
        ]
    )

    # when imported
    report = run(file)

    # then only A1 is demand and every skipped row is counted under its code
    assert cells() == {("A1", date(2024, 3, 1)): (1, 1, 0, 0, Decimal("1.00"))}
    assert report.skipped_by_code == {"POST": 2, "m": 1, "gift_0001_20": 1, "AMAZONFEE": 1, "D": 1}
    assert report.non_product_rows == 6
    assert report.cancellation_rows == 0
    assert not Sku.objects.filter(code__in=["POST", "m", "D"]).exists()


BAD_ROWS = [
    ["1001", "A1", "Apple", "2", f"{D1} 09:00:00", "1"],  # line 2: good
    ["1002", "A1", "Apple", "two", f"{D1} 09:00:00", "1"],  # line 3
    ["1003", "", "Apple", "1", f"{D1} 09:00:00", "1"],  # line 4
    ["1004", "B2", "Bread", "0", f"{D1} 09:00:00", "1"],  # line 5
    ["1005", "B2", "Bread", "1", "01/03/2024", "1"],  # line 6
    ["1006", "B2", "Bread", "1", f"{D1} 09:00:00", "abc"],  # line 7
    ["1007", "B2", "Bread"],  # line 8
    ["1008", "B2", "Bread", "4", f"{D2} 09:00:00", "1"],  # line 9: good
]


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(skus):
    # given a file with six bad rows among two good ones
    file = csv_file(BAD_ROWS)

    # when imported without skipping bad rows
    report = run(file)

    # then nothing is written, the import is recorded as failed and each bad line is named
    assert report.status == "failed"
    assert DemandHistory.objects.count() == 0
    assert [(bad.line, bad.reason) for bad in report.bad_rows] == [
        (3, "quantity 'two' is not a whole number"),
        (4, "missing SKU code"),
        (5, "quantity is 0"),
        (6, "date '01/03/2024' does not match '%Y-%m-%d %H:%M:%S'"),
        (7, "price 'abc' is not a number"),
        (8, "3 columns, expected at least 6"),
    ]
    assert report.bad_row_count == 6
    record = SalesImport.objects.get()
    assert (record.status, record.rows_read, record.rows_imported) == ("failed", 8, 0)
    assert record.report["bad_rows"][0] == {
        "line": 3,
        "reason": "quantity 'two' is not a whole number",
        "template": "quantity %(value)s is not a whole number",
        "params": {"value": "'two'"},
    }


def test_the_import_report_is_said_in_the_readers_language(skus):
    # given a failed import whose report was stored in English
    run(csv_file(BAD_ROWS))
    report = ImportReport.from_json(SalesImport.objects.get().report)

    # when it is shown to a Russian and a Chinese reader, and to an English one
    with translation.override("ru"):
        russian = report.lines()
    with translation.override("zh-hans"):
        chinese = report.lines()
    english = report.lines()

    # then every line but the file's name and hash follows the reader's language
    assert english[3] == (
        "rows read 8: demand 2, cancellations 0, returns 0, adjustments 0, non-product 0, "
        "bad 6, unknown SKU 0"
    )
    assert russian[2] == "прочитан как utf-8-sig, разделитель: запятая"
    assert russian[3] == (
        "прочитано строк 8: спрос 2, отмены 0, возвраты 0, корректировки 0, не товары 0, "
        "ошибочные 6, неизвестный SKU 0"
    )
    assert "line 3: quantity 'two' is not a whole number" in english
    assert "строка 3: количество 'two' — не целое число" in russian
    assert "第 3 行：数量 'two' 不是整数" in chinese
    assert russian[0].endswith(": отклонён, ничего не записано")


def test_bad_rows_can_be_skipped_and_the_good_rows_imported(skus):
    # given the same file, imported with skip_bad_rows after the failed attempt
    run(csv_file(BAD_ROWS))

    # when imported again with skip_bad_rows
    report = run(csv_file(BAD_ROWS), skip_bad_rows=True)

    # then the good rows are imported and the bad ones still reported
    assert report.status == "done"
    assert cells() == {
        ("A1", date(2024, 3, 1)): (2, 1, 0, 0, Decimal("2.00")),
        ("B2", date(2024, 3, 2)): (4, 1, 0, 0, Decimal("4.00")),
    }
    assert report.bad_row_count == 6 and report.rows_skipped == 6
    assert list(SalesImport.objects.order_by("id").values_list("status", flat=True)) == [
        "failed",
        "done",
    ]


def test_many_bad_rows_list_the_first_fifty_and_count_all(skus):
    # given 60 bad rows
    file = csv_file([["1", "A1", "x", "bad", f"{D1} 09:00:00", "1"]] * 60)

    # when imported
    report = run(file)

    # then 50 are listed (lines 2…51) and all 60 counted
    assert report.bad_row_count == 60
    assert [bad.line for bad in report.bad_rows] == list(range(2, 52))


def test_the_same_file_twice_is_unchanged_and_writes_nothing(skus):
    # given a file imported once
    rows = [
        ["1001", "A1", "Apple", "2", f"{D1} 09:00:00", "1.50"],
        ["C1002", "A1", "Apple", "-1", f"{D1} 10:00:00", "1.50"],
    ]
    first = run(csv_file(rows))
    before = cells()
    ids_before = list(DemandHistory.objects.values_list("id", flat=True))

    # when the same bytes are imported again (under another name)
    second = run(csv_file(rows), name="again.csv")

    # then nothing changes and the report says so, with the first import's figures
    assert second.status == "unchanged"
    assert second.previous_import_id == first.sales_import_id
    assert cells() == before
    assert list(DemandHistory.objects.values_list("id", flat=True)) == ids_before
    assert (second.rows_read, second.units, second.cancelled_units) == (2, 2, 1)
    assert second.cells_written == 0
    assert list(SalesImport.objects.order_by("id").values_list("status", flat=True)) == [
        "done",
        "unchanged",
    ]


def test_overlapping_file_replaces_the_days_it_covers_and_keeps_the_rest(skus):
    # given an import of days 1–2 and demand from another source on day 2
    run(
        csv_file(
            [
                ["1", "A1", "Apple", "5", f"{D1} 09:00:00", "1"],
                ["2", "A1", "Apple", "6", f"{D2} 09:00:00", "1"],
                ["3", "B2", "Bread", "7", f"{D2} 09:00:00", "1"],
            ]
        )
    )
    a1 = Sku.objects.get(code="A1")
    DemandHistory.objects.create(sku=a1, date=date(2024, 3, 2), source="orders", units=99)
    DemandHistory.objects.filter(sku=a1, date=date(2024, 3, 2), source="import").update(
        lost_units=2, stocked_out=True
    )

    # when a later export of days 2–3 says A1 sold 8 on day 2 and B2 nothing that day
    report = run(
        csv_file(
            [
                ["4", "A1", "Apple", "8", f"{D2} 09:00:00", "1"],
                ["5", "C3", "Cake", "1", f"{D3} 09:00:00", "1"],
            ]
        )
    )

    # then day 1 keeps the first file, day 2 is the second file's (B2's old cell removed), day 3 is
    # new; the orders source and the stock-out marks of updated cells are untouched
    assert cells() == {
        ("A1", date(2024, 3, 1)): (5, 1, 0, 0, Decimal("5.00")),
        ("A1", date(2024, 3, 2)): (8, 1, 0, 0, Decimal("8.00")),
        ("C3", date(2024, 3, 3)): (1, 1, 0, 0, Decimal("1.00")),
    }
    assert (report.cells_written, report.cells_removed) == (2, 1)
    assert DemandHistory.objects.get(source="orders").units == 99
    updated = DemandHistory.objects.get(sku=a1, date=date(2024, 3, 2), source="import")
    assert (updated.lost_units, updated.stocked_out) == (2, True)


def test_gzip_csv_is_read(skus):
    # given a gzip'd export
    file = gzipped(csv_file([["1", "A1", "Apple", "3", f"{D1} 09:00:00", "2"]]))

    # when imported
    report = run(file, name="sales.csv.gz")

    # then it is read like the plain file
    assert report.status == "done"
    assert cells() == {("A1", date(2024, 3, 1)): (3, 1, 0, 0, Decimal("6.00"))}


def test_xlsx_with_typed_cells_is_read(skus):
    # given an XLSX export with real dates and numbers (as spreadsheets store them)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([1001, "A1", "Apple", 2, datetime(2024, 3, 1, 9, 0), 1.5])
    sheet.append(["C1002", "A1", "Apple", -1, datetime(2024, 3, 1, 10, 0), 1.5])
    sheet.append([1003, "B2", "Bread", 4.0, datetime(2024, 3, 2, 9, 0), 0.25])
    sheet.append([1004, "B2", "Bread", 2.5, datetime(2024, 3, 2, 9, 0), 0.25])  # line 5: bad
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)

    # when imported, skipping bad rows
    report = run(buffer, name="sales.xlsx", skip_bad_rows=True)

    # then the typed cells are read and the fractional quantity is reported by its row
    assert cells() == {
        ("A1", date(2024, 3, 1)): (2, 1, 0, 1, Decimal("3.00")),
        ("B2", date(2024, 3, 2)): (4, 1, 0, 0, Decimal("1.00")),
    }
    assert [(bad.line, bad.reason) for bad in report.bad_rows] == [
        (5, "quantity '2.5' is not a whole number")
    ]


def test_column_mapping_date_format_and_delimiter_options(skus):
    # given a semicolon export with other column names, a day-first date and no price/document
    file = csv_file(
        [
            ["A1", "3", "01.03.2024 09:15"],
            ["A1", "-1", "01.03.2024 18:00"],
            ["B2", "2", "02.03.2024 10:00"],
        ],
        header=["Article", "Qty", "Sold at"],
        delimiter=";",
    )

    # when imported with the matching options
    report = run(
        file,
        sku_column="Article",
        quantity_column="Qty",
        date_column="Sold at",
        date_format="%d.%m.%Y %H:%M",
        price_column="",
        document_column="",
        description_column="",
        delimiter=";",
    )

    # then the columns are found; without a document column the negative line is a return
    assert cells() == {
        ("A1", date(2024, 3, 1)): (3, 1, 1, 0, Decimal("0.00")),
        ("B2", date(2024, 3, 2)): (2, 1, 0, 0, Decimal("0.00")),
    }
    assert report.warnings == ()


def test_a_missing_column_is_rejected_with_the_file_columns(skus):
    # given a file without the configured SKU column
    file = csv_file([["1", "3"]], header=["Doc", "Qty"])

    # when imported, then a domain error names the column and nothing is recorded
    with pytest.raises(InvalidInput) as error:
        run(file)
    assert error.value.code == "sales_import_column_missing"
    assert (
        error.value.message == "Column 'StockCode' is not in the file. Its columns are: Doc, Qty."
    )
    assert SalesImport.objects.count() == 0


def test_a_missing_optional_column_is_a_warning(skus):
    # given a file without a price column
    file = csv_file([["1", "A1", "Apple", "3", f"{D1} 09:00:00"]], header=HEADER[:5])

    # when imported with the default options
    report = run(file)

    # then it imports without revenue and warns
    assert cells() == {("A1", date(2024, 3, 1)): (3, 1, 0, 0, Decimal("0.00"))}
    assert report.warnings == ("column 'UnitPrice' not in the file: not used",)


UNKNOWN_ROWS = [
    ["1", "A1", "Apple", "1", f"{D1} 09:00:00", "1"],
    ["2", "Z9", "", "2", f"{D1} 09:00:00", "3.10"],
    ["3", "Z9", "  ZEBRA MUG ", "5", f"{D2} 09:00:00", "3.20"],
    ["C4", "Y8", "Yak", "-1", f"{D2} 09:00:00", "4"],
]


def test_unknown_skus_fail_the_import_by_default(skus):
    # given rows of two SKUs the catalogue does not have
    # when imported without create_skus or skip_unknown_skus
    report = run(csv_file(UNKNOWN_ROWS))

    # then nothing is imported and the unknown codes are reported
    assert report.status == "failed"
    assert DemandHistory.objects.count() == 0
    assert report.unknown_skus == ("Y8", "Z9")
    assert (report.unknown_sku_count, report.unknown_sku_rows) == (2, 3)
    assert SalesImport.objects.get().status == "failed"


def test_unknown_skus_can_be_left_out(skus):
    # when imported with skip_unknown_skus
    report = run(csv_file(UNKNOWN_ROWS), skip_unknown_skus=True)

    # then their rows are left out and reported; the known SKU is imported
    assert report.status == "done"
    assert cells() == {("A1", date(2024, 3, 1)): (1, 1, 0, 0, Decimal("1.00"))}
    assert report.unknown_skus == ("Y8", "Z9")
    assert (report.unknown_sku_count, report.unknown_sku_rows) == (2, 3)
    assert (report.demand_rows, report.cancellation_rows, report.units) == (1, 0, 1)
    assert report.rows_skipped == 3
    assert not Sku.objects.filter(code="Z9").exists()


def test_unknown_skus_are_created_on_request(skus):
    # when the same rows are imported with create_skus
    report = run(csv_file(UNKNOWN_ROWS), create_skus=True)

    # then the SKUs are created (name from the first description, price of that row) and imported
    assert report.skus_created == 2 and report.unknown_sku_count == 0
    zebra = Sku.objects.get(code="Z9")
    assert (zebra.name, zebra.sale_price) == ("ZEBRA MUG", Decimal("3.20"))
    assert Sku.objects.get(code="Y8").name == "Y8"  # no demand row with a description
    assert cells()[("Z9", date(2024, 3, 1))] == (2, 1, 0, 0, Decimal("6.20"))
    assert cells()[("Y8", date(2024, 3, 2))] == (0, 0, 0, 1, Decimal("0.00"))


def test_upper_codes_merges_case_variants(skus):
    # given the same product written as a1 and A1
    file = csv_file(
        [
            ["1", "A1", "Apple", "1", f"{D1} 09:00:00", "1"],
            ["2", "a1", "Apple", "2", f"{D1} 09:00:00", "1"],
        ]
    )

    # when imported with upper_codes
    run(file, upper_codes=True)

    # then both lines count for A1
    assert cells() == {("A1", date(2024, 3, 1)): (3, 2, 0, 0, Decimal("3.00"))}


def test_dry_run_reports_and_writes_nothing(skus):
    # given a file with an unknown SKU
    # when dry-run with create_skus
    report = sales_import(
        file=csv_file(UNKNOWN_ROWS),
        file_name="x.csv",
        options=ImportOptions(create_skus=True),
        dry_run=True,
    )

    # then the report shows what would happen and nothing is written
    assert report.dry_run and report.skus_created == 2 and report.units == 8
    assert DemandHistory.objects.count() == 0
    assert SalesImport.objects.count() == 0
    assert not Sku.objects.filter(code="Z9").exists()
