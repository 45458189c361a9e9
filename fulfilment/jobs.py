"""The deadline watch as a job people can start now from the admin (``core.jobs``)."""

from __future__ import annotations

from typing import Any

from core.jobs import Progress
from core.models import JobRun
from fulfilment.deadline_watch import deadline_watch_run


def deadline_watch_job(progress: Progress, run: JobRun) -> dict[str, Any]:
    progress(0, 1, "")
    summary = deadline_watch_run()
    progress(1, 1, "")
    return {
        "counts": summary.counts,
        "changed": summary.changed,
        "notices_queued": summary.notices_queued,
        "units_allocated": summary.units_allocated,
    }
