"""Periodic housekeeping for core (scheduled in ``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task

from core import services


@shared_task
def idempotency_records_purge() -> int:
    return services.idempotency_records_purge()
