"""Seed the ABC service-level targets and the nightly planning schedule (editable in the admin)."""

from decimal import Decimal

from django.conf import settings
from django.db import migrations

TARGETS = {"A": Decimal("0.980"), "B": Decimal("0.950"), "C": Decimal("0.900")}
TASK_NAME = "Nightly planning run"
TASK = "planning.tasks.plan_nightly"


def seed(apps, schema_editor):
    target = apps.get_model("planning", "ServiceLevelTarget")
    for abc_class, level in TARGETS.items():
        target.objects.get_or_create(abc_class=abc_class, defaults={"service_level": level})

    crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = crontab.objects.get_or_create(
        minute="0",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    periodic.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "crontab": schedule,
            "enabled": True,
            "description": "Plans the whole catalogue every night (02:00 in TIME_ZONE).",
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0002_plan_runs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
