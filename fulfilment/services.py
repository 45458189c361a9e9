"""Every write to orders: intake, packing, handover, delivery, cancellation, short allocation.

Locks, always in this order: the order row, then its lines, then stock rows (through
``inventory.services``, which lock stock rows in primary-key order). The one exception is
:func:`short_orders_allocate`, which runs through the ``inventory.hooks.on_stock_freed`` hook
(registered in ``FulfilmentConfig.ready()``) while a stock row is already locked; it therefore only takes order locks that are free (``SKIP LOCKED``) and leaves a
busy order for the next receipt or the periodic deadline watch, which retries short orders.

Each public function runs in one transaction and raises ``core.errors.DomainError`` subclasses
with stable codes; nothing is half-written. Side effects (notices) leave through
``transaction.on_commit``; higher apps follow hand-overs and cancellations through ``hooks``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core import sql
from core.errors import Conflict, DomainError, InsufficientStock, InvalidInput, InvalidTransition
from core.limits import INT32_MAX
from core.transactions import atomic_joining
from fulfilment import hooks
from fulfilment.calendar import WarehouseCalendar, ship_by_deadline
from fulfilment.models import (
    CancelledBy,
    CancelReason,
    NoticeKind,
    Order,
    OrderLine,
    OrderScheme,
    OrderStatus,
    ShipBySource,
)
from fulfilment.watch import order_watch_state
from inventory import services as stock
from inventory.models import Sku, Warehouse
from inventory.services import SYSTEM, Actor


@dataclass(frozen=True)
class OrderLineInput:
    sku: Sku
    quantity: int
    unit_price: Decimal = Decimal("0")


@dataclass(frozen=True)
class CustomerInfo:
    name: str = ""
    contact: str = ""
    language: str = ""


@dataclass(frozen=True)
class IntakeResult:
    order: Order
    created: bool


@dataclass(frozen=True)
class PackScanResult:
    order: Order
    line: OrderLine
    order_packed: bool
    remaining: dict[str, int] = field(default_factory=dict)  # SKU code -> units still to scan


@dataclass(frozen=True)
class ShipOutcome:
    order: Order
    ok: bool
    error: DomainError | None = None


# --- helpers ----------------------------------------------------------------------------------


def _positive(quantity: int, what: str | None = None) -> int:
    what = gettext_lazy("quantity") if what is None else what
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise InvalidInput(
            _("The %(what)s must be a positive whole number, got %(value)s.")
            % {"what": what, "value": repr(quantity)}
        )
    if quantity > INT32_MAX:  # the quantity columns are 32-bit on PostgreSQL
        raise InvalidInput(
            _("The %(what)s %(value)s is beyond the largest quantity Zapas stores (%(maximum)s).")
            % {
                "what": what,
                "value": number_format(quantity, force_grouping=True),
                "maximum": number_format(INT32_MAX, force_grouping=True),
            },
            code="quantity_out_of_range",
            details={"quantity": quantity, "maximum": INT32_MAX},
        )
    return quantity


def order_lines_merged(lines: Sequence[OrderLineInput]) -> list[OrderLineInput]:
    """``lines`` checked (a positive quantity that the columns hold, a price ≥ 0) and merged to
    one line per SKU in primary-key order: a posting listing a SKU twice is one line with the
    summed quantity, which must fit too. Raises ``InvalidInput``."""
    merged: dict[int, OrderLineInput] = {}
    for line in lines:
        what = _("quantity of %(sku)s") % {"sku": getattr(line.sku, "code", line.sku)}
        _positive(line.quantity, what)
        if line.unit_price is not None and Decimal(line.unit_price) < 0:
            raise InvalidInput(
                _("The price of %(sku)s cannot be negative.") % {"sku": line.sku.code}
            )
        first = merged.get(line.sku.pk)
        if first is not None:
            line = OrderLineInput(
                first.sku, _positive(first.quantity + line.quantity, what), first.unit_price
            )
        merged[line.sku.pk] = line
    return [merged[pk] for pk in sorted(merged)]


def _aware(moment: datetime, what: str) -> datetime:
    if not isinstance(moment, datetime) or timezone.is_naive(moment):
        raise InvalidInput(
            _("%(what)s must be a date and time with a time zone.") % {"what": what},
            code="naive_datetime",
        )
    return moment


def _lock_order(order: Order) -> Order:
    """The order row, locked, fresh from the database, with its warehouse."""
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("warehouse")
        .order_by()
        .get(pk=order.pk)
    )


def _lock_lines(order: Order) -> list[OrderLine]:
    """The order's lines with their SKUs, locked in pk order (after the order itself)."""
    lines = list(
        OrderLine.objects.select_for_update(of=("self",))
        .select_related("sku")
        .filter(order_id=order.pk)
        .order_by("pk")
    )
    for line in lines:
        line.order = order  # the caller's order: no query when a line refers to it
    return lines


