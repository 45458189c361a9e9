"""The notice outbox: queue once per event, send through a channel with retries, staff controls.

Sending never happens inside a transaction: a notice is committed as ``pending`` and a task is
scheduled with ``transaction.on_commit``. A sender first *claims* the notice with a guarded
UPDATE (pending → sending), so two workers, or a task retried by the broker, never send the
same notice twice; a notice stuck in ``sending`` (its worker died) is re-queued by the sweep
after ``NOTICE_SENDING_STALE_MINUTES``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.errors import InvalidInput, InvalidTransition
from core.transactions import after_commit
from fulfilment.calendar import WarehouseCalendar
from fulfilment.conf import setting
from fulfilment.models import Notice, NoticeKind, NoticeStatus, Order
from fulfilment.notices.channels import (
    ChannelError,
    ChannelFallback,
    PermanentChannelError,
    get_channel,
)
from fulfilment.notices.compensation import Compensation, compensation_for
from fulfilment.substitutes import SubstituteOffer, substitute_offers

#: Notices about missing stock, where an in-stock substitute may be offered.
SUBSTITUTE_KINDS = (NoticeKind.SHORT, NoticeKind.DUE_SOON_SHORT)


class NoticeRetry(Exception):
    """A send failed and the notice went back to pending: the task should retry later."""


# --- what a notice says -----------------------------------------------------------------------


def notice_language(order: Order) -> str:
    """The customer's language when we have templates in it, else the default."""
    language = (order.customer_language or "").lower().split("-")[0]
    if language in setting("NOTICE_LANGUAGES"):
        return language
    return setting("NOTICE_DEFAULT_LANGUAGE")


def estimated_date_for(order: Order, *, kind: str, now: datetime) -> date | None:
    """When the order should now leave us (or arrive, for a carrier delay); None if unknown.

    Short: the latest of the earliest open purchase-order arrivals of the missing SKUs at the
    order's warehouse, then the prep time on the warehouse calendar; unknown when a missing SKU
    has nothing on order. Overdue: the next working day.
    """
    from inventory.models import PurchaseOrder, PurchaseOrderLine

    if kind == NoticeKind.CARRIER_DELAY:
        return order.carrier_delay_until
    calendar = WarehouseCalendar.for_warehouse(order.warehouse)
    today = calendar.local(now).date()
    missing = {
        line.sku_id: line.sku.fbs_prep_days
        for line in order.lines.select_related("sku")
        if line.missing_quantity > 0
    }
    if not missing:
        return calendar.next_working_day(today)
    arrivals: dict[int, date] = {}
    for sku_id, arrival in (
        PurchaseOrderLine.objects.filter(
            sku_id__in=missing,
            purchase_order__warehouse_id=order.warehouse_id,
            purchase_order__status__in=PurchaseOrder.OPEN_STATUSES,
            purchase_order__expected_arrival__isnull=False,
            quantity_received__lt=F("quantity_ordered"),
        )
        .order_by("purchase_order__expected_arrival")
        .values_list("sku_id", "purchase_order__expected_arrival")
    ):
        arrivals.setdefault(sku_id, arrival)
    if set(arrivals) != set(missing):
        return None
    arrival = max(max(arrivals.values()), today)
    return calendar.add_working_days(
        calendar.next_working_day(arrival, include=True), max(missing.values())
    )


def _format_date(value: date | None, language: str) -> str:
    if value is None:
        return ""
    if language == "ru":
        return value.strftime("%d.%m.%Y")
    return value.strftime("%d %b %Y")


