"""The daily FBO import as an editable django-celery-beat row: 10:40 in TIME_ZONE (07:40 UTC
in Moscow), after Ozon refreshes its stock analytics at about 07:00 UTC."""

import json

from django.conf import settings
from django.db import migrations

NAME = "FBO import from Ozon"


def seed(apps, schema_editor):
    crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    at, _ = crontab.objects.get_or_create(
        minute="40", hour="10", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    periodic.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "ozon_fbo.import_daily",
            "kwargs": json.dumps({}),
            "crontab": at,
            "enabled": True,
            "description": "Ozon's clusters, FBO stock per cluster and supply orders, daily.",
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ozon_fbo", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