# What a hand-over reads, writes and answers of the order; the other fields stay deferred.
_SHIP_ORDER_FIELDS = (
    "id",
    "channel",
    "external_number",
    "scheme",
    "warehouse",
    "status",
    "ship_by",
    "packed_at",
    "shipped_at",
    "shipped_late",
    "is_short",
    "watch_state",
)
# The lines' plain columns (``unit_price``, a decimal, stays deferred).
_SHIP_LINE_FIELDS = ("id", "order", "sku", "quantity", "reserved_quantity", "packed_quantity")


def _lock_order_row(order: Order) -> Order:
    """The order row alone, locked (the hand-over's lock: it needs no warehouse), with the
    fields a hand-over uses (others deferred).

    Written once and run through ``Manager.raw()``: the ORM queryset cost three times the
    Python on every hand-over, building and compiling the same query."""
    names = ", ".join(sql.column(Order, name) for name in _SHIP_ORDER_FIELDS)
    statement = f"SELECT {names} FROM {sql.table(Order)} WHERE {sql.column(Order, 'id')} = %s"
    found = list(Order.objects.raw(statement + sql.for_update(), [order.pk]))
    if not found:
        raise Order.DoesNotExist(_("No order with id %(id)s.") % {"id": order.pk})
    return found[0]


def _lock_line_rows(order: Order) -> list[OrderLine]:
    """The order's lines, locked in pk order, without their SKUs (the hand-over's lock); plain
    columns only (``sql.select``), the unit price deferred."""
    tail = (
        f"WHERE {sql.column(OrderLine, 'order')} = %s"
        f" ORDER BY {sql.column(OrderLine, 'id')}{sql.for_update()}"
    )
    lines = sql.select(OrderLine, _SHIP_LINE_FIELDS, tail, [order.pk])
    for line in lines:
        line.order = order
    return lines


# What a refused transition would have done, in the sentence "only an order that is … can be …".
_ACTIONS = {
    "packed": pgettext_lazy("order action", "packed"),
    "handed over": pgettext_lazy("order action", "handed over"),
    "delivered": pgettext_lazy("order action", "delivered"),
    "cancelled": pgettext_lazy("order action", "cancelled"),
}


def _transition_error(order: Order, action: str, allowed: Iterable[str]) -> InvalidTransition:
    # The enum's labels are plain text (the field's choices are the translated ones).
    allowed_labels = _(" or ").join(_(OrderStatus(s).label).lower() for s in allowed)
    return InvalidTransition(
        _("Order %(order)s is %(status)s; only an order that is %(allowed)s can be %(action)s.")
        % {
            "order": order.external_number,
            "status": str(order.get_status_display()).lower(),
            "allowed": allowed_labels,
            "action": _ACTIONS.get(action, action),
        },
        details={"order": order.external_number, "status": order.status, "action": action},
    )


def _describe(lines: Iterable[OrderLine], attr: str) -> str:
    return ", ".join(f"{line.sku.code} × {getattr(line, attr)}" for line in lines) or _("nothing")


def _refresh_watch(order: Order, *, now: datetime | None = None) -> None:
    order.watch_state = order_watch_state(order, now=now or timezone.now())
    order.watch_checked_at = now or timezone.now()


