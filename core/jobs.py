"""Background jobs that people can start now and watch: a registry and the run lifecycle.

Apps register their jobs in ``AppConfig.ready()`` (core sits below them and cannot import
them): ``job_register("deadline_watch", _("Deadline watch"), fn)``. ``fn(progress, run)`` does
the work, calls ``progress(done, total, note)`` as it goes and returns a JSON-able summary that
the admin shows. ``job_start`` records a queued ``JobRun`` with who started it and queues
``core.tasks.job_execute`` after commit; ``job_execute`` runs it (in a worker, or in this
process when no broker is configured) and stores the result or the error. Periodic tasks call
``job_run_now`` so that scheduled runs are recorded the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, NotFound
from core.models import JobRun
from core.transactions import after_commit

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
JobFunction = Callable[[Progress, JobRun], dict[str, Any]]


@dataclass(frozen=True)
class Job:
    name: str
    label: str
    run: JobFunction
    # Where the admin links a finished run's result to, from its summary (optional).
    result_url: Callable[[dict[str, Any]], str | None] | None = None


_registry: dict[str, Job] = {}


def job_register(
    name: str,
    label: str,
    run: JobFunction,
    *,
    result_url: Callable[[dict[str, Any]], str | None] | None = None,
) -> None:
    """Register (or replace, on a re-import) the job ``name``."""
    _registry[name] = Job(name=name, label=label, run=run, result_url=result_url)


def jobs_registered() -> list[Job]:
    return sorted(_registry.values(), key=lambda job: job.name)


def job_get(name: str) -> Job:
    try:
        return _registry[name]
    except KeyError:
        raise NotFound(
            _("There is no job called %(name)s.") % {"name": name}, code="unknown_job"
        ) from None


def job_start(*, name: str, user=None) -> JobRun:
    """Record a queued run of ``name`` started by ``user`` and queue it after commit.

    Refuses (``job_running``) while another run of the same job is queued or running, so a
    double click starts one run; a dead one (``job_runs_dead_fail``) is failed first and does
    not block."""
    from core.tasks import job_execute_task

    job_get(name)
    with transaction.atomic():
        job_runs_dead_fail(name=name)
        busy = JobRun.objects.select_for_update().filter(
            job=name, status__in=(JobRun.Status.QUEUED, JobRun.Status.RUNNING)
        )
        if busy.exists():
            raise Conflict(_("This job is already queued or running."), code="job_running")
        run = JobRun.objects.create(job=name, started_by=user, trigger="admin")
        after_commit(job_execute_task.delay, run.pk)
    return run


def job_runs_dead_fail(*, name: str) -> int:
    """Mark failed the runs of ``name`` that gave no sign of life (queued, a start or a
    progress report) for ``ZAPAS["JOB_DEAD_MINUTES"]`` (default 30): a killed worker, or no
    worker at all. Returns how many."""
    minutes = float(settings.ZAPAS.get("JOB_DEAD_MINUTES", 30))
    return (
        JobRun.objects.filter(job=name, status__in=(JobRun.Status.QUEUED, JobRun.Status.RUNNING))
        .alias(last_sign=Coalesce("heartbeat_at", "started_at", "created_at"))
        .filter(last_sign__lt=timezone.now() - timedelta(minutes=minutes))
        .update(
            status=JobRun.Status.FAILED,
            error=_("Abandoned: no sign of life for %(minutes)s minutes.") % {"minutes": minutes},
            finished_at=timezone.now(),
        )
    )


def job_run_cancel(*, run_id: int, by: str) -> bool:
    """Mark a queued or running run failed (an admin action for a stuck run); False if it had
    finished already. A worker still at it records its outcome over this one."""
    return bool(
        JobRun.objects.filter(
            pk=run_id, status__in=(JobRun.Status.QUEUED, JobRun.Status.RUNNING)
        ).update(
            status=JobRun.Status.FAILED,
            error=_("Cancelled by %(who)s.") % {"who": by},
            finished_at=timezone.now(),
        )
    )


def _progress(run_id: int, done: int, total: int, note: str = "") -> None:
    JobRun.objects.filter(pk=run_id).update(
        progress_done=max(0, int(done)),
        progress_total=max(0, int(total)),
        progress_note=note[:200],
        heartbeat_at=timezone.now(),
    )


def job_execute(*, run_id: int) -> JobRun:
    """Run a queued ``JobRun``; a failure is stored on the run, not raised."""
    now = timezone.now()
    claimed = JobRun.objects.filter(pk=run_id, status=JobRun.Status.QUEUED).update(
        status=JobRun.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    run = JobRun.objects.get(pk=run_id)
    if not claimed:  # a duplicate delivery: the run was taken already
        return run
    try:
        result = job_get(run.job).run(partial(_progress, run.pk), run)
    except Exception as exc:  # the run records any failure; the admin shows it
        logger.exception("Job %s (run %s) failed", run.job, run.pk)
        JobRun.objects.filter(pk=run.pk).update(
            status=JobRun.Status.FAILED,
            error=str(exc) or type(exc).__name__,
            finished_at=timezone.now(),
        )
    else:
        JobRun.objects.filter(pk=run.pk).update(
            status=JobRun.Status.DONE, result=result or {}, finished_at=timezone.now()
        )
    run.refresh_from_db()
    return run


def job_run_now(*, name: str, trigger: str = "schedule") -> JobRun:
    """Record and run ``name`` in this process (a periodic task or a command)."""
    job_get(name)
    run = JobRun.objects.create(job=name, trigger=trigger)
    return job_execute(run_id=run.pk)
