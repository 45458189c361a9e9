"""Seeding django-celery-beat rows from data migrations.

The database is the one source of truth for the schedule: migrations create each row once
(editable in the admin afterwards; beat and later migrations never rewrite an edited row)."""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings


@dataclass(frozen=True)
class PeriodicSeed:
    """One periodic task: every `every_seconds`, or at `crontab` = (minute, hour) in TIME_ZONE."""

    name: str
    task: str
    description: str
    every_seconds: int | None = None
    crontab: tuple[str, str] | None = None
    kwargs: dict = field(default_factory=dict)
    # The key the row had in the old settings-based CELERY_BEAT_SCHEDULE, if any.
    old_name: str | None = None

    def __post_init__(self) -> None:
        if (self.every_seconds is None) == (self.crontab is None):
            raise ValueError(f"{self.name}: give exactly one of every_seconds or crontab")


Migrator = Callable[[object, object], None]


def periodic_task_seeders(seeds: Iterable[PeriodicSeed]) -> tuple[Migrator, Migrator]:
    """The (forwards, backwards) pair for `migrations.RunPython` that creates and removes `seeds`."""
    seeds = tuple(seeds)

    def seed(apps, schema_editor) -> None:
        using = schema_editor.connection.alias
        interval = apps.get_model("django_celery_beat", "IntervalSchedule").objects.using(using)
        crontab = apps.get_model("django_celery_beat", "CrontabSchedule").objects.using(using)
        periodic = apps.get_model("django_celery_beat", "PeriodicTask").objects.using(using)
        for row in seeds:
            # A database that ran beat with the old settings-based schedule has the row under
            # the settings key: keep it (and any edit made to it) under the new name.
            if row.old_name and not periodic.filter(name=row.name).exists():
                periodic.filter(name=row.old_name).update(name=row.name, task=row.task)
            if row.every_seconds is not None:
                when, _ = interval.get_or_create(every=row.every_seconds, period="seconds")
                schedule = {"interval": when}
            else:
                minute, hour = row.crontab
                when, _ = crontab.get_or_create(
                    minute=minute,
                    hour=hour,
                    day_of_week="*",
                    day_of_month="*",
                    month_of_year="*",
                    timezone=settings.TIME_ZONE,
                )
                schedule = {"crontab": when}
            periodic.get_or_create(
                name=row.name,
                defaults={
                    "task": row.task,
                    "kwargs": json.dumps(row.kwargs),
                    "enabled": True,
                    "description": row.description,
                    **schedule,
                },
            )

    def unseed(apps, schema_editor) -> None:
        using = schema_editor.connection.alias
        names = [row.name for row in seeds]
        periodic = apps.get_model("django_celery_beat", "PeriodicTask").objects.using(using)
        periodic.filter(name__in=names).delete()

    return seed, unseed
