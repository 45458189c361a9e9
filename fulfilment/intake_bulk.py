"""Intake of many marketplace orders at once (a connector's page of postings).

Same rules as ``services.order_intake`` — idempotent on (channel, external number), one line
per SKU, each line reserves what is available, a short order is accepted and noticed — but a
whole batch costs a fixed number of statements: existing orders in one read, new orders and
lines in bulk, the reservations of each warehouse in one ``stock_reserve`` call (stock rows
locked once, in primary-key order; earlier deadlines are served first).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.bulk import model_insert
from core.errors import DomainError, InvalidInput
from fulfilment.calendar import WarehouseCalendar
from fulfilment.models import NoticeKind, Order, OrderLine, OrderScheme, ShipBySource
from fulfilment.services import (
    CustomerInfo,
    OrderLineInput,
    order_intake,
    order_lines_merged,
    order_ship_by,
)
from fulfilment.watch import order_watch_state
from inventory import services as stock
from inventory.models import Warehouse


@dataclass(frozen=True)
class OrderIntakeInput:
    external_number: str
    warehouse: Warehouse
    scheme: str
    accepted_at: datetime
    lines: Sequence[OrderLineInput]
    ship_by: datetime | None = None
    customer: CustomerInfo | None = None


@dataclass(frozen=True)
class BulkIntakeResult:
    created: list[Order]
    existing: list[Order]
    rejected: dict[str, DomainError]  # external number -> why


_SCHEMES = frozenset(OrderScheme.values)  # the enum's ``values`` builds a list on every read


def _check(item: OrderIntakeInput) -> list[OrderLineInput]:
    if not (item.external_number or "").strip():
        raise InvalidInput("An order needs an external (posting) number.")
    if item.scheme not in _SCHEMES:
        raise InvalidInput(f"Unknown scheme {item.scheme!r}.", code="invalid_scheme")
    for moment in (item.accepted_at, item.ship_by):
        if moment is not None and (not isinstance(moment, datetime) or timezone.is_naive(moment)):
            raise InvalidInput("Times must carry a time zone.", code="naive_datetime")
    if not item.lines:
        raise InvalidInput(f"Order {item.external_number} has no lines.", code="no_lines")
    return order_lines_merged(item.lines)


def orders_intake_bulk(*, channel: str, orders: Sequence[OrderIntakeInput]) -> BulkIntakeResult:
    """Accept a batch of orders in one transaction; see the module docstring.

    An order with invalid input is left out (``rejected``) without spoiling the others. If a
    concurrent intake of the same numbers wins the race, the batch falls back to
    ``order_intake`` one by one, which is idempotent.
    """
    channel = (channel or "").strip()
    if not channel:
        raise InvalidInput("An order needs a channel.")
    rejected: dict[str, DomainError] = {}
    checked: dict[str, tuple[OrderIntakeInput, list[OrderLineInput]]] = {}
    for item in orders:
        number = (item.external_number or "").strip()
        try:
            checked.setdefault(number, (item, _check(item)))
        except DomainError as exc:
            rejected[number] = exc
    existing = list(Order.objects.filter(channel=channel, external_number__in=list(checked)))
    known = {order.external_number for order in existing}
    todo = [(n, item, lines) for n, (item, lines) in checked.items() if n not in known]
    if not todo:
        return BulkIntakeResult([], existing, rejected)
    try:
        created = _create(channel, todo)
    except IntegrityError:
        created = []
        for number, item, lines in todo:
            result = order_intake(
                channel=channel,
                external_number=number,
                warehouse=item.warehouse,
                scheme=item.scheme,
                accepted_at=item.accepted_at,
                lines=lines,
                ship_by=item.ship_by,
                customer=item.customer,
            )
            (created if result.created else existing).append(result.order)
    return BulkIntakeResult(created, existing, rejected)


@transaction.atomic
def _create(
    channel: str, todo: list[tuple[str, OrderIntakeInput, list[OrderLineInput]]]
) -> list[Order]:
    now = timezone.now()
    orders = []
    for number, item, lines in todo:
        customer = item.customer or CustomerInfo()
        ship_by, source = item.ship_by, ShipBySource.MARKETPLACE
        if ship_by is None:
            source = ShipBySource.COMPUTED
            ship_by = order_ship_by(
                warehouse=item.warehouse,
                accepted_at=item.accepted_at,
                skus=[line.sku for line in lines],
            )
        orders.append(
            Order(
                channel=channel,
                external_number=number,
                scheme=item.scheme,
                warehouse=item.warehouse,
                accepted_at=item.accepted_at,
                ship_by=ship_by,
                ship_by_source=source,
                customer_name=customer.name[:200],
                customer_contact=customer.contact[:200],
                customer_language=(customer.language or "")[:8].lower(),
                created_at=now,
            )
        )
    # Reserve per warehouse, earliest deadline first, in one call each, before the orders are
    # written: each order row is then inserted once with its shortfall and watch state.
    reserved: list[tuple[Order, OrderLineInput, int]] = []
    by_warehouse: dict[int, list[tuple[Order, OrderLineInput]]] = defaultdict(list)
    for order, (_, _, lines) in zip(orders, todo, strict=True):
        for line in lines:
            by_warehouse[order.warehouse_id].append((order, line))
    for warehouse_id, pairs in by_warehouse.items():
        pairs.sort(key=lambda p: (p[0].ship_by, p[0].external_number))
        granted = stock.stock_reserve(
            warehouse_id=warehouse_id,
            lines=[(line.sku.pk, line.quantity) for _, line in pairs],
            allow_partial=True,
        )
        for (order, line), units in zip(pairs, granted, strict=True):
            reserved.append((order, line, units))
            if units < line.quantity:
                order.is_short = True
    calendars: dict[int, WarehouseCalendar] = {}
    for order in orders:
        if order.warehouse_id not in calendars:
            calendars[order.warehouse_id] = WarehouseCalendar.for_warehouse(order.warehouse)
        order.watch_state = order_watch_state(
            order, now=now, calendar=calendars[order.warehouse_id]
        )
        order.watch_checked_at = now
    _orders_write(channel, orders)
    model_insert(
        OrderLine,
        ["order_id", "sku_id", "quantity", "unit_price", "reserved_quantity"],
        [
            (order.pk, line.sku.pk, line.quantity, Decimal(line.unit_price or 0), units)
            for order, line, units in reserved
        ],
    )
    short = [order for order in orders if order.is_short]
    if short:
        from fulfilment.notices.outbox import notice_queue

        for order in short:
            notice_queue(order=order, kind=NoticeKind.SHORT, event_key="intake")
    return orders


def _orders_write(channel: str, orders: list[Order]) -> None:
    """Insert the new orders in one statement and give each its id (no RETURNING on COPY)."""
    names = [f.attname for f in Order._meta.concrete_fields if not f.primary_key]
    model_insert(Order, names, [[getattr(o, name) for name in names] for o in orders])
    ids = dict(
        Order.objects.filter(
            channel=channel, external_number__in=[o.external_number for o in orders]
        ).values_list("external_number", "pk")
    )
    for order in orders:
        order.pk = ids[order.external_number]
        order._state.adding = False
        order._state.db = connection.alias
