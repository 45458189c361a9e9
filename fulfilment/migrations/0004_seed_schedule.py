"""Seed the deadline watch and the notice sweep as django-celery-beat periodic tasks."""

from django.conf import settings
from django.db import migrations

from core.schedules import PeriodicSeed, periodic_task_seeders

SEEDS = [
    PeriodicSeed(
        name="Deadline watch",
        old_name="fulfilment-deadline-watch",
        task="fulfilment.deadline_watch",
        every_seconds=getattr(settings, "DEADLINE_WATCH_SECONDS", 600),
        description="Every 10 minutes (ZAPAS_DEADLINE_WATCH_SECONDS when seeded): watch states "
        "of open FBS orders and the delay notices they imply.",
    ),
    PeriodicSeed(
        name="Send pending notices",
        old_name="fulfilment-notices-send-pending",
        task="fulfilment.notices_send_pending",
        every_seconds=300,
        description="Every 5 minutes: picks up notices whose send task was lost.",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("fulfilment", "0003_savable_short_orders"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(*periodic_task_seeders(SEEDS))]
