"""Reads of jobs: a user sees the jobs they started; administrators see all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from gridcrm.jobs.models import Job, JobStatus

if TYPE_CHECKING:
    from gridcrm.users.models import User


def jobs_visible_to(*, user: User) -> QuerySet[Job]:
    """The jobs this user may watch: their own; a superuser whose roles let it watch jobs
    sees everyone's (being a superuser alone grants nothing — the results hold exports)."""
    if user.is_superuser and user.has_perm("jobs.view_job"):
        return Job.objects.all()
    return Job.objects.filter(created_by=user)


def jobs_unfinished(*, user: User) -> QuerySet[Job]:
    """The user's jobs still queued or running (imports, exports, batches)."""
    return jobs_visible_to(user=user).filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])


def running_job_ids() -> list[int]:
    """The jobs a worker is running now (a backup lists them in its manifest)."""
    return list(Job.objects.filter(status=JobStatus.RUNNING).values_list("pk", flat=True))


def job_cancel_requested(*, job_id: int) -> bool:
    """Whether the job's author has asked for it to stop (runners poll this)."""
    return Job.objects.filter(pk=job_id, cancel_requested=True).exists()
