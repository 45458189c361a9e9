"""Celery tasks of planning: thin wrappers around ``planning.runs`` and the demand feed.

The nightly schedule (02:00 in ``TIME_ZONE``) is a django-celery-beat ``PeriodicTask`` seeded by
migration ``planning.0003`` and editable in the admin (Periodic tasks). ``plan_nightly`` starts
a run split into chunks: a ``chord`` of ``plan_chunk`` tasks (any worker, any machine) whose
callback ``plan_finalise`` swaps the results in (``plan_run_dispatch``). Without a broker
everything runs in-process (``runs.plan_run``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta

from celery import chord, shared_task
from django.conf import settings
from django.utils import timezone

from core.errors import Conflict, InvalidInput
from planning import runs
from planning.demand_feed import demand_feed_refresh
from planning.frontier_runs import frontier_compute, frontier_prune
from planning.models import PlanRun
from planning.promise_audit import promise_audit_run

logger = logging.getLogger(__name__)


@shared_task(name="planning.tasks.plan_nightly", ignore_result=True)
def plan_nightly(plan_date: str | None = None) -> int | None:
    """Plan the whole catalogue for today (or ``plan_date``, ISO); skip if a run is going."""
    day = date.fromisoformat(plan_date) if plan_date else timezone.localdate()
    start = plan_run_dispatch if runs.broker_configured() else runs.plan_run
    try:
        run = start(plan_date=day, triggered_by="schedule")
    except Conflict:
        logger.warning("Nightly planning skipped: another run is in progress.")
        return None
    return run.pk


@shared_task(name="planning.tasks.plan_chunk", acks_late=True)
def plan_chunk(run_id: int, lo: int, hi: int) -> dict:
    """Plan SKU ids ``lo`` … ``hi`` of run ``run_id``; on failure the run is marked failed."""
    try:
        return runs.plan_chunk_process(run_id=run_id, lo=lo, hi=hi).as_dict()
    except Exception as exc:
        runs.plan_run_fail(run_id=run_id, error=exc)
        raise


@shared_task(name="planning.tasks.plan_finalise")
def plan_finalise(chunk_results: list[dict], run_id: int) -> int:
    """Chord callback: make the run's results live (see ``runs.plan_run_finalise``)."""
    try:
        return runs.plan_run_finalise(run_id=run_id, chunk_results=chunk_results).pk
    except Exception as exc:
        runs.plan_run_fail(run_id=run_id, error=exc)
        raise


def plan_run_dispatch(
    *,
    plan_date: date | None = None,
    sku_codes: Sequence[str] | None = None,
    chunk_size: int | None = None,
    triggered_by: str = "",
) -> PlanRun:
    """Start a run whose chunks go to the Celery workers: ``chord(plan_chunk × k)`` with
    ``plan_finalise`` as callback. Returns the run still ``running`` (with its chord's task id).

    Raises ``Conflict`` (``plan_running``) if a run is in progress; a failure while sending
    marks the run failed. Call it outside a transaction: the workers must see the run row.
    """
    run, chunks = runs.plan_run_start(
        plan_date=plan_date,
        sku_codes=sku_codes,
        chunk_size=chunk_size,
        triggered_by=triggered_by,
        dispatch=True,
    )
    if not chunks:
        return runs.plan_run_finalise(run_id=run.pk)
    try:
        header = [plan_chunk.s(run.pk, lo, hi) for lo, hi in chunks]
        result = chord(header)(plan_finalise.s(run.pk))
    except Exception as exc:  # the run records any failure; callers read run.status
        logger.exception("Planning run %s failed", run.pk)
        return runs.plan_run_fail(run_id=run.pk, error=exc)
    PlanRun.objects.filter(pk=run.pk, status=PlanRun.Status.RUNNING).update(
        task_id=str(result.id or "")[:64]
    )
    run.refresh_from_db()
    return run


@shared_task(name="planning.demand_feed_recent")
def demand_feed_recent_task() -> int:
    """Recompute today's order demand (and yesterday's in the first minutes after midnight).

    Every minute with a broker, so that hand-overs need not queue a task each."""
    return demand_feed_refresh(since=timezone.localdate(timezone.now() - timedelta(minutes=5)))


@shared_task(name="planning.demand_feed_refresh")
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


@shared_task(name="planning.promise_audit_nightly", ignore_result=True)
def promise_audit_nightly(audit_date: str | None = None) -> int:
    """Score the promises whose period has passed (``promise_audit.promise_audit_run``).

    Scheduled at 05:00 (``TIME_ZONE``), after the 02:00 plan, by migration ``planning.0007``."""
    day = date.fromisoformat(audit_date) if audit_date else None
    return promise_audit_run(audit_date=day, triggered_by="schedule").pk


@shared_task(name="planning.frontier_nightly", ignore_result=True)
def frontier_nightly(plan_date: str | None = None) -> int | None:
    """Replay both policies over the last 91 days and store the frontier the audit page draws
    (``frontier_runs.frontier_compute``), then keep the newest ``ZAPAS["FRONTIER_KEEP"]``.

    Scheduled at 04:00 (``TIME_ZONE``), after the 02:00 plan, by migration ``planning.0016``.
    A catalogue with too short a history is skipped (logged), not retried."""
    day = date.fromisoformat(plan_date) if plan_date else None
    try:
        result = frontier_compute(plan_date=day)
    except InvalidInput as exc:
        logger.info("Frontier skipped: %s", exc.message)
        return None
    frontier_prune(keep=int(settings.ZAPAS.get("FRONTIER_KEEP", 30)))
    return result.pk
