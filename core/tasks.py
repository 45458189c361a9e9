"""Periodic housekeeping for core (a django-celery-beat periodic task, seeded by migration)."""

from celery import shared_task

from core import services


@shared_task
def idempotency_records_purge() -> int:
    return services.idempotency_records_purge()


@shared_task(name="core.job_execute", acks_late=True)
def job_execute_task(run_id: int) -> str:
    """Run one queued ``JobRun`` (``core.jobs``); returns its final status."""
    from core import jobs

    return jobs.job_execute(run_id=run_id).status
