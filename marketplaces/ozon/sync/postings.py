"""FBS postings in: new ones become Zapas orders, changes move them forward (never back).

- New postings: ``/v4/posting/fbs/unfulfilled/list`` (by packing deadline window, cursor
  pages, several windows fetched concurrently) and taken in a page at a time through
  ``fulfilment.intake_bulk.orders_intake_bulk``: idempotent on ``posting_number``, Ozon's
  ``shipment_date`` as the order's ship-by deadline (UTC); an empty ``in_process_at`` (the
  buyer paid late) counts from when Zapas first saw the posting.
- Changes: ``/v4/posting/fbs/list`` filtered by ``last_changed_status_date`` over a window that
  overlaps the previous sync's, so nothing falls between two runs. Duplicated or out-of-order
  answers are harmless: a status only moves forward. Cancellations arrive with Ozon's reason
  and ``affect_cancellation_rating``; the order is cancelled and its reservation released.
- A posting changed on both sides between two syncs (e.g. packed in Zapas, cancelled at Ozon)
  resolves to Ozon's state; the conflict is recorded and the pending outbox call superseded.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.bulk import model_insert
from core.errors import DomainError
from fulfilment import services as orders
from fulfilment.intake_bulk import OrderIntakeInput, orders_intake_bulk
from fulfilment.models import CancelledBy, CancelReason, Order, OrderScheme, OrderStatus
from fulfilment.services import OrderLineInput
from fulfilment.split import order_split
from inventory.models import Sku
from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.models import (
    OutboxMessage,
    OutboxStatus,
    OzonAccount,
    Posting,
    PostingScheme,
    SyncConflict,
)
from marketplaces.ozon.sync.catalogue import StepResult

logger = logging.getLogger(__name__)
CHANNEL = "ozon"

# Ozon's FBS statuses on Zapas's order lifecycle; a posting only ever moves to a higher rank.
RANK = {
    "awaiting_registration": 0,
    "awaiting registration": 0,
    "acceptance_in_progress": 0,
    "awaiting_approve": 0,
    "awaiting_packaging": 0,
    "awaiting_deliver": 1,
    "sent_by_seller": 2,
    "driver_pickup": 2,
    "delivering": 2,
    "arbitration": 2,
    "client_arbitration": 2,
    "not_accepted": 2,
    "delivered": 3,
    "cancelled": 4,
}
ZAPAS_RANK = {
    OrderStatus.AWAITING_PACKAGING: 0,
    OrderStatus.AWAITING_DELIVER: 1,
    OrderStatus.DELIVERING: 2,
    OrderStatus.DELIVERED: 3,
    OrderStatus.CANCELLED: 4,
}
STATUS_WINDOW_OVERLAP = timedelta(minutes=5)

# Set while Zapas applies a change that came *from* Ozon: it must not be sent back.
_from_ozon: contextvars.ContextVar[bool] = contextvars.ContextVar("from_ozon", default=False)


@contextmanager
def applying_ozon_state() -> Iterator[None]:
    token = _from_ozon.set(True)
    try:
        yield
    finally:
        _from_ozon.reset(token)


def is_applying_ozon_state() -> bool:
    return _from_ozon.get()


def _time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _price(product: dict[str, Any]) -> Decimal:
    price = product.get("price")
    if isinstance(price, dict):
        price = price.get("amount")
    try:
        return max(Decimal(str(price or "0")), Decimal(0)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return Decimal(0)


def _cancel_mapping(cancellation: dict[str, Any]) -> tuple[str, str]:
    """Ozon's cancellation → (Zapas reason, who cancelled)."""
    kind = cancellation.get("cancellation_type") or cancellation.get("cancellation_initiator") or ""
    kind = kind.strip().lower()
    if kind == "seller":
        by = CancelledBy.SELLER
    elif kind in ("client", "customer"):
        by = CancelledBy.CUSTOMER
    else:
        by = CancelledBy.MARKETPLACE
    reason_id = cancellation.get("cancel_reason_id")
    if reason_id == 352:
        return CancelReason.OUT_OF_STOCK, by
    if by == CancelledBy.CUSTOMER:
        return CancelReason.CUSTOMER_REQUEST, by
    if kind == "delivery":
        return CancelReason.LOGISTICS, by
    text = (cancellation.get("cancel_reason") or "").lower()
    if "time" in text or "срок" in text or "deadline" in text:
        return CancelReason.PREP_TIME_EXCEEDED, by
    return CancelReason.OTHER, by


