"""Background jobs started from the admin: who started them, progress, result, refusals."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core import jobs
from core.errors import Conflict, NotFound
from core.models import JobRun
from inventory.tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def counting_job():
    calls = []

    def run(progress, job_run):
        progress(1, 4, "first")
        calls.append(job_run.pk)
        progress(4, 4, "")
        return {"seen": len(calls)}

    jobs.job_register("test_counting", "Counting", run)
    yield calls
    jobs._registry.pop("test_counting", None)


@pytest.fixture
def failing_job():
    def run(progress, job_run):
        raise ValueError("the supplier file is missing")

    jobs.job_register("test_failing", "Failing", run)
    yield
    jobs._registry.pop("test_failing", None)


def test_a_started_job_records_who_started_it_its_progress_and_result(
    counting_job, django_capture_on_commit_callbacks
):
    user = UserFactory(username="olga")
    with django_capture_on_commit_callbacks(execute=True):
        run = jobs.job_start(name="test_counting", user=user)
    run.refresh_from_db()
    assert (run.status, run.started_by, run.trigger) == ("done", user, "admin")
    assert (run.progress_done, run.progress_total, run.percent) == (4, 4, 100)
    assert run.result == {"seen": 1}
    assert run.started_at is not None and run.finished_at >= run.started_at
    assert counting_job == [run.pk]


def test_a_second_start_while_one_is_queued_is_refused(counting_job):
    jobs.job_start(name="test_counting", user=None)  # queued: on_commit never fires here
    with pytest.raises(Conflict) as exc:
        jobs.job_start(name="test_counting", user=None)
    assert exc.value.code == "job_running"
    assert JobRun.objects.filter(job="test_counting").count() == 1


def test_a_failure_is_stored_on_the_run_not_raised(failing_job):
    run = jobs.job_run_now(name="test_failing", trigger="schedule")
    assert (run.status, run.error, run.trigger) == (
        "failed",
        "the supplier file is missing",
        "schedule",
    )
    assert run.finished_at is not None


def test_a_duplicate_delivery_runs_the_job_once(counting_job):
    run = jobs.job_run_now(name="test_counting")
    again = jobs.job_execute(run_id=run.pk)
    assert again.status == "done" and counting_job == [run.pk]


def test_an_unknown_job_is_not_found():
    with pytest.raises(NotFound) as exc:
        jobs.job_start(name="no_such_job")
    assert exc.value.code == "unknown_job"


def test_the_scheduled_deadline_watch_is_recorded():
    from fulfilment.tasks import deadline_watch_task

    result = deadline_watch_task.delay().get()
    run = JobRun.objects.get(job="deadline_watch")
    assert (run.status, run.trigger, run.started_by) == ("done", "schedule", None)
    assert result == run.result and set(result) >= {"counts", "changed", "notices_queued"}


def test_admin_run_now_button_starts_the_watch_and_the_page_follows_it(
    client, django_capture_on_commit_callbacks
):
    admin_user = StaffUserFactory(username="boss", is_superuser=True)
    client.force_login(admin_user)
    listing = client.get(reverse("admin:core_jobrun_changelist"))
    assert b'data-job="deadline_watch"' in listing.content
    assert b'data-job="plan"' in listing.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:core_jobrun_start", args=["deadline_watch"]))
    run = JobRun.objects.get(job="deadline_watch")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:core_jobrun_change", args=[run.pk])
    status = client.get(reverse("admin:core_jobrun_status", args=[run.pk])).json()
    assert status["status"] == "done" and status["finished"] is True and status["percent"] == 100
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"boss" in page.content


def test_run_now_needs_the_permission(client):
    staff = UserFactory(username="viewer", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_jobrun"))
    client.force_login(staff)
    listing = client.get(reverse("admin:core_jobrun_changelist"))
    assert listing.status_code == 200 and b"data-job=" not in listing.content
    response = client.post(reverse("admin:core_jobrun_start", args=["deadline_watch"]))
    assert response.status_code == 403
    assert not JobRun.objects.exists()


def test_run_now_twice_says_it_is_running(client, counting_job):
    client.force_login(StaffUserFactory(is_superuser=True))
    jobs.job_start(name="test_counting")
    response = client.post(reverse("admin:core_jobrun_start", args=["test_counting"]), follow=True)
    assert "This job is already queued or running." in response.content.decode()
    assert JobRun.objects.filter(job="test_counting").count() == 1


def test_run_now_is_post_only(client):
    client.force_login(StaffUserFactory(is_superuser=True))
    assert (
        client.get(reverse("admin:core_jobrun_start", args=["deadline_watch"])).status_code == 405
    )
