"""Seed the demand feed refreshes as django-celery-beat periodic tasks (editable in the admin)."""

from django.db import migrations

from core.schedules import PeriodicSeed, periodic_task_seeders

SEEDS = [
    PeriodicSeed(
        name="Demand feed: today",
        old_name="fulfilment-demand-feed-recent",
        task="planning.demand_feed_recent",
        every_seconds=60,
        description="Every minute: today's order demand, so that hand-overs queue no task of "
        "their own.",
    ),
    PeriodicSeed(
        name="Demand feed: last three days",
        old_name="fulfilment-demand-feed",
        task="planning.demand_feed_refresh",
        every_seconds=3600,
        description="Hourly: recomputes the last three days of order demand (the safety net).",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0010_cycle_counts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(*periodic_task_seeders(SEEDS))]
