"""Celery tasks: thin wrappers around the services (ids and dates in, idempotent)."""

from __future__ import annotations

from celery import shared_task

from core.jobs import job_run_now
from fulfilment.notices.outbox import NoticeRetry, notice_send, notices_send_pending


@shared_task(name="fulfilment.deadline_watch")
def deadline_watch_task() -> dict:
    """The scheduled watch, recorded as a ``JobRun`` (trigger ``schedule``) like admin runs."""
    return job_run_now(name="deadline_watch", trigger="schedule").result


@shared_task(
    bind=True,
    name="fulfilment.notice_send",
    autoretry_for=(NoticeRetry,),
    retry_backoff=60,  # 60 s, 120 s, 240 s … apart (full jitter), at most an hour
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=None,
)
def notice_send_task(self, notice_id: int) -> str:
    """Send one notice; a temporary failure (``NoticeRetry``) is retried by Celery's
    ``autoretry_for`` with exponential backoff and jitter.

    In-process (no broker, tasks run eagerly) there is nothing to wait on and Celery's eager
    retry would surface as an exception, so the attempt is simply repeated. The service gives
    up (marks the notice failed) after ``NOTICE_MAX_ATTEMPTS`` attempts, so neither needs a
    limit of its own, and its claim makes a duplicate delivery harmless.
    """
    while True:
        try:
            return notice_send(notice_id=notice_id).status
        except NoticeRetry:
            if not self.request.is_eager:
                raise


@shared_task(name="fulfilment.notices_send_pending")
def notices_send_pending_task() -> int:
    ids = notices_send_pending()
    for notice_id in ids:
        notice_send_task.delay(notice_id)
    return len(ids)
