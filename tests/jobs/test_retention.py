"""Retention: uploads, reject files and exports older than their days are deleted, their
records stay and their links say the file has expired; newer files stay."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation
from pytest_django.fixtures import Settings

from gridcrm.core.files import stored_name, stored_path
from gridcrm.jobs.models import Job, JobEvent, JobStatus
from gridcrm.jobs.services import PURGE_FILES, files_purge, job_execute
from gridcrm.lake.models import LakeImport
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_user

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def var(settings: Settings, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    settings.KEEP_DAYS = {"uploads": 30, "rejects": 30, "exports": 7}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return tmp_path


@pytest.fixture
def admin(regions: Regions) -> User:
    return make_user("admin", Role.ADMINISTRATOR)


def _file(name: str) -> Path:
    """The file a row's stored name stands for."""
    path = stored_path(name)
    assert path is not None
    return path


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _export(user: User, folder: Path, name: str, days_ago: float) -> Job:
    path = folder / "exports" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("户号,电话\n0100000001,13834567890\n", encoding="utf-8")
    return Job.objects.create(
        kind="export_customers",
        created_by=user,
        status=JobStatus.SUCCEEDED,
        result_file=stored_name(path),
        finished_at=NOW - dt.timedelta(days=days_ago),
    )


def test_an_export_older_than_its_days_is_deleted_and_its_link_says_expired(
    admin: User, var: Path
) -> None:
    old = _export(admin, var, "customers-old.csv", days_ago=8)
    new = _export(admin, var, "customers-new.csv", days_ago=6)

    deleted = files_purge(acting_user=admin, now=NOW)

    assert deleted["exports"] == 1
    assert not _file(old.result_file).exists()
    assert _file(new.result_file).exists()
    old.refresh_from_db()
    assert old.files_expired_at is not None  # the record stays, marked
    client = _client(admin)
    gone = client.get(f"/jobs/{old.pk}/download/")
    assert gone.status_code == 410
    assert "expired" in gone.content.decode()
    assert 'data-testid="file-expired"' in client.get(f"/jobs/{old.pk}/").content.decode()
    kept = client.get(f"/jobs/{new.pk}/download/")
    assert kept.status_code == 200


def test_the_days_kept_come_from_the_settings(admin: User, var: Path, settings: Settings) -> None:
    settings.KEEP_DAYS = {"uploads": 30, "rejects": 30, "exports": 1}
    job = _export(admin, var, "customers-2d.csv", days_ago=2)

    files_purge(acting_user=admin, now=NOW)

    assert not _file(job.result_file).exists()


def test_an_import_reject_file_is_kept_for_the_reject_days(admin: User, var: Path) -> None:
    rejects = var / "imports" / "import-1-rejects.csv"
    rejects.parent.mkdir(parents=True)
    rejects.write_text("x\n")
    job = Job.objects.create(
        kind="import_customers",
        created_by=admin,
        status=JobStatus.SUCCEEDED,
        result_file=stored_name(rejects),
        finished_at=NOW - dt.timedelta(days=10),  # older than an export may be
    )

    files_purge(acting_user=admin, now=NOW)

    assert rejects.exists()
    job.refresh_from_db()
    assert job.files_expired_at is None


def test_old_import_uploads_are_deleted_and_new_ones_stay(admin: User, var: Path) -> None:
    folder = var / "imports"
    folder.mkdir()
    old, new = folder / "upload-old.csv", folder / "upload-new.csv"
    for path in (old, new):
        path.write_text("account_no\n")
    stamp = (NOW - dt.timedelta(days=31)).timestamp()
    os.utime(old, (stamp, stamp))

    deleted = files_purge(acting_user=admin, now=NOW)

    assert deleted["uploads"] == 1
    assert not old.exists()
    assert new.exists()


def _lake_import(user: User, var: Path, name: str, days_ago: float) -> LakeImport:
    stored = var / "lake_uploads" / f"{name}.csv"
    rejects = var / "lake" / "_rejects" / f"{name}.csv"
    for path in (stored, rejects):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("source_row,reason\n1,unknown customer\n")
    record = LakeImport.objects.create(
        table="readings",
        source_name=f"{name}.csv",
        stored_path=stored_name(stored),
        reject_file=stored_name(rejects),
        status=LakeImport.Status.IMPORTED,
        created_by=user,
    )
    LakeImport.objects.filter(pk=record.pk).update(created_at=NOW - dt.timedelta(days=days_ago))
    return record


def test_old_lake_uploads_and_rejects_go_and_the_report_says_expired(
    admin: User, var: Path
) -> None:
    old = _lake_import(admin, var, "old", days_ago=31)
    new = _lake_import(admin, var, "new", days_ago=29)

    deleted = files_purge(acting_user=admin, now=NOW)

    assert (deleted["uploads"], deleted["rejects"]) == (1, 1)
    assert not _file(old.stored_path).exists()
    assert not _file(old.reject_file).exists()
    assert _file(new.stored_path).exists()
    assert _file(new.reject_file).exists()
    client = _client(admin)
    gone = client.get(f"/lake/imports/{old.pk}/rejects/")
    assert gone.status_code == 410
    assert "expired" in gone.content.decode()
    report = client.get(f"/lake/imports/{old.pk}/").content.decode()
    assert 'data-testid="file-expired"' in report
    assert client.get(f"/lake/imports/{new.pk}/rejects/").status_code == 200


def test_the_purge_is_audited_with_its_counts(admin: User, var: Path) -> None:
    _export(admin, var, "customers-old.csv", days_ago=8)

    files_purge(acting_user=admin, now=NOW)

    event = JobEvent.objects.get()
    assert event.kind == JobEvent.Kind.FILES_PURGED
    assert event.acting_user == admin
    assert event.details["deleted"] == {"uploads": 0, "rejects": 0, "exports": 1}
    assert event.details["keep_days"]["exports"] == 7


def test_an_administrator_starts_the_purge_from_the_jobs_page(admin: User, var: Path) -> None:
    old = _export(admin, var, "customers-old.csv", days_ago=8)
    client = _client(admin)
    assert 'data-testid="purge-files"' in client.get("/jobs/").content.decode()

    response = client.post("/jobs/purge/")

    job = Job.objects.get(kind=PURGE_FILES)
    assert response.status_code == 302
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert "1 exports" in job.message
    assert not _file(old.result_file).exists()


def test_a_role_without_the_right_may_not_purge(regions: Regions, var: Path) -> None:
    officer = make_user("officer", Role.ARCHIVE_OFFICER)
    client = _client(officer)
    assert 'data-testid="purge-files"' not in client.get("/jobs/").content.decode()

    client.post("/jobs/purge/")

    assert not Job.objects.filter(kind=PURGE_FILES).exists()
    assert not JobEvent.objects.exists()


def test_the_command_purges_as_the_system(admin: User, var: Path) -> None:
    old = _export(admin, var, "customers-old.csv", days_ago=8)

    out = io.StringIO()
    call_command("purge_files", stdout=out)

    assert "exports: 1" in out.getvalue()
    assert not _file(old.result_file).exists()
    assert JobEvent.objects.get().acting_user is None
