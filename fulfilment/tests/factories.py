"""Fulfilment test helpers: orders are always made by ``order_intake`` (never raw rows)."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from fulfilment.models import Order, OrderScheme
from fulfilment.services import CustomerInfo, OrderLineInput, order_intake
from inventory.models import Sku, Warehouse
from inventory.tests.factories import SkuFactory, WarehouseFactory

_numbers = itertools.count(1)


def order(
    *,
    warehouse: Warehouse | None = None,
    lines: list[tuple[Sku, int]] | None = None,
    accepted_at: datetime | None = None,
    ship_by: datetime | None = None,
    scheme: str = OrderScheme.FBS,
    number: str | None = None,
    price: Decimal = Decimal("100.00"),
    customer: CustomerInfo | None = None,
) -> Order:
    """An order taken in through ``order_intake`` (reserving what stock there is)."""
    warehouse = warehouse or WarehouseFactory()
    lines = lines or [(SkuFactory(), 1)]
    result = order_intake(
        channel="ozon",
        external_number=number or f"0{next(_numbers):07d}-0001-1",
        warehouse=warehouse,
        scheme=scheme,
        accepted_at=accepted_at or timezone.now(),
        ship_by=ship_by,
        lines=[OrderLineInput(sku, quantity, price) for sku, quantity in lines],
        customer=customer,
    )
    return result.order