def _top_up_reservations(order: Order, lines: list[OrderLine]) -> int:
    """Reserve what is missing on locked ``lines``; returns units newly reserved."""
    missing = [line for line in lines if line.missing_quantity > 0]
    if not missing:
        return 0
    granted = stock.stock_reserve(
        warehouse_id=order.warehouse_id,
        lines=[(line.sku_id, line.missing_quantity) for line in missing],
        allow_partial=True,
    )
    changed = []
    for line, units in zip(missing, granted, strict=True):
        if units:
            line.reserved_quantity += units
            changed.append(line)
    if changed:
        OrderLine.objects.bulk_update(changed, ["reserved_quantity"])
    return sum(granted)


# --- intake -----------------------------------------------------------------------------------


def order_ship_by(*, warehouse: Warehouse, accepted_at: datetime, skus: Sequence[Sku]) -> datetime:
    """The computed ship-by deadline: the longest FBS prep time on the warehouse calendar."""
    prep_days = max((sku.fbs_prep_days for sku in skus), default=1)
    return ship_by_deadline(
        accepted_at=accepted_at,
        calendar=WarehouseCalendar.for_warehouse(warehouse),
        prep_days=prep_days,
    )


def order_intake(
    *,
    channel: str,
    external_number: str,
    warehouse: Warehouse,
    scheme: str,
    accepted_at: datetime,
    lines: Sequence[OrderLineInput],
    ship_by: datetime | None = None,
    customer: CustomerInfo | None = None,
) -> IntakeResult:
    """Accept a marketplace order and reserve its stock, line by line, in one transaction.

    Idempotent on (``channel``, ``external_number``): a repeat returns the existing order with
    ``created=False`` and changes nothing. Each line reserves what is available (stock rows locked
    in primary-key order); a line that cannot be fully reserved leaves the order accepted but
    *short* (``Order.is_short``) and queues a customer notice. ``ship_by`` is the marketplace's
    deadline when it gives one; otherwise it is computed (:func:`order_ship_by`).
    """
    channel = (channel or "").strip()
    external_number = (external_number or "").strip()
    if not channel or not external_number:
        raise InvalidInput(_("An order needs a channel and an external (posting) number."))
    if scheme not in OrderScheme.values:
        raise InvalidInput(
            _("Unknown scheme %(value)s; use one of %(known)s.")
            % {"value": repr(scheme), "known": ", ".join(OrderScheme.values)},
            code="invalid_scheme",
        )
    _aware(accepted_at, _("The acceptance time"))
    if ship_by is not None:
        _aware(ship_by, _("The ship-by deadline"))
    if not lines:
        raise InvalidInput(
            _("Order %(order)s has no lines.") % {"order": external_number}, code="no_lines"
        )

    existing = Order.objects.filter(channel=channel, external_number=external_number).first()
    if existing is not None:
        return IntakeResult(existing, False)

    ordered = order_lines_merged(lines)

    source = ShipBySource.MARKETPLACE if ship_by is not None else ShipBySource.COMPUTED
    if ship_by is None:
        ship_by = order_ship_by(
            warehouse=warehouse, accepted_at=accepted_at, skus=[line.sku for line in ordered]
        )
    customer = customer or CustomerInfo()

    with transaction.atomic():
        try:
            with transaction.atomic():
                order = Order.objects.create(
                    channel=channel,
                    external_number=external_number,
                    scheme=scheme,
                    warehouse=warehouse,
                    accepted_at=accepted_at,
                    ship_by=ship_by,
                    ship_by_source=source,
                    customer_name=customer.name[:200],
                    customer_contact=customer.contact[:200],
                    customer_language=(customer.language or "")[:8].lower(),
                )
        except IntegrityError:
            # A concurrent intake of the same posting won the race.
            return IntakeResult(
                Order.objects.get(channel=channel, external_number=external_number), False
            )
        granted = stock.stock_reserve(
            warehouse_id=warehouse.pk,
            lines=[(line.sku.pk, line.quantity) for line in ordered],
            allow_partial=True,
        )
        order_lines = OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=Decimal(line.unit_price or 0),
                    reserved_quantity=units,
                )
                for line, units in zip(ordered, granted, strict=True)
            ]
        )
        order.is_short = any(line.missing_quantity for line in order_lines)
        _refresh_watch(order)
        order.save(update_fields=["is_short", "watch_state", "watch_checked_at"])
        if order.is_short:
            from fulfilment.notices.outbox import notice_queue

            notice_queue(order=order, kind=NoticeKind.SHORT, event_key="intake")
    return IntakeResult(order, True)


