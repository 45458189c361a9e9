"""Order endpoints: pick list, pack by scanning, hand-over (one and batch), order list."""

import pytest

from fulfilment.models import Order
from fulfilment.services import order_pack
from fulfilment.tests.factories import order as make_order
from inventory.models import Barcode, StockLevel
from inventory.tests.factories import SkuFactory, WarehouseFactory, ean13, stock_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def mug(warehouse):
    sku = SkuFactory(code="MUG-1", name="Mug", barcode=ean13(101))
    stock_level(sku=sku, warehouse=warehouse, on_hand=10)
    return sku


@pytest.fixture
def cup(warehouse):
    sku = SkuFactory(code="CUP-1", name="Cup", barcode=ean13(202))
    stock_level(sku=sku, warehouse=warehouse, on_hand=10)
    return sku


def _pack(api, number, barcode, **extra):
    return api.post(
        f"/api/v1/orders/{number}/pack-scans/", {"barcode": barcode}, format="json", **extra
    )


def test_lookup_lists_open_orders_waiting_for_the_sku(api, warehouse, mug):
    # given two open orders for mugs, one for 2 units
    first = make_order(warehouse=warehouse, lines=[(mug, 2)], number="A-1")
    make_order(warehouse=warehouse, lines=[(mug, 1)], number="A-2")
    # when the mug is scanned
    body = api.get(f"/api/v1/barcodes/{ean13(101)}/").json()
    # then both orders show, the stock reflects their reservations
    assert (body["on_hand"], body["reserved"], body["available"]) == (10, 3, 7)
    assert {o["external_number"]: o["quantity"] for o in body["open_orders"]} == {
        "A-1": 2,
        "A-2": 1,
    }
    # earliest deadline first, ties by order: the first order comes first
    assert [o["order_id"] for o in body["open_orders"]][0] == first.pk
    assert [o["external_number"] for o in body["open_orders"]] == ["A-1", "A-2"]


def test_pick_list_shows_open_orders_by_deadline_with_lines(
    api, warehouse, mug, cup, django_assert_max_num_queries
):
    # given three open orders at the warehouse and one elsewhere
    late = make_order(warehouse=warehouse, lines=[(mug, 1)], number="LATE")
    early = make_order(warehouse=warehouse, lines=[(mug, 1), (cup, 2)], number="EARLY")
    Order.objects.filter(pk=late.pk).update(ship_by=early.ship_by.replace(year=2099))
    make_order(warehouse=WarehouseFactory(), lines=[(SkuFactory(), 1)], number="ELSEWHERE")
    # when the device asks for the pick list
    with django_assert_max_num_queries(5):
        response = api.get("/api/v1/pick-list/")
    # then its orders come earliest first, with lines and barcodes
    assert response.status_code == 200
    body = response.json()
    assert [o["external_number"] for o in body] == ["EARLY", "LATE"]
    assert [(line["sku"], line["quantity"], line["barcodes"]) for line in body[0]["lines"]] == [
        ("MUG-1", 1, [ean13(101)]),
        ("CUP-1", 2, [ean13(202)]),
    ]


def test_pack_flow_wrong_item_too_many_then_packed(api, warehouse, mug, cup):
    # given an order for one mug
    make_order(warehouse=warehouse, lines=[(mug, 1)], number="P-1")
    # when a cup is scanned: refused, saying what is expected
    wrong = _pack(api, "P-1", ean13(202))
    assert wrong.status_code == 409
    assert wrong.json() == {
        "code": "wrong_item",
        "message": "CUP-1 is not on order P-1. Still to pack: MUG-1 × 1.",
        "details": {"order": "P-1", "sku": "CUP-1", "expected": {"MUG-1": 1}},
    }
    # when the mug is scanned: the order is packed
    right = _pack(api, "P-1", ean13(101))
    assert right.status_code == 200
    body = right.json()
    assert (body["sku"], body["line_packed"], body["line_quantity"]) == ("MUG-1", 1, 1)
    assert body["order_complete"] is True
    assert body["remaining"] == {}
    assert body["order"]["status"] == "awaiting_deliver"
    # when the mug is scanned again: the order is no longer open for packing
    again = _pack(api, "P-1", ean13(101))
    assert again.status_code == 409


def test_a_misscan_while_packing_says_so_and_packs_nothing(api, warehouse, mug):
    make_order(warehouse=warehouse, lines=[(mug, 1)], number="P-9")
    misread = ean13(101)[:-1] + str((int(ean13(101)[-1]) + 1) % 10)
    response = _pack(api, "P-9", misread)
    assert response.status_code == 404
    assert response.json()["code"] == "misscan"
    assert response.json()["message"].startswith(f"Mis-scan: {misread} has a wrong check digit")
    assert Order.objects.get(external_number="P-9").lines.get().packed_quantity == 0


