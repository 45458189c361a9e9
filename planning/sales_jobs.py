"""The admin's sales import as a job: the upload is stored, a worker imports it and the job page
shows the bytes read so far (``core.jobs``), so a long file neither times out nor leaves the
planner guessing.

The upload and its options are kept in the default storage under ``sales-imports/<run id>/``
(MEDIA_ROOT: ``var/media`` by default, shared by the web server and the worker) until the run
ends.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.urls import reverse

from core.jobs import Progress
from core.models import JobRun
from core.stored_uploads import stored_upload, stored_upload_start
from planning.sales_import import sales_import
from planning.sales_parse import ImportOptions

JOB_NAME = "sales_import"
FOLDER = "sales-imports"


def sales_import_start(*, upload, options: ImportOptions, dry_run: bool, user) -> JobRun:
    """Store ``upload`` and queue its import; returns the queued run (its page shows progress).

    Raises ``Conflict`` (``job_running``) while another import is queued or running."""
    meta = {"dry_run": dry_run, "options": dataclasses.asdict(options)}
    return stored_upload_start(
        job_name=JOB_NAME, folder=FOLDER, upload=upload, meta=meta, user=user
    )


def sales_import_job(progress: Progress, run: JobRun) -> dict[str, Any]:
    with stored_upload(FOLDER, run) as (meta, upload):
        options = meta["options"]
        for name in ("exclude_codes", "cancelled_statuses"):
            options[name] = tuple(options[name])
        report = sales_import(
            file=upload,
            file_name=meta["file_name"],
            options=ImportOptions(**options),
            dry_run=meta["dry_run"],
            progress=progress,
        )
    lines = report.lines()
    progress(1, 1, lines[0][:200])
    return {
        "sales_import": report.sales_import_id,
        "status": report.status,
        "dry_run": report.dry_run,
        "rows_read": report.rows_read,
        "rows_imported": report.rows_imported,
        "bad_rows": report.bad_row_count,
        "unknown_skus": report.unknown_sku_count,
        "report": "\n".join(lines),
    }


def sales_import_result_url(result: dict[str, Any]) -> str | None:
    if not result.get("sales_import"):
        return None
    return reverse("admin:planning_salesimport_change", args=[result["sales_import"]])
