"""Purchase orders: draft → sent → (partially) received, or cancelled."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from core.errors import Conflict, InvalidInput, InvalidTransition
from inventory.models import (
    MovementKind,
    PurchaseOrder,
    PurchaseOrderLine,
    Sku,
    StockLevel,
    StockMovement,
    Supplier,
    SupplierItem,
    Warehouse,
)
from inventory.services.ledger import (
    SYSTEM,
    Actor,
    _lock_levels,
    _offer_to_short_orders,
    _positive,
    _replayed_movement,
    _write_movement,
    document_number,
)


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
        raise InvalidInput(gettext("A purchase order needs at least one line."), code="po_empty")
    seen: set[int] = set()
    for sku, quantity, _ in lines:
        _positive(quantity)
        if sku.pk in seen:
            raise InvalidInput(
                gettext("SKU %(sku)s appears twice on the purchase order.") % {"sku": sku.code},
                code="duplicate_line",
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


def _po_state(po: PurchaseOrder) -> dict[str, str]:
    return {"po": po.number, "status": str(po.get_status_display()).lower()}


def _lock_po(po: PurchaseOrder) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update().get(pk=po.pk)


@transaction.atomic
def purchase_order_send(*, purchase_order: PurchaseOrder) -> PurchaseOrder:
    """Draft → sent. Locks the PO; ``invalid_transition`` from any other status."""
    po = _lock_po(purchase_order)
    if po.status != PurchaseOrder.Status.DRAFT:
        raise InvalidTransition(
            gettext("%(po)s is %(status)s; only a draft can be sent.") % _po_state(po)
        )
    if not po.lines.exists():
        raise InvalidInput(
            gettext("%(po)s has no lines to order.") % {"po": po.number}, code="po_empty"
        )
    po.status = PurchaseOrder.Status.SENT
    po.save(update_fields=["status"])
    return po


@transaction.atomic
def purchase_order_cancel(*, purchase_order: PurchaseOrder) -> PurchaseOrder:
    """Draft or sent → cancelled. Locks the PO; once goods arrived it can no longer be cancelled."""
    po = _lock_po(purchase_order)
    if po.status not in (PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.SENT):
        raise InvalidTransition(
            gettext("%(po)s is %(status)s; only a draft or sent order can be cancelled.")
            % _po_state(po)
        )
    po.status = PurchaseOrder.Status.CANCELLED
    po.save(update_fields=["status"])
    return po


def _check_receivable(po: PurchaseOrder) -> None:
    if po.status not in PurchaseOrder.RECEIVABLE_STATUSES:
        raise Conflict(
            gettext("%(po)s is %(status)s; goods can only be received on a sent order.")
            % _po_state(po),
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
            gettext(
                "%(po)s: %(quantity)s × %(sku)s would exceed the order; %(open)s of %(ordered)s "
                "still open."
            )
            % {
                "po": po.number,
                "quantity": quantity,
                "sku": line.sku.code,
                "open": line.quantity_open,
                "ordered": line.quantity_ordered,
            },
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
            gettext("Lines %(lines)s are not on %(po)s.")
            % {"lines": sorted(unknown), "po": po.number},
            code="not_on_purchase_order",
            details={"line_ids": sorted(unknown)},
        )
    wanted = {}
    for pk, quantity in sorted(quantities.items()):
        if quantity == 0:
            continue
        wanted[pk] = _positive(quantity)
    if not wanted:
        raise InvalidInput(
            gettext("Nothing to receive on %(document)s.") % {"document": po.number},
            code="nothing_to_receive",
        )
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