# --- packing ----------------------------------------------------------------------------------


@transaction.atomic
def order_ship_by_move(*, order: Order, ship_by: datetime) -> Order:
    """The marketplace moved an open order's ship-by deadline (Ozon's cut-off changed): take it.

    A closed order keeps the deadline it was closed against (``shipped_late`` stays true to
    it). The deadline watch classifies the order again on its next run.
    """
    _aware(ship_by, _("The ship-by deadline"))
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status in Order.OPEN_STATUSES and order.ship_by != ship_by:
            order.ship_by, order.ship_by_source = ship_by, ShipBySource.MARKETPLACE
            order.save(update_fields=["ship_by", "ship_by_source"])
    return order


def order_pack_scan(*, order: Order, sku: Sku, quantity: int = 1, actor: Actor) -> PackScanResult:
    """Record ``quantity`` units of ``sku`` scanned into the order's box.

    Locks the order row. A SKU not on the order, or one already fully scanned, raises
    ``Conflict`` ``wrong_item``/``too_many`` naming what is still expected. When every line is
    fully scanned the order becomes packed (``awaiting_deliver``).
    """
    _positive(quantity)
    order = _lock_order(order)
    if order.status != OrderStatus.AWAITING_PACKAGING:
        raise _transition_error(order, "packed", [OrderStatus.AWAITING_PACKAGING])
    lines = _lock_lines(order)
    remaining = [line for line in lines if line.remaining_to_pack > 0]
    line = next((line for line in lines if line.sku_id == sku.pk), None)
    expected = _describe(remaining, "remaining_to_pack")
    details = {
        "order": order.external_number,
        "sku": sku.code,
        "expected": {line.sku.code: line.remaining_to_pack for line in remaining},
    }
    if line is None:
        raise Conflict(
            _("%(sku)s is not on order %(order)s. Still to pack: %(expected)s.")
            % {"sku": sku.code, "order": order.external_number, "expected": expected},
            code="wrong_item",
            details=details,
        )
    if quantity > line.remaining_to_pack:
        raise Conflict(
            _(
                "Too many %(sku)s for order %(order)s: %(left)s left to pack, %(scanned)s "
                "scanned. Still to pack: %(expected)s."
            )
            % {
                "sku": sku.code,
                "order": order.external_number,
                "left": line.remaining_to_pack,
                "scanned": quantity,
                "expected": expected,
            },
            code="too_many",
            details=details,
        )
    line.packed_quantity += quantity
    line.save(update_fields=["packed_quantity"])
    packed = all(item.remaining_to_pack == 0 for item in lines)
    if packed:
        order.status = OrderStatus.AWAITING_DELIVER
        order.packed_at = timezone.now()
        order.save(update_fields=["status", "packed_at"])
        hooks.order_packed(order, order.packed_at, frozenset(item.sku_id for item in lines))
    return PackScanResult(
        order=order,
        line=line,
        order_packed=packed,
        remaining={
            item.sku.code: item.remaining_to_pack for item in lines if item.remaining_to_pack
        },
    )


@transaction.atomic
def order_pack(*, order: Order, actor: Actor = SYSTEM) -> Order:
    """Mark every line fully packed at once (the admin's "pack" action). Locks the order."""
    order = _lock_order(order)
    if order.status != OrderStatus.AWAITING_PACKAGING:
        raise _transition_error(order, "packed", [OrderStatus.AWAITING_PACKAGING])
    lines = _lock_lines(order)
    OrderLine.objects.filter(order=order).update(packed_quantity=F("quantity"))
    for line in lines:
        line.packed_quantity = line.quantity
    order.status = OrderStatus.AWAITING_DELIVER
    order.packed_at = timezone.now()
    order.save(update_fields=["status", "packed_at"])
    hooks.order_packed(order, order.packed_at, frozenset(line.sku_id for line in lines))
    return order


# --- handover, delivery, cancellation ---------------------------------------------------------


