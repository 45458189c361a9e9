"""The ledger core every stock write goes through: who acted, row locks, the ledger row.

Each public service runs in one transaction, locks the stock rows it touches with
``select_for_update()`` in primary-key order (a stable order avoids deadlocks between two
requests touching the same rows), re-checks the numbers on the locked rows, and writes the
ledger row together with the level. Invalid requests raise ``core.errors.DomainError``
subclasses with a stable ``code``; nothing is half-written.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy

from core import sql
from core.bulk import model_insert
from core.errors import Conflict, InsufficientStock, InvalidInput, NotFound
from core.limits import INT32_MAX
from inventory import hooks
from inventory.models import Sku, StockLevel, StockMovement, Warehouse


@dataclass(frozen=True)
class Actor:
    """Who recorded a change: a user, a scanner device, or the system."""

    user: AbstractBaseUser | None = None
    device: str = ""


SYSTEM = Actor(device="system")


@dataclass(frozen=True)
class CountResult:
    sku_id: int
    warehouse_id: int
    expected: int
    counted: int
    variance: int
    movement: StockMovement | None


# --- locking helpers -------------------------------------------------------------------------

_LEVEL_FIELDS = ("id", "sku", "warehouse", "on_hand", "reserved")


def _locked_levels(wanted: Sequence[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """The stock rows of these (sku_id, warehouse_id) pairs, locked in primary-key order.

    Every scan runs this: one statement written here, its plain columns read through
    ``sql.select`` (``updated_at`` deferred; every writer sets it), costs a fifth of the ORM
    queryset's Python (which builds and compiles it on every call)."""
    tail = (
        f"WHERE ({sql.column(StockLevel, 'sku')}, {sql.column(StockLevel, 'warehouse')})"
        f" IN (VALUES {', '.join(['(%s, %s)'] * len(wanted))})"
        f" ORDER BY {sql.column(StockLevel, 'id')}{sql.for_update()}"
    )
    params = [value for pair in wanted for value in pair]
    rows = sql.select(StockLevel, _LEVEL_FIELDS, tail, params)
    return {(row.sku_id, row.warehouse_id): row for row in rows}


def _lock_levels(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """Lock the stock rows of (sku_id, warehouse_id) pairs, creating missing ones at zero.

    Rows are locked in primary-key order. Must run inside ``transaction.atomic()``.
    """
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    levels = _locked_levels(wanted)
    missing = [pair for pair in wanted if pair not in levels]
    if missing:
        _check_exist(missing)
        # Only absent rows are inserted (an unconditional INSERT … ON CONFLICT would burn a
        # sequence value on every call); ON CONFLICT DO NOTHING makes racing creators harmless.
        # Then everything is locked again in pk order, so the lock order stays the same.
        StockLevel.objects.bulk_create(
            [StockLevel(sku_id=s, warehouse_id=w) for s, w in missing], ignore_conflicts=True
        )
        levels = _locked_levels(wanted)
    return levels


def _lock_numbers(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], list[int]]:
    """``_lock_levels`` for bulk callers that only need the numbers: (sku_id, warehouse_id) →
    ``[row id, on hand, reserved]``, rows locked in primary-key order, missing ones created
    at zero. No model instances (a page of postings locks a few hundred rows)."""
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    numbers = _locked_numbers(wanted)
    missing = [pair for pair in wanted if pair not in numbers]
    if missing:
        _check_exist(missing)
        model_insert(StockLevel, ["sku_id", "warehouse_id"], missing, ignore_conflicts=True)
        numbers = _locked_numbers(wanted)
    return numbers