class _Catalogue:
    """Offer id → SKU for one account, filled as postings name offers (kept for a whole sync:
    a later page naming the same offers costs no query)."""

    def __init__(self, account: OzonAccount) -> None:
        self.account = account
        self.skus: dict[str, Sku] = {}

    def load(self, offers: Iterable[str]) -> None:
        wanted = {o for o in offers if o and o not in self.skus}
        if not wanted:
            return
        # The linked SKUs in one read, one instance each (not a link and its SKU).
        for sku in Sku.objects.filter(
            ozon_links__account=self.account, ozon_links__offer_id__in=wanted
        ).annotate(offer=F("ozon_links__offer_id")):
            self.skus[sku.offer] = sku
        for sku in Sku.objects.filter(code__in=wanted - set(self.skus)):
            self.skus[sku.code] = sku
        unknown = wanted - set(self.skus)
        if unknown and self.account.create_unknown_skus:
            Sku.objects.bulk_create(
                [Sku(code=o[:64], name=o[:255]) for o in unknown], ignore_conflicts=True
            )
            for sku in Sku.objects.filter(code__in=unknown):
                self.skus[sku.code] = sku


_POSTING_FIELDS = (
    "account_id",
    "posting_number",
    "scheme",
    "order_id",
    "ozon_warehouse_id",
    "status",
    "substatus",
    "parent_posting_number",
    "in_process_at",
    "shipment_date",
    "cancel_reason_id",
    "cancel_reason",
    "cancellation_initiator",
    "affect_cancellation_rating",
    "products",
)


def _posting_values(account_id: int, data: dict[str, Any], order_id: int | None) -> tuple:
    """A posting row's values in ``_POSTING_FIELDS`` order."""
    cancellation = data.get("cancellation") or {}
    delivery = data.get("delivery_method") or {}
    return (
        account_id,
        data["posting_number"],
        PostingScheme.FBS.value,
        order_id,
        delivery.get("warehouse_id"),
        (data.get("status") or "")[:32],
        (data.get("substatus") or "")[:48],
        (data.get("parent_posting_number") or "")[:64],
        _time(data.get("in_process_at")),
        _time(data.get("shipment_date")),
        cancellation.get("cancel_reason_id"),
        (cancellation.get("cancel_reason") or "")[:255],
        (cancellation.get("cancellation_initiator") or "")[:32],
        cancellation.get("affect_cancellation_rating"),
        _products(data),
    )


def _posting_row(account: OzonAccount, data: dict[str, Any], order: Order | None) -> Posting:
    values = dict(zip(_POSTING_FIELDS, _posting_values(account.pk, data, None), strict=True))
    del values["order_id"], values["account_id"]
    return Posting(**values, account=account, order=order)


def _products(data: dict[str, Any]) -> list[list[Any]]:
    return [
        [p.get("sku"), p.get("offer_id"), p.get("quantity")] for p in data.get("products") or []
    ]