def order_ship(*, order: Order, actor: Actor = SYSTEM, at: datetime | None = None) -> Order:
    """Hand a packed order to the carrier: status ``delivering``, reservations become shipments.

    Locks the order, its lines, then the stock rows. A short order first tries to reserve what
    it lacks; if it still cannot, ``InsufficientStock`` (``order_short``) and nothing changes.
    A handover after the ship-by deadline is recorded as late (``shipped_late``).
    """
    return order_ship_with_lines(order=order, actor=actor, at=at)[0]


@atomic_joining
def order_ship_with_lines(
    *, order: Order, actor: Actor = SYSTEM, at: datetime | None = None
) -> tuple[Order, list[OrderLine]]:
    """``order_ship``, also returning the order's lines as they are now (their SKUs not
    loaded), so that the API answers without reading them again.

    It refuses before its first write, so inside a caller's transaction (the API's) it takes no
    savepoint (``core.transactions.atomic_joining``); the one write before a possible refusal,
    a short order's top-up, runs in a savepoint of its own together with the hand-over."""
    at = _aware(at, _("The handover time")) if at is not None else timezone.now()
    order = _lock_order_row(order)
    if order.status != OrderStatus.AWAITING_DELIVER:
        if order.status == OrderStatus.AWAITING_PACKAGING:
            raise InvalidTransition(
                _("Order %(order)s is not packed yet; pack it before handover.")
                % {"order": order.external_number},
                code="not_packed",
                details={"order": order.external_number, "status": order.status},
            )
        raise _transition_error(order, "handed over", [OrderStatus.AWAITING_DELIVER])
    lines = _lock_line_rows(order)
    if any(line.missing_quantity for line in lines):
        with transaction.atomic():  # the top-up is undone if the order is refused after all
            _top_up_reservations(order, lines)
            _refuse_if_short(order, lines)
            return _ship_locked(order, lines, actor, at)
    return _ship_locked(order, lines, actor, at)


def _refuse_if_short(order: Order, lines: list[OrderLine]) -> None:
    still_missing = [line for line in lines if line.missing_quantity]
    if still_missing:
        raise InsufficientStock(
            _(
                "Order %(order)s is short of %(missing)s; it cannot be handed over until the "
                "stock arrives."
            )
            % {
                "order": order.external_number,
                "missing": _describe(still_missing, "missing_quantity"),
            },
            code="order_short",
            details={
                "order": order.external_number,
                "missing": {line.sku.code: line.missing_quantity for line in still_missing},
            },
        )


def _ship_locked(
    order: Order, lines: list[OrderLine], actor: Actor, at: datetime
) -> tuple[Order, list[OrderLine]]:
    """The hand-over's writes, on a locked order with its lines locked and fully reserved."""
    stock.stock_ship_reserved(
        warehouse_id=order.warehouse_id,
        lines=[(line.sku_id, line.quantity) for line in lines],
        actor=actor,
        document_type="order",
        document_ref=order.external_number,
        reason=f"Order {order.external_number} handed to carrier",
    )
    # Two statements written here (``core.sql``) instead of a queryset ``update()`` and a
    # ``save(update_fields=…)`` compiled on every hand-over; Order and OrderLine have no
    # ``save()`` of their own and no signal receivers.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {sql.table(OrderLine)} SET {sql.column(OrderLine, 'reserved_quantity')} = 0"
            f" WHERE {sql.column(OrderLine, 'order')} = %s",
            [order.pk],
        )
    for line in lines:
        line.reserved_quantity = 0
    order.status = OrderStatus.DELIVERING
    order.shipped_at = at
    order.shipped_late = at > order.ship_by
    order.is_short = False
    order.watch_state = ""
    sql.update_row(
        Order,
        order.pk,
        {
            "status": order.status,
            "shipped_at": at,
            "shipped_late": order.shipped_late,
            "is_short": False,
            "watch_state": "",
        },
    )
    hooks.order_shipped(order, at, frozenset(line.sku_id for line in lines))
    return order, lines


def order_ship_batch(*, orders: Iterable[Order], actor: Actor = SYSTEM) -> list[ShipOutcome]:
    """Hand over several orders; each is its own transaction, so one failure spoils no other."""
    outcomes = []
    for order in orders:
        try:
            outcomes.append(ShipOutcome(order_ship(order=order, actor=actor), True))
        except DomainError as exc:
            outcomes.append(ShipOutcome(order, False, exc))
    return outcomes


