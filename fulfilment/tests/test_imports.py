"""Importing Ozon FBS postings from JSON and CSV: idempotent, with row-level errors."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from core.errors import InvalidInput
from fulfilment.imports import cancel_reason_from, cancelled_by_from, orders_import
from fulfilment.models import Order, OrderStatus, ShipBySource
from inventory.models import StockLevel
from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    warehouse = WarehouseFactory(code="MSK1")
    mug, cup = SkuFactory(code="MUG-1"), SkuFactory(code="CUP-2")
    stock_level(sku=mug, warehouse=warehouse, on_hand=10)
    stock_level(sku=cup, warehouse=warehouse, on_hand=10)
    return warehouse, mug, cup


def posting(number, status="awaiting_packaging", **extra):
    return {
        "posting_number": number,
        "status": status,
        "in_process_at": "2026-03-02T07:00:00Z",
        "shipment_date": "2026-03-03T11:00:00Z",
        "warehouse": "MSK1",
        "products": [{"offer_id": "MUG-1", "quantity": 2, "price": "499.00"}],
        **extra,
    }


def test_json_import_is_idempotent(world):
    payload = json.dumps(
        {
            "result": {
                "postings": [
                    posting(
                        "A-1", customer={"name": "Anna", "email": "a@example.com", "language": "en"}
                    ),
                    posting("A-2", status="delivering"),
                    posting(
                        "A-3",
                        status="cancelled",
                        cancellation={
                            "cancel_reason": "Товар закончился на складе продавца",
                            "cancellation_initiator": "Продавец",
                        },
                    ),
                ]
            }
        }
    )
    first = orders_import(content=payload, fmt="json")
    second = orders_import(content=payload.encode(), fmt="json")

    assert (first.read, first.created, first.updated, first.unchanged, first.errors) == (
        3,
        3,
        0,
        0,
        [],
    )
    assert (second.created, second.updated, second.unchanged, second.errors) == (0, 0, 3, [])
    orders = {o.external_number: o for o in Order.objects.all()}
    a1, a2, a3 = orders["A-1"], orders["A-2"], orders["A-3"]
    assert a1.status == OrderStatus.AWAITING_PACKAGING
    assert a1.ship_by == datetime(2026, 3, 3, 11, 0, tzinfo=UTC)
    assert a1.ship_by_source == ShipBySource.MARKETPLACE
    assert (a1.customer_name, a1.customer_contact, a1.customer_language) == (
        "Anna",
        "a@example.com",
        "en",
    )
    assert a1.lines.get().unit_price == Decimal("499.00")
    assert a2.status == OrderStatus.DELIVERING
    assert (a3.status, a3.cancel_reason, a3.cancelled_by) == ("cancelled", "out_of_stock", "seller")
    level = StockLevel.objects.get(sku__code="MUG-1")
    assert (level.on_hand, level.reserved) == (8, 2)


def test_status_moves_forward_on_a_later_import(world):
    orders_import(content=json.dumps([posting("B-1")]), fmt="json")
    report = orders_import(content=json.dumps([posting("B-1", status="delivered")]), fmt="json")
    assert (report.updated, report.errors) == (1, [])
    assert Order.objects.get().status == OrderStatus.DELIVERED
    # an older file saying it awaits packaging changes nothing
    report = orders_import(content=json.dumps([posting("B-1")]), fmt="json")
    assert report.unchanged == 1


def test_row_errors_do_not_stop_the_rest(world):
    rows = [
        posting("C-1"),
        posting("C-2", products=[{"offer_id": "NOPE", "quantity": 1}]),
        posting("C-3", products=[{"offer_id": "MUG-1", "quantity": "two"}]),
        posting("C-4", status="lost_in_space"),
        posting("C-5", in_process_at="yesterday"),
        posting("C-6", warehouse="XXX"),
        posting("", products=[]),
        "not an object",
    ]
    report = orders_import(content=json.dumps({"postings": rows}), fmt="json", skip_bad_rows=True)
    assert report.created == 1
    assert [(e.row, e.posting_number, e.code) for e in report.errors] == [
        (2, "C-2", "unknown_sku"),
        (3, "C-3", "bad_quantity"),
        (4, "C-4", "bad_status"),
        (5, "C-5", "bad_datetime"),
        (6, "C-6", "unknown_warehouse"),
        (7, "", "missing_posting_number"),
        (8, "", "bad_row"),
    ]
    assert list(Order.objects.values_list("external_number", flat=True)) == ["C-1"]


def test_a_posting_that_cannot_ship_is_rolled_back_whole(world):
    warehouse, mug, _ = world
    big = posting("D-1", status="delivering", products=[{"offer_id": "MUG-1", "quantity": 50}])
    report = orders_import(content=json.dumps([big]), fmt="json")
    assert [e.code for e in report.errors] == ["order_short"]
    assert not Order.objects.exists()
    level = StockLevel.objects.get(sku=mug, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (10, 0)


CSV = """posting_number,status,in_process_at,shipment_date,warehouse,offer_id,quantity,price,cancel_reason,cancellation_initiator,customer_name,customer_contact,customer_language
E-1,awaiting_packaging,2026-03-02 10:00:00,,MSK1,MUG-1,1,"499,50",,,Олег,oleg@example.com,ru
E-1,awaiting_packaging,2026-03-02 10:00:00,,MSK1,CUP-2,3,100,,,Олег,oleg@example.com,ru
E-2,cancelled,2026-03-02 11:00:00,2026-03-03T14:00:00+03:00,MSK1,CUP-2,1,100,customer changed mind,Покупатель,,,
E-3,awaiting_packaging,2026-03-02 11:00:00,,MSK1,CUP-2,0,100,,,,,
"""


def test_csv_import_groups_rows_by_posting(world):
    report = orders_import(content=CSV, fmt="csv", skip_bad_rows=True)
    assert (report.read, report.created) == (3, 2)
    assert [(e.row, e.code) for e in report.errors] == [(5, "bad_quantity")]
    e1 = Order.objects.get(external_number="E-1")
    assert sorted(e1.lines.values_list("sku__code", "quantity", "unit_price")) == [
        ("CUP-2", 3, Decimal("100.00")),
        ("MUG-1", 1, Decimal("499.50")),
    ]
    assert e1.ship_by_source == ShipBySource.COMPUTED
    e2 = Order.objects.get(external_number="E-2")
    assert (e2.cancel_reason, e2.cancelled_by) == ("customer_request", "customer")
    again = orders_import(content=CSV, fmt="csv", skip_bad_rows=True)
    assert (again.created, again.unchanged, again.failed) == (0, 2, 1)


def test_unreadable_files_are_refused(world):
    with pytest.raises(InvalidInput) as exc:
        orders_import(content="{nope", fmt="json")
    assert exc.value.code == "bad_file"
    with pytest.raises(InvalidInput) as exc:
        orders_import(content="a,b\n1,2\n", fmt="csv")
    assert exc.value.details["missing_columns"] == [
        "in_process_at",
        "offer_id",
        "posting_number",
        "quantity",
    ]
    with pytest.raises(InvalidInput):
        orders_import(content=b"\xff\xfe", fmt="csv")
    with pytest.raises(InvalidInput):
        orders_import(content="", fmt="xml")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("out_of_stock", "out_of_stock"),
        ("Товар закончился на складе продавца", "out_of_stock"),
        ("Истекло время сборки", "prep_time_exceeded"),
        ("Покупатель передумал", "customer_request"),
        ("Проблема с доставкой", "logistics"),
        ("Брак", "quality"),
        ("", "other"),
    ],
)
def test_cancel_reason_words(text, reason):
    assert cancel_reason_from(text) == reason


def test_cancelled_by_words():
    assert [cancelled_by_from(t) for t in ("Продавец", "Клиент", "Ozon", "")] == [
        "seller",
        "customer",
        "marketplace",
        "marketplace",
    ]


def test_import_command(world, tmp_path: Path):
    file = tmp_path / "postings.json"
    file.write_text(json.dumps([posting("F-1"), posting("F-2", warehouse="XXX")]))
    out = StringIO()
    call_command("import_orders", str(file), "--skip-bad-rows", stdout=out)
    assert "2 postings: 1 created, 0 updated, 0 unchanged, 1 failed." in out.getvalue()
    assert "row 2 F-2: unknown_warehouse" in out.getvalue()
