"""Seed core's housekeeping as django-celery-beat periodic tasks.

The database is the one source of truth for the schedule (editable in the admin; beat never rewrites it)."""

from django.db import migrations

# (name, the key it had in CELERY_BEAT_SCHEDULE, task, every … seconds, description)
TASKS = [
    ('Purge old idempotency keys', 'idempotency-records-purge', 'core.tasks.idempotency_records_purge', 3600, 'Hourly: removes Idempotency-Key records older than ZAPAS_IDEMPOTENCY_TTL_HOURS.'),
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
        ("core", "0002_job_run"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
