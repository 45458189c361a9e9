"""A killed planning run never blocks planning (issue 14, item 4).

A run's process beats (``heartbeat_at``) at every stage of every chunk; a running run silent
for ``PLAN_DEAD_MINUTES`` is dead: the next start marks it failed (its partial rows go) and
runs. An admin may cancel a stuck run at once; chunks and the finalise of a cancelled run then
do nothing.
"""

from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict
from inventory.tests.factories import SkuFactory, StaffUserFactory, UserFactory
from planning import runs
from planning.models import PlanRun, SkuPlan
from planning.tests.factories import fake_plan_catalogue

pytestmark = pytest.mark.django_db

PLAN_DATE = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def fake_engine(monkeypatch):
    monkeypatch.setattr(runs, "_engine_plan", fake_plan_catalogue)


@pytest.fixture
def skus(db):
    return [SkuFactory(code=f"DEAD-{n}") for n in range(3)]


def _killed_mid_run(skus, *, silent_for: timedelta) -> PlanRun:
    """A run whose first chunk wrote its rows, then its process was killed ``silent_for`` ago."""
    killed_at = timezone.now() - silent_for
    with time_machine.travel(killed_at, tick=False):
        run, chunks = runs.plan_run_start(plan_date=PLAN_DATE, chunk_size=1)
        lo, hi = chunks[0]
        runs.plan_chunk_process(run_id=run.pk, lo=lo, hi=hi)
    run.refresh_from_db()
    assert run.status == PlanRun.Status.RUNNING and SkuPlan.objects.filter(run=run).exists()
    return run


def test_a_run_silent_past_the_limit_is_failed_and_the_next_one_runs(skus, settings):
    dead = _killed_mid_run(skus, silent_for=timedelta(minutes=16))
    # when planning starts again
    run = runs.plan_run(plan_date=PLAN_DATE)
    # then the dead run is failed, says why, left no rows, and the new run finished
    dead.refresh_from_db()
    assert dead.status == PlanRun.Status.FAILED
    assert dead.error.startswith("Abandoned: no sign of life since")
    assert not SkuPlan.objects.filter(run=dead).exists()
    assert run.status == PlanRun.Status.DONE
    assert SkuPlan.objects.filter(run=run).count() == 3


def test_a_long_run_that_still_beats_is_not_killed(skus):
    # given a run started 7 hours ago whose process beat a minute ago
    alive = _killed_mid_run(skus, silent_for=timedelta(hours=7))
    PlanRun.objects.filter(pk=alive.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=1))
    # then a new start is refused and the run goes on
    with pytest.raises(Conflict) as refused:
        runs.plan_run(plan_date=PLAN_DATE)
    assert refused.value.code == "plan_running"
    alive.refresh_from_db()
    assert alive.status == PlanRun.Status.RUNNING


def test_a_run_silent_for_less_than_the_limit_still_blocks(skus, settings):
    settings.ZAPAS = {**settings.ZAPAS, "PLAN_DEAD_MINUTES": 30}
    _killed_mid_run(skus, silent_for=timedelta(minutes=16))
    with pytest.raises(Conflict):
        runs.plan_run(plan_date=PLAN_DATE)


def test_every_chunk_beats(skus):
    run, chunks = runs.plan_run_start(plan_date=PLAN_DATE, chunk_size=1)
    later = timezone.now() + timedelta(minutes=10)
    with time_machine.travel(later, tick=False):
        runs.plan_chunk_process(run_id=run.pk, lo=chunks[1][0], hi=chunks[1][1])
    run.refresh_from_db()
    assert run.heartbeat_at == later


