"""Every write to stock. Nothing else changes ``StockLevel.on_hand`` or ``reserved``.

Each public function runs in one transaction, locks the stock rows it touches with
``select_for_update()`` in primary-key order (a stable order avoids deadlocks between two
requests touching the same rows), re-checks the numbers on the locked rows, and writes the
ledger row together with the level. Invalid requests raise ``core.errors.DomainError``
subclasses with a stable ``code``; nothing is half-written.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from functools import reduce

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core.compiled import CompiledQueries
from core.errors import Conflict, InsufficientStock, InvalidInput, InvalidTransition, NotFound
from inventory.models import (
    Barcode,
    MovementKind,
    PurchaseOrder,
    PurchaseOrderLine,
    Sku,
    StockLevel,
    StockMovement,
    Supplier,
    SupplierItem,
    Transfer,
    TransferLine,
    Warehouse,
)


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


def _levels_for_update(p, size: int) -> QuerySet[StockLevel]:
    """The locking read of ``size`` stock rows: ``sku{n}``/``warehouse{n}`` per row."""
    rows = (
        Q(sku_id=getattr(p, f"sku{n}"), warehouse_id=getattr(p, f"warehouse{n}"))
        for n in range(size)
    )
    return StockLevel.objects.select_for_update().filter(reduce(operator.or_, rows)).order_by("pk")


# Orders and receipts lock a few rows at a time, on every scan: compiled once per row count.
_LOCKED_LEVELS = CompiledQueries(_levels_for_update)


def _locked_levels(wanted: Sequence[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    values = {}
    for n, (sku_id, warehouse_id) in enumerate(wanted):
        values[f"sku{n}"], values[f"warehouse{n}"] = sku_id, warehouse_id
    locked = _LOCKED_LEVELS.all(len(wanted), **values)
    return {(row.sku_id, row.warehouse_id): row for row in locked}


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


def _check_exist(pairs: Sequence[tuple[int, int]]) -> None:
    """``NotFound`` for unknown ids (PostgreSQL defers FK checks to commit, too late for a 404)."""
    sku_ids = {s for s, _ in pairs}
    warehouse_ids = {w for _, w in pairs}
    unknown_skus = sku_ids - set(Sku.objects.filter(pk__in=sku_ids).values_list("pk", flat=True))
    if unknown_skus:
        raise NotFound(f"No SKU with id {sorted(unknown_skus)}.", code="unknown_sku")
    unknown_warehouses = warehouse_ids - set(
        Warehouse.objects.filter(pk__in=warehouse_ids).values_list("pk", flat=True)
    )
    if unknown_warehouses:
        raise NotFound(
            f"No warehouse with id {sorted(unknown_warehouses)}.", code="unknown_warehouse"
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
        "This idempotency key was already used for a different stock change.",
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
    new_on_hand = level.on_hand + quantity
    new_reserved = level.reserved + reserved_delta
    if new_on_hand < 0 or new_on_hand < new_reserved:
        raise InsufficientStock(
            f"Only {level.available} available of SKU {level.sku_id} at warehouse "
            f"{level.warehouse_id}; cannot take {-quantity}.",
            details={"available": level.available, "requested": -quantity},
        )
    level.on_hand = new_on_hand
    level.reserved = new_reserved
    level.save(update_fields=["on_hand", "reserved", "updated_at"])
    # A savepoint only where the insert can clash (a scanner's key): two statements saved per
    # ledger row on the hot paths, which pass no key.
    try:
        with transaction.atomic() if idempotency_key else nullcontext():
            return StockMovement.objects.create(
                sku_id=level.sku_id,
                warehouse_id=level.warehouse_id,
                kind=kind,
                quantity=quantity,
                on_hand_after=new_on_hand,
                reason=reason[:255],
                document_type=document_type,
                document_ref=document_ref,
                user=actor.user if actor.user and actor.user.is_authenticated else None,
                device=actor.device,
                idempotency_key=idempotency_key or None,
            )
    except IntegrityError as exc:
        # Only the key can clash here: the other constraints are guaranteed by the checks above.
        # The level row was already saved, but the caller's transaction rolls back with us.
        raise _key_reused(idempotency_key) from exc


def _positive(quantity: int, what: str = "quantity") -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise InvalidInput(f"The {what} must be a positive whole number, got {quantity!r}.")
    return quantity


def _offer_to_short_orders(pairs: Iterable[tuple[int, int]]) -> None:
    """After stock arrives, short orders get first claim on it (oldest deadline first).

    Runs inside the caller's transaction, after the stock rows are locked: the fulfilment
    side must lock its order rows before stock rows elsewhere too, or not lock orders here.
    """
    # Imported here: fulfilment.services builds on this module.
    from fulfilment.services import short_orders_allocate

    for sku_id, warehouse_id in sorted(set(pairs)):
        short_orders_allocate(sku_id=sku_id, warehouse_id=warehouse_id)


# --- lookups used by the services and the API -------------------------------------------------


def sku_by_barcode(code: str) -> Sku:
    """The SKU with this barcode (or this offer id); ``NotFound`` with code ``unknown_barcode``."""
    code = (code or "").strip()
    barcode = Barcode.objects.select_related("sku").filter(code=code).first()
    if barcode is not None:
        return barcode.sku
    sku = Sku.objects.filter(code=code).first()
    if sku is None:
        raise NotFound(
            f"No SKU has barcode {code!r}.", code="unknown_barcode", details={"barcode": code}
        )
    return sku


# --- plain stock changes ----------------------------------------------------------------------


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
        raise InvalidInput(f"{kind!r} is not an inbound movement.")
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
    """
    if not isinstance(counted, int) or isinstance(counted, bool) or counted < 0:
        raise InvalidInput(f"A counted quantity is a whole number ≥ 0, got {counted!r}.")
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
            f"Counted {counted} but {level.reserved} units are reserved for orders; "
            "cancel or re-allocate those orders first.",
            code="count_below_reserved",
            details={"counted": counted, "reserved": level.reserved},
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
    levels = _lock_levels((sku_id, warehouse_id) for sku_id, _ in lines)
    granted: list[int] = []
    for sku_id, quantity in lines:
        level = levels[(sku_id, warehouse_id)]
        take = min(quantity, level.available)
        if take < quantity and not allow_partial:
            raise InsufficientStock(
                f"Only {level.available} of SKU {sku_id} available, {quantity} requested.",
                details={"sku_id": sku_id, "available": level.available, "requested": quantity},
            )
        level.reserved += take
        granted.append(take)
    for level in levels.values():
        level.save(update_fields=["reserved", "updated_at"])
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
                f"Cannot release {quantity} of SKU {sku_id}: only {level.reserved} reserved.",
                code="release_exceeds_reserved",
                details={"sku_id": sku_id, "reserved": level.reserved, "requested": quantity},
            )
        level.reserved -= quantity
    for level in levels.values():
        level.save(update_fields=["reserved", "updated_at"])
    _offer_to_short_orders(levels)


