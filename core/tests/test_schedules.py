"""The one seeder every app's schedule migration uses."""

import json
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from core.schedules import PeriodicSeed, periodic_task_seeders

pytestmark = pytest.mark.django_db

SEEDS = [
    PeriodicSeed(name="Every minute", task="x.every", description="d", every_seconds=60),
    PeriodicSeed(
        name="Nightly",
        task="x.nightly",
        description="n",
        crontab=("30", "3"),
        kwargs={"steps": ["a"]},
        old_name="x-nightly",
    ),
]


def run(migrator):
    # RunPython hands over the schema editor only for its connection (SQLite refuses a real
    # schema editor inside the test's transaction).
    migrator(global_apps, SimpleNamespace(connection=connection))


def test_seed_creates_interval_and_crontab_rows_with_kwargs():
    seed, _ = periodic_task_seeders(SEEDS)
    run(seed)
    every = PeriodicTask.objects.get(name="Every minute")
    nightly = PeriodicTask.objects.get(name="Nightly")
    assert (every.task, every.interval.every, every.crontab) == ("x.every", 60, None)
    assert (nightly.crontab.minute, nightly.crontab.hour, nightly.interval) == ("30", "3", None)
    assert json.loads(nightly.kwargs) == {"steps": ["a"]}


def test_seed_renames_the_old_settings_key_and_keeps_its_edits():
    # given beat once ran with the settings schedule and an admin moved that row to 04:00
    at_four = CrontabSchedule.objects.create(minute="0", hour="4")
    PeriodicTask.objects.create(name="x-nightly", task="old.name", crontab=at_four, enabled=False)
    seed, _ = periodic_task_seeders(SEEDS)
    run(seed)
    row = PeriodicTask.objects.get(name="Nightly")
    assert (row.task, row.crontab.hour, row.enabled) == ("x.nightly", "4", False)
    assert not PeriodicTask.objects.filter(name="x-nightly").exists()


def test_seed_twice_never_overwrites_an_edit_and_unseed_removes_only_its_rows():
    seed, unseed = periodic_task_seeders(SEEDS)
    run(seed)
    every = PeriodicTask.objects.get(name="Every minute")
    every.interval, _ = IntervalSchedule.objects.get_or_create(every=900, period="seconds")
    every.save()
    run(seed)
    assert PeriodicTask.objects.get(name="Every minute").interval.every == 900
    others = PeriodicTask.objects.exclude(name__in=["Every minute", "Nightly"]).count()
    run(unseed)
    assert not PeriodicTask.objects.filter(name__in=["Every minute", "Nightly"]).exists()
    assert PeriodicTask.objects.count() == others


def test_a_seed_needs_exactly_one_kind_of_schedule():
    with pytest.raises(ValueError, match="exactly one"):
        PeriodicSeed(name="n", task="t", description="d")
    with pytest.raises(ValueError, match="exactly one"):
        PeriodicSeed(name="n", task="t", description="d", every_seconds=1, crontab=("0", "1"))
