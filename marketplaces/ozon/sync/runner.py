"""One sync cycle: the steps in order, each with its own summary; a failed step spoils no other."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.utils import timezone

from marketplaces.ozon.accounts import key_expiry_refresh
from marketplaces.ozon.client import OzonClient, OzonError
from marketplaces.ozon.contract import ContractError
from marketplaces.ozon.models import OzonAccount, SyncRun
from marketplaces.ozon.sync.catalogue import StepResult, products_sync, warehouses_sync
from marketplaces.ozon.sync.fbo import fbo_postings_sync
from marketplaces.ozon.sync.postings import (
    PageFeed,
    fbs_changes_feed,
    fbs_changes_sync,
    fbs_unfulfilled_feed,
    fbs_unfulfilled_sync,
)
from marketplaces.ozon.sync.stock import OpeningStockFeed, opening_stock_sync

logger = logging.getLogger(__name__)


@dataclass
class StepSummary:
    name: str
    ok: bool
    seconds: float
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    error: str = ""
    notes: list[str] = field(default_factory=list)


def _fbs(
    account: OzonAccount,
    client: OzonClient,
    since: datetime | None,
    feeds: tuple[PageFeed, PageFeed | None] | None = None,
) -> StepResult:
    unfulfilled, changed = feeds or (None, None)
    result = fbs_unfulfilled_sync(account=account, client=client, feed=unfulfilled)
    changes = fbs_changes_sync(account=account, client=client, since=since, feed=changed)
    for name in ("created", "updated", "unchanged", "skipped"):
        setattr(result, name, getattr(result, name) + getattr(changes, name))
    result.notes += changes.notes
    return result


def _warehouses(account: OzonAccount, client: OzonClient) -> StepResult:
    result = warehouses_sync(account=account, client=client)
    try:
        expires = key_expiry_refresh(account=account, client=client)
        if expires:
            result.notes.append(f"API key expires {expires:%Y-%m-%d}")
    except OzonError as exc:  # the key's expiry is information, not a reason to fail the step
        result.notes.append(f"API key expiry unknown: {exc.message}")
    return result


Step = Callable[[OzonAccount, OzonClient, "datetime | None"], StepResult]
STEPS: dict[str, Step] = {
    "warehouses": lambda a, c, s: _warehouses(a, c),
    "products": lambda a, c, s: products_sync(account=a, client=c),
    "opening stock": lambda a, c, s: opening_stock_sync(account=a, client=c),
    "FBS postings": _fbs,
    "FBO postings": lambda a, c, s: fbo_postings_sync(account=a, client=c, since=s),
    "stock push": lambda a, c, s: _stock_push(a, c),
    "outbox": lambda a, c, s: _outbox(a, c),
}


def _before(names: list[str], first: str, then: str) -> bool:
    return first in names and then in names and names.index(first) < names.index(then)


def _fbs_feeds(
    account: OzonAccount, client: OzonClient, since: datetime | None
) -> tuple[PageFeed, PageFeed | None]:
    unfulfilled = fbs_unfulfilled_feed(account=account, client=client)
    try:
        return unfulfilled, fbs_changes_feed(account=account, client=client, since=since)
    except Exception:
        unfulfilled.close()
        raise


def _stock_push(account: OzonAccount, client: OzonClient) -> StepResult:
    from marketplaces.ozon.outbox import stock_push

    return stock_push(account=account, client=client)


def _outbox(account: OzonAccount, client: OzonClient) -> StepResult:
    from marketplaces.ozon.outbox import outbox_drain

    return outbox_drain(account=account, client=client)


def sync_run(
    *,
    account: OzonAccount,
    since: datetime | None = None,
    steps: list[str] | None = None,
    client: OzonClient | None = None,
    progress: Callable[[StepSummary], None] | None = None,
    registry: dict[str, Step] | None = None,
) -> tuple[SyncRun, list[StepSummary]]:
    """Run ``steps`` (default: all, in order) for ``account``; record a ``SyncRun``.

    ``registry`` replaces ``STEPS`` for a sub-app's own cycle (e.g. the daily FBO import).
    """
    registry = registry or STEPS
    run = SyncRun.objects.create(account=account)
    own_client = client is None
    client = client or OzonClient.for_account(account)
    summaries: list[StepSummary] = []
    names = steps or list(registry)
    feeds: tuple[PageFeed, PageFeed | None] | None = None
    stock_feed: OpeningStockFeed | None = None
    try:
        if registry is STEPS and "FBS postings" in names[1:]:
            # The postings are requested from the start, within the same budget, while the
            # steps before them write: the step then finds its pages (mostly) waiting.
            feeds = _fbs_feeds(account, client, since)
        if registry is STEPS and _before(names, "products", "opening stock"):
            stock_feed = OpeningStockFeed(client)  # started by the products step
        for name in names:
            started = time.perf_counter()
            try:
                if name == "FBS postings" and feeds is not None:
                    result, feeds = _fbs(account, client, since, feeds), None
                elif name == "products" and stock_feed is not None:
                    result = products_sync(account=account, client=client, stock_feed=stock_feed)
                elif name == "opening stock" and stock_feed is not None:
                    feed, stock_feed = stock_feed, None
                    try:
                        result = opening_stock_sync(account=account, client=client, feed=feed)
                    finally:
                        feed.close()
                else:
                    result = registry[name](account, client, since)
                summary = StepSummary(
                    name,
                    True,
                    time.perf_counter() - started,
                    result.created,
                    result.updated,
                    result.unchanged,
                    result.skipped,
                    notes=result.notes[:20],
                )
            except (OzonError, ContractError) as exc:
                summary = StepSummary(name, False, time.perf_counter() - started, error=str(exc))
            except Exception as exc:  # a bug in one step must not hide the others' results
                logger.exception("Ozon sync step %s failed", name)
                summary = StepSummary(
                    name, False, time.perf_counter() - started, error=f"{type(exc).__name__}: {exc}"
                )
            summaries.append(summary)
            if progress:
                progress(summary)
    finally:
        for feed in [*(feeds or ()), stock_feed]:
            if feed is not None:
                feed.close()
        if own_client:
            client.close()
    run.finished_at = timezone.now()
    run.ok = all(s.ok for s in summaries)
    run.steps = [asdict(s) for s in summaries]
    run.save()
    OzonAccount.objects.filter(pk=account.pk).update(last_sync_at=run.finished_at)
    return run, summaries