def test_a_cancelled_run_stays_failed_whatever_its_chunks_do(skus):
    run, chunks = runs.plan_run_start(plan_date=PLAN_DATE, chunk_size=1)
    runs.plan_run_cancel(run_id=run.pk, by="admin:boss")
    # chunks and the chord's finalise still arrive for it
    for lo, hi in chunks:
        assert runs.plan_chunk_process(run_id=run.pk, lo=lo, hi=hi).skus == 0
    runs.plan_run_finalise(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == (PlanRun.Status.FAILED, "Cancelled by admin:boss.")
    assert not SkuPlan.objects.filter(run=run).exists()
    assert runs.plan_run(plan_date=PLAN_DATE).status == PlanRun.Status.DONE


def _cancel_in_admin(client, run):
    return client.post(
        reverse("admin:planning_planrun_changelist"),
        {"action": "cancel_runs", "_selected_action": [run.pk]},
        follow=True,
    )


def test_the_admin_cancels_a_stuck_run(client, skus):
    run, _ = runs.plan_run_start(plan_date=PLAN_DATE)
    client.force_login(StaffUserFactory(username="boss"))
    response = _cancel_in_admin(client, run)
    assert response.status_code == 200
    assert "Cancelled 1 running run." in response.content.decode()
    run.refresh_from_db()
    assert (run.status, run.error) == (PlanRun.Status.FAILED, "Cancelled by admin:boss.")
    assert runs.plan_run(plan_date=PLAN_DATE).status == PlanRun.Status.DONE


def test_cancelling_needs_the_run_jobs_permission(client, skus):
    run, _ = runs.plan_run_start(plan_date=PLAN_DATE)
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_planrun"))
    client.force_login(viewer)
    page = client.get(reverse("admin:planning_planrun_changelist"))
    assert page.status_code == 200
    assert "cancel_runs" not in page.content.decode()
    _cancel_in_admin(client, run)
    run.refresh_from_db()
    assert run.status == PlanRun.Status.RUNNING


# --- the admin's "Run now" jobs (core.jobs) ---------------------------------------------------


def test_a_dead_job_run_does_not_block_the_next(settings):
    from core import jobs
    from core.models import JobRun

    # given a plan job whose worker died 31 minutes after its last progress report
    dead = JobRun.objects.create(job="plan", status=JobRun.Status.RUNNING)
    JobRun.objects.filter(pk=dead.pk).update(
        started_at=timezone.now() - timedelta(hours=2),
        heartbeat_at=timezone.now() - timedelta(minutes=31),
    )
    # and one that reported a minute ago
    alive = JobRun.objects.create(job="deadline_watch", status=JobRun.Status.RUNNING)
    JobRun.objects.filter(pk=alive.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=1))
    settings.CELERY_TASK_ALWAYS_EAGER = False  # queue only: nothing runs in this test
    # when the plan job is started again, it is: the dead run is failed and says why
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("core.tasks.job_execute_task.delay", lambda *a, **k: None)
        fresh = jobs.job_start(name="plan")
        dead.refresh_from_db()
        assert dead.status == JobRun.Status.FAILED
        assert dead.error.startswith("Abandoned")
        assert fresh.status == JobRun.Status.QUEUED
        # while the live one still refuses a second start
        with pytest.raises(Conflict):
            jobs.job_start(name="deadline_watch")


def test_the_admin_cancels_a_stuck_job_run(client):
    from core.models import JobRun

    stuck = JobRun.objects.create(job="plan", status=JobRun.Status.RUNNING)
    client.force_login(StaffUserFactory(username="boss"))
    response = client.post(
        reverse("admin:core_jobrun_changelist"),
        {"action": "cancel_runs", "_selected_action": [stuck.pk]},
        follow=True,
    )
    assert "Cancelled 1 run." in response.content.decode()
    stuck.refresh_from_db()
    assert (stuck.status, stuck.error) == (JobRun.Status.FAILED, "Cancelled by admin:boss.")


def test_the_cancel_message_counts_in_the_readers_language(client):
    from core.models import JobRun

    stuck = [JobRun.objects.create(job=f"job-{n}", status=JobRun.Status.RUNNING) for n in range(2)]
    client.force_login(StaffUserFactory(username="boss"))
    response = client.post(
        reverse("admin:core_jobrun_changelist"),
        {"action": "cancel_runs", "_selected_action": [run.pk for run in stuck]},
        headers={"accept-language": "ru"},
        follow=True,
    )
    # two: the second of Russian's four forms (1 запуск, 2 запуска, 5 запусков)
    assert "Отменено 2 запуска." in response.content.decode()
    assert "Cancelled" not in response.content.decode()
