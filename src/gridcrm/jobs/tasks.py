"""Django tasks; they hold no logic and call a service."""

from __future__ import annotations

from django_tasks import task

from gridcrm.jobs.services import job_execute


@task()
def run_job(*, job_id: int) -> None:
    """Run one recorded job."""
    job_execute(job_id=job_id)
