"""Receive a push (record it once, queue one sync) and sync the posting it names."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from ipaddress import ip_address, ip_network
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.transactions import after_commit
from marketplaces.ozon.client import OzonClient, OzonError
from marketplaces.ozon.models import OzonAccount
from marketplaces.ozon.push.models import PushNotification, PushStatus

logger = logging.getLogger(__name__)

# The posting notifications that make Zapas fetch the posting; the others are acknowledged.
POSTING_TYPES = frozenset(
    {
        "TYPE_NEW_POSTING",
        "TYPE_POSTING_CANCELLED",
        "TYPE_STATE_CHANGED",
        "TYPE_CUTOFF_DATE_CHANGED",
        "TYPE_DELIVERY_DATE_CHANGED",
    }
)
POSTING_NUMBER = re.compile(r"^\d{1,20}(-\d{1,10}){1,2}$")


def sender_allowed(address: str) -> bool:
    """Is ``address`` in ``OZON_PUSH["ALLOWED_NETWORKS"]`` (Ozon's published ranges)?"""
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(
        ip in ip_network(net, strict=False) for net in settings.OZON_PUSH["ALLOWED_NETWORKS"]
    )


@dataclass(frozen=True)
class Received:
    notification: PushNotification
    duplicate: bool


def fingerprint(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def push_receive(
    *, account: OzonAccount, message_type: str, posting_number: str, body: dict
) -> Received:
    """Record a posting notification once and queue a sync of its posting after commit.

    A duplicate delivery (same body) only bumps a counter. A posting already waiting for a
    sync gets no second one: the queued sync will read its newest state anyway.
    """
    key = fingerprint(body)
    try:
        with transaction.atomic():
            already_waiting = PushNotification.objects.filter(
                account=account, posting_number=posting_number, status=PushStatus.QUEUED
            ).exists()
            notification = PushNotification.objects.create(
                account=account,
                message_type=message_type,
                posting_number=posting_number,
                fingerprint=key,
                status=PushStatus.SYNCED if already_waiting else PushStatus.QUEUED,
                last_error="" if not already_waiting else "covered by an earlier queued sync",
            )
            if not already_waiting:
                after_commit(_queue, notification.pk)
    except IntegrityError:
        PushNotification.objects.filter(account=account, fingerprint=key).update(
            duplicates=F("duplicates") + 1
        )
        return Received(PushNotification.objects.get(account=account, fingerprint=key), True)
    return Received(notification, False)


def _queue(notification_id: int) -> None:
    # Without a broker tasks run in the caller, which would hold Ozon past its 5 s: the
    # minutely drain (``ozon_push.drain``) picks the row up instead.
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    from marketplaces.ozon.push.tasks import push_sync_task

    push_sync_task.delay(notification_id)


def push_sync(notification_id: int, *, client: OzonClient | None = None) -> str:
    """Fetch the posting from Ozon (``/v3/posting/fbs/get``) and take it in like a poll would.

    Claims the row (queued → syncing) so two workers never sync it twice; returns the status.
    """
    from marketplaces.ozon.sync.catalogue import StepResult
    from marketplaces.ozon.sync.postings import postings_take_in

    claimed = PushNotification.objects.filter(pk=notification_id, status=PushStatus.QUEUED).update(
        status=PushStatus.SYNCING
    )
    if not claimed:
        return "skipped"
    notification = PushNotification.objects.select_related("account").get(pk=notification_id)
    account = notification.account
    own = client is None
    client = client or OzonClient.for_account(account)
    try:
        answer = client.call("/v3/posting/fbs/get", {"posting_number": notification.posting_number})
        posting = answer.get("result") or {}
        if not posting.get("posting_number"):
            status, error = PushStatus.NOT_FOUND, ""
        else:
            result = StepResult()
            postings_take_in(account=account, postings=[posting], result=result)
            status, error = PushStatus.SYNCED, "; ".join(result.notes)[:255]
    except OzonError as exc:
        logger.warning("Ozon push sync of %s failed: %s", notification.posting_number, exc)
        status, error = PushStatus.FAILED, str(exc)[:255]
    finally:
        if own:
            client.close()
    PushNotification.objects.filter(pk=notification_id).update(
        status=status, synced_at=timezone.now(), last_error=error
    )
    return status


def push_due(*, limit: int = 500) -> list[int]:
    """Queued notifications, oldest first (for the drain)."""
    return list(
        PushNotification.objects.filter(status=PushStatus.QUEUED)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