def postings_take_in(
    *,
    account: OzonAccount,
    postings: list[dict[str, Any]],
    result: StepResult,
    catalogue: _Catalogue | None = None,
) -> None:
    """Take one page of Ozon postings in: new ones as orders, known ones moved forward.

    ``catalogue`` carries the offers already looked up by earlier pages of the same sync."""
    numbers = [p["posting_number"] for p in postings if p.get("posting_number")]
    # What Zapas holds of these postings, compared before anything is loaded or written: an
    # answer that would change nothing (most of a sync) costs this one read.
    stored = {
        number: (status, substatus, products)
        for number, status, substatus, products in Posting.objects.filter(
            account=account, posting_number__in=numbers
        ).values_list("posting_number", "status", "substatus", "products")
    }
    moving = [
        p["posting_number"]
        for p in postings
        if p.get("posting_number") in stored and _advance_needed(*stored[p["posting_number"]], p)
    ]
    known = {
        row.posting_number: row
        for row in Posting.objects.filter(
            account=account, posting_number__in=moving
        ).select_related("order")
    }
    links = {
        link.ozon_warehouse_id: link.warehouse
        for link in account.warehouses.select_related("warehouse")
    }
    catalogue = catalogue or _Catalogue(account)
    catalogue.load(
        p.get("offer_id")
        for data in postings
        if data.get("posting_number") not in stored
        for p in data.get("products") or []
    )
    now = timezone.now()
    new: list[tuple[dict[str, Any], OrderIntakeInput]] = []
    # A new posting split off one Zapas already holds takes its units (and reservations) over.
    parents = {
        row.posting_number: row
        for row in Posting.objects.filter(
            account=account,
            posting_number__in={
                p.get("parent_posting_number")
                for p in postings
                if p.get("parent_posting_number") and p.get("posting_number") not in known
            },
            order__isnull=False,
        ).select_related("order")
    }
    splits: list[tuple[dict[str, Any], OrderIntakeInput, Posting]] = []
    for data in postings:
        number = data.get("posting_number")
        if not number:
            continue
        if number in known:
            _advance(account, known[number], data, result)
            continue
        if number in stored:
            result.unchanged += 1  # Ozon's answer is what Zapas holds (or older): no write
            continue
        if RANK.get(data.get("status") or "", 0) >= RANK["cancelled"]:
            result.skipped += 1  # cancelled before Zapas ever saw it: nothing to reserve
            continue
        warehouse = links.get((data.get("delivery_method") or {}).get("warehouse_id"))
        lines = []
        for product in data.get("products") or []:
            sku = catalogue.skus.get(product.get("offer_id") or "")
            if sku is not None and isinstance(product.get("quantity"), int):
                lines.append(OrderLineInput(sku, product["quantity"], _price(product)))
        if warehouse is None or not lines:
            result.skipped += 1
            result.notes.append(f"{number}: unknown warehouse or offers")
            continue
        item = OrderIntakeInput(
            external_number=number,
            warehouse=warehouse,
            scheme=OrderScheme.FBS,
            accepted_at=_time(data.get("in_process_at")) or now,
            lines=lines,
            ship_by=_time(data.get("shipment_date")),
        )
        parent = parents.get(data.get("parent_posting_number") or "")
        if parent is not None:
            splits.append((data, item, parent))
        else:
            new.append((data, item))
    split_orders: dict[str, Order] = {}
    for data, item, parent in splits:
        child = _split_take_in(account, parent, data, item, result)
        if child is None:
            new.append((data, item))  # the parent can no longer give units: a posting as any
        else:
            split_orders[item.external_number] = child
    for data, _item, _parent in splits:
        if data["posting_number"] in split_orders:
            _follow_if_ahead(account, data, split_orders[data["posting_number"]], result)
    if not new:
        return
    with transaction.atomic():
        outcome = orders_intake_bulk(channel=CHANNEL, orders=[item for _, item in new])
        by_number = {o.external_number: o for o in [*outcome.created, *outcome.existing]}
        model_insert(
            Posting,
            _POSTING_FIELDS,
            [
                _posting_values(account.pk, data, by_number[data["posting_number"]].pk)
                if data["posting_number"] in by_number
                else _posting_values(account.pk, data, None)
                for data, _ in new
                if data["posting_number"] not in outcome.rejected
            ],
            ignore_conflicts=True,
        )
    result.created += len(outcome.created)
    result.unchanged += len(outcome.existing)
    result.skipped += len(outcome.rejected)
    for number, error in outcome.rejected.items():
        result.notes.append(f"{number}: {error.message}")
    # A posting already further along at Ozon (packed, shipped) follows at once.
    for data, _ in new:
        order = by_number.get(data["posting_number"])
        if order is not None:
            _follow_if_ahead(account, data, order, result)


def _follow_if_ahead(
    account: OzonAccount, data: dict[str, Any], order: Order, result: StepResult
) -> None:
    if RANK.get(data.get("status") or "", 0) <= ZAPAS_RANK.get(order.status, 0):
        return
    row = Posting.objects.filter(account=account, posting_number=data["posting_number"]).first()
    if row is None:
        return
    try:
        with transaction.atomic(), applying_ozon_state():
            _apply_to_order(account, row, order, data)
    except DomainError as exc:
        result.notes.append(f"{row.posting_number}: {exc.message}")


def _units(products: list) -> dict[Any, int]:
    units: dict[Any, int] = {}
    for ozon_sku, _offer, quantity, *_ in products or []:
        if isinstance(quantity, int):
            units[ozon_sku] = units.get(ozon_sku, 0) + quantity
    return units