@transaction.atomic
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
    reserved for it, and then nothing is shipped.
    """
    for _, quantity in lines:
        _positive(quantity)
    levels = _lock_levels((sku_id, warehouse_id) for sku_id, _ in lines)
    movements = []
    for sku_id, quantity in lines:
        level = levels[(sku_id, warehouse_id)]
        if quantity > level.reserved:
            raise InsufficientStock(
                f"SKU {sku_id}: {quantity} to ship but only {level.reserved} reserved.",
                details={"sku_id": sku_id, "reserved": level.reserved, "requested": quantity},
            )
        movements.append(
            _write_movement(
                level,
                quantity=-quantity,
                reserved_delta=-quantity,
                kind=MovementKind.SHIPMENT,
                actor=actor,
                reason=reason,
                document_type=document_type,
                document_ref=document_ref,
            )
        )
    return movements


# --- purchase orders --------------------------------------------------------------------------


def document_number(prefix: str) -> str:
    return f"{prefix}-{timezone.localdate():%y%m%d}-{uuid.uuid4().hex[:6].upper()}"


def expected_arrival(*, supplier: Supplier, order_date: date, sku: Sku | None = None) -> date:
    """Order date plus the mean lead time (the SKU's override if it has one), rounded up."""
    mean = supplier.lead_time_mean_days
    if sku is not None:
        item = SupplierItem.objects.filter(sku=sku, supplier=supplier).first()
        if item and item.lead_time_mean_days is not None:
            mean = item.lead_time_mean_days
    days = int(Decimal(mean).to_integral_value(rounding=ROUND_CEILING))
    return order_date + timedelta(days=days)


@transaction.atomic
def purchase_order_create(
    *,
    supplier: Supplier,
    warehouse: Warehouse,
    lines: Sequence[tuple[Sku, int, Decimal | None]],
    order_date: date | None = None,
    user: AbstractBaseUser | None = None,
    notes: str = "",
) -> PurchaseOrder:
    """A draft PO; lines are (sku, quantity in units, unit cost or None for the supplier's price).

    The expected arrival is the order date plus the supplier's mean lead time.
    """
    if not lines:
        raise InvalidInput("A purchase order needs at least one line.", code="po_empty")
    seen: set[int] = set()
    for sku, quantity, _ in lines:
        _positive(quantity)
        if sku.pk in seen:
            raise InvalidInput(
                f"SKU {sku.code} appears twice on the purchase order.", code="duplicate_line"
            )
        seen.add(sku.pk)
    order_date = order_date or timezone.localdate()
    po = PurchaseOrder.objects.create(
        number=document_number("PO"),
        supplier=supplier,
        warehouse=warehouse,
        order_date=order_date,
        expected_arrival=expected_arrival(supplier=supplier, order_date=order_date),
        created_by=user if user and user.is_authenticated else None,
        notes=notes,
    )
    costs = dict(
        SupplierItem.objects.filter(supplier=supplier, sku__in=seen).values_list(
            "sku_id", "unit_cost"
        )
    )
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            purchase_order=po,
            sku=sku,
            quantity_ordered=quantity,
            unit_cost=unit_cost if unit_cost is not None else costs.get(sku.pk, sku.unit_cost),
        )
        for sku, quantity, unit_cost in lines
    )
    return po