def test_too_many_of_an_item_is_409(api, warehouse, mug, cup):
    make_order(warehouse=warehouse, lines=[(mug, 1), (cup, 1)], number="P-2")
    assert _pack(api, "P-2", ean13(101)).json()["order_complete"] is False
    response = _pack(api, "P-2", ean13(101))
    assert response.status_code == 409
    assert response.json()["code"] == "too_many"
    assert response.json()["message"] == (
        "Too many MUG-1 for order P-2: 0 left to pack, 1 scanned. Still to pack: CUP-1 × 1."
    )


def test_a_retried_pack_scan_counts_once(api, warehouse, mug):
    make_order(warehouse=warehouse, lines=[(mug, 2)], number="P-3")
    first = _pack(api, "P-3", ean13(101), HTTP_IDEMPOTENCY_KEY="s-1")
    retry = _pack(api, "P-3", ean13(101), HTTP_IDEMPOTENCY_KEY="s-1")
    assert retry.json() == first.json()
    assert retry.json()["line_packed"] == 1


def test_ship_one_order(api, warehouse, mug):
    # given a packed order for 2 mugs (10 on hand)
    order = make_order(warehouse=warehouse, lines=[(mug, 2)], number="S-1")
    order_pack(order=order)
    # when handed over
    response = api.post("/api/v1/orders/S-1/ship/")
    # then it is delivering and stock fell by 2
    assert response.status_code == 200
    assert response.json()["status"] == "delivering"
    level = StockLevel.objects.get(sku=mug, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (8, 0)


def test_ship_answers_with_the_order_as_reading_it_would(api, warehouse, mug, cup):
    # given a packed order of two SKUs, one with a second barcode
    Barcode.objects.create(sku=mug, code="MUG-BOX-6")
    order_pack(order=make_order(warehouse=warehouse, lines=[(mug, 2), (cup, 1)], number="S-9"))
    # when handed over, the answer is the order exactly as a later read shows it
    shipped = api.post("/api/v1/orders/S-9/ship/").json()
    assert shipped == api.get("/api/v1/orders/S-9/").json()
    assert [line["barcodes"] for line in shipped["lines"]] == [
        sorted([ean13(101), "MUG-BOX-6"]),
        [ean13(202)],
    ]


def test_ship_unpacked_order_is_409(api, warehouse, mug):
    make_order(warehouse=warehouse, lines=[(mug, 1)], number="S-2")
    response = api.post("/api/v1/orders/S-2/ship/")
    assert response.status_code == 409
    assert response.json()["code"] == "not_packed"


def test_ship_a_batch_reports_each_order(api, warehouse, mug):
    # given two packed orders and an unpacked one
    for number in ("B-1", "B-2"):
        order_pack(order=make_order(warehouse=warehouse, lines=[(mug, 1)], number=number))
    make_order(warehouse=warehouse, lines=[(mug, 1)], number="B-3")
    # when the batch is handed over
    response = api.post("/api/v1/shipments/", {"orders": ["B-1", "B-2", "B-3"]}, format="json")
    # then two ship and the third is reported
    assert response.status_code == 200
    body = response.json()
    assert (body["shipped"], body["failed"]) == (2, 1)
    assert [(r["order"], r["ok"], r["code"]) for r in body["results"]] == [
        ("B-1", True, None),
        ("B-2", True, None),
        ("B-3", False, "not_packed"),
    ]
    assert StockLevel.objects.get(sku=mug, warehouse=warehouse).on_hand == 8


def test_batch_with_an_unknown_order_changes_nothing(api, warehouse, mug):
    order_pack(order=make_order(warehouse=warehouse, lines=[(mug, 1)], number="B-1"))
    response = api.post("/api/v1/shipments/", {"orders": ["B-1", "NOPE"]}, format="json")
    assert response.status_code == 404
    assert Order.objects.get(external_number="B-1").status == "awaiting_deliver"


def test_order_of_another_warehouse_is_403(api, mug):
    other = WarehouseFactory(code="SPB1")
    make_order(warehouse=other, lines=[(SkuFactory(), 1)], number="X-1")
    assert api.post("/api/v1/orders/X-1/ship/").status_code == 403
    assert _pack(api, "X-1", ean13(101)).status_code == 403


def test_order_list_filters_by_status(api, warehouse, mug, django_assert_max_num_queries):
    order_pack(order=make_order(warehouse=warehouse, lines=[(mug, 1)], number="L-1"))
    make_order(warehouse=warehouse, lines=[(mug, 1)], number="L-2")
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/orders/?status=awaiting_deliver")
    assert [o["external_number"] for o in response.json()["results"]] == ["L-1"]


def test_order_representation_is_what_the_schema_serializer_gives(warehouse, mug, cup):
    # given a shipped order (every timestamp set) and an open one (none set), several barcodes
    from fulfilment.scan_apis import OrderOutSerializer, order_representation
    from fulfilment.selectors import orders_with_lines
    from fulfilment.services import order_ship
    from inventory.models import Barcode

    Barcode.objects.create(sku=mug, code="MUG-BOX-6")
    shipped = make_order(warehouse=warehouse, lines=[(mug, 2), (cup, 1)], number="S-1")
    order_ship(order=order_pack(order=shipped))
    make_order(warehouse=warehouse, lines=[(cup, 1)], number="O-1")
    for order in orders_with_lines():
        # then the hand-built JSON equals the serializer's, key order included
        fast, slow = order_representation(order), OrderOutSerializer(order).data
        assert fast == slow
        assert list(fast) == list(slow) and list(fast["lines"][0]) == list(slow["lines"][0])
    shipped_out = order_representation(orders_with_lines().get(pk=shipped.pk))
    assert shipped_out["shipped_at"] is not None and shipped_out["packed_at"] is not None
    assert sorted(shipped_out["lines"][0]["barcodes"]) == sorted([ean13(101), "MUG-BOX-6"])


def test_a_hand_over_costs_a_fixed_number_of_statements(api, warehouse, mug, cup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given a packed two-line order and a device whose token was used a moment ago (cached)
    order_pack(order=make_order(warehouse=warehouse, lines=[(mug, 2), (cup, 1)], number="S-Q"))
    assert api.get("/api/v1/me/").status_code == 200
    # when handed over with an Idempotency-Key
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/orders/S-Q/ship/", HTTP_IDEMPOTENCY_KEY="ship-S-Q")
    assert response.status_code == 200
    # then: claim the key, read the order by number, lock the order, its lines and both stock
    # rows; one statement each, whatever the number of lines, for the stock rows (one prepared
    # UPDATE executed per row), the marketplace stock-push marks and the ledger rows; reset
    # the reservations, save the order, read SKUs with barcodes, store the response. Plus the
    # key's savepoint and its release (the test runs inside a transaction; in production the
    # key's transaction is the outermost): the order's and the stock's services join it.
    kinds = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    work = [k for k in kinds if k not in ("SAVEPOINT", "RELEASE")]
    listing = "\n".join(q["sql"][:120] for q in queries.captured_queries)
    assert (len(work), len(kinds) - len(work)) == HAND_OVER_STATEMENTS, listing


# README ("API") states these figures for a two-line order: statements doing work, and
# savepoint statements. A change to what a hand-over runs must update both.
HAND_OVER_STATEMENTS = (12, 2)


def test_a_short_order_refused_under_a_key_keeps_nothing_of_its_top_up(api, warehouse, mug, cup):
    from fulfilment.models import OrderLine

    # given a packed order for a mug and 2 cups whose cups lost their reservation, 1 cup in stock
    order = order_pack(
        order=make_order(warehouse=warehouse, lines=[(mug, 1), (cup, 2)], number="S-T")
    )
    OrderLine.objects.filter(order=order, sku=cup).update(reserved_quantity=0)
    StockLevel.objects.filter(sku=cup, warehouse=warehouse).update(on_hand=1, reserved=0)
    # when it is handed over with a key, and again with the same key
    first = api.post("/api/v1/orders/S-T/ship/", HTTP_IDEMPOTENCY_KEY="ship-S-T")
    again = api.post("/api/v1/orders/S-T/ship/", HTTP_IDEMPOTENCY_KEY="ship-S-T")
    # then it is refused as short, the refusal stored and replayed, and the one cup the top-up
    # had reserved before the refusal is free again
    assert (first.status_code, first.json()["code"]) == (409, "order_short")
    assert (again.status_code, again["Idempotent-Replayed"]) == (409, "true")
    cups = StockLevel.objects.get(sku=cup, warehouse=warehouse)
    assert (cups.on_hand, cups.reserved) == (1, 0)
    assert OrderLine.objects.get(order=order, sku=cup).reserved_quantity == 0
    assert Order.objects.get(pk=order.pk).status == "awaiting_deliver"
