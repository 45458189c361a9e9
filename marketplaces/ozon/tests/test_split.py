"""Split postings (``parent_posting_number``): the child takes the parent's reservations over.

The units moved to the child never pass through free stock (a short order waiting for the same
SKU does not get them), the parent keeps only what is still in it, and each posting's ship call
carries its own products.
"""

from __future__ import annotations

import pytest
from django.db.models import Sum

from fulfilment import services as orders
from fulfilment.models import Order, OrderLine, OrderStatus
from fulfilment.services import OrderLineInput
from fulfilment.split import order_split
from inventory.models import Sku, StockLevel
from marketplaces.ozon.models import Posting
from marketplaces.ozon.sync.runner import sync_run
from marketplaces.ozon.tests.fake import FakePosting

STEPS = ["warehouses", "products", "opening stock", "FBS postings"]
PARENT, CHILD, WAITING = "5000-0001-1", "5000-0001-2", "5000-0002-1"


@pytest.fixture
def split_store(fake_ozon, account, client):
    fake_ozon.add_warehouse(1001, "Kazan FBS")
    fake_ozon.add_product(501, "CUP-1", sku=9501)
    fake_ozon.add_product(502, "MUG-2", sku=9502)
    fake_ozon.set_stock(501, 1001, present=3)  # exactly what the parent wants
    fake_ozon.set_stock(502, 1001, present=5)
    fake_ozon.add_posting(
        FakePosting(
            PARENT,
            1001,
            [
                {"sku": 9501, "offer_id": "CUP-1", "quantity": 3},
                {"sku": 9502, "offer_id": "MUG-2", "quantity": 1},
            ],
        )
    )
    assert sync_run(account=account, client=client, steps=STEPS)[0].ok
    # A later posting for a cup finds none free: it waits, short.
    fake_ozon.add_posting(
        FakePosting(WAITING, 1001, [{"sku": 9501, "offer_id": "CUP-1", "quantity": 1}])
    )
    assert sync_run(account=account, client=client, steps=STEPS)[0].ok
    assert Order.objects.get(external_number=WAITING).is_short
    return fake_ozon


def _lines(number: str) -> list[tuple[str, int, int]]:
    return sorted(
        OrderLine.objects.filter(order__external_number=number).values_list(
            "sku__code", "quantity", "reserved_quantity"
        )
    )


def _levels():
    return sorted(StockLevel.objects.values_list("sku__code", "on_hand", "reserved"))


def test_a_split_moves_the_reservations_to_the_child(
    split_store, account, client, django_capture_on_commit_callbacks
):
    # given Ozon splitting two cups off the parent into a new posting
    split_store.split(PARENT, CHILD, {9501: 2})

    # when the next sync reads it
    run, steps = sync_run(account=account, client=client, steps=STEPS)

    # then the child holds the two cups with their reservations, the parent the rest
    assert run.ok
    assert _lines(CHILD) == [("CUP-1", 2, 2)]
    assert _lines(PARENT) == [("CUP-1", 1, 1), ("MUG-2", 1, 1)]
    # stock rows did not move: the units went from one order to the other, not through free
    assert _levels() == [("CUP-1", 3, 3), ("MUG-2", 5, 1)]
    assert Order.objects.get(external_number=WAITING).is_short
    assert _lines(WAITING) == [("CUP-1", 1, 0)]
    child = Order.objects.get(external_number=CHILD)
    assert (child.status, child.is_short, child.warehouse.code) == (
        OrderStatus.AWAITING_PACKAGING,
        False,
        "OZ-1001",
    )
    child_row = Posting.objects.get(posting_number=CHILD)
    assert (child_row.parent_posting_number, child_row.order_id) == (PARENT, child.pk)
    assert Posting.objects.get(posting_number=PARENT).products == [
        [9501, "CUP-1", 1],
        [9502, "MUG-2", 1],
    ]

    # and a second read changes nothing
    before = (_lines(PARENT), _lines(CHILD), _levels(), Order.objects.count())
    assert sync_run(account=account, client=client, steps=STEPS)[0].ok
    assert (_lines(PARENT), _lines(CHILD), _levels(), Order.objects.count()) == before

    # and packing each in Zapas sends Ozon each posting's own products
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_pack(order=Order.objects.get(external_number=PARENT))
        orders.order_pack(order=child)
    ships = {
        b["posting_number"]: b["packages"] for b in split_store.calls_to("/v4/posting/fbs/ship")
    }
    assert ships == {
        PARENT: [
            {"products": [{"product_id": 9501, "quantity": 1}, {"product_id": 9502, "quantity": 1}]}
        ],
        CHILD: [{"products": [{"product_id": 9501, "quantity": 2}]}],
    }


def test_a_split_that_takes_everything_closes_the_parent_without_freeing_a_unit(
    split_store, account, client
):
    # given Ozon moving every unit of the parent into the child
    split_store.split(PARENT, CHILD, {9501: 3, 9502: 1})

    assert sync_run(account=account, client=client, steps=["FBS postings"])[0].ok

    # then everything moved: the parent, left empty, is closed without freeing a unit
    assert _lines(CHILD) == [("CUP-1", 3, 3), ("MUG-2", 1, 1)]
    assert _lines(PARENT) == []
    parent = Order.objects.get(external_number=PARENT)
    assert (parent.status, parent.cancelled_by, parent.cancel_note) == (
        OrderStatus.CANCELLED,
        "marketplace",
        f"Split into {CHILD}",
    )
    assert _levels() == [("CUP-1", 3, 3), ("MUG-2", 5, 1)]
    assert _lines(WAITING) == [("CUP-1", 1, 0)]
    assert not split_store.calls_to("/v2/posting/fbs/cancel")


def test_order_split_reserves_only_the_surplus_and_is_idempotent(split_store):
    parent = Order.objects.get(external_number=PARENT)
    cup, mug = Sku.objects.get(code="CUP-1"), Sku.objects.get(code="MUG-2")

    # a child asking for more mugs than the parent had: the extra is reserved afresh
    first = order_split(
        parent=parent,
        external_number=CHILD,
        lines=[OrderLineInput(mug, 3, 0), OrderLineInput(cup, 1, 0)],
    )
    again = order_split(parent=parent, external_number=CHILD, lines=[OrderLineInput(mug, 3, 0)])

    assert (first.created, first.moved_units, first.reserved_units) == (True, 2, 2)
    assert (again.created, again.child.pk) == (False, first.child.pk)
    assert _lines(CHILD) == [("CUP-1", 1, 1), ("MUG-2", 3, 3)]
    assert _lines(PARENT) == [("CUP-1", 2, 2)]
    assert _levels() == [("CUP-1", 3, 3), ("MUG-2", 5, 3)]
    reserved = OrderLine.objects.values("order__warehouse", "sku").annotate(
        units=Sum("reserved_quantity")
    )
    assert {(r["sku"], r["units"]) for r in reserved} == {(cup.pk, 3), (mug.pk, 3)}