def _split_take_in(
    account: OzonAccount,
    parent: Posting,
    data: dict[str, Any],
    item: OrderIntakeInput,
    result: StepResult,
) -> Order | None:
    """Take a posting split off ``parent`` in as a split of the parent's order.

    The child order takes over the parent's reserved (and packed) units of what moved, and
    the parent posting's products shrink by the child's, so packing the parent sends Ozon
    only what is still in it. ``None`` if the parent's order can no longer be split.
    """
    try:
        with transaction.atomic(), applying_ozon_state():
            split = order_split(
                parent=parent.order,
                external_number=item.external_number,
                lines=item.lines,
                ship_by=item.ship_by,
            )
            child_row = _posting_row(account, data, split.child)
            Posting.objects.bulk_create([child_row], ignore_conflicts=True)
            if split.created:
                left = _units(parent.products)
                for ozon_sku, quantity in _units(child_row.products).items():
                    if ozon_sku in left:
                        left[ozon_sku] = max(0, left[ozon_sku] - quantity)
                parent.products = [
                    [ozon_sku, offer, left.pop(ozon_sku)]
                    for ozon_sku, offer, *_ in parent.products
                    if left.get(ozon_sku)
                ]
                parent.save(update_fields=["products"])
    except DomainError as exc:
        result.notes.append(f"{item.external_number}: split of {parent.posting_number}: {exc}")
        return None
    result.created += split.created
    result.unchanged += not split.created
    return split.child


def _same_or_older(status: str, substatus: str, data: dict[str, Any]) -> bool:
    """Ozon's answer ``data`` names the stored state (``status``, ``substatus``) or an older one."""
    new_status = data.get("status") or ""
    new_rank, old_rank = RANK.get(new_status, -1), RANK.get(status, -1)
    return new_rank < old_rank or (
        new_rank == old_rank
        and new_status == status
        and data.get("substatus", substatus) == substatus
    )


def _advance_needed(status: str, substatus: str, products: list, data: dict[str, Any]) -> bool:
    """Whether ``_advance`` would write anything for a posting stored with these values."""
    if not _same_or_older(status, substatus, data):
        return True
    if RANK.get(data.get("status") or "", -1) != RANK.get(status, -1):
        return False
    fresh = _products(data)
    return bool(fresh) and fresh != products and _shrunk(products, fresh)


def _advance(
    account: OzonAccount, row: Posting, data: dict[str, Any], result: StepResult, count: bool = True
) -> None:
    """Move a known posting (and its order) to Ozon's newer state; older states are ignored."""
    new_rank, old_rank = RANK.get(data.get("status") or "", -1), RANK.get(row.status, -1)
    if _same_or_older(row.status, row.substatus, data):
        # A split leaves the parent with fewer units; a stale answer never grows it back.
        products = _products(data) if new_rank == old_rank else []
        if products and products != row.products and _shrunk(row.products, products):
            row.products = products
            row.save(update_fields=["products"])
            if count:
                result.updated += 1
        elif count:
            result.unchanged += 1
        return
    fresh = _posting_row(account, data, row.order)
    for field in (
        "status",
        "substatus",
        "shipment_date",
        "cancel_reason_id",
        "cancel_reason",
        "cancellation_initiator",
        "affect_cancellation_rating",
    ):
        value = getattr(fresh, field)
        if value not in (None, "") or field in ("status", "substatus"):
            setattr(row, field, value)
    if fresh.products and _shrunk(row.products, fresh.products):
        row.products = fresh.products
    order = row.order
    try:
        with transaction.atomic(), applying_ozon_state():
            row.save()
            if order is not None:
                _apply_to_order(account, row, order, data)
    except DomainError as exc:
        result.notes.append(f"{row.posting_number}: {exc.message}")
        result.skipped += 1
        return
    if count:
        result.updated += 1


def _shrunk(old: list, new: list) -> bool:
    before, after = _units(old), _units(new)
    return (
        after != before
        and all(after.get(k, 0) <= v for k, v in before.items())
        and not (set(after) - set(before))
    )