def _lock_po(po: PurchaseOrder) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update().get(pk=po.pk)


@transaction.atomic
def purchase_order_send(*, purchase_order: PurchaseOrder) -> PurchaseOrder:
    """Draft → sent. Locks the PO; ``invalid_transition`` from any other status."""
    po = _lock_po(purchase_order)
    if po.status != PurchaseOrder.Status.DRAFT:
        raise InvalidTransition(
            f"{po.number} is {po.get_status_display().lower()}; only a draft can be sent."
        )
    if not po.lines.exists():
        raise InvalidInput(f"{po.number} has no lines to order.", code="po_empty")
    po.status = PurchaseOrder.Status.SENT
    po.save(update_fields=["status"])
    return po


@transaction.atomic
def purchase_order_cancel(*, purchase_order: PurchaseOrder) -> PurchaseOrder:
    """Draft or sent → cancelled. Locks the PO; once goods arrived it can no longer be cancelled."""
    po = _lock_po(purchase_order)
    if po.status not in (PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.SENT):
        raise InvalidTransition(
            f"{po.number} is {po.get_status_display().lower()}; only a draft or sent order can be cancelled."
        )
    po.status = PurchaseOrder.Status.CANCELLED
    po.save(update_fields=["status"])
    return po


def _check_receivable(po: PurchaseOrder) -> None:
    if po.status not in PurchaseOrder.RECEIVABLE_STATUSES:
        raise Conflict(
            f"{po.number} is {po.get_status_display().lower()}; goods can only be received on a sent order.",
            code="po_closed",
            details={"purchase_order": po.number, "status": po.status},
        )


