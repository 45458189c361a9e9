"""Opening balances in bulk: a new warehouse starts from the numbers another system has."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from core import sql
from inventory import hooks
from inventory.models import MovementKind, StockLevel, StockMovement, Warehouse
from inventory.services.ledger import SYSTEM, Actor, _count_value

_CHUNK = 1000


@transaction.atomic
def stock_opening_balances(
    *,
    warehouse: Warehouse,
    lines: Sequence[tuple[int, int]],
    actor: Actor = SYSTEM,
    reason: str = "",
    document_ref: str = "",
) -> int:
    """Write ``[(sku_id, quantity), …]`` as opening balances where a SKU has no ledger yet.

    Only stock rows without any movement at ``warehouse`` are touched (a balance the ledger
    already explains is never overwritten); zero quantities are skipped. Each balance is an
    ``opening`` movement written with its level, rows locked in primary-key order, 1,000 at a
    time. Returns the number of balances written. Units that arrive this way are offered to
    short orders like a receipt.
    """
    wanted: dict[int, int] = {}
    for sku_id, quantity in lines:
        _count_value(quantity, "An opening balance")
        if quantity:
            wanted[sku_id] = _count_value(wanted.get(sku_id, 0) + quantity, "An opening balance")
    sku_ids = sorted(wanted)
    written = 0
    now = timezone.now()
    for start in range(0, len(sku_ids), _CHUNK):
        chunk = sku_ids[start : start + _CHUNK]
        StockLevel.objects.bulk_create(
            [StockLevel(sku_id=s, warehouse=warehouse) for s in chunk], ignore_conflicts=True
        )
        levels = list(
            StockLevel.objects.select_for_update()
            .filter(warehouse=warehouse, sku_id__in=chunk)
            .order_by("pk")
        )
        with_ledger = set(
            StockMovement.objects.filter(warehouse=warehouse, sku_id__in=chunk)
            .values_list("sku_id", flat=True)
            .distinct()
        )
        fresh = [level for level in levels if level.sku_id not in with_ledger]
        movements = []
        for level in fresh:
            quantity = wanted[level.sku_id]
            level.on_hand += quantity
            level.updated_at = now
            movements.append(
                StockMovement(
                    sku_id=level.sku_id,
                    warehouse=warehouse,
                    kind=MovementKind.OPENING,
                    quantity=quantity,
                    on_hand_after=level.on_hand,
                    reason=reason[:255],
                    document_type="opening",
                    document_ref=document_ref,
                    user=actor.user if actor.user and actor.user.is_authenticated else None,
                    device=actor.device,
                    created_at=now,
                )
            )
        sql.update_many(
            StockLevel, ["on_hand", "updated_at"], [(lv.on_hand, now, lv.pk) for lv in fresh]
        )
        StockMovement.objects.bulk_create(movements)
        pairs = [(level.sku_id, warehouse.pk) for level in fresh]
        if pairs:
            hooks.stock_changed(pairs)
            hooks.stock_freed(pairs)
        written += len(fresh)
    return written
