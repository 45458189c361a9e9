"""Sales exports as sellers have them: Windows-1251 and UTF-16 files, semicolons, decimal
commas, numbers out of range, the Ozon and 1C presets, progress, and Planners importing."""

from __future__ import annotations

import gzip
import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from core.jobs import jobs_registered
from core.models import JobRun
from inventory.tests.factories import SkuFactory, UserFactory
from planning.models import DemandHistory, SalesImport
from planning.sales_import import sales_import
from planning.sales_parse import (
    PRESETS,
    ImportOptions,
    detect_delimiter,
    detect_encoding,
)

pytestmark = pytest.mark.django_db

ONLINE_RETAIL = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice\n"


def run(data: bytes, name: str = "sales.csv", **options):
    return sales_import(file=io.BytesIO(data), file_name=name, options=ImportOptions(**options))


def cells() -> dict[tuple[str, date], tuple[int, int, int, Decimal]]:
    return {
        (code, day): (units, orders, cancelled, revenue)
        for code, day, units, orders, cancelled, revenue in DemandHistory.objects.values_list(
            "sku__code", "date", "units", "orders", "cancelled_units", "revenue"
        )
    }


@pytest.fixture
def skus():
    for code in ("A1", "B2", "ЧАЙ-1"):
        SkuFactory(code=code, barcode=False)


# --- encoding and delimiter ------------------------------------------------------------------

RUSSIAN_1C = (
    "Дата;Документ;Артикул;Номенклатура;Количество;Цена\r\n"
    "15.03.2024 10:23:45;Реализация 0001;ЧАЙ-1;Чай чёрный «Байховый», 100 г;2,000;1 234,50\r\n"
    "15.03.2024 18:00:00;Реализация 0002;ЧАЙ-1;Чай чёрный «Байховый», 100 г;1;1 234,50\r\n"
    "16.03.2024;Реализация 0003;A1;Яблоко сушёное;3;99,90\r\n"
)


def test_windows_1251_semicolon_file_from_1c_is_detected_and_imported(skus):
    # given a 1C report saved by Russian Windows: cp1251, ";", decimal commas, 2,000 units
    data = RUSSIAN_1C.encode("cp1251")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    # when it is imported with the 1C preset and nothing else said
    report = sales_import(
        file=io.BytesIO(data), file_name="1c.csv", options=PRESETS["1c_sales"].options()
    )

    # then the encoding and the delimiter were found and every figure is right
    assert report.status == SalesImport.Status.DONE, report.lines()
    assert report.encoding == "cp1251"
    assert report.delimiter == ";"
    assert "read as cp1251, semicolon-separated" in report.lines()
    assert cells() == {
        ("ЧАЙ-1", date(2024, 3, 15)): (3, 2, 0, Decimal("3703.50")),
        ("A1", date(2024, 3, 16)): (3, 1, 0, Decimal("299.70")),
    }


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8-sig"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("cp1251", "cp1251"),
    ],
)
def test_encoding_detection(encoding, expected):
    text = RUSSIAN_1C * 3
    assert detect_encoding(text.encode(encoding)) == expected


def test_a_utf8_character_cut_by_the_sample_is_still_utf8():
    data = ("Артикул;Количество\n" * 10).encode()[:-2] + "Ж".encode()[:1]
    assert detect_encoding(data) == "utf-8-sig"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("InvoiceNo,StockCode,Quantity", ","),
        ("Дата;Артикул;Количество", ";"),
        ("a\tb\tc", "\t"),
        ("a|b|c", "|"),
        ("single", ","),
    ],
)
def test_delimiter_detection(header, expected):
    assert detect_delimiter(header) == expected


def test_utf16_tab_separated_excel_text_is_read(skus):
    # Excel's "Unicode text": UTF-16 with a BOM, tab-separated
    text = ONLINE_RETAIL.replace(",", "\t") + "1\tA1\tApple\t2\t2024-03-01 09:00:00\t1.5\n"
    report = run(text.encode("utf-16"))
    assert (report.status, report.encoding, report.delimiter) == ("done", "utf-16", "\t")
    assert cells() == {("A1", date(2024, 3, 1)): (2, 1, 0, Decimal("3.00"))}


def test_gzip_of_a_windows_1251_file_is_detected_too(skus):
    data = gzip.compress(RUSSIAN_1C.encode("cp1251"), mtime=0)
    report = sales_import(
        file=io.BytesIO(data), file_name="1c.csv.gz", options=PRESETS["1c_sales"].options()
    )
    assert (report.status, report.encoding, report.delimiter) == ("done", "cp1251", ";")


