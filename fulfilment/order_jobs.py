"""The admin's order import as a job, like the sales import: the upload is stored, a worker
imports it (with no broker, this process after the request commits) and the job page shows the
result, so a large file neither times out the web request nor holds a web worker.

The upload and its options are kept in the default storage under ``order-imports/<run id>/``
until the run ends.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from core.jobs import Progress
from core.models import JobRun
from core.stored_uploads import stored_upload, stored_upload_start
from fulfilment.imports import ImportReport, orders_import
from inventory.models import Warehouse
from inventory.services import Actor

JOB_NAME = "orders_import"
FOLDER = "order-imports"


def orders_import_start(
    *, upload, channel: str, warehouse: Warehouse | None, skip_bad_rows: bool, user
) -> JobRun:
    """Store ``upload`` and queue its import; returns the queued run (its page shows the result).

    Raises ``Conflict`` (``job_running``) while another order import is queued or running."""
    meta = {
        "channel": channel,
        "warehouse": warehouse.pk if warehouse else None,
        "skip_bad_rows": skip_bad_rows,
    }
    return stored_upload_start(
        job_name=JOB_NAME, folder=FOLDER, upload=upload, meta=meta, user=user
    )


def report_lines(report: ImportReport) -> list[str]:
    """The report as lines for the job page: the counts, then each bad posting."""
    lines = [
        f"{report.read} postings: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.failed} failed"
        + (
            " (nothing imported: fix them, or tick “skip bad rows”)"
            if report.status == "failed"
            else ""
        )
    ]
    lines += [
        f"row {error.row} {error.posting_number}: {error.code}: {error.message}"
        for error in report.errors
    ]
    return lines


def orders_import_job(progress: Progress, run: JobRun) -> dict[str, Any]:
    with stored_upload(FOLDER, run) as (meta, upload):
        content = upload.read()
        progress(0, 1, f"{meta['file_name']}: {len(content):,} bytes read")
        user = get_user_model().objects.filter(pk=run.started_by_id).first()
        warehouse = (
            Warehouse.objects.filter(pk=meta["warehouse"]).first() if meta["warehouse"] else None
        )
        report = orders_import(
            content=content,
            fmt=meta["file_name"].rsplit(".", 1)[-1],
            channel=meta["channel"],
            default_warehouse=warehouse,
            actor=Actor(user=user, device="admin"),
            skip_bad_rows=meta["skip_bad_rows"],
        )
    lines = report_lines(report)
    progress(1, 1, lines[0][:200])
    return {
        "status": report.status,
        "read": report.read,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "failed": report.failed,
        "report": "\n".join(lines),
    }
