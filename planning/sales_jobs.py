"""The admin's sales import as a job: the upload is stored, a worker imports it and the job page
shows the bytes read so far (``core.jobs``), so a long file neither times out nor leaves the
planner guessing.

The upload and its options are kept in the default storage under ``sales-imports/<run id>/``
(MEDIA_ROOT: ``var/media`` by default, shared by the web server and the worker) until the run
ends.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse

from core.jobs import Progress, job_start
from core.models import JobRun
from planning.sales_import import sales_import
from planning.sales_parse import ImportOptions

JOB_NAME = "sales_import"
FOLDER = "sales-imports"


def _folder(run_id: int) -> str:
    return f"{FOLDER}/{run_id}"


def sales_import_start(*, upload, options: ImportOptions, dry_run: bool, user) -> JobRun:
    """Store ``upload`` and queue its import; returns the queued run (its page shows progress).

    Raises ``Conflict`` (``job_running``) while another import is queued or running."""
    with transaction.atomic():  # the run is queued after commit, when the files are stored
        run = job_start(name=JOB_NAME, user=user)
        folder = _folder(run.pk)
        default_storage.save(f"{folder}/upload", upload)
        meta = {
            "file_name": upload.name,
            "dry_run": dry_run,
            "options": dataclasses.asdict(options),
        }
        default_storage.save(f"{folder}/meta.json", ContentFile(json.dumps(meta).encode()))
    run.refresh_from_db()
    return run


def sales_import_job(progress: Progress, run: JobRun) -> dict[str, Any]:
    folder = _folder(run.pk)
    try:
        with default_storage.open(f"{folder}/meta.json", "rb") as handle:
            meta = json.load(handle)
        options = meta["options"]
        for name in ("exclude_codes", "cancelled_statuses"):
            options[name] = tuple(options[name])
        with default_storage.open(f"{folder}/upload", "rb") as file:
            report = sales_import(
                file=file,
                file_name=meta["file_name"],
                options=ImportOptions(**options),
                dry_run=meta["dry_run"],
                progress=progress,
            )
    finally:
        for name in ("upload", "meta.json"):
            default_storage.delete(f"{folder}/{name}")
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
