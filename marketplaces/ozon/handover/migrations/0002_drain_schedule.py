"""The drain of queued carriages (those whose after-commit task was lost), as a beat row."""

import json

from django.db import migrations

NAME = "Carriages to Ozon"


def seed(apps, schema_editor):
    interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = interval.objects.get_or_create(every=120, period="seconds")
    periodic.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "ozon_handover.carriages_drain",
            "kwargs": json.dumps({}),
            "interval": every,
            "enabled": True,
            "description": "Sends queued carriages to Ozon (create, approve) every two minutes: "
            "retries and any a lost task left behind.",
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ozon_handover", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
