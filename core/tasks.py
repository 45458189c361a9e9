"""Periodic housekeeping for core (a django-celery-beat periodic task, seeded by migration)."""

from celery import shared_task

from core import services


@shared_task
def idempotency_records_purge() -> int:
    return services.idempotency_records_purge()
