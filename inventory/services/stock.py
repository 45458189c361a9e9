"""Plain stock changes (receipt, shipment, count) and order reservations.

Every function locks its stock rows through ``ledger`` and writes the ledger row with the level.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from core import sql
from core.errors import Conflict, InsufficientStock, InvalidInput
from core.transactions import atomic_joining
from inventory import hooks
from inventory.models import (
    MovementKind,
    Sku,
    StockCount,
    StockLevel,
    StockMovement,
    Warehouse,
)
from inventory.services.ledger import (
    SYSTEM,
    Actor,
    CountResult,
    _apply_change,
    _count_value,
    _lock_levels,
    _lock_numbers,
    _movement_fields,
    _offer_to_short_orders,
    _positive,
    _replayed_movement,
    _write_movement,
)


@transaction.atomic
def stock_receive(
    *,
    sku: Sku,
    warehouse: Warehouse,
    quantity: int,
    actor: Actor = SYSTEM,
    kind: str = MovementKind.RECEIPT,
    reason: str = "",
    document_type: str = "",
    document_ref: str = "",
    idempotency_key: str | None = None,
) -> StockMovement:
    """Add ``quantity`` units to on hand (receipt, return or opening balance).

    Locks the stock row. A repeated ``idempotency_key`` (per warehouse) returns the first
    movement without changing stock.
    """
    _positive(quantity)
    if kind not in (MovementKind.RECEIPT, MovementKind.RETURN, MovementKind.OPENING):
        raise InvalidInput(
            gettext("%(kind)s is not an inbound movement.") % {"kind": repr(str(kind))}
        )
    level = _lock_levels([(sku.pk, warehouse.pk)])[(sku.pk, warehouse.pk)]
    if existing := _replayed_movement(
        warehouse.pk, idempotency_key, sku_id=sku.pk, kind=kind, quantity=quantity
    ):
        return existing
    movement = _write_movement(
        level,
        quantity=quantity,
        kind=kind,
        actor=actor,
        reason=reason,
        document_type=document_type,
        document_ref=document_ref,
        idempotency_key=idempotency_key,
    )
    _offer_to_short_orders([(sku.pk, warehouse.pk)])
    return movement


@transaction.atomic
def stock_ship(
    *,
    sku: Sku,
    warehouse: Warehouse,
    quantity: int,
    actor: Actor = SYSTEM,
    reason: str = "",
    document_type: str = "",
    document_ref: str = "",
    idempotency_key: str | None = None,
) -> StockMovement:
    """Take ``quantity`` unreserved units out of on hand as a shipment.

    Locks the stock row; ``InsufficientStock`` if fewer than ``quantity`` are available
    (on hand minus reserved). Idempotent per ``idempotency_key`` like ``stock_receive``.
    """
    _positive(quantity)
    level = _lock_levels([(sku.pk, warehouse.pk)])[(sku.pk, warehouse.pk)]
    if existing := _replayed_movement(
        warehouse.pk, idempotency_key, sku_id=sku.pk, kind=MovementKind.SHIPMENT, quantity=-quantity
    ):
        return existing
    return _write_movement(
        level,
        quantity=-quantity,
        kind=MovementKind.SHIPMENT,
        actor=actor,
        reason=reason,
        document_type=document_type,
        document_ref=document_ref,
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def stock_count(
    *,
    sku: Sku,
    warehouse: Warehouse,
    counted: int,
    actor: Actor = SYSTEM,
    reason: str = "",
    idempotency_key: str | None = None,
) -> CountResult:
    """Record a physical count: the variance against on hand becomes an adjustment.

    A count below the reserved quantity is refused (``count_below_reserved``): reserved units
    belong to orders, which must be released or cancelled first. Locks the stock row. A count
    that matches on hand writes no movement, so its ``idempotency_key`` is not recorded.
    Every count, matching or not, is kept as a ``StockCount`` (record accuracy).
    """
    _count_value(counted, gettext_lazy("A counted quantity"))
    level = _lock_levels([(sku.pk, warehouse.pk)])[(sku.pk, warehouse.pk)]
    if existing := _replayed_movement(
        warehouse.pk,
        idempotency_key,
        sku_id=sku.pk,
        kind=MovementKind.ADJUSTMENT,
        on_hand_after=counted,
    ):
        before = existing.on_hand_after - existing.quantity
        return CountResult(
            sku.pk, warehouse.pk, before, existing.on_hand_after, existing.quantity, existing
        )
    expected = level.on_hand
    variance = counted - expected
    if counted < level.reserved:
        raise Conflict(
            gettext(
                "Counted %(counted)s but %(reserved)s units are reserved for orders; "
                "cancel or re-allocate those orders first."
            )
            % {"counted": counted, "reserved": level.reserved},
            code="count_below_reserved",
            details={"counted": counted, "reserved": level.reserved},
        )
    StockCount.objects.create(
        sku=sku,
        warehouse=warehouse,
        expected=expected,
        counted=counted,
        variance=variance,
        unit_cost=sku.unit_cost,
        user=actor.user,
        device=actor.device[:64],
    )
    movement = None
    if variance:
        movement = _write_movement(
            level,
            quantity=variance,
            kind=MovementKind.ADJUSTMENT,
            actor=actor,
            reason=reason or f"Count: expected {expected}, counted {counted}",
            document_type="count",
            idempotency_key=idempotency_key,
        )
        if variance > 0:
            _offer_to_short_orders([(sku.pk, warehouse.pk)])
    return CountResult(sku.pk, warehouse.pk, expected, counted, variance, movement)


# --- reservations (orders) --------------------------------------------------------------------


@transaction.atomic
def stock_reserve(
    *, warehouse_id: int, lines: Sequence[tuple[int, int]], allow_partial: bool = True
) -> list[int]:
    """Reserve units for order lines ``[(sku_id, quantity), …]`` at one warehouse.

    Locks the stock rows in pk order (creating missing ones at zero).
    Returns the quantity reserved per line (same order as ``lines``). With ``allow_partial``
    a line gets what is available (possibly 0); otherwise any shortfall raises
    ``InsufficientStock`` and nothing is reserved. On hand and the ledger do not change.
    """
    for _, quantity in lines:
        _positive(quantity)
    levels = _lock_numbers((sku_id, warehouse_id) for sku_id, _ in lines)
    granted: list[int] = []
    for sku_id, quantity in lines:
        level = levels[(sku_id, warehouse_id)]  # [row id, on hand, reserved]
        available = level[1] - level[2]
        take = min(quantity, available)
        if take < quantity and not allow_partial:
            raise InsufficientStock(
                gettext("Only %(available)s of SKU %(sku)s available, %(requested)s requested.")
                % {"available": available, "sku": sku_id, "requested": quantity},
                details={"sku_id": sku_id, "available": available, "requested": quantity},
            )
        level[2] += take
        granted.append(take)
    # One prepared statement for all rows: a page of postings reserves from a hundred rows.
    now = timezone.now()
    sql.update_many(
        StockLevel,
        ["reserved", "updated_at"],
        [(reserved, now, pk) for pk, _, reserved in levels.values()],
    )
    hooks.stock_changed(sorted(levels))
    return granted


@transaction.atomic
def stock_release(*, warehouse_id: int, lines: Sequence[tuple[int, int]]) -> None:
    """Give back reserved units ``[(sku_id, quantity), …]`` (order cancelled or changed).

    Zero quantities are skipped. Locks the stock rows in pk order; on hand and the ledger do
    not change. ``release_exceeds_reserved`` if a line gives back more than is reserved.
    """
    lines = [(sku_id, quantity) for sku_id, quantity in lines if quantity != 0]
    for _, quantity in lines:
        _positive(quantity)
    levels = _lock_levels((sku_id, warehouse_id) for sku_id, _ in lines)
    for sku_id, quantity in lines:
        level = levels[(sku_id, warehouse_id)]
        if quantity > level.reserved:
            raise Conflict(
                gettext("Cannot release %(requested)s of SKU %(sku)s: only %(reserved)s reserved.")
                % {"requested": quantity, "sku": sku_id, "reserved": level.reserved},
                code="release_exceeds_reserved",
                details={"sku_id": sku_id, "reserved": level.reserved, "requested": quantity},
            )
        level.reserved -= quantity
    for level in levels.values():
        level.save(update_fields=["reserved", "updated_at"])
    hooks.stock_changed(sorted(levels))
    _offer_to_short_orders(levels)


@atomic_joining
def stock_ship_reserved(
    *,
    warehouse_id: int,
    lines: Sequence[tuple[int, int]],
    actor: Actor = SYSTEM,
    document_type: str = "order",
    document_ref: str = "",
    reason: str = "",
) -> list[StockMovement]:
    """Turn reservations into shipments: on hand and reserved both fall, one ledger row a line.

    Locks the stock rows in pk order; ``InsufficientStock`` if a line ships more than is
    reserved for it, and then nothing is shipped. Every check comes before the first write, so
    inside a caller's transaction it takes no savepoint (``core.transactions.atomic_joining``).
    """
    for _, quantity in lines:
        _positive(quantity)
    levels = _lock_levels((sku_id, warehouse_id) for sku_id, _ in lines)
    movements = []
    for sku_id, quantity in lines:
        level = levels[(sku_id, warehouse_id)]
        if quantity > level.reserved:
            raise InsufficientStock(
                gettext("SKU %(sku)s: %(requested)s to ship but only %(reserved)s reserved.")
                % {"sku": sku_id, "requested": quantity, "reserved": level.reserved},
                details={"sku_id": sku_id, "reserved": level.reserved, "requested": quantity},
            )
        _apply_change(level, quantity=-quantity, reserved_delta=-quantity)
        movements.append(
            StockMovement(
                **_movement_fields(
                    level,
                    quantity=-quantity,
                    kind=MovementKind.SHIPMENT,
                    actor=actor,
                    reason=reason,
                    document_type=document_type,
                    document_ref=document_ref,
                )
            )
        )
    # A statement per kind of write, whatever the number of lines: the stock rows, the
    # marketplaces' stock-push marks, the ledger rows.
    now = timezone.now()
    sql.update_many(
        StockLevel,
        ["on_hand", "reserved", "updated_at"],
        [(level.on_hand, level.reserved, now, level.pk) for level in levels.values()],
    )
    for level in levels.values():
        level.updated_at = now
    hooks.stock_changed(sorted(levels))
    sql.insert(movements)  # one statement, like bulk_create, without its compiler
    return movements


# --- purchase orders --------------------------------------------------------------------------
