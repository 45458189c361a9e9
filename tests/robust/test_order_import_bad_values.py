"""The order importer turns every unexpected value into a per-row error, and a file is either
imported or not at all (``skip_bad_rows`` imports the good rows and reports the bad)."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from fulfilment.imports import orders_import
from fulfilment.models import Order, OrderLine
from inventory.models import StockLevel
from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    warehouse = WarehouseFactory(code="MSK1")
    mug = SkuFactory(code="MUG-1")
    stock_level(sku=mug, warehouse=warehouse, on_hand=10)
    return warehouse, mug


def posting(number="P-1", quantity=1, price="10.00", **extra):
    return {
        "posting_number": number,
        "status": "awaiting_packaging",
        "in_process_at": "2026-03-02T07:00:00Z",
        "warehouse": "MSK1",
        "products": [{"offer_id": "MUG-1", "quantity": quantity, "price": price}],
        **extra,
    }


def _import(*postings, skip_bad_rows=False):
    return orders_import(
        content=json.dumps({"postings": list(postings)}), fmt="json", skip_bad_rows=skip_bad_rows
    )


BAD = {
    "price NaN": (posting(price="NaN"), "bad_price"),
    "price 1e30": (posting(price=1e30), "bad_price"),
    "price negative": (posting(price="-1"), "bad_price"),
    "quantity 10^20": (posting(quantity=10**20), "bad_quantity"),
    "quantity 2^31": (posting(quantity=2**31), "bad_quantity"),
    "quantity 2^32+1 (wrapped to 1)": (posting(quantity=2**32 + 1), "bad_quantity"),
    "quantity 3e9 (wrapped negative)": (posting(quantity=3_000_000_000), "bad_quantity"),
    "quantity -1": (posting(quantity=-1), "bad_quantity"),
    "quantity 1.5": (posting(quantity=1.5), "bad_quantity"),
    "in_process_at 9999-12-31": (posting(in_process_at="9999-12-31T00:00:00Z"), "bad_datetime"),
    "in_process_at 2099": (posting(in_process_at="2099-01-01T00:00:00Z"), "bad_datetime"),
    "in_process_at 2026-02-30": (posting(in_process_at="2026-02-30T10:00:00Z"), "bad_datetime"),
    "NUL byte in the number": (posting(number="P-\x00-1"), "bad_posting_number"),
    "5,000-character number": (posting(number="P" * 5000), "bad_posting_number"),
    "10 MB customer name": (
        posting(customer={"name": "x" * 10_000_000}),
        "bad_customer",
    ),
    "unknown scheme": (posting(scheme="drop"), "bad_scheme"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_value_is_a_row_error_and_the_file_imports_nothing(world, case):
    bad, code = BAD[case]
    bad["posting_number"] = bad["posting_number"] if case.endswith("number") else "BAD-1"
    # given a good posting before the bad one
    report = _import(posting("GOOD-1"), bad)
    # then the bad row is reported with its position and code, and nothing was written
    assert report.status == "failed"
    assert [(e.row, e.code) for e in report.errors] == [(2, code)]
    assert report.created == 0
    assert Order.objects.count() == 0
    assert StockLevel.objects.get().reserved == 0


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_skip_bad_rows_imports_the_good_and_reports_the_bad(world, case):
    bad, code = BAD[case]
    report = _import(posting("GOOD-1"), bad, skip_bad_rows=True)
    assert report.status == "done"
    assert report.created == 1
    assert [e.code for e in report.errors] == [code]
    assert list(Order.objects.values_list("external_number", flat=True)) == ["GOOD-1"]


def test_the_largest_quantity_the_column_holds_is_stored_exactly(world):
    report = _import(posting(quantity=2**31 - 1))
    assert report.created == 1 and not report.errors
    assert OrderLine.objects.get().quantity == 2**31 - 1


def test_100000_deep_json_is_a_file_error(world):
    with pytest.raises(InvalidInput) as caught:
        orders_import(content="[" * 100_000 + "]" * 100_000, fmt="json")
    assert caught.value.code == "bad_file"


def test_a_10_mb_csv_field_is_a_file_error_with_its_line(world):
    content = (
        "posting_number,in_process_at,warehouse,offer_id,quantity\n"
        "C-1,2026-03-02T07:00:00Z,MSK1,MUG-1,1\n"
        f'C-2,2026-03-02T07:00:00Z,MSK1,"{"x" * 10_000_000}",1\n'
    )
    with pytest.raises(InvalidInput) as caught:
        orders_import(content=content, fmt="csv")
    assert caught.value.code == "bad_file"
    assert caught.value.details == {"line": 3}
    assert Order.objects.count() == 0


def test_a_posting_that_fails_while_applied_rolls_the_file_back(world):
    # given a file whose second posting cancels an order that is already delivered here
    _import(posting("D-1", status="delivered"))
    report = _import(posting("N-1"), posting("D-1", status="cancelled"))
    # then the new posting N-1 is not left behind
    assert report.status == "failed"
    assert [e.code for e in report.errors] == ["status_conflict"]
    assert not Order.objects.filter(external_number="N-1").exists()


# --- property: random bad rows never leave a file half-imported ------------------------------

_example = itertools.count()


@settings(max_examples=25, deadline=None)
@given(
    layout=st.lists(st.sampled_from(["good", *BAD]), min_size=1, max_size=6),
    skip=st.booleans(),
)
def test_random_bad_rows_never_leave_a_file_half_imported(layout, skip):
    # given a fresh warehouse and SKU per example (examples share the test's transaction)
    n = next(_example)
    warehouse = WarehouseFactory(code=f"PROP-{n}")
    sku = SkuFactory()
    stock_level(sku=sku, warehouse=warehouse, on_hand=100)
    rows = []
    for index, case in enumerate(layout):
        row = posting() if case == "good" else json.loads(json.dumps(BAD[case][0]))
        if case == "good" or BAD[case][1] != "bad_posting_number":
            row["posting_number"] = f"H-{n}-{index}"
        row["warehouse"] = warehouse.code
        row["products"] = [{**p, "offer_id": sku.code} for p in row["products"]]
        rows.append(row)
    bad = sum(case != "good" for case in layout)
    # when the file is imported
    report = _import(*rows, skip_bad_rows=skip)
    # then either nothing or exactly the good rows went in, and every bad row is reported
    imported = Order.objects.filter(warehouse=warehouse).count()
    if bad and not skip:
        assert report.status == "failed" and imported == 0
    else:
        assert imported == len(rows) - bad == report.created
    assert len(report.errors) == bad
    # and stock reservations agree with the orders taken in
    level = StockLevel.objects.get(sku=sku, warehouse=warehouse)
    assert level.reserved == sum(
        OrderLine.objects.filter(sku=sku).values_list("reserved_quantity", flat=True)
    )
