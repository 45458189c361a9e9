"""Opening balances in bulk: a new warehouse starts from the numbers another system has."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core import sql
from core.bulk import model_insert
from inventory import hooks
from inventory.models import MovementKind, StockLevel, StockMovement, Warehouse
from inventory.services.ledger import SYSTEM, Actor, _count_value, _within_column

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
        _count_value(quantity, gettext_lazy("An opening balance"))
        if quantity:
            wanted[sku_id] = _count_value(
                wanted.get(sku_id, 0) + quantity, gettext_lazy("An opening balance")
            )
    sku_ids = sorted(wanted)
    written = 0
    now = timezone.now()
    user = actor.user if actor.user and actor.user.is_authenticated else None
    for start in range(0, len(sku_ids), _CHUNK):
        chunk = sku_ids[start : start + _CHUNK]
        levels = _locked(warehouse, chunk)
        missing = [s for s in chunk if s not in levels]
        if missing:  # only absent rows are inserted; then all are locked again in pk order
            model_insert(
                StockLevel,
                ["sku_id", "warehouse_id"],
                [(s, warehouse.pk) for s in missing],
                ignore_conflicts=True,
            )
            levels = _locked(warehouse, chunk)
        with_ledger = set(
            StockMovement.objects.filter(warehouse=warehouse, sku_id__in=chunk)
            .values_list("sku_id", flat=True)
            .distinct()
        )
        fresh = [
            (pk, sku_id, _within_column(on_hand + wanted[sku_id], gettext_lazy("opening balance")))
            for sku_id, (pk, on_hand) in sorted(levels.items(), key=lambda item: item[1][0])
            if sku_id not in with_ledger
        ]
        sql.update_many(
            StockLevel, ["on_hand", "updated_at"], [(after, now, pk) for pk, _, after in fresh]
        )
        model_insert(
            StockMovement,
            ["sku_id", "warehouse_id", "kind", "quantity", "on_hand_after", "reason",
             "document_type", "document_ref", "user_id", "device", "created_at"],
            [
                (sku_id, warehouse.pk, MovementKind.OPENING.value, wanted[sku_id], after,
                 reason[:255], "opening", document_ref, user and user.pk, actor.device, now)
                for _, sku_id, after in fresh
            ],
        )  # fmt: skip
        pairs = sorted((sku_id, warehouse.pk) for _, sku_id, _ in fresh)
        if pairs:
            hooks.stock_changed(pairs)
            hooks.stock_freed(pairs)
        written += len(fresh)
    return written


def _locked(warehouse: Warehouse, sku_ids: list[int]) -> dict[int, tuple[int, int]]:
    """sku id → (stock row id, on hand) at ``warehouse``, rows locked in primary-key order."""
    rows = (
        StockLevel.objects.select_for_update()
        .filter(warehouse=warehouse, sku_id__in=sku_ids)
        .order_by("pk")
        .values_list("sku_id", "pk", "on_hand")
    )
    return {sku_id: (pk, on_hand) for sku_id, pk, on_hand in rows}
