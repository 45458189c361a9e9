"""The sales import turns every unexpected value into a line-numbered bad row (issue 14,
items 2 and 10): a quantity beyond 32 bits (PostgreSQL would wrap or refuse it) and a price of
10³⁰ (which used to raise from Decimal.quantize) import nothing and say which line."""

import io

import pytest

from inventory.tests.factories import SkuFactory
from planning.models import DemandHistory
from planning.sales_import import sales_import
from planning.sales_parse import ImportOptions

pytestmark = pytest.mark.django_db

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice\n"
GOOD = "1,A1,Apple,2,2024-03-01 09:00,1.0\n"


def _import(row: str):
    SkuFactory(code="A1", barcode=False)
    return sales_import(
        file=io.BytesIO((HEADER + GOOD + row + "\n").encode()),
        file_name="sales.csv",
        options=ImportOptions(date_format="%Y-%m-%d %H:%M"),
    )


@pytest.mark.parametrize(
    "row,reason",
    [
        ("2,A1,Apple,3000000000,2024-03-01 09:00,1.0", "quantity '3000000000' is out of range"),
        ("2,A1,Apple,2147483648,2024-03-01 09:00,1.0", "quantity '2147483648' is out of range"),
        ("2,A1,Apple,4294967297,2024-03-01 09:00,1.0", "quantity '4294967297' is out of range"),
        ("2,A1,Apple,1,2024-03-01 09:00,1e30", "price '1e30' is out of range"),
        ("2,A1,Apple,1,2024-03-01 09:00,1000000000", "price '1000000000' is out of range"),
    ],
)
def test_out_of_range_values_are_bad_rows_by_line(row, reason):
    report = _import(row)
    assert report.status == "failed"
    assert [(bad.line, bad.reason.split(" (")[0]) for bad in report.bad_rows] == [(3, reason)]
    assert not DemandHistory.objects.exists()


def test_the_largest_32_bit_quantity_is_accepted():
    report = _import("2,A1,Apple,2147483645,2024-03-02 09:00,0.0001")
    assert report.status == "done"
    assert DemandHistory.objects.get(date__day=2).units == 2147483645
