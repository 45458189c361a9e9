"""Transfers from an own warehouse to a marketplace (FBO) warehouse."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.errors import Conflict, InvalidInput, InvalidTransition
from inventory.models import MovementKind, Sku, Transfer, TransferLine, Warehouse
from inventory.services.ledger import (
    SYSTEM,
    Actor,
    _lock_levels,
    _positive,
    _write_movement,
    document_number,
)
from inventory.services.stock import stock_release, stock_reserve


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
        raise InvalidInput(
            gettext("A transfer needs two different warehouses."), code="same_warehouse"
        )
    if source.kind != Warehouse.Kind.OWN or destination.kind != Warehouse.Kind.FBO:
        raise InvalidInput(
            gettext("Transfers go from an own warehouse to a marketplace FBO warehouse."),
            code="transfer_direction",
        )
    if not lines:
        raise InvalidInput(gettext("A transfer needs at least one line."), code="transfer_empty")
    seen: set[int] = set()
    for sku, quantity in lines:
        _positive(quantity)
        if sku.pk in seen:
            raise InvalidInput(
                gettext("SKU %(sku)s appears twice on the transfer.") % {"sku": sku.code},
                code="duplicate_line",
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
def transfer_reserve(*, transfer: Transfer) -> Transfer:
    """Hold the draft's units at the source (a supply ready to ship): what is available now
    is reserved for each line, up to its quantity; calling again tops up. Locks the transfer,
    its lines, then the source stock rows in pk order. ``invalid_transition`` unless draft.
    """
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != Transfer.Status.DRAFT:
        raise InvalidTransition(
            gettext("%(transfer)s has left; nothing to hold back.") % {"transfer": transfer.number}
        )
    lines = [
        line
        for line in transfer.lines.select_for_update().order_by("pk")
        if line.quantity_reserved < line.quantity
    ]
    if lines:
        granted = stock_reserve(
            warehouse_id=transfer.source_id,
            lines=[(line.sku_id, line.quantity - line.quantity_reserved) for line in lines],
        )
        for line, more in zip(lines, granted, strict=True):
            if more:
                line.quantity_reserved += more
                line.save(update_fields=["quantity_reserved"])
    return transfer


def _unreserve(transfer: Transfer) -> None:
    lines = [line for line in transfer.lines.select_for_update().order_by("pk")]
    held = [(line.sku_id, line.quantity_reserved) for line in lines if line.quantity_reserved]
    if held:
        stock_release(warehouse_id=transfer.source_id, lines=held)
        transfer.lines.filter(quantity_reserved__gt=0).update(quantity_reserved=0)


@transaction.atomic
def transfer_dispatch(*, transfer: Transfer, actor: Actor = SYSTEM) -> Transfer:
    """Ship every line out of the source warehouse; the goods are then in transit.

    Locks the transfer, its lines, then the source stock rows in pk order. The units the
    transfer holds (``transfer_reserve``) leave with their reservation; the rest only from
    unreserved stock (``InsufficientStock`` otherwise, and nothing is dispatched).
    """
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("destination")
        .get(pk=transfer.pk)
    )
    if transfer.status != Transfer.Status.DRAFT:
        raise InvalidTransition(
            gettext("%(transfer)s was already dispatched or closed.")
            % {"transfer": transfer.number}
        )
    lines = list(transfer.lines.select_for_update().order_by("pk"))
    if not lines:
        raise InvalidInput(
            gettext("%(transfer)s has no lines.") % {"transfer": transfer.number},
            code="transfer_empty",
        )
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
            reserved_delta=-line.quantity_reserved,
        )
        line.quantity_dispatched = line.quantity
        line.quantity_reserved = 0
        line.save(update_fields=["quantity_dispatched", "quantity_reserved"])
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
            gettext("%(transfer)s is %(status)s; nothing to receive.")
            % {"transfer": transfer.number, "status": str(transfer.get_status_display()).lower()}
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
            gettext("SKUs %(skus)s are not on %(transfer)s.")
            % {"skus": sorted(unknown), "transfer": transfer.number},
            code="not_on_transfer",
        )
    if not quantities:
        raise InvalidInput(
            gettext("Nothing to receive on %(document)s.") % {"document": transfer.number},
            code="nothing_to_receive",
        )
    levels = _lock_levels((sku_id, transfer.destination_id) for sku_id in quantities)
    for sku_id, quantity in quantities.items():
        _positive(quantity)
        line = lines[sku_id]
        if quantity > line.quantity_in_transit:
            raise Conflict(
                gettext("%(transfer)s: %(quantity)s received but only %(in_transit)s in transit.")
                % {
                    "transfer": transfer.number,
                    "quantity": quantity,
                    "in_transit": line.quantity_in_transit,
                },
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
    """Draft → cancelled, giving back what it held. Locks the transfer, its lines, then the
    source stock rows; a dispatched transfer cannot be cancelled."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != Transfer.Status.DRAFT:
        raise InvalidTransition(
            gettext("%(transfer)s is already on its way; it cannot be cancelled.")
            % {"transfer": transfer.number}
        )
    _unreserve(transfer)
    transfer.status = Transfer.Status.CANCELLED
    transfer.save(update_fields=["status"])
    return transfer