def _receive_po_line(
    po: PurchaseOrder,
    line: PurchaseOrderLine,
    level: StockLevel,
    *,
    quantity: int,
    actor: Actor,
    allow_over_receipt: bool,
    idempotency_key: str | None = None,
) -> StockMovement:
    """Receive on a locked line into its locked stock row (the PO is locked by the caller)."""
    if quantity > line.quantity_open and not allow_over_receipt:
        raise Conflict(
            f"{po.number}: {quantity} × {line.sku.code} would exceed the order; "
            f"{line.quantity_open} of {line.quantity_ordered} still open.",
            code="over_receipt",
            details={
                "line_id": line.pk,
                "open": line.quantity_open,
                "ordered": line.quantity_ordered,
                "requested": quantity,
            },
        )
    movement = _write_movement(
        level,
        quantity=quantity,
        kind=MovementKind.RECEIPT,
        actor=actor,
        reason=f"Receipt on {po.number}",
        document_type="purchase_order",
        document_ref=po.number,
        idempotency_key=idempotency_key,
    )
    line.quantity_received += quantity
    line.save(update_fields=["quantity_received"])
    return movement


def _update_po_status(po: PurchaseOrder) -> None:
    open_lines = po.lines.filter(quantity_received__lt=F("quantity_ordered")).exists()
    po.status = (
        PurchaseOrder.Status.PARTIALLY_RECEIVED if open_lines else PurchaseOrder.Status.RECEIVED
    )
    po.save(update_fields=["status"])


@transaction.atomic
def purchase_order_receive(
    *,
    line: PurchaseOrderLine,
    quantity: int,
    actor: Actor = SYSTEM,
    allow_over_receipt: bool | None = None,
    idempotency_key: str | None = None,
) -> StockMovement:
    """Receive ``quantity`` units against a PO line into the PO's warehouse; the status follows.

    Locks the PO, then the line, then the stock row. Refuses a receipt on a PO that is not
    sent or partially received (``po_closed``) and, unless allowed by the
    ``ZAPAS["ALLOW_OVER_RECEIPT"]`` setting or the argument, more than is still open
    (``over_receipt``). A repeated ``idempotency_key`` returns the first movement, even after
    the PO has been fully received.
    """
    _positive(quantity)
    po = PurchaseOrder.objects.select_for_update().get(pk=line.purchase_order_id)
    line = (
        PurchaseOrderLine.objects.select_for_update(of=("self",))
        .select_related("sku")
        .get(pk=line.pk)
    )
    level = _lock_levels([(line.sku_id, po.warehouse_id)])[(line.sku_id, po.warehouse_id)]
    if existing := _replayed_movement(
        po.warehouse_id,
        idempotency_key,
        sku_id=line.sku_id,
        kind=MovementKind.RECEIPT,
        quantity=quantity,
    ):
        return existing
    _check_receivable(po)
    if allow_over_receipt is None:
        allow_over_receipt = settings.ZAPAS["ALLOW_OVER_RECEIPT"]
    movement = _receive_po_line(
        po,
        line,
        level,
        quantity=quantity,
        actor=actor,
        allow_over_receipt=allow_over_receipt,
        idempotency_key=idempotency_key,
    )
    _update_po_status(po)
    _offer_to_short_orders([(line.sku_id, po.warehouse_id)])
    return movement