def _apply_to_order(account: OzonAccount, row: Posting, order: Order, data: dict[str, Any]) -> None:
    order.refresh_from_db()
    target = RANK.get(row.status, -1)
    local = ZAPAS_RANK[order.status]
    if target == RANK["cancelled"]:
        if order.status == OrderStatus.CANCELLED:
            return
        pending = OutboxMessage.objects.filter(
            account=account, posting_number=row.posting_number, status=OutboxStatus.PENDING
        )
        if local > 0 or pending.exists():
            SyncConflict.objects.create(
                account=account,
                posting_number=row.posting_number,
                zapas_status=order.status,
                ozon_status=row.status,
                resolution="Cancelled in Zapas as at Ozon; pending calls to Ozon superseded.",
            )
            pending.update(status=OutboxStatus.SUPERSEDED, last_error="Cancelled at Ozon")
        if order.status in Order.OPEN_STATUSES:
            reason, by = _cancel_mapping(data.get("cancellation") or {})
            note = row.cancel_reason
            if row.affect_cancellation_rating is not None:
                note += f" (affects rating: {'yes' if row.affect_cancellation_rating else 'no'})"
            orders.order_cancel(order=order, reason=reason, cancelled_by=by, note=note.strip())
        return
    if order.status == OrderStatus.CANCELLED:
        SyncConflict.objects.create(
            account=account,
            posting_number=row.posting_number,
            zapas_status=order.status,
            ozon_status=row.status,
            resolution="Cancelled in Zapas but not at Ozon; the cancel call stays in the outbox.",
        )
        return
    if target >= 1 and order.status == OrderStatus.AWAITING_PACKAGING:
        orders.order_pack(order=order)
    if target >= 2 and order.status in (
        OrderStatus.AWAITING_PACKAGING,
        OrderStatus.AWAITING_DELIVER,
    ):
        orders.order_ship(order=order)
    if target >= 3:
        order.refresh_from_db()
        if order.status == OrderStatus.DELIVERING:
            orders.order_deliver(order=order)


def _windows(start: datetime, end: datetime, parts: int) -> list[tuple[datetime, datetime]]:
    step = (end - start) / parts
    return [(start + step * i, start + step * (i + 1)) for i in range(parts)]


# Packing deadlines of open FBS postings crowd into the next few days: windows narrow there
# and wide further out, so no one window holds most pages (its cursor chain is sequential).
_DEADLINE_EDGES_HOURS = (-30 * 24, -24, 0, 12, 24, 48, 72, 7 * 24, 30 * 24)


def _deadline_windows(now: datetime, parts: int) -> list[tuple[datetime, datetime]]:
    """At most ``parts`` windows from 30 days ago to 30 ahead, on ``_DEADLINE_EDGES_HOURS``."""
    n = len(_DEADLINE_EDGES_HOURS) - 1
    parts = max(1, min(parts, n))
    edges = [
        now + timedelta(hours=_DEADLINE_EDGES_HOURS[round(i * n / parts)]) for i in range(parts + 1)
    ]
    return list(zip(edges, edges[1:], strict=False))


def fbs_unfulfilled_feed(*, account: OzonAccount, client: OzonClient) -> PageFeed:
    """Start fetching every unfulfilled FBS posting (packing deadline from 30 days ago to 30
    ahead); ``fbs_unfulfilled_sync`` takes the pages in."""
    windows = _deadline_windows(timezone.now(), settings.OZON["CONCURRENCY"])

    def fetch(window: tuple[datetime, datetime]) -> Iterator[list[dict[str, Any]]]:
        body = {
            "filter": {"cutoff_from": _iso(window[0]), "cutoff_to": _iso(window[1])},
            "limit": 100,
        }
        return client.pages("/v4/posting/fbs/unfulfilled/list", body, items="postings")

    return PageFeed(windows, fetch, early=_FEED_PAGES_EARLY)


def fbs_unfulfilled_sync(
    *, account: OzonAccount, client: OzonClient, feed: PageFeed | None = None
) -> StepResult:
    """Take in every unfulfilled FBS posting; ``feed``: pages already being fetched."""
    result = StepResult()
    _take_in_feed(account, feed or fbs_unfulfilled_feed(account=account, client=client), result)
    return result


def fbs_changes_feed(
    *, account: OzonAccount, client: OzonClient, since: datetime | None = None
) -> PageFeed | None:
    """Start fetching the postings whose status changed since the last sync (the window
    overlaps it by 5 minutes); ``None`` on the first sync (every open posting is read as
    unfulfilled then)."""
    if since is None and account.postings_synced_to is None:
        return None
    now = timezone.now()
    start = since or (account.postings_synced_to or now - timedelta(days=1)) - STATUS_WINDOW_OVERLAP
    # The last window reaches a minute past now: a change made while this runs is not missed.
    windows = _windows(start, now + timedelta(minutes=1), min(settings.OZON["CONCURRENCY"], 4))

    def fetch(window: tuple[datetime, datetime]) -> Iterator[list[dict[str, Any]]]:
        body = {
            "filter": {
                "since": _iso(window[0] - timedelta(days=30)),
                "to": _iso(now),
                "last_changed_status_date": {"from": _iso(window[0]), "to": _iso(window[1])},
            },
            "limit": 100,
        }
        return client.pages("/v4/posting/fbs/list", body, items="postings")

    feed = PageFeed(windows, fetch, early=_FEED_PAGES_EARLY)
    feed.synced_to = now
    return feed


