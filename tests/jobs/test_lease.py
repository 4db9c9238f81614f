"""A running job whose worker stopped is marked interrupted (its lease ran out, or its
process on this machine is gone); its author can run it again; files are recorded
relative to their folder so that a copy elsewhere serves its own."""

from __future__ import annotations

import importlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from gridcrm.core.errors import DomainError
from gridcrm.core.files import stored_name, stored_path
from gridcrm.jobs.models import Job, JobStatus
from gridcrm.jobs.services import job_rerun, jobs_reap_stale
from gridcrm.users.models import User

KIND = "export_customers"


def _running(user: User, *, heartbeat_age: int, worker: str = "elsewhere:1") -> Job:
    now = timezone.now()
    return Job.objects.create(
        kind=KIND,
        created_by=user,
        status=JobStatus.RUNNING,
        params={"q": "x"},
        started_at=now - timedelta(seconds=heartbeat_age),
        heartbeat_at=now - timedelta(seconds=heartbeat_age),
        worker=worker,
    )


@pytest.mark.django_db
def test_a_job_whose_heartbeat_outlived_the_lease_is_interrupted_and_others_are_left(
    outsider: User, settings: Settings
) -> None:
    settings.JOB_LEASE_SECONDS = 60
    stale = _running(outsider, heartbeat_age=61)
    alive = _running(outsider, heartbeat_age=5)

    assert jobs_reap_stale() == 1

    stale.refresh_from_db()
    alive.refresh_from_db()
    assert (stale.status, alive.status) == (JobStatus.INTERRUPTED, JobStatus.RUNNING)
    assert stale.is_finished
    assert stale.finished_at is not None


@pytest.mark.django_db
def test_a_job_whose_process_on_this_machine_is_gone_is_interrupted_at_once(
    outsider: User,
) -> None:
    import socket
    import subprocess
    import sys

    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],  # noqa: S603
        capture_output=True,
        text=True,
        check=True,
    )
    job = _running(
        outsider, heartbeat_age=0, worker=f"{socket.gethostname()}:{ended.stdout.strip()}"
    )

    assert jobs_reap_stale() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.INTERRUPTED


@pytest.mark.django_db
def test_the_author_reruns_an_interrupted_job_with_the_same_work(
    outsider: User, agent: User
) -> None:
    job = _running(outsider, heartbeat_age=10_000)
    jobs_reap_stale()
    job.refresh_from_db()

    with pytest.raises(DomainError) as not_theirs:
        job_rerun(job=job, acting_user=agent)
    again = job_rerun(job=job, acting_user=outsider)

    assert not_theirs.value.code == "jobs.not_yours"
    assert (again.kind, again.params, again.status) == (KIND, {"q": "x"}, JobStatus.QUEUED)
    Job.objects.filter(pk=again.pk).update(status=JobStatus.SUCCEEDED)
    again.refresh_from_db()
    with pytest.raises(DomainError) as finished:
        job_rerun(job=again, acting_user=outsider)
    assert finished.value.code == "jobs.not_rerunnable"


@pytest.mark.django_db
def test_the_job_page_offers_to_run_an_interrupted_job_again(
    outsider: User, client: Client
) -> None:
    job = _running(outsider, heartbeat_age=10_000)
    jobs_reap_stale()
    client.force_login(outsider)

    page = client.get(f"/jobs/{job.pk}/")
    response = client.post(f"/jobs/{job.pk}/rerun/")

    assert b'data-testid="job-rerun"' in page.content
    new = Job.objects.exclude(pk=job.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{new.pk}/"


def test_file_names_are_stored_relative_to_their_folder(settings: Settings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path / "var"
    settings.LAKE_URL = str(tmp_path / "lake")
    export = tmp_path / "var" / "exports" / "customers-1.csv"
    rejects = tmp_path / "lake" / "_rejects" / "bills-1.csv"

    assert stored_name(export) == "exports/customers-1.csv"
    assert stored_name(rejects) == "@lake/_rejects/bills-1.csv"
    with pytest.raises(ValueError, match="neither under GRIDCRM_VAR nor in the lake"):
        stored_name(tmp_path / "elsewhere.csv")
    # Moved to another folder, the same names lead to the new place.
    settings.VAR_DIR = tmp_path / "moved"
    assert (
        stored_path("exports/customers-1.csv") == tmp_path / "moved" / "exports" / "customers-1.csv"
    )
    assert stored_path("../../etc/passwd") is None
    assert stored_path("/etc/passwd") is None


@pytest.mark.django_db
def test_the_migration_makes_stored_absolute_paths_relative(
    outsider: User, settings: Settings, tmp_path: Path
) -> None:
    from django.apps import apps

    settings.VAR_DIR = tmp_path
    job = Job.objects.create(
        kind="import_customers",
        created_by=outsider,
        result_file=str(tmp_path / "imports" / "import-1-rejects.csv"),
        params={"path": str(tmp_path / "imports" / "upload-1.csv")},
    )
    migration = importlib.import_module("gridcrm.jobs.migrations.0008_stored_names_relative")

    migration.forwards(apps, None)

    job.refresh_from_db()
    assert job.result_file == "imports/import-1-rejects.csv"
    assert job.params["path"] == "imports/upload-1.csv"