def notice_render(
    *,
    order: Order,
    kind: str,
    language: str,
    estimated_date: date | None,
    compensation: Compensation,
    substitutes: Sequence[SubstituteOffer] = (),
) -> tuple[str, str]:
    """Subject and body from ``fulfilment/notices/<kind>.<language>.txt`` (first line: subject)."""
    try:
        template = get_template(f"fulfilment/notices/{kind}.{language}.txt")
    except TemplateDoesNotExist:
        template = get_template(
            f"fulfilment/notices/{kind}.{setting('NOTICE_DEFAULT_LANGUAGE')}.txt"
        )
    text = template.render(
        {
            "order": order,
            "order_number": order.external_number,
            "customer_name": order.customer_name,
            "estimated_date": _format_date(estimated_date, language),
            "compensation": compensation,
            "substitutes": list(substitutes),
            "coupon_percent": (
                f"{compensation.value.normalize():f}" if compensation.value is not None else ""
            ),
        }
    ).strip()
    subject, _, body = text.partition("\n")
    # An empty compensation paragraph must not leave a hole in the letter.
    body = re.sub(r"\n\s*\n(\s*\n)+", "\n\n", body.strip())
    return subject.removeprefix("Subject:").strip(), body + "\n"


def _channel_for(order: Order) -> tuple[str, str]:
    contact = order.customer_contact.strip()
    if "@" in contact:
        return "email", contact
    return setting("NOTICE_FALLBACK_CHANNEL"), contact


# --- queueing ---------------------------------------------------------------------------------


#: Set by ``notices_held_for_review``: new notices wait for a person whatever the setting.
_HOLD_FOR_REVIEW: ContextVar[bool] = ContextVar("zapas_hold_notices", default=False)


@contextmanager
def notices_held_for_review() -> Iterator[None]:
    """Notices queued inside wait for approval instead of going out (the demo's orders: a
    person should read what would be sent before any customer gets it)."""
    token = _HOLD_FOR_REVIEW.set(True)
    try:
        yield
    finally:
        _HOLD_FOR_REVIEW.reset(token)


def notice_queue(
    *,
    order: Order,
    kind: str,
    event_key: str,
    estimated_date: date | None = None,
    now: datetime | None = None,
) -> Notice | None:
    """Queue the notice for this event, or nothing if the event already has one.

    Unique on (order, kind, event key) in the database, so a retried task or two overlapping
    watch runs cannot produce a second notice. Sending is scheduled after commit, unless staff
    approval is required (``NOTICE_REQUIRE_APPROVAL``). Returns the new notice or ``None``.
    """
    if kind not in NoticeKind.values:
        raise InvalidInput(_("Unknown notice kind %(kind)s.") % {"kind": repr(kind)})
    if Notice.objects.filter(order=order, kind=kind, event_key=event_key).exists():
        return None
    now = now or timezone.now()
    if estimated_date is None:
        estimated_date = estimated_date_for(order, kind=kind, now=now)
    deadline_day = WarehouseCalendar.for_warehouse(order.warehouse).local(order.ship_by).date()
    delay_days = (estimated_date - deadline_day).days if estimated_date else None
    total = order.lines.aggregate(total=Sum(F("unit_price") * F("quantity")))["total"] or Decimal(0)
    offers = substitute_offers(order) if kind in SUBSTITUTE_KINDS else []
    compensation = compensation_for(
        kind=kind, delay_days=delay_days, order_total=total, substitute_offered=bool(offers)
    )
    language = notice_language(order)
    subject, body = notice_render(
        order=order,
        kind=kind,
        language=language,
        estimated_date=estimated_date,
        compensation=compensation,
        substitutes=offers,
    )
    channel, recipient = _channel_for(order)
    status = (
        NoticeStatus.AWAITING_APPROVAL
        if setting("NOTICE_REQUIRE_APPROVAL") or _HOLD_FOR_REVIEW.get()
        else NoticeStatus.PENDING
    )
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                order=order,
                kind=kind,
                event_key=event_key,
                channel=channel,
                recipient=recipient,
                language=language,
                subject=subject[:255],
                body=body,
                estimated_date=estimated_date,
                compensation_kind=compensation.kind,
                compensation_value=compensation.value,
                status=status,
                created_at=now,
            )
    except IntegrityError:
        return None  # a concurrent run queued it first
    if status == NoticeStatus.PENDING:
        _schedule_send(notice.pk)
    return notice


def _schedule_send(notice_id: int) -> None:
    from fulfilment.tasks import notice_send_task

    after_commit(notice_send_task.delay, notice_id)