def _locked_numbers(wanted: Sequence[tuple[int, int]]) -> dict[tuple[int, int], list[int]]:
    columns = ", ".join(
        sql.column(StockLevel, name) for name in ("id", "sku", "warehouse", "on_hand", "reserved")
    )
    statement = (
        f"SELECT {columns} FROM {sql.table(StockLevel)}"
        f" WHERE ({sql.column(StockLevel, 'sku')}, {sql.column(StockLevel, 'warehouse')})"
        f" IN (VALUES {', '.join(['(%s, %s)'] * len(wanted))})"
        f" ORDER BY {sql.column(StockLevel, 'id')}{sql.for_update()}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [value for pair in wanted for value in pair])
        return {(sku, wh): [pk, on_hand, reserved] for pk, sku, wh, on_hand, reserved in cursor}


def _check_exist(pairs: Sequence[tuple[int, int]]) -> None:
    """``NotFound`` for unknown ids (PostgreSQL defers FK checks to commit, too late for a 404)."""
    sku_ids = {s for s, _ in pairs}
    warehouse_ids = {w for _, w in pairs}
    unknown_skus = sku_ids - set(Sku.objects.filter(pk__in=sku_ids).values_list("pk", flat=True))
    if unknown_skus:
        raise NotFound(
            gettext("No SKU with id %(ids)s.") % {"ids": sorted(unknown_skus)}, code="unknown_sku"
        )
    unknown_warehouses = warehouse_ids - set(
        Warehouse.objects.filter(pk__in=warehouse_ids).values_list("pk", flat=True)
    )
    if unknown_warehouses:
        raise NotFound(
            gettext("No warehouse with id %(ids)s.") % {"ids": sorted(unknown_warehouses)},
            code="unknown_warehouse",
        )


def _replayed_movement(
    warehouse_id: int,
    idempotency_key: str | None,
    *,
    sku_id: int,
    kind: str,
    quantity: int | None = None,
    on_hand_after: int | None = None,
) -> StockMovement | None:
    """The movement already recorded under this key, if the request is a replay of it.

    Call with the stock row locked: a concurrent request with the same key then waits for the
    first one and sees its movement. The same key for a different change is a client bug and
    raises ``Conflict`` (``idempotency_key_reused``) instead of silently returning the old row.
    """
    if not idempotency_key:
        return None
    existing = StockMovement.objects.filter(
        warehouse_id=warehouse_id, idempotency_key=idempotency_key
    ).first()
    if existing is None:
        return None
    if (
        existing.sku_id != sku_id
        or existing.kind != kind
        or (quantity is not None and existing.quantity != quantity)
        or (on_hand_after is not None and existing.on_hand_after != on_hand_after)
    ):
        raise _key_reused(idempotency_key)
    return existing


def _key_reused(idempotency_key: str | None) -> Conflict:
    return Conflict(
        gettext("This idempotency key was already used for a different stock change."),
        code="idempotency_key_reused",
        details={"idempotency_key": idempotency_key},
    )


def _write_movement(
    level: StockLevel,
    *,
    quantity: int,
    kind: str,
    actor: Actor,
    reason: str = "",
    document_type: str = "",
    document_ref: str = "",
    idempotency_key: str | None = None,
    reserved_delta: int = 0,
) -> StockMovement:
    """Apply a signed change to a locked level and append its ledger row."""
    _apply_change(level, quantity=quantity, reserved_delta=reserved_delta)
    level.save(update_fields=["on_hand", "reserved", "updated_at"])
    hooks.stock_changed([(level.sku_id, level.warehouse_id)])
    # A savepoint only where the insert can clash (a scanner's key): two statements saved per
    # ledger row on the hot paths, which pass no key.
    try:
        with transaction.atomic() if idempotency_key else nullcontext():
            return StockMovement.objects.create(
                **_movement_fields(
                    level,
                    quantity=quantity,
                    kind=kind,
                    actor=actor,
                    reason=reason,
                    document_type=document_type,
                    document_ref=document_ref,
                ),
                idempotency_key=idempotency_key or None,
            )
    except IntegrityError as exc:
        # Only the key can clash here: the other constraints are guaranteed by the checks above.
        # The level row was already saved, but the caller's transaction rolls back with us.
        raise _key_reused(idempotency_key) from exc


def _movement_fields(
    level: StockLevel,
    *,
    quantity: int,
    kind: str,
    actor: Actor,
    reason: str,
    document_type: str,
    document_ref: str,
) -> dict:
    """The ledger row's fields for a change already applied to ``level``."""
    return {
        "sku_id": level.sku_id,
        "warehouse_id": level.warehouse_id,
        "kind": kind,
        "quantity": quantity,
        "on_hand_after": level.on_hand,
        "reason": reason[:255],
        "document_type": document_type,
        "document_ref": document_ref,
        "user": actor.user if actor.user and actor.user.is_authenticated else None,
        "device": actor.device,
    }


def _apply_change(level: StockLevel, *, quantity: int, reserved_delta: int = 0) -> None:
    """Check a signed change against a locked level and apply it to the instance (unsaved)."""
    new_on_hand = level.on_hand + quantity
    new_reserved = level.reserved + reserved_delta
    if max(new_on_hand, new_reserved) > INT32_MAX:
        raise InvalidInput(
            gettext(
                "SKU %(sku)s at warehouse %(warehouse)s would hold %(units)s units; at most "
                "%(maximum)s are stored."
            )
            % {
                "sku": level.sku_id,
                "warehouse": level.warehouse_id,
                "units": quantity_text(new_on_hand),
                "maximum": quantity_text(INT32_MAX),
            },
            code="quantity_out_of_range",
            details={"on_hand_after": new_on_hand, "maximum": INT32_MAX},
        )
    if new_on_hand < 0 or new_on_hand < new_reserved:
        raise InsufficientStock(
            gettext(
                "Only %(available)s available of SKU %(sku)s at warehouse %(warehouse)s; "
                "cannot take %(requested)s."
            )
            % {
                "available": level.available,
                "sku": level.sku_id,
                "warehouse": level.warehouse_id,
                "requested": -quantity,
            },
            details={"available": level.available, "requested": -quantity},
        )
    level.on_hand = new_on_hand
    level.reserved = new_reserved


def quantity_text(quantity: int) -> str:
    """A whole number in the active language's grouping (``2,147,483,647``, ``2 147 483 647``)."""
    return number_format(quantity, force_grouping=True)


def _positive(quantity: int, what: str | None = None) -> int:
    what = gettext_lazy("quantity") if what is None else what
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise InvalidInput(
            gettext("The %(what)s must be a positive whole number, got %(value)s.")
            % {"what": what, "value": repr(quantity)}
        )
    return _within_column(quantity, what)


def _count_value(quantity: int, what: str) -> int:
    """A whole number ≥ 0 that the stock columns can hold (a count, an opening balance)."""
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
        raise InvalidInput(
            gettext("%(what)s is a whole number ≥ 0, got %(value)s.")
            % {"what": what, "value": repr(quantity)}
        )
    return _within_column(quantity, what)


def _within_column(quantity: int, what: str) -> int:
    # Stock columns are 32-bit on PostgreSQL: a larger number would be refused mid-write or,
    # bound server-side, wrap. Refused here, on both databases, before anything is written.
    if quantity > INT32_MAX:
        raise InvalidInput(
            gettext(
                "The %(what)s %(value)s is beyond the largest quantity Zapas stores (%(maximum)s)."
            )
            % {"what": what, "value": quantity_text(quantity), "maximum": quantity_text(INT32_MAX)},
            code="quantity_out_of_range",
            details={"quantity": quantity, "maximum": INT32_MAX},
        )
    return quantity


def document_number(prefix: str) -> str:
    return f"{prefix}-{timezone.localdate():%y%m%d}-{uuid.uuid4().hex[:6].upper()}"


def _offer_to_short_orders(pairs: Iterable[tuple[int, int]]) -> None:
    """After stock is freed or arrives, whoever registered for it gets first claim on it.

    Runs inside the caller's transaction with the stock rows still locked (see ``hooks``).
    """
    hooks.stock_freed(sorted(set(pairs)))