@transaction.atomic
def purchase_order_receive_lines(
    *,
    purchase_order: PurchaseOrder,
    quantities: Mapping[int, int] | None = None,
    actor: Actor = SYSTEM,
    allow_over_receipt: bool | None = None,
) -> list[StockMovement]:
    """Receive several lines of one PO at once, all or nothing.

    ``quantities`` maps line id → units (0 skips the line); ``None`` receives every open
    quantity. Locks the PO, its lines and then the stock rows, each in pk order. Errors as
    ``purchase_order_receive``, plus ``not_on_purchase_order`` for a foreign line id and
    ``nothing_to_receive`` when every quantity is zero.
    """
    po = _lock_po(purchase_order)
    _check_receivable(po)
    lines = {
        line.pk: line
        for line in po.lines.select_for_update(of=("self",)).select_related("sku").order_by("pk")
    }
    if quantities is None:
        quantities = {pk: line.quantity_open for pk, line in lines.items()}
    unknown = set(quantities) - set(lines)
    if unknown:
        raise InvalidInput(
            f"Lines {sorted(unknown)} are not on {po.number}.",
            code="not_on_purchase_order",
            details={"line_ids": sorted(unknown)},
        )
    wanted = {}
    for pk, quantity in sorted(quantities.items()):
        if quantity == 0:
            continue
        wanted[pk] = _positive(quantity)
    if not wanted:
        raise InvalidInput(f"Nothing to receive on {po.number}.", code="nothing_to_receive")
    if allow_over_receipt is None:
        allow_over_receipt = settings.ZAPAS["ALLOW_OVER_RECEIPT"]
    levels = _lock_levels((lines[pk].sku_id, po.warehouse_id) for pk in wanted)
    movements = [
        _receive_po_line(
            po,
            lines[pk],
            levels[(lines[pk].sku_id, po.warehouse_id)],
            quantity=quantity,
            actor=actor,
            allow_over_receipt=allow_over_receipt,
        )
        for pk, quantity in wanted.items()
    ]
    _update_po_status(po)
    _offer_to_short_orders((lines[pk].sku_id, po.warehouse_id) for pk in wanted)
    return movements


# --- transfers to FBO -------------------------------------------------------------------------


@transaction.atomic
def transfer_create(
    *,
    source: Warehouse,
    destination: Warehouse,
    lines: Sequence[tuple[Sku, int]],
    user: AbstractBaseUser | None = None,
) -> Transfer:
    """A draft transfer from an own warehouse to a marketplace (FBO) warehouse.

    ``same_warehouse`` if source and destination are one warehouse, ``transfer_direction``
    unless it goes own → FBO. Nothing moves until ``transfer_dispatch``.
    """
    if source.pk == destination.pk:
        raise InvalidInput("A transfer needs two different warehouses.", code="same_warehouse")
    if source.kind != Warehouse.Kind.OWN or destination.kind != Warehouse.Kind.FBO:
        raise InvalidInput(
            "Transfers go from an own warehouse to a marketplace FBO warehouse.",
            code="transfer_direction",
        )
    if not lines:
        raise InvalidInput("A transfer needs at least one line.", code="transfer_empty")
    seen: set[int] = set()
    for sku, quantity in lines:
        _positive(quantity)
        if sku.pk in seen:
            raise InvalidInput(
                f"SKU {sku.code} appears twice on the transfer.", code="duplicate_line"
            )
        seen.add(sku.pk)
    transfer = Transfer.objects.create(
        number=document_number("TR"),
        source=source,
        destination=destination,
        created_by=user if user and user.is_authenticated else None,
    )
    TransferLine.objects.bulk_create(
        TransferLine(transfer=transfer, sku=sku, quantity=quantity) for sku, quantity in lines
    )
    return transfer