def test_an_explicit_encoding_and_delimiter_are_kept(skus):
    data = (ONLINE_RETAIL + "1,A1,Apple,2,2024-03-01 09:00:00,1.5\n").encode("latin-1")
    report = run(data, encoding="latin-1", delimiter=",")
    assert (report.status, report.encoding, report.delimiter) == ("done", "latin-1", ",")


# --- numbers out of range --------------------------------------------------------------------


def test_out_of_range_numbers_are_bad_rows_with_their_line(skus):
    # given a file whose quantities and prices do not fit the columns
    data = (
        ONLINE_RETAIL
        + "1,A1,Apple,2,2024-03-01 09:00:00,1.5\n"
        + "2,A1,Apple,99999999999999999999,2024-03-01 09:00:00,1.5\n"
        + '3,A1,Apple,"99999,99999,99999,99999",2024-03-01 09:00:00,1.5\n'
        + "4,B2,Bread,3000000000,2024-03-01 09:00:00,1.5\n"
        + "5,B2,Bread,1,2024-03-01 09:00:00,1e30\n"
        + "6,B2,Bread,1,2024-03-01 09:00:00,10000000000\n"
        + "7,B2,Bread,-3000000000,2024-03-01 09:00:00,1.5\n"
    ).encode()

    # when it is imported, it is refused and each bad line is named
    report = run(data)
    assert report.status == SalesImport.Status.FAILED
    assert [(bad.line, bad.reason.split(" ")[0]) for bad in report.bad_rows] == [
        (3, "quantity"),
        (4, "quantity"),
        (5, "quantity"),
        (6, "price"),
        (7, "price"),
        (8, "quantity"),
    ]
    assert report.bad_rows[0].reason == (
        "quantity '99999999999999999999' is out of range (-2,147,483,647 to 2,147,483,647 a line)"
    )
    assert report.bad_rows[1].reason == ("quantity '99999,99999,99999,99999' is not a whole number")
    assert DemandHistory.objects.count() == 0

    # and with "skip bad rows" the good row alone is imported (no database error)
    report = run(data, name="again.csv", skip_bad_rows=True)
    assert report.status == SalesImport.Status.DONE
    assert cells() == {("A1", date(2024, 3, 1)): (2, 1, 0, Decimal("3.00"))}


def test_a_day_total_beyond_the_column_is_a_bad_row(skus):
    rows = "".join(f"{n},A1,Apple,1000000,2024-03-01 09:00:00,0\n" for n in range(2148))
    report = run((ONLINE_RETAIL + rows).encode(), skip_bad_rows=True)
    assert report.status == SalesImport.Status.DONE
    assert report.bad_row_count == 1
    assert report.bad_rows[0].line == 2149
    assert cells()[("A1", date(2024, 3, 1))][0] == 2_147_000_000


def test_admin_upload_with_out_of_range_values_and_skip_bad_rows_is_no_500(
    admin_client, skus, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    data = (
        ONLINE_RETAIL
        + "1,A1,Apple,2,2024-03-01 09:00:00,1.5\n"
        + "2,A1,Apple,99999999999999999999,2024-03-01 09:00:00,1.5\n"
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):
        started = admin_client.post(
            "/admin/planning/salesimport/import/",
            {
                "preset": "online_retail",
                "skip_bad_rows": "on",
                "file": SimpleUploadedFile("big.csv", data),
            },
        )
    page = admin_client.get(started.url)
    assert page.status_code == 200
    assert b"line 3: quantity &#x27;99999999999999999999&#x27; is out of range" in page.content
    assert JobRun.objects.get().status == JobRun.Status.DONE
    assert cells() == {("A1", date(2024, 3, 1)): (2, 1, 0, Decimal("3.00"))}


# --- presets ---------------------------------------------------------------------------------

OZON_ORDERS = (
    "\ufeffНомер заказа;Номер отправления;Принят в обработку;Дата отгрузки;Статус;"
    "Наименование товара;OZON id;Артикул;Ваша цена;Количество\n"
    "0001;0001-1;2024-03-01 10:00:00;2024-03-02;Доставлен;Яблоко;111;A1;150.00;2\n"
    "0002;0002-1;2024-03-01 12:00:00;2024-03-02;Отменён;Яблоко;111;A1;150.00;1\n"
    "0003;0003-1;2024-03-02 09:00:00;2024-03-03;Доставляется;Хлеб;222;B2;45,50;4\n"
)


def test_ozon_orders_preset_counts_cancelled_postings_apart(skus):
    report = sales_import(
        file=io.BytesIO(OZON_ORDERS.encode()),
        file_name="ozon.csv",
        options=PRESETS["ozon_orders"].options(),
    )
    assert report.status == SalesImport.Status.DONE, report.lines()
    assert (report.demand_rows, report.cancellation_rows) == (2, 1)
    assert cells() == {
        ("A1", date(2024, 3, 1)): (2, 1, 1, Decimal("300.00")),
        ("B2", date(2024, 3, 2)): (4, 1, 0, Decimal("182.00")),
    }


def test_ozon_sales_preset(skus):
    data = (
        "Дата;Артикул;Название товара;Количество;Цена продавца\n"
        "01.03.2024;A1;Яблоко;5;150\n"
        "01.03.2024;A1;Яблоко;-1;150\n"
    ).encode()
    report = sales_import(
        file=io.BytesIO(data), file_name="sales.csv", options=PRESETS["ozon_sales"].options()
    )
    assert report.status == SalesImport.Status.DONE, report.lines()
    assert (report.demand_rows, report.return_rows, report.returned_units) == (1, 1, 1)


def test_admin_preset_and_overrides(
    admin_client, skus, django_capture_on_commit_callbacks, settings, tmp_path
):
    # given the 1C preset whose date column the seller renamed "Период"
    settings.MEDIA_ROOT = tmp_path
    data = RUSSIAN_1C.replace("Дата;", "Период;", 1).encode("cp1251")
    page = admin_client.get("/admin/planning/salesimport/import/")
    assert b'<option value="1c_sales">1C: sales report (Trade Management)</option>' in page.content
    assert "Принят в обработку".encode() in page.content  # the presets' table
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/planning/salesimport/import/",
            {
                "preset": "1c_sales",
                "date_column": "Период",
                "file": SimpleUploadedFile("1c.csv", data),
            },
        )
    assert SalesImport.objects.get().status == SalesImport.Status.DONE
    assert sum(units for units, *_ in cells().values()) == 6


