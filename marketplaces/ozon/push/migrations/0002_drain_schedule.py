"""The minutely drain of queued push notifications, as an editable django-celery-beat row."""

import json

from django.db import migrations

NAME = "Push notifications from Ozon"


def seed(apps, schema_editor):
    interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = interval.objects.get_or_create(every=60, period="seconds")
    periodic.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "ozon_push.drain",
            "kwargs": json.dumps({}),
            "interval": every,
            "enabled": True,
            "description": "Syncs the postings named by queued push notifications every minute "
            "(all of them without a broker; any a lost task left behind with one).",
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ozon_push", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