@transaction.atomic
def transfer_dispatch(*, transfer: Transfer, actor: Actor = SYSTEM) -> Transfer:
    """Ship every line out of the source warehouse; the goods are then in transit.

    Locks the transfer, its lines, then the source stock rows in pk order. Only unreserved
    units leave (``InsufficientStock`` otherwise, and nothing is dispatched).
    """
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("destination")
        .get(pk=transfer.pk)
    )
    if transfer.status != Transfer.Status.DRAFT:
        raise InvalidTransition(f"{transfer.number} was already dispatched or closed.")
    lines = list(transfer.lines.select_for_update().order_by("pk"))
    if not lines:
        raise InvalidInput(f"{transfer.number} has no lines.", code="transfer_empty")
    levels = _lock_levels((line.sku_id, transfer.source_id) for line in lines)
    for line in lines:
        _write_movement(
            levels[(line.sku_id, transfer.source_id)],
            quantity=-line.quantity,
            kind=MovementKind.TRANSFER_OUT,
            actor=actor,
            reason=f"To {transfer.destination.code}",
            document_type="transfer",
            document_ref=transfer.number,
        )
        line.quantity_dispatched = line.quantity
        line.save(update_fields=["quantity_dispatched"])
    now = timezone.now()
    transfer.status = Transfer.Status.IN_TRANSIT
    transfer.dispatched_at = now
    transfer.expected_arrival = timezone.localdate(now) + timedelta(
        days=transfer.destination.transit_days
    )
    transfer.save(update_fields=["status", "dispatched_at", "expected_arrival"])
    return transfer


@transaction.atomic
def transfer_receive(
    *, transfer: Transfer, quantities: dict[int, int] | None = None, actor: Actor = SYSTEM
) -> Transfer:
    """Receive at the FBO warehouse: ``quantities`` by sku_id, or everything in transit.

    Locks the transfer, its lines, then the destination stock rows in pk order.
    ``over_receipt`` if more arrives than is in transit, ``not_on_transfer`` for a SKU that
    is not on it.
    """
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("source")
        .get(pk=transfer.pk)
    )
    if transfer.status not in (Transfer.Status.IN_TRANSIT, Transfer.Status.PARTIALLY_RECEIVED):
        raise InvalidTransition(
            f"{transfer.number} is {transfer.get_status_display().lower()}; nothing to receive."
        )
    lines = {line.sku_id: line for line in transfer.lines.select_for_update().order_by("pk")}
    if quantities is None:
        quantities = {
            sku_id: line.quantity_in_transit
            for sku_id, line in lines.items()
            if line.quantity_in_transit
        }
    quantities = {sku_id: quantity for sku_id, quantity in quantities.items() if quantity != 0}
    unknown = set(quantities) - set(lines)
    if unknown:
        raise InvalidInput(
            f"SKUs {sorted(unknown)} are not on {transfer.number}.", code="not_on_transfer"
        )
    if not quantities:
        raise InvalidInput(f"Nothing to receive on {transfer.number}.", code="nothing_to_receive")
    levels = _lock_levels((sku_id, transfer.destination_id) for sku_id in quantities)
    for sku_id, quantity in quantities.items():
        _positive(quantity)
        line = lines[sku_id]
        if quantity > line.quantity_in_transit:
            raise Conflict(
                f"{transfer.number}: {quantity} received but only {line.quantity_in_transit} in transit.",
                code="over_receipt",
                details={"sku_id": sku_id, "in_transit": line.quantity_in_transit},
            )
        _write_movement(
            levels[(sku_id, transfer.destination_id)],
            quantity=quantity,
            kind=MovementKind.TRANSFER_IN,
            actor=actor,
            reason=f"From {transfer.source.code}",
            document_type="transfer",
            document_ref=transfer.number,
        )
        line.quantity_received += quantity
        line.save(update_fields=["quantity_received"])
    done = all(line.quantity_received >= line.quantity_dispatched for line in lines.values())
    transfer.status = Transfer.Status.RECEIVED if done else Transfer.Status.PARTIALLY_RECEIVED
    if done:
        transfer.received_at = timezone.now()
    transfer.save(update_fields=["status", "received_at"])
    return transfer


@transaction.atomic
def transfer_cancel(*, transfer: Transfer) -> Transfer:
    """Draft → cancelled. Locks the transfer; a dispatched transfer cannot be cancelled."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != Transfer.Status.DRAFT:
        raise InvalidTransition(f"{transfer.number} is already on its way; it cannot be cancelled.")
    transfer.status = Transfer.Status.CANCELLED
    transfer.save(update_fields=["status"])
    return transfer
