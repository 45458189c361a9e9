"""Seed the nightly efficient frontier (04:00, after the 02:00 plan; editable in the admin)."""

from django.db import migrations

from core.schedules import PeriodicSeed, periodic_task_seeders

SEEDS = [
    PeriodicSeed(
        name="Nightly efficient frontier",
        task="planning.frontier_nightly",
        crontab=("0", "4"),
        description="Replays the last 91 days for Zapas at several service targets and the "
        "naive min/max at several multipliers (04:00 in TIME_ZONE, after the nightly plan); "
        "the promise audit page draws the latest.",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0015_plan_run_heartbeat"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(*periodic_task_seeders(SEEDS))]
