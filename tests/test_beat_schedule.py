"""The beat schedule has one source of truth, the database: beat starting up keeps admin edits."""

import pytest
from celery import current_app
from django.conf import settings
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

import core.tasks  # noqa: F401  (registers the tasks named below)
import fulfilment.tasks  # noqa: F401
import planning.tasks  # noqa: F401

pytestmark = pytest.mark.django_db

SEEDED = {
    "Purge old idempotency keys": ("core.tasks.idempotency_records_purge", 3600),
    "Deadline watch": ("fulfilment.deadline_watch", 600),
    "Send pending notices": ("fulfilment.notices_send_pending", 300),
    "Demand feed: today": ("planning.demand_feed_recent", 60),
    "Demand feed: last three days": ("planning.demand_feed_refresh", 3600),
}


def test_migrations_seed_every_periodic_task_of_the_apps():
    rows = {
        task.name: (task.task, task.interval.every)
        for task in PeriodicTask.objects.filter(name__in=SEEDED).select_related("interval")
    }
    assert rows == SEEDED
    assert all(task in current_app.tasks for task, _ in SEEDED.values())
    assert settings.CELERY_BEAT_SCHEDULE == {}


def test_an_edited_schedule_survives_a_beat_start(monkeypatch):
    # Beat closes "old" connections between ticks; inside the test's transaction Django counts
    # the open transaction as a changed autocommit state and would close the test's connection
    # (PostgreSQL then reports "the connection is closed").
    monkeypatch.setattr("django_celery_beat.schedulers.close_old_connections", lambda: None)
    # given the deadline watch moved to every 30 minutes and disabled in the admin
    watch = PeriodicTask.objects.get(name="Deadline watch")
    watch.interval, _ = IntervalSchedule.objects.get_or_create(every=1800, period="seconds")
    watch.enabled = False
    watch.save()
    before = set(PeriodicTask.objects.values_list("name", "task", "interval__every", "enabled"))
    # when beat starts (its scheduler loads the schedule and writes the configured entries)
    DatabaseScheduler(app=current_app, lazy=False)
    # then the edit is still there and beat wrote no schedule of its own
    watch.refresh_from_db()
    assert (watch.interval.every, watch.enabled) == (1800, False)
    after = set(PeriodicTask.objects.values_list("name", "task", "interval__every", "enabled"))
    assert {row for row in after - before if row[0] != "celery.backend_cleanup"} == set()