def fbs_changes_sync(
    *,
    account: OzonAccount,
    client: OzonClient,
    since: datetime | None = None,
    feed: PageFeed | None = None,
) -> StepResult:
    """Postings whose status changed since the last sync; ``feed`` from ``fbs_changes_feed``
    when it was started earlier (``since`` is then the feed's)."""
    result = StepResult()
    if feed is None:
        feed = fbs_changes_feed(account=account, client=client, since=since)
    if feed is None:
        # The first sync: every open posting was just read as unfulfilled; changes start now.
        now = timezone.now()
        OzonAccount.objects.filter(pk=account.pk).update(postings_synced_to=now)
        account.postings_synced_to = now
        return result
    _take_in_feed(account, feed, result)
    OzonAccount.objects.filter(pk=account.pk).update(postings_synced_to=feed.synced_to)
    account.postings_synced_to = feed.synced_to
    return result


_DONE = object()
_BATCH_POSTINGS = 1000  # postings taken in per transaction at most
_FEED_PAGES = 100  # pages fetched ahead of the database at most (100 postings each)
_FEED_PAGES_EARLY = 20  # ... while earlier steps still run (their requests come first)


class PageFeed:
    """Pages of several windows requested on worker threads within the account's budget and
    handed over as they arrive, at most ``limit`` pages ahead of the taker: the requests can
    start before the step (while earlier steps write) without holding a whole account's
    postings in memory. Until ``claim()`` only ``early`` pages are fetched ahead, so the
    earlier steps' own (sequential) requests keep most of the budget. ``close()`` stops the
    requests; a failed request is raised by ``raise_failure()`` once the pages already
    received are taken in."""

    def __init__(
        self, windows: list, fetch, limit: int = _FEED_PAGES, early: int | None = None
    ) -> None:
        self.pages: queue.Queue = queue.Queue()
        self.running = len(windows)
        self.synced_to: datetime | None = None
        self._limit = limit if early is None else min(early, limit)
        self._full_limit = limit
        self._room = threading.Condition()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=max(1, len(windows)))
        self._futures = [self._pool.submit(self._produce, fetch, window) for window in windows]

    def claim(self) -> None:
        """The taker has started: fetch up to ``limit`` pages ahead from now on."""
        with self._room:
            self._limit = self._full_limit
            self._room.notify_all()

    def get(self, block: bool = True):
        item = self.pages.get(block)
        with self._room:
            self._room.notify_all()
        return item

    def _put(self, item, wait: bool = True) -> bool:
        with self._room:
            while wait and self.pages.qsize() >= self._limit:
                if self._stop.is_set():
                    return False
                self._room.wait(0.1)
            if self._stop.is_set():
                return False
            self.pages.put(item)
            return True

    def _produce(self, fetch, window) -> None:
        try:
            for page in fetch(window):
                if not self._put(page):
                    return
        finally:
            self._put(_DONE, wait=False)

    def raise_failure(self) -> None:
        for future in self._futures:
            future.result()

    def close(self) -> None:
        self._stop.set()
        with self._room:
            self._room.notify_all()
        self._pool.shutdown(wait=True, cancel_futures=True)


def _fetch_and_take_in(account, windows, fetch, result: StepResult) -> None:
    _take_in_feed(account, PageFeed(windows, fetch), result)


def _take_in_feed(account, feed: PageFeed, result: StepResult) -> None:
    """The database work stays on this thread, so taking pages in overlaps requesting the
    next ones. Pages that arrived while the last batch was written are taken in together
    (one transaction, one reservation call per warehouse, up to ``_BATCH_POSTINGS``; a page
    naming a posting already in the batch waits for the next). A failed request fails the
    step once the pages already received are taken in."""
    feed.claim()
    catalogue = _Catalogue(account)
    try:
        running, held = feed.running, None
        while running or held is not None:
            page, held = (held if held is not None else feed.get()), None
            if page is _DONE:
                running -= 1
                continue
            batch, numbers = list(page), {p.get("posting_number") for p in page}
            while len(batch) < _BATCH_POSTINGS:
                try:
                    more = feed.get(block=False)
                except queue.Empty:
                    break
                if more is _DONE:
                    running -= 1
                    continue
                more_numbers = {p.get("posting_number") for p in more}
                if more_numbers & numbers:
                    held = more
                    break
                batch += more
                numbers |= more_numbers
            if batch:
                postings_take_in(
                    account=account, postings=batch, result=result, catalogue=catalogue
                )
    finally:
        feed.close()
    feed.raise_failure()
