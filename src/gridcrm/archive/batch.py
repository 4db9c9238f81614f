"""Batch work of the archive run as background jobs."""

from __future__ import annotations

from gridcrm.archive.services import customers_refresh_all
from gridcrm.jobs.models import Job, JobKind
from gridcrm.jobs.services import job_progress, job_runner


@job_runner(JobKind.RULES_APPLY)
def rules_apply(job: Job) -> str:
    """Re-run the published mapping rules and derivations over every customer."""
    customers_refresh_all(progress=lambda done, total: job_progress(job, done=done, total=total))
    return ""
