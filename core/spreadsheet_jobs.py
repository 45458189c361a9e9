"""Large spreadsheet imports in the admin (SKUs, suppliers, supplier items) as a job.

django-import-export imports in the web request: a preview (a dry run), then the import. That
is right for a few thousand rows; a catalogue of 100,000 SKUs would hold a web worker for
minutes and time out behind a proxy. A file larger than ``ZAPAS["UPLOADS"]["INLINE_IMPORT_BYTES"]``
is therefore stored and imported by a worker (with no broker, by this process after the
request), all rows or none: any row error or invalid value rolls the whole file back, and the
run's page lists the rows at fault. Smaller files keep the library's preview and confirmation.

The upload and what to import it with are kept in the default storage under
``spreadsheet-imports/<run id>/`` until the run ends.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from import_export.resources import Resource

from core.errors import InvalidInput
from core.jobs import Progress
from core.models import JobRun
from core.stored_uploads import stored_upload, stored_upload_start

JOB_NAME = "spreadsheet_import"
FOLDER = "spreadsheet-imports"
# Rows at fault listed on the run's page; the count says how many there were in all.
PROBLEMS_SHOWN = 200


def spreadsheet_import_start(
    *, upload, model, resource_class: type[Resource], file_format: type, encoding: str, user
) -> JobRun:
    """Store ``upload`` and queue its import into ``model`` with ``resource_class`` read as
    ``file_format`` (one of ``core.spreadsheets.FORMATS``); returns the queued run.

    Raises ``Conflict`` (``job_running``) while another spreadsheet import is queued or running."""
    meta = {
        "model": model._meta.label_lower,
        "resource": f"{resource_class.__module__}.{resource_class.__qualname__}",
        "format": f"{file_format.__module__}.{file_format.__qualname__}",
        "encoding": encoding,
    }
    return stored_upload_start(
        job_name=JOB_NAME, folder=FOLDER, upload=upload, meta=meta, user=user
    )


def _dataset(meta: dict[str, Any], content: bytes):
    from core.spreadsheets import FORMATS

    formats = {f"{f.__module__}.{f.__qualname__}": f for f in FORMATS}
    file_format = formats[meta["format"]](encoding=meta["encoding"])
    if not file_format.is_binary():
        try:
            content = content.decode(meta["encoding"])
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                _("The file is not %(encoding)s text (byte %(at)s); save it as UTF-8 CSV.")
                % {"encoding": meta["encoding"], "at": exc.start},
                code="bad_encoding",
            ) from None
    return file_format.create_dataset(content)


def problem_lines(result) -> list[str]:
    """Each row at fault as ``row N: …``, in row order (django-import-export's result)."""
    problems: list[tuple[int, str]] = [(0, str(error.error)) for error in result.base_errors]
    for number, errors in result.row_errors():
        problems += [(number, str(error.error)) for error in errors]
    for invalid in result.invalid_rows:
        for field, messages in invalid.error_dict.items():
            label = "" if field == "__all__" else f"{field}: "
            problems += [(invalid.number, label + message) for message in messages]
    return [
        (_("row %(n)s: %(problem)s") % {"n": n, "problem": p}) if n else p
        for n, p in sorted(problems, key=lambda item: item[0])
    ]


def spreadsheet_import_job(progress: Progress, run: JobRun) -> dict[str, Any]:
    with stored_upload(FOLDER, run) as (meta, upload):
        content = upload.read()
        progress(0, 1, f"{meta['file_name']}: {len(content):,} bytes read")
        apps.get_model(meta["model"])  # an unknown model fails the run before anything else
        resource_class = import_string(meta["resource"])
        if not (isinstance(resource_class, type) and issubclass(resource_class, Resource)):
            raise InvalidInput(f"{meta['resource']} is not an import resource.")
        dataset = _dataset(meta, content)
        user = get_user_model().objects.filter(pk=run.started_by_id).first()
        result = resource_class().import_data(
            dataset,
            dry_run=False,
            raise_errors=False,
            use_transactions=True,
            rollback_on_validation_errors=True,
            file_name=meta["file_name"],
            user=user,
        )
    problems = problem_lines(result)
    totals = {key: int(value) for key, value in result.totals.items()}
    if problems:
        head = _(
            "%(rows)s rows read, %(bad)s problems: nothing imported (fix them and import again)."
        ) % {"rows": len(dataset), "bad": len(problems)}
    else:
        head = _("%(rows)s rows: %(new)s new, %(update)s updated, %(skip)s unchanged.") % {
            "rows": len(dataset),
            "new": totals.get("new", 0),
            "update": totals.get("update", 0),
            "skip": totals.get("skip", 0),
        }
    progress(1, 1, head[:200])
    shown = problems[:PROBLEMS_SHOWN]
    if len(problems) > len(shown):
        shown.append(_("… and %(n)s more.") % {"n": len(problems) - len(shown)})
    return {
        "status": "failed" if problems else "done",
        "file": meta["file_name"],
        "rows": len(dataset),
        **{key: totals.get(key, 0) for key in ("new", "update", "skip")},
        "problems": len(problems),
        "report": "\n".join([head, *shown]),
    }
