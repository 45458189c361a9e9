"""Hooks through which higher apps act inside inventory's stock transactions.

Inventory sits below fulfilment and planning and never imports them. Where a higher app must
act within a stock change (a receipt offers the new units to short orders first), it registers
a handler here from its ``AppConfig.ready()``. This is the one sanctioned exception to "no
signals" (see STYLE.md): the registry is explicit, typed, and called synchronously.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

StockFreedHandler = Callable[[Sequence[tuple[int, int]]], None]

_stock_freed: list[StockFreedHandler] = []


def on_stock_freed(handler: StockFreedHandler) -> StockFreedHandler:
    """Register ``handler(pairs)``, called when units became available at (sku_id, warehouse_id).

    The handler runs inside the stock service's transaction, **with those stock rows still
    locked** (``select_for_update``), after on hand / reserved were written. ``pairs`` are
    distinct and sorted. A handler may lock further rows of its own app and reserve stock
    through ``inventory.services``; it must not lock other stock rows out of pk order. An
    exception rolls the whole stock change back. Registering twice is a no-op.
    Usable as a decorator.
    """
    if handler not in _stock_freed:
        _stock_freed.append(handler)
    return handler


def stock_freed_handlers() -> tuple[StockFreedHandler, ...]:
    return tuple(_stock_freed)


def stock_freed(pairs: Sequence[tuple[int, int]]) -> None:
    """Called by ``inventory.services`` with the stock rows of ``pairs`` locked."""
    for handler in _stock_freed:
        handler(pairs)


StockChangedHandler = Callable[[Sequence[tuple[int, int]]], None]

_stock_changed: list[StockChangedHandler] = []


def on_stock_changed(handler: StockChangedHandler) -> StockChangedHandler:
    """Register ``handler(pairs)``, called when on hand or reserved changed at (sku_id, warehouse_id).

    Runs inside the stock service's transaction with those stock rows locked, after the new
    numbers were written (so it can record an outbox row in the same transaction, e.g. a stock
    push to a marketplace). It must be cheap (it runs on every scan), take no stock locks, and
    leave side effects outside the database to ``transaction.on_commit``. An exception rolls
    the stock change back. Registering twice is a no-op. Usable as a decorator.
    """
    if handler not in _stock_changed:
        _stock_changed.append(handler)
    return handler


def stock_changed(pairs: Sequence[tuple[int, int]]) -> None:
    """Called by ``inventory.services`` with the stock rows of ``pairs`` locked."""
    for handler in _stock_changed:
        handler(pairs)
