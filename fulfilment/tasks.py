"""Celery tasks: thin wrappers around the services (ids and dates in, idempotent)."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from fulfilment.demand import demand_feed_refresh
from fulfilment.notices.outbox import NoticeRetry, notice_send, notices_send_pending
from fulfilment.watch import deadline_watch_run


@shared_task(name="fulfilment.deadline_watch")
def deadline_watch_task() -> dict[str, int]:
    summary = deadline_watch_run()
    return {**summary.counts, "notices_queued": summary.notices_queued}


@shared_task(bind=True, name="fulfilment.notice_send", max_retries=None)
def notice_send_task(self, notice_id: int) -> str:
    """Send one notice; a temporary failure is retried with exponential backoff.

    The service gives up (marks the notice failed) after ``NOTICE_MAX_ATTEMPTS`` attempts, so
    the task needs no limit of its own, and its claim makes a duplicate delivery harmless.
    """
    while True:
        try:
            return notice_send(notice_id=notice_id).status
        except NoticeRetry as exc:
            if self.request.is_eager or self.request.called_directly:
                continue  # in-process: no broker to wait on, so try again now
            raise self.retry(exc=exc, countdown=min(3600, 60 * 2**self.request.retries)) from exc


@shared_task(name="fulfilment.notices_send_pending")
def notices_send_pending_task() -> int:
    ids = notices_send_pending()
    for notice_id in ids:
        notice_send_task.delay(notice_id)
    return len(ids)


@shared_task(name="fulfilment.demand_feed_recent")
def demand_feed_recent_task() -> int:
    """Recompute today's order demand (and yesterday's in the first minutes after midnight).

    Every minute with a broker, so that hand-overs need not queue a task each."""
    return demand_feed_refresh(since=timezone.localdate(timezone.now() - timedelta(minutes=5)))


@shared_task(name="fulfilment.demand_feed_refresh")
def demand_feed_refresh_task(
    since: str | None = None, until: str | None = None, sku_ids: list[int] | None = None
) -> int:
    """Recompute the orders demand cells; without ``since``, the last three days."""
    first = date.fromisoformat(since) if since else timezone.localdate() - timedelta(days=3)
    return demand_feed_refresh(
        since=first,
        until=date.fromisoformat(until) if until else None,
        sku_ids=sku_ids,
    )
