"""Seed the deadline watch and the notice sweep as django-celery-beat periodic tasks.

The database is the one source of truth for the schedule (editable in the admin; beat never rewrites it)."""

from django.conf import settings
from django.db import migrations

# (name, the key it had in CELERY_BEAT_SCHEDULE, task, every … seconds, description)
TASKS = [
    ('Deadline watch', 'fulfilment-deadline-watch', 'fulfilment.deadline_watch', getattr(settings, 'DEADLINE_WATCH_SECONDS', 600), 'Every 10 minutes (ZAPAS_DEADLINE_WATCH_SECONDS when seeded): watch states of open FBS orders and the delay notices they imply.'),
    ('Send pending notices', 'fulfilment-notices-send-pending', 'fulfilment.notices_send_pending', 300, 'Every 5 minutes: picks up notices whose send task was lost.'),
]


def seed(apps, schema_editor):
    interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, old_name, task, seconds, description in TASKS:
        # A database that ran beat with the old settings-based schedule has the row under the
        # settings key: keep it (and any edit made to it) under the new name.
        if not periodic.objects.filter(name=name).exists():
            periodic.objects.filter(name=old_name).update(name=name, task=task)
        every, _ = interval.objects.get_or_create(every=seconds, period="seconds")
        periodic.objects.get_or_create(
            name=name,
            defaults={
                "task": task,
                "interval": every,
                "enabled": True,
                "description": description,
            },
        )


def unseed(apps, schema_editor):
    names = [name for name, *_ in TASKS]
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("fulfilment", "0003_savable_short_orders"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
