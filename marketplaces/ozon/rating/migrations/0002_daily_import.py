"""The daily rating import as an editable django-celery-beat row (06:30, after Ozon's recount)."""

import json

from django.conf import settings
from django.db import migrations

NAME = "Rating import from Ozon"


def seed(apps, schema_editor):
    crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    at, _ = crontab.objects.get_or_create(
        minute="30", hour="6", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    periodic.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "ozon_rating.import_daily",
            "kwargs": json.dumps({}),
            "crontab": at,
            "enabled": True,
            "description": "Ozon's rating, error index, its days and counted postings, daily.",
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ozon_rating", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