# --- sending ----------------------------------------------------------------------------------


def notice_send(*, notice_id: int) -> Notice:
    """Send one pending notice through its channel; call outside any transaction.

    Claims the notice (pending → sending, attempts + 1) with a guarded UPDATE; a notice that is
    not pending (sent, sending elsewhere, awaiting approval, failed) is returned untouched. A
    temporary failure puts it back to pending and raises ``NoticeRetry`` until
    ``NOTICE_MAX_ATTEMPTS`` attempts, then marks it failed; a permanent one fails it at once.
    A channel that cannot carry it but names another (``ChannelFallback``: the buyer chat when
    the marketplace account may not use it) switches the notice there, with the reason kept.
    """
    claimed = Notice.objects.filter(pk=notice_id, status=NoticeStatus.PENDING).update(
        status=NoticeStatus.SENDING, attempts=F("attempts") + 1, sending_started_at=timezone.now()
    )
    notice = Notice.objects.get(pk=notice_id)
    if not claimed:
        return notice
    if notice_date_passed(notice):
        notice.status = NoticeStatus.FAILED
        notice.last_error = _("Not sent: its estimated date %(date)s is already past.") % {
            "date": date_format(notice.estimated_date, "SHORT_DATE_FORMAT")
        }
        notice.save(update_fields=["status", "last_error"])
        return notice
    retry = False
    try:
        try:
            get_channel(notice.channel).send(notice)
        except ChannelFallback as fallback:
            # Recorded first, so a retry after a temporary failure goes straight to the fallback.
            notice.fallback_reason = fallback.reason[:2000]
            notice.channel, notice.recipient = fallback.channel, fallback.recipient[:200]
            notice.save(update_fields=["fallback_reason", "channel", "recipient"])
            get_channel(notice.channel).send(notice)
    except PermanentChannelError as exc:
        notice.status, notice.last_error = NoticeStatus.FAILED, str(exc)
    except Exception as exc:  # noqa: BLE001 - any channel failure is recorded, never lost
        notice.last_error = str(exc) or exc.__class__.__name__
        if notice.attempts >= setting("NOTICE_MAX_ATTEMPTS"):
            notice.status = NoticeStatus.FAILED
        else:
            notice.status, retry = NoticeStatus.PENDING, True
    else:
        notice.status, notice.sent_at, notice.last_error = NoticeStatus.SENT, timezone.now(), ""
    notice.save(update_fields=["status", "sent_at", "last_error"])
    if retry:
        raise NoticeRetry(notice.last_error)
    return notice


def notice_date_passed(notice: Notice, *, now: datetime | None = None) -> bool:
    """Whether the date a notice promises is before today at the order's warehouse.

    Such a notice would tell the customer something already untrue, so it is never sent.
    """
    if notice.estimated_date is None:
        return False
    calendar = WarehouseCalendar.for_warehouse(notice.order.warehouse)
    return notice.estimated_date < calendar.local(now or timezone.now()).date()


