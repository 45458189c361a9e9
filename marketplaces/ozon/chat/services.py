"""Customer delay notices through Ozon's buyer chat (``/v1/chat/start``, ``/v1/chat/send/message``).

Called by the notice outbox (``fulfilment.notices.outbox.notice_send``) outside any
transaction, after the notice committed and was claimed; the notice table is the outbox of
these calls (pending → sending → sent/failed, retried with backoff, shown in the admin).
Both methods need a Premium Plus or Premium Pro subscription and an API key allowed the chat:
Ozon answers 403 otherwise, and the notice goes by e-mail instead (``ChannelFallback``) with
Ozon's answer and both possible causes kept as the reason.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from fulfilment.models import Notice
from fulfilment.notices.channels import ChannelError, ChannelFallback, PermanentChannelError
from marketplaces.ozon.chat.models import ChatDelivery
from marketplaces.ozon.chat.text import ChatTextError, chat_parts
from marketplaces.ozon.client import OzonClient, OzonError, OzonRetryable
from marketplaces.ozon.models import Posting

START, SEND = "/v1/chat/start", "/v1/chat/send/message"


def chat_notice_send(*, notice: Notice, client: OzonClient | None = None) -> ChatDelivery:
    """Send ``notice`` to the buyer of its Ozon posting, resuming a delivery cut short.

    Raises ``ChannelError`` (worth retrying: timeout, 5xx, 429, closed circle),
    ``ChannelFallback`` (the account may not use the chat: e-mail instead) or
    ``PermanentChannelError`` (not an Ozon posting, text too long, Ozon refused it).
    """
    conf = settings.OZON_CHAT
    posting = Posting.objects.filter(order_id=notice.order_id).select_related("account").first()
    if posting is None:
        raise PermanentChannelError(
            f"Order {notice.order} is not an Ozon posting: the buyer chat cannot reach its customer."
        )
    try:
        parts = chat_parts(notice.body, max_parts=conf["MAX_MESSAGES"])
    except ChatTextError as exc:
        raise PermanentChannelError(str(exc)) from exc
    delivery = _delivery_for(notice, posting, parts)
    if delivery.is_complete:
        return delivery  # every part went out before the worker stopped: nothing twice
    own = client is None
    client = client or OzonClient.for_account(posting.account, max_attempts=2)
    try:
        if not delivery.chat_id:
            answer = client.call(START, {"posting_number": posting.posting_number})
            chat_id = str((answer.get("result") or {}).get("chat_id") or "")
            if not chat_id:
                raise PermanentChannelError(f"Ozon started no chat for {posting.posting_number}.")
            ChatDelivery.objects.filter(pk=delivery.pk).update(chat_id=chat_id)
            delivery.chat_id = chat_id
        for n in range(delivery.parts_sent, len(parts)):
            client.call(SEND, {"chat_id": delivery.chat_id, "text": parts[n]})
            ChatDelivery.objects.filter(pk=delivery.pk).update(parts_sent=F("parts_sent") + 1)
            delivery.parts_sent = n + 1
    except OzonRetryable as exc:
        raise ChannelError(str(exc)) from exc
    except OzonError as exc:
        if exc.status == 403:
            raise _fallback(posting, exc, conf["FALLBACK_EMAIL"]) from exc
        raise PermanentChannelError(f"Ozon refused the chat message: {exc.message}") from exc
    finally:
        if own:
            client.close()
    delivery.finished_at = timezone.now()
    ChatDelivery.objects.filter(pk=delivery.pk).update(finished_at=delivery.finished_at)
    return delivery


def _delivery_for(notice: Notice, posting: Posting, parts: list[str]) -> ChatDelivery:
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    delivery, created = ChatDelivery.objects.get_or_create(
        notice=notice,
        defaults={
            "account": posting.account,
            "posting_number": posting.posting_number,
            "text_digest": digest,
            "parts_total": len(parts),
        },
    )
    # Another text (edited by staff), or a staff resend of a delivered notice (its attempts
    # start again at 1; a retry after a crash has more): start over in the same chat.
    fresh = delivery.text_digest != digest or (delivery.is_complete and notice.attempts <= 1)
    if not created and fresh:
        delivery.text_digest, delivery.parts_total, delivery.parts_sent = digest, len(parts), 0
        delivery.started_at, delivery.finished_at = timezone.now(), None
        delivery.save(
            update_fields=["text_digest", "parts_total", "parts_sent", "started_at", "finished_at"]
        )
    return delivery


def _fallback(posting: Posting, exc: OzonError, address: str) -> PermanentChannelError:
    # A 403 says "access denied", not why: a seller without the subscription gets it, and so
    # does an API key without the chat among its roles. Name both; quote Ozon's own words.
    reason = (
        f"Ozon denied {posting.account.name} the buyer chat (HTTP {exc.status}: {exc.message}). "
        "Ozon opens the chat only to sellers with a Premium Plus or Premium Pro subscription, "
        "and only to an API key whose roles include the chat: check both in Ozon's seller pages."
    )
    if not address:
        return PermanentChannelError(
            reason + " No fallback e-mail address is set (OZON_CHAT_FALLBACK_EMAIL)."
        )
    return ChannelFallback(
        reason + f" Sent by e-mail to {address}.", channel="email", recipient=address
    )
