"""What goes back to Ozon: pack (ship) and cancel calls, and stock, all through outboxes.

The rows are written by hook handlers inside the local change's transaction and sent after
commit. Sending claims a row first (attempts + 1, a lease on ``next_attempt_at``), calls Ozon
outside any transaction, then records the outcome; a crash mid-way leaves the row to be
retried after its lease, and a second pack of the same posting is answered
``POSTING_ALREADY_SHIPPED``, which counts as done, so nothing is done twice at Ozon.
"""

from __future__ import annotations

import logging
import operator
from datetime import timedelta
from functools import reduce

from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from core import sql
from core.bulk import field_adapter
from core.transactions import after_commit
from fulfilment.models import CancelReason, Order
from inventory.models import StockLevel
from marketplaces.ozon.client import OzonCircleOpen, OzonClient, OzonError, OzonRetryable
from marketplaces.ozon.models import (
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    OzonAccount,
    Posting,
    StockPush,
)
from marketplaces.ozon.sync.catalogue import StepResult
from marketplaces.ozon.sync.postings import is_applying_ozon_state

logger = logging.getLogger(__name__)
OUT_OF_STOCK_REASON = 352
OTHER_REASON = 402
LEASE = timedelta(minutes=2)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


# --- writing (hook handlers, inside the local transaction) ----------------------------------


def _posting_for(order: Order) -> Posting | None:
    if order.channel != "ozon" or is_applying_ozon_state():
        return None
    return Posting.objects.filter(order=order).select_related("account").first()


def _enqueue(posting: Posting, kind: str, payload: dict) -> None:
    message, created = OutboxMessage.objects.get_or_create(
        account=posting.account,
        dedup_key=f"{kind}:{posting.posting_number}",
        defaults={"kind": kind, "posting_number": posting.posting_number, "payload": payload},
    )
    if created:
        from marketplaces.ozon.tasks import outbox_send_task

        after_commit(outbox_send_task.delay, message.pk)


def on_order_packed(order: Order, at, sku_ids) -> None:
    """Packing in Zapas (scan station, API, admin) becomes ``/v4/posting/fbs/ship``."""
    posting = _posting_for(order)
    if posting is None:
        return
    products = [
        {"product_id": int(ozon_sku), "quantity": int(quantity)}
        for ozon_sku, _offer, quantity in posting.products
        if ozon_sku and quantity
    ]
    _enqueue(posting, OutboxKind.SHIP, {"packages": [{"products": products}]})


def on_order_cancelled(order: Order, at, sku_ids) -> None:
    """A cancellation in Zapas becomes ``/v2/posting/fbs/cancel`` with a matching reason."""
    posting = _posting_for(order)
    if posting is None:
        return
    reason = (
        OUT_OF_STOCK_REASON if order.cancel_reason == CancelReason.OUT_OF_STOCK else OTHER_REASON
    )
    payload = {"cancel_reason_id": reason}
    if reason == OTHER_REASON:
        payload["cancel_reason_message"] = (order.cancel_note or order.get_cancel_reason_display())[
            :200
        ]
    _enqueue(posting, OutboxKind.CANCEL, payload)


_PAIRS_PER_UPDATE = 500


def on_stock_changed(pairs) -> None:
    """Mark the stock outbox rows of changed (sku, warehouse) pairs pending: one UPDATE per
    warehouse (on SQLite per 500 SKUs), written out: it runs in every stock transaction, and
    the ORM's ``__in`` costs ~3 µs of Python per value, the statement itself a fraction."""
    if not pairs:
        return
    by_warehouse: dict[int, list[int]] = {}
    for sku_id, warehouse_id in pairs:
        by_warehouse.setdefault(warehouse_id, []).append(sku_id)
    pending, version = sql.column(StockPush, "pending_since"), sql.column(StockPush, "version")
    now = field_adapter(StockPush._meta.get_field("pending_since"))
    at = timezone.now() if now is None else now(timezone.now())
    head = (
        f"UPDATE {sql.table(StockPush)} SET {pending} = COALESCE({pending}, %s), "
        f"{version} = {version} + 1 WHERE {sql.column(StockPush, 'warehouse')} = %s "
        f"AND {sql.column(StockPush, 'sku')}"
    )
    with connection.cursor() as cursor:
        for warehouse_id, sku_ids in sorted(by_warehouse.items()):
            if connection.vendor == "postgresql":
                # One array parameter: the statement text stays the same for every call
                # (psycopg parses a query with a thousand placeholders anew each time).
                cursor.execute(f"{head} = ANY(%s)", [at, warehouse_id, sku_ids])
                continue
            for start in range(0, len(sku_ids), _PAIRS_PER_UPDATE):
                chunk = sku_ids[start : start + _PAIRS_PER_UPDATE]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"{head} IN ({marks})", [at, warehouse_id, *chunk])


