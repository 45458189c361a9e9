"""Substitutes for short orders: in-stock SKUs that can stand in for the missing ones.

A substitute (``inventory.SkuSubstitute``) helps a short order line when the order's warehouse
has at least the missing units of it available (on hand − reserved). Reads only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, QuerySet

from fulfilment.models import Order, OrderLine
from inventory.models import SkuSubstitute, StockLevel


@dataclass(frozen=True)
class SubstituteOffer:
    missing_code: str
    missing_name: str
    missing_units: int
    code: str
    name: str
    kind: str
    available: int


def _in_stock_substitutes() -> QuerySet[SkuSubstitute]:
    """Substitutes of the outer order line's SKU with enough free stock at its warehouse."""
    stock = StockLevel.objects.filter(
        sku_id=OuterRef("substitute_id"),
        warehouse_id=OuterRef(OuterRef("order__warehouse_id")),
    ).annotate(free=F("on_hand") - F("reserved"))
    return SkuSubstitute.objects.filter(sku_id=OuterRef("sku_id")).filter(
        Exists(
            stock.filter(
                free__gte=OuterRef(OuterRef("quantity")) - OuterRef(OuterRef("reserved_quantity"))
            )
        )
    )


def substitute_offers(order: Order) -> list[SubstituteOffer]:
    """For each short line of ``order``, its first substitute (by priority) in stock there."""
    return substitute_offers_for([order]).get(order.pk, [])


def substitute_offers_for(orders: Sequence[Order]) -> dict[int, list[SubstituteOffer]]:
    """``substitute_offers`` of many orders in three queries (order id → offers)."""
    warehouse_of = {o.pk: o.warehouse_id for o in orders}
    short = list(
        OrderLine.objects.filter(
            order_id__in=list(warehouse_of), reserved_quantity__lt=F("quantity")
        )
        .select_related("sku")
        .order_by("order_id", "id")
    )
    if not short:
        return {}
    options = list(
        SkuSubstitute.objects.filter(sku_id__in={line.sku_id for line in short})
        .select_related("substitute")
        .order_by("sku_id", "priority", "id")
    )
    free = {
        (row[0], row[1]): row[2]
        for row in StockLevel.objects.filter(
            warehouse_id__in=set(warehouse_of.values()),
            sku_id__in={o.substitute_id for o in options},
        ).values_list("warehouse_id", "sku_id", F("on_hand") - F("reserved"))
    }
    by_sku: dict[int, list[SkuSubstitute]] = {}
    for option in options:
        by_sku.setdefault(option.sku_id, []).append(option)
    offers: dict[int, list[SubstituteOffer]] = {}
    for line in short:
        missing = line.quantity - line.reserved_quantity
        warehouse_id = warehouse_of[line.order_id]
        for option in by_sku.get(line.sku_id, []):
            available = free.get((warehouse_id, option.substitute_id), 0)
            if available >= missing:
                offers.setdefault(line.order_id, []).append(
                    SubstituteOffer(
                        missing_code=line.sku.code,
                        missing_name=line.sku.name,
                        missing_units=missing,
                        code=option.substitute.code,
                        name=option.substitute.name,
                        kind=option.kind,
                        available=available,
                    )
                )
                break
    return offers


def savable_short_orders() -> QuerySet[Order]:
    """Open short orders with at least one short line a substitute in stock could fill."""
    savable_line = OrderLine.objects.filter(
        order_id=OuterRef("pk"), reserved_quantity__lt=F("quantity")
    ).filter(Exists(_in_stock_substitutes()))
    return Order.objects.open().filter(is_short=True).filter(Exists(savable_line))
