"""Package labels of packed FBS postings (``/v2/posting/fbs/package-label``), one PDF to print.

Ozon makes a label once a posting is packed (``awaiting_deliver``), about a minute after the
pack call, and takes at most 20 postings a request; one posting in error spoils the whole
request. So the postings are asked for in chunks of 20 per account and the files merged in
order. Reading labels changes nothing at Ozon, so it is no outbox call; it runs in the request,
outside any transaction, with one retry at most (a scanner is waiting).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

from core.errors import Conflict, DomainError, NotFound
from fulfilment.models import Order, OrderStatus
from inventory.models import Warehouse
from marketplaces.ozon.client import OzonClient, OzonError, OzonRetryable
from marketplaces.ozon.handover.pdf import NotAPdf, pdf_merge
from marketplaces.ozon.models import (
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Posting,
    PostingScheme,
)

LABEL_PATH = "/v2/posting/fbs/package-label"
POSTINGS_PER_REQUEST = 20


class OzonUnavailable(DomainError):
    code = "ozon_unavailable"
    http_status = 503


def label_postings(*, orders: Sequence[Order]) -> list[Posting]:
    """The Ozon FBS postings of ``orders``, which must be packed and known to Ozon as packed."""
    postings = {
        p.order_id: p
        for p in Posting.objects.filter(order__in=orders, scheme=PostingScheme.FBS).select_related(
            "account"
        )
    }
    for order in orders:
        if order.pk not in postings:
            raise NotFound(f"{order.external_number} is not an Ozon FBS posting.", code="not_ozon")
        if order.status != OrderStatus.AWAITING_DELIVER:
            raise Conflict(
                f"{order.external_number} is not packed ({order.get_status_display().lower()}):"
                " Ozon prints a label only for a packed posting.",
                code="not_packed",
            )
    waiting = dict(
        OutboxMessage.objects.filter(
            kind=OutboxKind.SHIP,
            posting_number__in=[p.posting_number for p in postings.values()],
            status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED],
        ).values_list("posting_number", "status")
    )
    if waiting:
        number, status = sorted(waiting.items())[0]
        raise Conflict(
            f"The packing of {number} has not reached Ozon yet ({status}); its label can be "
            "printed once Ozon knows it is packed.",
            code="pack_not_sent",
            details={"postings": sorted(waiting)},
        )
    return [postings[order.pk] for order in orders]


def packed_orders(*, warehouse: Warehouse) -> QuerySet[Order]:
    """Ozon FBS orders of ``warehouse`` that are packed and not yet handed over, oldest first."""
    return Order.objects.filter(
        warehouse=warehouse,
        channel="ozon",
        status=OrderStatus.AWAITING_DELIVER,
        ozon_posting__scheme=PostingScheme.FBS,
    ).order_by("packed_at", "pk")


def labels_pdf(*, postings: Sequence[Posting], client: OzonClient | None = None) -> bytes:
    """One PDF with the labels of ``postings`` in their order (20 postings a request)."""
    files = []
    by_account: dict[int, list[Posting]] = {}
    for posting in postings:
        by_account.setdefault(posting.account_id, []).append(posting)
    for group in by_account.values():
        own = client is None
        ozon = client or OzonClient.for_account(group[0].account, max_attempts=2)
        try:
            for start in range(0, len(group), POSTINGS_PER_REQUEST):
                numbers = [p.posting_number for p in group[start : start + POSTINGS_PER_REQUEST]]
                files.append(_labels(ozon, numbers))
        finally:
            if own:
                ozon.close()
    try:
        return files[0] if len(files) == 1 else pdf_merge(files)
    except NotAPdf as exc:
        raise OzonUnavailable(f"Ozon's label file is {exc}; try again.") from exc


def _labels(client: OzonClient, numbers: list[str]) -> bytes:
    try:
        return client.call_file(LABEL_PATH, {"posting_number": numbers})
    except OzonRetryable as exc:
        raise OzonUnavailable(
            f"Ozon did not answer for the labels ({exc.message}); try again in a minute."
        ) from exc
    except OzonError as exc:
        if "not ready" in exc.message.lower() or "aren't ready" in exc.message.lower():
            raise Conflict(
                f"Ozon has not made the label of {', '.join(numbers)} yet (it takes up to a "
                "minute after packing); try again shortly.",
                code="label_not_ready",
                details={"ozon": exc.message},
            ) from exc
        raise Conflict(
            f"Ozon refused the labels: {exc.message}",
            code="ozon_refused",
            details={"postings": numbers},
        ) from exc