def _pairs_match(pairs) -> Q:
    # One term per warehouse: a flat OR per pair is too deep for SQLite past ~1,000 pairs.
    by_warehouse: dict[int, list[int]] = {}
    for sku_id, warehouse_id in pairs:
        by_warehouse.setdefault(warehouse_id, []).append(sku_id)
    return reduce(
        operator.or_, (Q(warehouse_id=w, sku_id__in=skus) for w, skus in by_warehouse.items())
    )


# --- sending --------------------------------------------------------------------------------


def _claim(message_id: int) -> OutboxMessage | None:
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    if not claimed:
        return None
    return OutboxMessage.objects.select_related("account").get(pk=message_id)


def outbox_send(message_id: int, *, client: OzonClient | None = None) -> str:
    """Send one outbox row if it is due; returns its status afterwards."""
    message = _claim(message_id)
    if message is None:
        return "not due"
    own = client is None
    client = client or OzonClient.for_account(message.account)
    try:
        _send(client, message)
        status, error, delay = OutboxStatus.SENT, "", None
    except OzonCircleOpen as exc:
        status, error, delay = OutboxStatus.PENDING, str(exc), timedelta(seconds=exc.retry_after)
    except OzonRetryable as exc:
        status, error, delay = OutboxStatus.PENDING, str(exc), _backoff(message.attempts)
    except OzonError as exc:
        if "ALREADY" in exc.message.upper():
            status, error, delay = OutboxStatus.SENT, exc.message, None
        else:
            status, error, delay = OutboxStatus.FAILED, exc.message, None
    except _ShipFailed as exc:
        status, error, delay = OutboxStatus.PENDING, str(exc), _backoff(message.attempts)
    finally:
        if own:
            client.close()
    if status == OutboxStatus.PENDING and message.attempts >= settings.OZON["MAX_ATTEMPTS"] * 4:
        status = OutboxStatus.FAILED
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.PENDING).update(
        status=status,
        last_error=error[:2000],
        sent_at=now if status == OutboxStatus.SENT else None,
        next_attempt_at=now + delay if delay else now,
    )
    return status


class _ShipFailed(Exception):
    pass


def _send(client: OzonClient, message: OutboxMessage) -> None:
    number = message.posting_number
    if message.kind == OutboxKind.SHIP:
        client.call("/v4/posting/fbs/ship", {"posting_number": number, **message.payload})
        # A 200 does not mean packed: confirm, and try again on ``ship_failed``.
        answer = client.call("/v3/posting/fbs/get", {"posting_number": number})
        if (answer.get("result") or {}).get("substatus") == "ship_failed":
            raise _ShipFailed(f"{number}: Ozon reports ship_failed; packing again")
        return
    reasons = client.call("/v1/posting/fbs/cancel-reason", {"related_posting_numbers": [number]})
    valid = {
        reason.get("id")
        for item in reasons.get("result") or []
        for reason in item.get("reasons") or []
    }
    payload = dict(message.payload)
    if valid and payload["cancel_reason_id"] not in valid:
        payload = {
            "cancel_reason_id": OTHER_REASON,
            "cancel_reason_message": "Cancelled by the seller",
        }
    answer = client.call("/v2/posting/fbs/cancel", {"posting_number": number, **payload})
    if answer.get("result") is False:
        raise OzonError("/v2/posting/fbs/cancel", 200, "Ozon did not cancel the posting")


def outbox_due(*, account: OzonAccount | None = None) -> list[int]:
    due = OutboxMessage.objects.filter(
        status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now()
    )
    if account is not None:
        due = due.filter(account=account)
    return list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:500])


