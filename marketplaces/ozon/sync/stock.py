"""Opening stock: a warehouse linked for the first time starts from Ozon's present stock.

``/v2/product/info/stocks-by-warehouse/fbs`` gives ``present`` (units on the shelf, including
those reserved for postings) per product and warehouse. For every stock row of a newly linked
warehouse that has no ledger yet, ``present`` becomes the opening balance through the ledger
(``inventory.services.stock_opening_balances``); postings taken in afterwards reserve from it.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.limits import INT32_MAX
from inventory.services import stock_opening_balances
from marketplaces.ozon.client import OzonClient
from marketplaces.ozon.models import OzonAccount, ProductLink
from marketplaces.ozon.sync.catalogue import StepResult, _chunks

_STOCKS = "/v2/product/info/stocks-by-warehouse/fbs"


def _per_request(account: OzonAccount) -> int:
    # One request per 500 offers (≤ 1,000 rows with two warehouses), several at a time.
    return max(1, 1000 // max(1, account.warehouses.count()))


def _fetch(client: OzonClient, offers: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    body = {"offer_id": offers, "limit": 1000}
    for page in client.pages(_STOCKS, body, items="products"):
        rows += page
    return rows


class OpeningStockFeed:
    """Ozon's stock of the listed offers, requested on worker threads while the products are
    written (``start`` from the products step); the opening stock step takes the rows and
    requests only the offers the feed did not cover."""

    def __init__(self, client: OzonClient) -> None:
        self.client = client
        self._pool: ThreadPoolExecutor | None = None
        self._chunks: list[tuple[list[str], Future]] = []

    def start(self, account: OzonAccount, offers: list[str]) -> None:
        if (
            self._pool is not None
            or not account.warehouses.filter(opening_stock_loaded_at__isnull=True).exists()
        ):
            return  # started already, or no warehouse waits for its opening stock
        self._pool = ThreadPoolExecutor(max_workers=settings.OZON["CONCURRENCY"])
        self._chunks = [
            (chunk, self._pool.submit(_fetch, self.client, chunk))
            for chunk in _chunks(sorted(set(offers)), _per_request(account))
        ]

    def take(self) -> tuple[set[str], list[list[dict[str, Any]]]]:
        """The offers covered and their rows (a failed request raises here)."""
        covered: set[str] = set()
        rows = []
        for chunk, future in self._chunks:
            rows.append(future.result())
            covered.update(chunk)
        return covered, rows

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def opening_stock_sync(
    *, account: OzonAccount, client: OzonClient, feed: OpeningStockFeed | None = None
) -> StepResult:
    result = StepResult()
    links = {
        link.ozon_warehouse_id: link
        for link in account.warehouses.filter(opening_stock_loaded_at__isnull=True).select_related(
            "warehouse"
        )
    }
    if not links:
        return result
    products = dict(ProductLink.objects.filter(account=account).values_list("offer_id", "sku_id"))
    covered, fetched = feed.take() if feed is not None else (set(), [])
    rest = sorted(set(products) - covered)

    lines: dict[int, list[tuple[int, int]]] = defaultdict(list)
    with ThreadPoolExecutor(max_workers=settings.OZON["CONCURRENCY"]) as pool:
        answers = pool.map(
            lambda offers: _fetch(client, offers), _chunks(rest, _per_request(account))
        )
        for rows in [*fetched, *answers]:
            for row in rows:
                sku_id = products.get(row.get("offer_id") or "")
                present = row.get("present")
                if row.get("warehouse_id") not in links or not sku_id:
                    continue
                if isinstance(present, int) and not isinstance(present, bool):
                    if present <= INT32_MAX:
                        lines[row["warehouse_id"]].append((sku_id, max(present, 0)))
                        continue
                # Not a count the stock columns can hold: left out, said, never wrapped.
                result.skipped += 1
                result.notes.append(f"{row.get('offer_id')}: present {present!r} is not a count")
    now = timezone.now()
    for ozon_id, link in links.items():
        with transaction.atomic():
            written = stock_opening_balances(
                warehouse=link.warehouse,
                lines=lines.get(ozon_id, []),
                reason="Opening balance from Ozon",
                document_ref=f"ozon:{ozon_id}",
            )
            link.opening_stock_loaded_at = now
            link.save(update_fields=["opening_stock_loaded_at"])
        result.created += written
        result.unchanged += len(lines.get(ozon_id, [])) - written
    return result
