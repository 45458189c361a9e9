"""Hooks through which higher apps follow order events inside fulfilment's transactions.

Fulfilment sits below planning (and the marketplace connectors) and never imports them. A
higher app that must act when an order is handed over or cancelled (the demand feed, an
outbox row for the marketplace) registers a handler here from its ``AppConfig.ready()``. This
is the one sanctioned exception to "no signals" (see STYLE.md): explicit, typed, synchronous.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fulfilment.models import Order
    from inventory.models import Warehouse

# handler(order, at, sku_ids): ``at`` is the moment of the event, ``sku_ids`` the order's SKUs.
OrderHandler = Callable[["Order", datetime, frozenset[int]], None]

_packed: list[OrderHandler] = []
_shipped: list[OrderHandler] = []
_cancelled: list[OrderHandler] = []


def _register(handlers: list[OrderHandler], handler: OrderHandler) -> OrderHandler:
    if handler not in handlers:
        handlers.append(handler)
    return handler


def on_order_packed(handler: OrderHandler) -> OrderHandler:
    """Register ``handler(order, at, sku_ids)`` for an order whose every unit is packed.

    Called inside ``order_pack`` / ``order_pack_scan``'s transaction with the order and its
    lines locked and the new status saved. Same rules as ``on_order_shipped``.
    """
    return _register(_packed, handler)


def on_order_shipped(handler: OrderHandler) -> OrderHandler:
    """Register ``handler(order, at, sku_ids)`` for an order handed to the carrier.

    Called inside ``order_ship``'s transaction with the order and its lines locked and the new
    status saved; stock has been shipped. Side effects outside the database belong in
    ``transaction.on_commit``. An exception rolls the hand-over back. Usable as a decorator.
    """
    return _register(_shipped, handler)


def on_order_cancelled(handler: OrderHandler) -> OrderHandler:
    """Register ``handler(order, at, sku_ids)`` for a cancelled order.

    Called inside ``order_cancel``'s transaction with the order and its lines locked, the
    cancellation saved and the reservations released. Same rules as ``on_order_shipped``.
    """
    return _register(_cancelled, handler)


def order_handlers() -> dict[str, tuple[OrderHandler, ...]]:
    return {"packed": tuple(_packed), "shipped": tuple(_shipped), "cancelled": tuple(_cancelled)}


def order_packed(order: Order, at: datetime, sku_ids: frozenset[int]) -> None:
    for handler in _packed:
        handler(order, at, sku_ids)


def order_shipped(order: Order, at: datetime, sku_ids: frozenset[int]) -> None:
    for handler in _shipped:
        handler(order, at, sku_ids)


def order_cancelled(order: Order, at: datetime, sku_ids: frozenset[int]) -> None:
    for handler in _cancelled:
        handler(order, at, sku_ids)


# --- documents to print -------------------------------------------------------------------


@dataclass(frozen=True)
class OrderDocument:
    """A document a higher app offers to print (a PDF download), e.g. a marketplace label."""

    kind: str
    title: str
    url: str


OrderDocuments = Callable[["Order"], list[OrderDocument]]
WarehouseDocuments = Callable[["Warehouse"], list[OrderDocument]]

_order_documents: list[OrderDocuments] = []
_warehouse_documents: list[WarehouseDocuments] = []


def on_order_documents(provider: OrderDocuments) -> OrderDocuments:
    """Register ``provider(order) -> [OrderDocument]``: what the scan station offers to print
    for an order (read-only; no transaction is open, nothing may be changed)."""
    if provider not in _order_documents:
        _order_documents.append(provider)
    return provider


def on_warehouse_documents(provider: WarehouseDocuments) -> WarehouseDocuments:
    """Register ``provider(warehouse) -> [OrderDocument]``: what the Due today page offers to
    print for a warehouse (all its labels, the hand-over act). Read-only."""
    if provider not in _warehouse_documents:
        _warehouse_documents.append(provider)
    return provider


def order_documents(order: Order) -> list[OrderDocument]:
    return [document for provider in _order_documents for document in provider(order)]


def warehouse_documents(warehouse: Warehouse) -> list[OrderDocument]:
    return [document for provider in _warehouse_documents for document in provider(warehouse)]
