"""Seed core's housekeeping as a django-celery-beat periodic task (editable in the admin)."""

from django.db import migrations

from core.schedules import PeriodicSeed, periodic_task_seeders

SEEDS = [
    PeriodicSeed(
        name="Purge old idempotency keys",
        old_name="idempotency-records-purge",
        task="core.tasks.idempotency_records_purge",
        every_seconds=3600,
        description="Hourly: removes Idempotency-Key records older than ZAPAS_IDEMPOTENCY_TTL_HOURS.",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_job_run"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(*periodic_task_seeders(SEEDS))]