@transaction.atomic
def order_deliver(*, order: Order, at: datetime | None = None) -> Order:
    """The carrier delivered the order to the customer."""
    at = _aware(at, _("The delivery time")) if at is not None else timezone.now()
    order = _lock_order(order)
    if order.status != OrderStatus.DELIVERING:
        raise _transition_error(order, "delivered", [OrderStatus.DELIVERING])
    order.status = OrderStatus.DELIVERED
    order.delivered_at = at
    order.save(update_fields=["status", "delivered_at"])
    return order


@transaction.atomic
def order_cancel(
    *,
    order: Order,
    reason: str,
    cancelled_by: str,
    actor: Actor = SYSTEM,
    note: str = "",
    at: datetime | None = None,
) -> Order:
    """Cancel an open order and release its reservations (which may go to short orders).

    ``reason`` is a ``CancelReason`` value, ``cancelled_by`` a ``CancelledBy`` value.
    """
    if reason not in CancelReason.values:
        raise InvalidInput(
            _("Unknown cancellation reason %(value)s; use one of %(known)s.")
            % {"value": repr(reason), "known": ", ".join(CancelReason.values)},
            code="invalid_cancel_reason",
        )
    if cancelled_by not in CancelledBy.values:
        raise InvalidInput(
            _("Unknown canceller %(value)s; use one of %(known)s.")
            % {"value": repr(cancelled_by), "known": ", ".join(CancelledBy.values)},
            code="invalid_cancelled_by",
        )
    at = _aware(at, _("The cancellation time")) if at is not None else timezone.now()
    order = _lock_order(order)
    if not order.is_open:
        raise _transition_error(order, "cancelled", Order.OPEN_STATUSES)
    lines = _lock_lines(order)
    # Cancelled before the release so that the freed units cannot come back to this order.
    order.status = OrderStatus.CANCELLED
    order.cancel_reason = reason
    order.cancelled_by = cancelled_by
    order.cancel_note = note
    order.cancelled_at = at
    order.watch_state = ""
    order.save(
        update_fields=[
            "status",
            "cancel_reason",
            "cancelled_by",
            "cancel_note",
            "cancelled_at",
            "watch_state",
        ]
    )
    reserved = [(line.sku_id, line.reserved_quantity) for line in lines if line.reserved_quantity]
    OrderLine.objects.filter(order=order).update(reserved_quantity=0)
    if reserved:
        stock.stock_release(warehouse_id=order.warehouse_id, lines=reserved)
    hooks.order_cancelled(order, at, frozenset(line.sku_id for line in lines))
    return order


@transaction.atomic
def order_carrier_delay_record(*, order: Order, new_estimate: date) -> Order:
    """The carrier reports a delay: remember the new delivery estimate and notify the customer."""
    from fulfilment.notices.outbox import notice_queue

    if not isinstance(new_estimate, date):
        raise InvalidInput(_("The new estimate must be a date."), code="invalid_date")
    order = _lock_order(order)
    if order.status in (OrderStatus.DELIVERED, OrderStatus.CANCELLED):
        raise InvalidTransition(
            _("Order %(order)s is %(status)s; a carrier delay no longer applies.")
            % {"order": order.external_number, "status": str(order.get_status_display()).lower()}
        )
    today = WarehouseCalendar.for_warehouse(order.warehouse).local(timezone.now()).date()
    if new_estimate < today:
        raise InvalidInput(
            _(
                "The new delivery estimate %(estimate)s is in the past; give today (%(today)s) "
                "or a later date."
            )
            % {
                "estimate": date_format(new_estimate, "SHORT_DATE_FORMAT"),
                "today": date_format(today, "SHORT_DATE_FORMAT"),
            },
            code="date_in_past",
        )
    order.carrier_delay_until = new_estimate
    order.save(update_fields=["carrier_delay_until"])
    notice_queue(
        order=order,
        kind=NoticeKind.CARRIER_DELAY,
        event_key=new_estimate.isoformat(),
        estimated_date=new_estimate,
    )
    return order


# --- short orders -----------------------------------------------------------------------------


