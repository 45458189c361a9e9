"""The barcode lookup's hand-written SQL against the same question asked through the ORM."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fulfilment.lookup import OPEN_ORDERS_LIMIT, barcode_lookup
from fulfilment.models import Order, OrderLine, OrderStatus
from fulfilment.services import order_cancel, order_pack
from fulfilment.tests.factories import order as make_order
from inventory.models import StockLevel
from inventory.tests.factories import SkuFactory, WarehouseFactory, ean13, stock_level

pytestmark = pytest.mark.django_db


def _expected_orders(sku, warehouse) -> list[dict]:
    lines = (
        OrderLine.objects.filter(
            sku=sku, order__warehouse=warehouse, order__status__in=Order.OPEN_STATUSES
        )
        .select_related("order")
        .order_by("order__ship_by", "order_id")[:OPEN_ORDERS_LIMIT]
    )
    return [
        {
            "order_id": line.order_id,
            "external_number": line.order.external_number,
            "status": line.order.status,
            "ship_by": line.order.ship_by,
            "quantity": line.quantity,
            "reserved_quantity": line.reserved_quantity,
            "packed_quantity": line.packed_quantity,
        }
        for line in lines
    ]


def test_lookup_matches_the_orm_on_open_orders_of_this_warehouse_only():
    # given a mug with orders in every state here, and orders for it elsewhere
    here, elsewhere = WarehouseFactory(), WarehouseFactory()
    mug = SkuFactory(barcode=ean13(101))
    stock_level(sku=mug, warehouse=here, on_hand=40)
    stock_level(sku=mug, warehouse=elsewhere, on_hand=40)
    now = timezone.now()
    for hours in (30, 5, 17, 5):  # a tie on ship_by is broken by order id
        make_order(warehouse=here, lines=[(mug, 2)], ship_by=now + timedelta(hours=hours))
    packed = make_order(warehouse=here, lines=[(mug, 1)], ship_by=now + timedelta(hours=1))
    order_pack(order=packed)
    cancelled = make_order(warehouse=here, lines=[(mug, 1)])
    order_cancel(order=cancelled, reason="out_of_stock", cancelled_by="seller")
    make_order(warehouse=elsewhere, lines=[(mug, 3)])
    # when the mug is scanned here
    result = barcode_lookup(code=ean13(101), warehouse=here)
    # then exactly the open orders here come back, in the ORM's order, with the ORM's values
    expected = _expected_orders(mug, here)
    assert len(expected) == 5
    assert result["open_orders"] == expected
    assert result["open_orders"][0]["status"] == OrderStatus.AWAITING_DELIVER
    assert all(o["ship_by"].utcoffset() == timedelta(0) for o in result["open_orders"])
    level = StockLevel.objects.get(sku=mug, warehouse=here)
    assert (result["on_hand"], result["reserved"], result["available"]) == (
        level.on_hand,
        level.reserved,
        level.on_hand - level.reserved,
    )


def test_lookup_lists_at_most_the_limit_earliest_first():
    here = WarehouseFactory()
    mug = SkuFactory(barcode=ean13(7))
    stock_level(sku=mug, warehouse=here, on_hand=OPEN_ORDERS_LIMIT + 5)
    now = timezone.now()
    for i in range(OPEN_ORDERS_LIMIT + 5):
        make_order(warehouse=here, lines=[(mug, 1)], ship_by=now + timedelta(minutes=90 - i))
    result = barcode_lookup(code=ean13(7), warehouse=here)
    assert len(result["open_orders"]) == OPEN_ORDERS_LIMIT
    assert result["open_orders"] == _expected_orders(mug, here)


def test_lookup_without_a_stock_row_here_reports_zero():
    mug = SkuFactory(code="MUG-9", barcode=ean13(9))
    result = barcode_lookup(code=ean13(9), warehouse=WarehouseFactory())
    assert (result["on_hand"], result["reserved"], result["available"]) == (0, 0, 0)
    assert result["sku"] == {"id": mug.pk, "code": "MUG-9", "name": mug.name}
    assert result["open_orders"] == []


def test_lookup_by_offer_id_gives_the_same_answer():
    here = WarehouseFactory()
    mug = SkuFactory(code="MUG-5", barcode=ean13(5))
    stock_level(sku=mug, warehouse=here, on_hand=4)
    make_order(warehouse=here, lines=[(mug, 3)])
    by_barcode = barcode_lookup(code=ean13(5), warehouse=here)
    by_offer_id = barcode_lookup(code="MUG-5", warehouse=here)
    assert by_offer_id == {**by_barcode, "barcode": "MUG-5"}
    assert by_barcode["reserved"] == 3


def test_lookup_trims_the_scanned_code():
    mug = SkuFactory(barcode=ean13(11))
    assert barcode_lookup(code=f" {ean13(11)} ", warehouse=WarehouseFactory())["sku"]["id"] == (
        mug.pk
    )


def test_lookup_representation_is_what_the_schema_serializer_gives():
    from fulfilment.lookup_apis import BarcodeLookupSerializer, lookup_representation

    here = WarehouseFactory()
    mug = SkuFactory(barcode=ean13(13))
    stock_level(sku=mug, warehouse=here, on_hand=5)
    for hours in (3, 1):
        make_order(
            warehouse=here, lines=[(mug, 2)], ship_by=timezone.now() + timedelta(hours=hours)
        )
    result = barcode_lookup(code=ean13(13), warehouse=here)
    assert len(result["open_orders"]) == 2
    fast = lookup_representation(result)
    assert fast == BarcodeLookupSerializer(result).data
    assert list(fast) == list(BarcodeLookupSerializer(result).data)
    assert fast["open_orders"][0]["ship_by"].endswith("+03:00")  # the serializer's time zone
