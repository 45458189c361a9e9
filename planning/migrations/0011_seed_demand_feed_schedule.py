"""Seed the demand feed refreshes as django-celery-beat periodic tasks.

The database is the one source of truth for the schedule (editable in the admin; beat never rewrites it)."""

from django.db import migrations

# (name, the key it had in CELERY_BEAT_SCHEDULE, task, every … seconds, description)
TASKS = [
    ('Demand feed: today', 'fulfilment-demand-feed-recent', 'planning.demand_feed_recent', 60, "Every minute: today's order demand, so that hand-overs queue no task of their own."),
    ('Demand feed: last three days', 'fulfilment-demand-feed', 'planning.demand_feed_refresh', 3600, 'Hourly: recomputes the last three days of order demand (the safety net).'),
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
        ("planning", "0010_cycle_counts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
