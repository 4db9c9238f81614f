"""The job machinery: kinds declared by the apps' tasks.py, refused unknown kinds, and
a queued job claimed by exactly one worker."""

from __future__ import annotations

import ast
import threading
import time
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection, connections
from django.utils.module_loading import module_has_submodule

from gridcrm.core.errors import DomainError
from gridcrm.jobs import services
from gridcrm.jobs.models import Job, JobStatus
from gridcrm.jobs.services import JOB_KINDS, job_claim, job_execute, job_runner, job_start
from gridcrm.users.models import User

TEST_KIND = "tests_jobs_probe"


def _declared_kinds(module_name: str) -> set[str]:
    """The codes a tasks module passes to ``job_runner``, read from its source (a name
    is looked up in the module)."""
    module = import_module(module_name)
    tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
    codes = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "job_runner"):
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant):
            codes.add(str(first.value))
        elif isinstance(first, ast.Name):
            codes.add(str(getattr(module, first.id)))
    return codes


def test_every_kind_an_app_declares_in_its_tasks_module_is_known_after_start_up() -> None:
    declared: dict[str, set[str]] = {}
    for config in apps.get_app_configs():
        if config.name.startswith("gridcrm.") and module_has_submodule(config.module, "tasks"):
            declared[config.label] = _declared_kinds(f"{config.name}.tasks")
    declaring = {label for label, codes in declared.items() if codes}

    assert {"archive", "lake"} <= declaring  # the apps with jobs on main, at least
    for label, codes in declared.items():
        assert codes <= set(JOB_KINDS), label
    # Each kind's runner and name come from the app that declared it.
    assert all(kind.code == code and kind.label for code, kind in JOB_KINDS.items())


@pytest.mark.django_db
def test_starting_a_job_of_an_unknown_kind_is_refused(outsider: User) -> None:
    with pytest.raises(DomainError) as refused:
        job_start(kind="no_such_kind", acting_user=outsider)

    assert refused.value.code == "jobs.unknown_kind"
    assert refused.value.status == 422
    assert "kind" in refused.value.fields
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_kind_no_app_declares_any_more_is_shown_by_its_code(outsider: User) -> None:
    job = Job.objects.create(kind="retired_kind", created_by=outsider)

    assert job.get_kind_display() == "retired_kind"


@pytest.fixture
def probe() -> Iterator[list[int]]:
    """A job kind whose runner records each run (and takes a moment, so that two
    workers that both started it would overlap)."""
    runs: list[int] = []
    lock = threading.Lock()

    def run(job: Job) -> str:
        with lock:
            runs.append(job.pk)
        time.sleep(0.2)
        return ""

    job_runner(TEST_KIND, label="probe")(run)
    yield runs
    JOB_KINDS.pop(TEST_KIND, None)


@pytest.mark.django_db
def test_a_job_runs_once_and_records_its_outcome(outsider: User, probe: list[int]) -> None:
    job = Job.objects.create(kind=TEST_KIND, created_by=outsider)

    job_execute(job_id=job.pk)
    job_execute(job_id=job.pk)  # a retried task: already claimed

    job.refresh_from_db()
    assert probe == [job.pk]
    assert job.status == JobStatus.SUCCEEDED
    assert job.started_at is not None
    assert job.finished_at is not None
    assert job_claim(job_id=job.pk) is None


@pytest.mark.django_db
def test_a_failing_runner_fails_its_job_with_the_message(outsider: User) -> None:
    def boom(job: Job) -> str:
        raise RuntimeError("the disk is full")

    job_runner(TEST_KIND, label="probe")(boom)
    try:
        job = Job.objects.create(kind=TEST_KIND, created_by=outsider)
        job_execute(job_id=job.pk)
    finally:
        services.JOB_KINDS.pop(TEST_KIND, None)

    job.refresh_from_db()
    assert (job.status, job.message) == (JobStatus.FAILED, "the disk is full")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_job_run_it_once(outsider: User, probe: list[int]) -> None:
    job = Job.objects.create(kind=TEST_KIND, created_by=outsider)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            job_execute(job_id=job.pk)
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert probe == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
