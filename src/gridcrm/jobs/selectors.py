"""Reads of jobs: a user sees the jobs they started; administrators see all."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from gridcrm.jobs.models import Job, JobStatus, WorkerBeat

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


# -- operations (gridcrm.ops: the health check and the metrics) ----------------------------
# Each is one query on an index (jobs_job_status_kind, jobs_job_kind_finished, the beats'
# seen_at): a scrape every few seconds must stay cheap however many jobs are kept.

UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)


def job_queue_depth() -> dict[tuple[str, str], int]:
    """(kind, status) → how many jobs are queued or running, with a 0 for every declared
    kind in each status, so that a series exists before its first job."""
    from gridcrm.jobs.services import JOB_KINDS

    depth = {(kind, str(status)): 0 for kind in JOB_KINDS for status in UNFINISHED}
    rows = (
        Job.objects.filter(status__in=UNFINISHED)
        .order_by()
        .values_list("kind", "status")
        .annotate(n=Count("pk"))
    )
    for kind, status, n in rows:
        depth[(kind, status)] = n
    return depth


def job_last_durations() -> dict[str, float]:
    """Kind → seconds its last finished job ran (from claim to end), for every declared
    kind that has finished one (succeeded, failed or interrupted)."""
    from gridcrm.jobs.services import JOB_KINDS

    durations: dict[str, float] = {}
    for kind in sorted(JOB_KINDS):
        last = (
            Job.objects.filter(kind=kind, finished_at__isnull=False)
            .order_by("-finished_at")
            .values_list("started_at", "finished_at")
            .first()
        )
        if last is not None and last[0] is not None and last[1] is not None:
            durations[kind] = (last[1] - last[0]).total_seconds()
    return durations


def worker_last_seen() -> dt.datetime | None:
    """When the most recently heard task worker last beat; ``None`` when none ever did
    (or every one stopped cleanly)."""
    return WorkerBeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()


def workers_alive(*, since: dt.datetime) -> int:
    """How many task workers have beaten since ``since``."""
    return WorkerBeat.objects.filter(seen_at__gte=since).count()
