"""Handlers registered on the lower apps' hooks (``OzonConfig.ready()``)."""

from __future__ import annotations


def register() -> None:
    from fulfilment import hooks as order_hooks
    from inventory import hooks as stock_hooks
    from marketplaces.ozon import outbox

    # Inside the local change's transaction: the outbox row commits with it, or not at all.
    order_hooks.on_order_packed(outbox.on_order_packed)
    order_hooks.on_order_cancelled(outbox.on_order_cancelled)
    stock_hooks.on_stock_changed(outbox.on_stock_changed)