def outbox_drain(*, account: OzonAccount, client: OzonClient) -> StepResult:
    result = StepResult()
    for message_id in outbox_due(account=account):
        status = outbox_send(message_id, client=client)
        if status == OutboxStatus.SENT:
            result.updated += 1
        elif status == OutboxStatus.FAILED:
            result.skipped += 1
            result.notes.append(f"outbox {message_id} failed")
        else:
            result.unchanged += 1
    return result


# --- stock ----------------------------------------------------------------------------------


def stock_push_all(*, account: OzonAccount) -> int:
    """The nightly reconcile: every row of the account becomes pending."""
    return StockPush.objects.filter(account=account, pending_since__isnull=True).update(
        pending_since=timezone.now(), version=F("version") + 1
    )


def stock_push(*, account: OzonAccount, client: OzonClient, limit: int = 8000) -> StepResult:
    """Send the absolute available quantity of every pending pair (≤ 100 pairs a request).

    Sent value = on hand − reserved − the account's buffer, never below 0: Ozon takes the
    units available for sale and subtracts its own reservations from what it shows buyers
    only for postings it has not yet passed on, which Zapas has reserved once it took them in.
    A pair Ozon refuses with ``TOO_MANY_REQUESTS`` (one update per 30 s) stays pending.
    """
    result = StepResult()
    if not account.push_stock:
        result.notes.append("stock push is off for this account")
        return result
    now = timezone.now()
    rows = list(
        StockPush.objects.filter(
            account=account, pending_since__isnull=False, warehouse_link__push_stock=True
        )
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .select_related("product", "warehouse_link")
        .order_by("pending_since")[:limit]
    )
    if not rows:
        return result
    levels = {}
    for chunk in [rows[i : i + 500] for i in range(0, len(rows), 500)]:
        match = _pairs_match([(r.sku_id, r.warehouse_id) for r in chunk])
        levels.update(
            {
                (sku, wh): on_hand - reserved
                for sku, wh, on_hand, reserved in StockLevel.objects.filter(match).values_list(
                    "sku_id", "warehouse_id", "on_hand", "reserved"
                )
            }
        )
    for start in range(0, len(rows), 100):
        batch = rows[start : start + 100]
        quantities = {
            r.pk: max(0, levels.get((r.sku_id, r.warehouse_id), 0) - account.stock_buffer)
            for r in batch
        }
        body = {
            "stocks": [
                {
                    "product_id": r.product.product_id,
                    "warehouse_id": r.warehouse_link.ozon_warehouse_id,
                    "stock": quantities[r.pk],
                    # Required by the description; 1 = sold by the piece (not an economy quant).
                    "quant_size": 1,
                }
                for r in batch
            ]
        }
        answer = client.call("/v2/products/stocks", body)
        outcome = {
            (item.get("product_id"), item.get("warehouse_id")): item
            for item in answer.get("result") or []
        }
        sent_at = timezone.now()
        for r in batch:
            item = outcome.get((r.product.product_id, r.warehouse_link.ozon_warehouse_id), {})
            codes = [e.get("code") for e in item.get("errors") or []]
            if item.get("updated"):
                # Cleared only if nothing changed since it was read; otherwise it stays pending.
                StockPush.objects.filter(pk=r.pk, version=r.version).update(pending_since=None)
                StockPush.objects.filter(pk=r.pk).update(
                    last_pushed_quantity=quantities[r.pk],
                    last_pushed_at=sent_at,
                    not_before=sent_at
                    + timedelta(seconds=settings.OZON["STOCK_PAIR_INTERVAL_SECONDS"]),
                    last_error="",
                )
                result.updated += 1
            elif "TOO_MANY_REQUESTS" in codes:
                StockPush.objects.filter(pk=r.pk).update(
                    not_before=sent_at
                    + timedelta(seconds=settings.OZON["STOCK_PAIR_INTERVAL_SECONDS"])
                )
                result.unchanged += 1
            else:
                StockPush.objects.filter(pk=r.pk).update(
                    not_before=sent_at + timedelta(minutes=10),
                    last_error=",".join(map(str, codes))[:255],
                )
                result.skipped += 1
    return result
