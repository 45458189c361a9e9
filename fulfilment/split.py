"""A marketplace splits one order into several (Ozon's ``parent_posting_number``).

The marketplace moves some of an order's units into a new posting. Zapas follows without
letting the units pass through free stock: the child order is created with the moved lines
and takes over the parent's reservations (and packed units) for them; the parent's lines
shrink by as much. Only a child line asking for more than the parent still has reserves the
surplus afresh. Stock rows' ``reserved`` therefore change only by that surplus, and no other
order can take the moved units in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, InvalidTransition
from fulfilment.models import (
    CancelledBy,
    CancelReason,
    NoticeKind,
    Order,
    OrderLine,
    OrderStatus,
    ShipBySource,
)
from fulfilment.services import OrderLineInput, _lock_lines, _lock_order, _refresh_watch
from fulfilment.watch import order_watch_state
from inventory import services as stock

SPLITTABLE = (OrderStatus.AWAITING_PACKAGING, OrderStatus.AWAITING_DELIVER)


@dataclass(frozen=True)
class SplitResult:
    parent: Order
    child: Order
    created: bool
    moved_units: int  # reservations handed from the parent to the child
    reserved_units: int  # reserved afresh for what the parent did not hold


@transaction.atomic
def order_split(
    *,
    parent: Order,
    external_number: str,
    lines: Sequence[OrderLineInput],
    ship_by: datetime | None = None,
) -> SplitResult:
    """Move ``lines`` of ``parent`` into a new order ``external_number`` of the same channel.

    Idempotent on (channel, external number): a child that exists is returned unchanged.
    Locks the parent, its lines, then stock rows (only for a surplus). The child keeps the
    parent's warehouse, scheme, acceptance time and customer, and its status (a packed parent
    gives a packed child); ``ship_by`` is the marketplace's deadline for the child, else the
    parent's. A parent line moved whole is deleted; a parent left without lines is cancelled.
    ``invalid_transition`` unless the parent is awaiting packaging or handover.
    """
    number = (external_number or "").strip()
    if not number or not lines:
        raise InvalidInput(_("A split needs the new posting number and its lines."))
    parent = _lock_order(parent)
    existing = Order.objects.filter(channel=parent.channel, external_number=number).first()
    if existing is not None:
        return SplitResult(parent, existing, False, 0, 0)
    if parent.status not in SPLITTABLE:
        raise InvalidTransition(
            _("Order %(order)s is %(status)s; only an open order can be split.")
            % {"order": parent.external_number, "status": str(parent.get_status_display()).lower()},
            details={"order": parent.external_number, "status": parent.status},
        )
    wanted: dict[int, OrderLineInput] = {}
    for line in lines:
        if not isinstance(line.quantity, int) or line.quantity <= 0:
            raise InvalidInput(
                _("The quantity of %(sku)s must be a positive whole number.")
                % {"sku": line.sku.code}
            )
        first = wanted.get(line.sku.pk)
        wanted[line.sku.pk] = (
            OrderLineInput(line.sku, first.quantity + line.quantity, first.unit_price)
            if first
            else line
        )
    parent_lines = {line.sku_id: line for line in _lock_lines(parent)}
    now = timezone.now()
    child = Order.objects.create(
        channel=parent.channel,
        external_number=number,
        scheme=parent.scheme,
        warehouse=parent.warehouse,
        status=parent.status,
        accepted_at=parent.accepted_at,
        packed_at=parent.packed_at,
        ship_by=ship_by or parent.ship_by,
        ship_by_source=ShipBySource.MARKETPLACE if ship_by else parent.ship_by_source,
        customer_name=parent.customer_name,
        customer_contact=parent.customer_contact,
        customer_language=parent.customer_language,
        created_at=now,
    )
    child_lines, surplus, moved = [], [], 0
    shrunk, emptied = [], []
    for sku_id in sorted(wanted):
        item = wanted[sku_id]
        source = parent_lines.get(sku_id)
        taken = min(item.quantity, source.quantity) if source else 0
        reserved = min(taken, source.reserved_quantity) if source else 0
        packed = min(taken, source.packed_quantity) if source else 0
        if source is not None and taken:
            source.quantity -= taken
            source.reserved_quantity -= reserved
            source.packed_quantity -= packed
            # What the parent still holds never exceeds what it still needs.
            (emptied if source.quantity == 0 else shrunk).append(source)
        moved += reserved
        line = OrderLine(
            order=child,
            sku=item.sku,
            quantity=item.quantity,
            unit_price=Decimal(item.unit_price or (source.unit_price if source else 0)),
            reserved_quantity=reserved,
            packed_quantity=packed,
        )
        child_lines.append(line)
        if reserved < item.quantity:
            surplus.append(line)
    if emptied:
        OrderLine.objects.filter(pk__in=[line.pk for line in emptied]).delete()
    if shrunk:
        OrderLine.objects.bulk_update(shrunk, ["quantity", "reserved_quantity", "packed_quantity"])
    fresh = 0
    if surplus:
        granted = stock.stock_reserve(
            warehouse_id=parent.warehouse_id,
            lines=[(line.sku_id, line.quantity - line.reserved_quantity) for line in surplus],
            allow_partial=True,
        )
        for line, units in zip(surplus, granted, strict=True):
            line.reserved_quantity += units
            fresh += units
    OrderLine.objects.bulk_create(child_lines)
    child.is_short = any(line.reserved_quantity < line.quantity for line in child_lines)
    child.watch_state = order_watch_state(child, now=now)
    child.watch_checked_at = now
    child.save(update_fields=["is_short", "watch_state", "watch_checked_at"])
    remaining = [line for line in parent_lines.values() if line not in emptied]
    parent.is_short = any(line.reserved_quantity < line.quantity for line in remaining)
    update = ["is_short", "watch_state", "watch_checked_at"]
    if not remaining:
        # Everything moved out: the parent posting lives on only as the children.
        parent.status = OrderStatus.CANCELLED
        parent.cancelled_at = now
        parent.cancel_reason, parent.cancelled_by = CancelReason.OTHER, CancelledBy.MARKETPLACE
        parent.cancel_note = f"Split into {number}"
        update += ["status", "cancelled_at", "cancel_reason", "cancelled_by", "cancel_note"]
    _refresh_watch(parent, now=now)
    parent.save(update_fields=update)
    if child.is_short:
        from fulfilment.notices.outbox import notice_queue

        notice_queue(order=child, kind=NoticeKind.SHORT, event_key="intake")
    return SplitResult(parent, child, True, moved, fresh)