def notices_send_pending(*, now: datetime | None = None) -> list[int]:
    """Re-queue stale ``sending`` notices and return the ids of all pending ones."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=setting("NOTICE_SENDING_STALE_MINUTES"))
    Notice.objects.filter(status=NoticeStatus.SENDING, sending_started_at__lt=stale).update(
        status=NoticeStatus.PENDING
    )
    return list(
        Notice.objects.filter(status=NoticeStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- staff controls ---------------------------------------------------------------------------


def _lock(notice: Notice) -> Notice:
    return Notice.objects.select_for_update().get(pk=notice.pk)


@transaction.atomic
def notice_edit(
    *, notice: Notice, subject: str, body: str, user: AbstractBaseUser | None = None
) -> Notice:
    """Change the text of a notice that has not gone out."""
    notice = _lock(notice)
    if notice.status in (NoticeStatus.SENT, NoticeStatus.SENDING):
        raise InvalidTransition(_("This notice has already been sent; it cannot be edited."))
    if not subject.strip() or not body.strip():
        raise InvalidInput(_("A notice needs a subject and a body."))
    notice.subject, notice.body, notice.edited = subject.strip()[:255], body, True
    notice.save(update_fields=["subject", "body", "edited"])
    return notice


@transaction.atomic
def notice_approve(*, notice: Notice, user: AbstractBaseUser | None = None) -> Notice:
    """Release a notice that awaits approval; it is sent after commit."""
    notice = _lock(notice)
    if notice.status != NoticeStatus.AWAITING_APPROVAL:
        raise InvalidTransition(
            _("This notice is %(status)s; only one awaiting approval can be approved.")
            % {"status": str(notice.get_status_display()).lower()}
        )
    notice.status = NoticeStatus.PENDING
    notice.approved_by = user if user is not None and user.is_authenticated else None
    notice.approved_at = timezone.now()
    notice.save(update_fields=["status", "approved_by", "approved_at"])
    _schedule_send(notice.pk)
    return notice


@transaction.atomic
def notice_resend(
    *,
    notice: Notice,
    user: AbstractBaseUser | None = None,
    channel: str | None = None,
    recipient: str | None = None,
    now: datetime | None = None,
) -> Notice:
    """Send a failed (or already sent) notice again, with a fresh count of attempts, by its
    channel or by ``channel`` (one of ``NOTICE_CHANNELS``) to ``recipient``.

    E-mail needs a valid address (the given one, else the notice's own). A notice whose
    promised date has passed is refused (``date_passed``): sent again it would fail again, and
    it would tell the customer something untrue; record a new delay instead. The send is
    scheduled after commit; the notice is pending until the worker has sent it.
    """
    notice = _lock(notice)
    if notice.status not in (NoticeStatus.FAILED, NoticeStatus.SENT):
        raise InvalidTransition(
            _("This notice is %(status)s; only a failed or sent notice can be sent again.")
            % {"status": str(notice.get_status_display()).lower()},
            code="notice_not_resendable",
        )
    if notice_date_passed(notice, now=now):
        raise InvalidTransition(
            _(
                "The date this notice promises (%(date)s) has passed; record a new carrier "
                "delay instead of sending it again."
            )
            % {"date": date_format(notice.estimated_date, "SHORT_DATE_FORMAT")},
            code="date_passed",
        )
    new_channel = channel or notice.channel
    if new_channel not in setting("NOTICE_CHANNELS"):
        raise InvalidInput(
            _("Unknown channel %(channel)s; use one of %(known)s.")
            % {"channel": new_channel, "known": ", ".join(setting("NOTICE_CHANNELS"))},
            code="unknown_channel",
        )
    new_recipient = (recipient if recipient is not None else notice.recipient).strip()
    if new_channel == "email":
        try:
            validate_email(new_recipient)
        except ValidationError as exc:
            raise InvalidInput(
                _("E-mail needs a valid address; %(recipient)s is not one.")
                % {"recipient": new_recipient or "—"},
                code="invalid_recipient",
            ) from exc
    if (new_channel, new_recipient) != (notice.channel, notice.recipient):
        who = user.get_username() if user is not None and user.is_authenticated else "system"
        notice.fallback_reason = _(
            "Sent again by %(who)s through %(channel)s (was %(old_channel)s %(old_recipient)s)."
        ) % {
            "who": who,
            "channel": new_channel,
            "old_channel": notice.channel,
            "old_recipient": notice.recipient or "—",
        }
    notice.channel, notice.recipient = new_channel, new_recipient[:200]
    notice.status, notice.attempts, notice.last_error = NoticeStatus.PENDING, 0, ""
    notice.save(
        update_fields=[
            "status",
            "attempts",
            "last_error",
            "channel",
            "recipient",
            "fallback_reason",
        ]
    )
    _schedule_send(notice.pk)
    return notice


__all__ = [
    "ChannelError",
    "NoticeRetry",
    "estimated_date_for",
    "notice_date_passed",
    "notice_approve",
    "notice_edit",
    "notices_held_for_review",
    "notice_language",
    "notice_queue",
    "notice_render",
    "notice_resend",
    "notice_send",
    "notices_send_pending",
]
