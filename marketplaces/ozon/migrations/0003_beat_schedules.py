"""Seed the Ozon schedules as django-celery-beat rows (editable in the admin)."""

from django.db import migrations

from core.schedules import PeriodicSeed, periodic_task_seeders

FBS = ["FBS postings"]
SEEDS = [
    PeriodicSeed(
        name="Ozon: unfulfilled postings",
        task="ozon.sync_steps",
        kwargs={"steps": FBS},
        every_seconds=180,
        description="New and changed FBS postings every 3 minutes (status window overlaps the "
        "last run).",
    ),
    PeriodicSeed(
        name="Ozon: posting status changes",
        task="ozon.sync_steps",
        kwargs={"steps": FBS, "since_days": 1},
        every_seconds=600,
        description="Status changes over the last day every 10 minutes (an overlapping window).",
    ),
    PeriodicSeed(
        name="Ozon: nightly 30-day reconcile",
        task="ozon.sync_steps",
        kwargs={"steps": FBS, "since_days": 30},
        crontab=("30", "3"),
        description="Every posting changed in the last 30 days, at 03:30.",
    ),
    PeriodicSeed(
        name="Ozon: catalogue and warehouses",
        task="ozon.sync_steps",
        kwargs={"steps": ["warehouses", "products", "opening stock"]},
        crontab=("15", "4"),
        description="Warehouses, products and opening stock of new warehouses, daily at 04:15.",
    ),
    PeriodicSeed(
        name="Ozon: stock push",
        task="ozon.sync_steps",
        kwargs={"steps": ["stock push"]},
        every_seconds=20,
        description="Coalesced stock changes every 20 s (a change reaches Ozon within a minute).",
    ),
    PeriodicSeed(
        name="Ozon: nightly full stock push",
        task="ozon.stock_push_all",
        crontab=("0", "5"),
        description="Marks every product and warehouse for a push at 05:00 (reconciles "
        "everything).",
    ),
    PeriodicSeed(
        name="Ozon: outbox",
        task="ozon.outbox_drain",
        every_seconds=60,
        description="Pack and cancel calls that are due (retries with backoff).",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("ozon", "0002_stock_push_version"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(*periodic_task_seeders(SEEDS))]
