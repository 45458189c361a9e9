"""Seed the Ozon schedules as django-celery-beat rows (editable in the admin)."""

import json

from django.conf import settings
from django.db import migrations

# name: (task, kwargs, every seconds or None, crontab (minute, hour) or None, description)
SCHEDULES = {
    "Ozon: unfulfilled postings": (
        "ozon.sync_steps",
        {"steps": ["FBS postings"]},
        180,
        None,
        "New and changed FBS postings every 3 minutes (status window overlaps the last run).",
    ),
    "Ozon: posting status changes": (
        "ozon.sync_steps",
        {"steps": ["FBS postings"], "since_days": 1},
        600,
        None,
        "Status changes over the last day every 10 minutes (an overlapping window).",
    ),
    "Ozon: nightly 30-day reconcile": (
        "ozon.sync_steps",
        {"steps": ["FBS postings"], "since_days": 30},
        None,
        ("30", "3"),
        "Every posting changed in the last 30 days, at 03:30.",
    ),
    "Ozon: catalogue and warehouses": (
        "ozon.sync_steps",
        {"steps": ["warehouses", "products", "opening stock"]},
        None,
        ("15", "4"),
        "Warehouses, products and opening stock of new warehouses, daily at 04:15.",
    ),
    "Ozon: stock push": (
        "ozon.sync_steps",
        {"steps": ["stock push"]},
        20,
        None,
        "Coalesced stock changes every 20 s (a change reaches Ozon within a minute).",
    ),
    "Ozon: nightly full stock push": (
        "ozon.stock_push_all",
        {},
        None,
        ("0", "5"),
        "Marks every product and warehouse for a push at 05:00 (reconciles everything).",
    ),
    "Ozon: outbox": (
        "ozon.outbox_drain",
        {},
        60,
        None,
        "Pack and cancel calls that are due (retries with backoff).",
    ),
}


def seed(apps, schema_editor):
    interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, kwargs, every, cron, description) in SCHEDULES.items():
        schedule = {}
        if every:
            schedule["interval"], _ = interval.objects.get_or_create(every=every, period="seconds")
        else:
            schedule["crontab"], _ = crontab.objects.get_or_create(
                minute=cron[0],
                hour=cron[1],
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone=settings.TIME_ZONE,
            )
        periodic.objects.get_or_create(
            name=name,
            defaults={
                "task": task,
                "kwargs": json.dumps(kwargs),
                "enabled": True,
                "description": description,
                **schedule,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=SCHEDULES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ozon", "0002_stock_push_version"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
