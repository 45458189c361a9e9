"""Uploads stored for a job: kept with their options until the job is done, then deleted."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from core.jobs import job_register
from core.models import JobRun
from core.stored_uploads import stored_upload, stored_upload_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


@pytest.fixture
def quiet_job():
    # A registered job whose run does nothing: the test opens the stored files itself.
    job_register("test_stored_upload", "Test", lambda progress, run: {}, listed=False)
    return "test_stored_upload"


def test_the_upload_and_its_options_are_read_back_then_deleted(media, quiet_job):
    # given: an upload queued with its options
    upload = SimpleUploadedFile("orders.csv", b"sku;qty\nA-1;3\n")
    run = stored_upload_start(
        job_name=quiet_job, folder="test-imports", upload=upload, meta={"dry_run": True}, user=None
    )
    assert run.status == JobRun.Status.QUEUED
    assert sorted(p.name for p in (media / "test-imports" / str(run.pk)).iterdir()) == [
        "meta.json",
        "upload",
    ]

    # when: the job opens them
    with stored_upload("test-imports", run) as (meta, file):
        content = file.read()

    # then: the same bytes and options (with the file's name), and nothing left behind
    assert content == b"sku;qty\nA-1;3\n"
    assert meta == {"file_name": "orders.csv", "dry_run": True}
    assert not default_storage.exists(f"test-imports/{run.pk}/upload")
    assert not default_storage.exists(f"test-imports/{run.pk}/meta.json")


def test_the_files_are_deleted_when_the_import_fails_too(media, quiet_job):
    run = stored_upload_start(
        job_name=quiet_job,
        folder="test-imports",
        upload=SimpleUploadedFile("sales.csv", b"x"),
        meta={},
        user=None,
    )
    with pytest.raises(ValueError, match="bad file"):
        with stored_upload("test-imports", run):
            raise ValueError("bad file")
    assert not default_storage.exists(f"test-imports/{run.pk}/upload")
    assert not default_storage.exists(f"test-imports/{run.pk}/meta.json")
