"""REST endpoint to watch a job."""

from __future__ import annotations

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from gridcrm.jobs.models import Job
from gridcrm.jobs.selectors import jobs_visible_to
from gridcrm.jobs.services import job_cancel
from gridcrm.web.http import AuthedRequest

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: int
    kind: str
    status: str
    done: int
    total: int
    percent: int
    message: str
    created_at: datetime
    finished_at: datetime | None


@router.get("/{job_id}", response=JobOut, summary="A job's progress")
def job_detail(request: AuthedRequest, job_id: int) -> Job:
    """Progress of a job the caller started."""
    return get_object_or_404(jobs_visible_to(user=request.user), pk=job_id)


@router.post("/{job_id}/cancel", response=JobOut, summary="Cancel a job")
def job_cancel_endpoint(request: AuthedRequest, job_id: int) -> Job:
    """Ask a job the caller started to stop (``jobs.not_yours``, ``jobs.finished``)."""
    job = get_object_or_404(jobs_visible_to(user=request.user), pk=job_id)
    return job_cancel(job=job, acting_user=request.user)
