"""Uploads imported by a job: stored with the run's options until the run ends.

An admin import that may be large stores the upload and its options (a JSON-able dict) in the
default storage under ``<folder>/<run id>/`` and queues the job (``core.jobs``); the worker opens
both and the files are deleted when the job is done with them, whatever the outcome. MEDIA_ROOT
(``var/media`` by default) is shared by the web server and the worker.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from core.jobs import job_start
from core.models import JobRun

_FILES = ("upload", "meta.json")


def _folder(folder: str, run_id: int) -> str:
    return f"{folder}/{run_id}"


def stored_upload_start(
    *, job_name: str, folder: str, upload, meta: dict[str, Any], user
) -> JobRun:
    """Queue the job ``job_name`` with ``upload`` and ``meta`` stored for it; returns the run.

    ``meta`` gets the upload's ``file_name``. Raises ``Conflict`` (``job_running``) while another
    run of the job is queued or running."""
    with transaction.atomic():  # the run is queued after commit, when the files are stored
        run = job_start(name=job_name, user=user)
        where = _folder(folder, run.pk)
        default_storage.save(f"{where}/upload", upload)
        meta = {"file_name": upload.name, **meta}
        default_storage.save(f"{where}/meta.json", ContentFile(json.dumps(meta).encode()))
    run.refresh_from_db()
    return run


@contextmanager
def stored_upload(folder: str, run: JobRun) -> Iterator[tuple[dict[str, Any], IO[bytes]]]:
    """The run's stored options and its upload opened for reading; both files are deleted on
    leaving, also when the import fails (the run's page keeps the result or the error)."""
    where = _folder(folder, run.pk)
    try:
        with default_storage.open(f"{where}/meta.json", "rb") as handle:
            meta = json.load(handle)
        with default_storage.open(f"{where}/upload", "rb") as upload:
            yield meta, upload
    finally:
        for name in _FILES:
            default_storage.delete(f"{where}/{name}")