# --- progress and who may import -------------------------------------------------------------


def test_progress_is_reported_while_reading(skus, monkeypatch):
    monkeypatch.setattr("planning.sales_parse.PROGRESS_EVERY", 100)
    rows = "".join(f"{n},A1,Apple,1,2024-03-01 09:00:00,1\n" for n in range(450))
    data = (ONLINE_RETAIL + rows).encode()
    seen = []
    sales_import(
        file=io.BytesIO(data),
        file_name="s.csv",
        options=ImportOptions(),
        progress=lambda done, total, note: seen.append((done, total, note)),
    )
    assert [note for *_, note in seen] == [f"{n} rows read" for n in (100, 200, 300, 400)]
    assert all(total == len(data) for _, total, _ in seen)
    assert [done for done, *_ in seen] == sorted(done for done, *_ in seen)


def test_the_import_job_shows_progress_on_its_run_page(
    admin_client, skus, django_capture_on_commit_callbacks, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr("planning.sales_parse.PROGRESS_EVERY", 10)
    rows = "".join(f"{n},A1,Apple,1,2024-03-01 09:00:00,1\n" for n in range(50))
    with django_capture_on_commit_callbacks(execute=True):
        started = admin_client.post(
            "/admin/planning/salesimport/import/",
            {
                "preset": "online_retail",
                "file": SimpleUploadedFile("s.csv", (ONLINE_RETAIL + rows).encode()),
            },
        )
    run = JobRun.objects.get()
    assert started.url == f"/admin/core/jobrun/{run.pk}/change/"
    assert (run.job, run.status, run.started_by.username) == ("sales_import", "done", "admin")
    assert run.percent == 100
    assert run.result["sales_import"] == SalesImport.objects.get().pk
    status = admin_client.get(f"/admin/core/jobrun/{run.pk}/status/").json()
    assert (
        status["result_url"] == f"/admin/planning/salesimport/{run.result['sales_import']}/change/"
    )
    # an import needs a file: it is no "Run now" button
    assert "sales_import" not in [job.name for job in jobs_registered()]


def test_planners_may_import_and_watch_the_run(
    client, skus, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    planner = UserFactory(username="planner", is_staff=True)
    planner.groups.add(Group.objects.get(name="Planner"))
    buyer = UserFactory(username="buyer", is_staff=True)
    buyer.groups.add(Group.objects.get(name="Buyer"))

    client.force_login(buyer)
    assert client.get("/admin/planning/salesimport/import/").status_code == 403

    client.force_login(planner)
    assert client.get("/admin/planning/salesimport/import/").status_code == 200
    data = (ONLINE_RETAIL + "1,A1,Apple,2,2024-03-01 09:00:00,1.5\n").encode()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/admin/planning/salesimport/import/",
            {"preset": "online_retail", "file": SimpleUploadedFile("s.csv", data)},
        )
    assert started.status_code == 302
    page = client.get(started.url)
    assert page.status_code == 200 and b"s.csv: imported" in page.content
    assert SalesImport.objects.get().status == SalesImport.Status.DONE
