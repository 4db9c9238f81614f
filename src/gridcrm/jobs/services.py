"""Starting jobs and reporting their progress."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from gridcrm.jobs.models import Job, JobKind, JobStatus
from gridcrm.users.models import User

logger = logging.getLogger(__name__)

JobRunner = Callable[[Job], str]
"""Does a job's work, calling ``job_progress`` as it goes; returns the result file path or ''."""

_RUNNERS: dict[str, JobRunner] = {}


def job_runner(kind: JobKind) -> Callable[[JobRunner], JobRunner]:
    """Register the function that does the work of one job kind."""

    def register(runner: JobRunner) -> JobRunner:
        _RUNNERS[kind.value] = runner
        return runner

    return register


def job_start(*, kind: JobKind, created_by: User, params: dict[str, Any] | None = None) -> Job:
    """Record a job and queue its task once the surrounding transaction commits."""
    from gridcrm.jobs.tasks import run_job

    job = Job.objects.create(kind=kind, created_by=created_by, params=params or {})
    transaction.on_commit(lambda: run_job.enqueue(job_id=job.pk))
    return job


def job_progress(job: Job, *, done: int, total: int | None = None) -> None:
    """Record how far a job has come; cheap enough to call every few thousand rows."""
    job.done = done
    fields = ["done"]
    if total is not None:
        job.total = total
        fields.append("total")
    Job.objects.filter(pk=job.pk).update(**{f: getattr(job, f) for f in fields})


def job_execute(*, job_id: int) -> None:
    """Run a queued job to the end, recording success or the failure's message."""
    job = Job.objects.get(pk=job_id)
    if job.status != JobStatus.QUEUED:
        return  # a retried task must not run the work twice
    job.status = JobStatus.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    try:
        result_file = _RUNNERS[job.kind](job)
    except Exception as exc:
        logger.exception("job %s failed", job.pk)
        job.status = JobStatus.FAILED
        job.message = str(exc)[:500]
    else:
        job.status = JobStatus.SUCCEEDED
        job.result_file = result_file
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "result_file", "finished_at"])