def short_orders_allocate(*, sku_id: int, warehouse_id: int) -> int:
    """Offer available units of a SKU at a warehouse to its short open orders.

    Oldest ship-by deadline first (then oldest order). Runs inside the caller's transaction
    (``short_orders_on_stock_freed`` calls it with the stock row locked), so it takes only free order
    locks: an order being packed, shipped or cancelled right now is skipped and picked up by the
    next receipt or the deadline watch. Returns the units allocated.
    """
    with transaction.atomic():
        candidate_ids = list(
            OrderLine.objects.filter(
                sku_id=sku_id,
                order__warehouse_id=warehouse_id,
                order__status__in=Order.OPEN_STATUSES,
                reserved_quantity__lt=F("quantity"),
            )
            .order_by()
            .values_list("order_id", flat=True)
            .distinct()
        )
        if not candidate_ids:
            return 0
        skip = (
            {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}
        )
        locked = list(
            Order.objects.select_for_update(**skip)
            .filter(pk__in=candidate_ids, status__in=Order.OPEN_STATUSES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        lines = list(
            OrderLine.objects.filter(
                order_id__in=locked, sku_id=sku_id, reserved_quantity__lt=F("quantity")
            )
            .select_related("order")
            .order_by("order__ship_by", "order_id")
        )
        if not lines:
            return 0
        granted = stock.stock_reserve(
            warehouse_id=warehouse_id,
            lines=[(line.sku_id, line.missing_quantity) for line in lines],
            allow_partial=True,
        )
        changed = []
        for line, units in zip(lines, granted, strict=True):
            if units:
                line.reserved_quantity += units
                changed.append(line)
        if not changed:
            return 0
        OrderLine.objects.bulk_update(changed, ["reserved_quantity"])
        still_short = set(
            OrderLine.objects.filter(
                order_id__in=[line.order_id for line in changed],
                reserved_quantity__lt=F("quantity"),
            ).values_list("order_id", flat=True)
        )
        now = timezone.now()
        orders = []
        for order in {line.order_id: line.order for line in changed}.values():
            order.is_short = order.pk in still_short
            _refresh_watch(order, now=now)
            orders.append(order)
        Order.objects.bulk_update(orders, ["is_short", "watch_state", "watch_checked_at"])
        return sum(granted)


def short_orders_on_stock_freed(pairs: Sequence[tuple[int, int]]) -> None:
    """The ``inventory.hooks.on_stock_freed`` handler: freed or arrived units go to short
    orders first (oldest deadline first). Runs with those stock rows locked.

    Many pairs at once (an opening balance, a bulk receipt) are first narrowed, in one query
    per 500 SKUs, to those some open order is short of: the others cost nothing more."""
    if len(pairs) > 1:
        pairs = _pairs_with_short_lines(pairs)
    for sku_id, warehouse_id in pairs:
        short_orders_allocate(sku_id=sku_id, warehouse_id=warehouse_id)


def _pairs_with_short_lines(pairs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    wanted = set(pairs)
    sku_ids = sorted({sku_id for sku_id, _ in wanted})
    warehouse_ids = sorted({warehouse_id for _, warehouse_id in wanted})
    short: set[tuple[int, int]] = set()
    for start in range(0, len(sku_ids), 500):
        short.update(
            OrderLine.objects.filter(
                sku_id__in=sku_ids[start : start + 500],
                order__warehouse_id__in=warehouse_ids,
                order__status__in=Order.OPEN_STATUSES,
                reserved_quantity__lt=F("quantity"),
            )
            .order_by()
            .values_list("sku_id", "order__warehouse_id")
            .distinct()
        )
    return [pair for pair in pairs if pair in short]


def short_orders_reallocate() -> int:
    """Retry every short open order (oldest deadline first per SKU); returns units allocated.

    Run by the deadline watch: it catches orders skipped while they were locked.
    """
    pairs = (
        OrderLine.objects.filter(
            order__status__in=Order.OPEN_STATUSES, reserved_quantity__lt=F("quantity")
        )
        .values_list("sku_id", "order__warehouse_id")
        .distinct()
        .order_by("sku_id", "order__warehouse_id")
    )
    total = 0
    for sku_id, warehouse_id in list(pairs):
        total += short_orders_allocate(sku_id=sku_id, warehouse_id=warehouse_id)
    return total
