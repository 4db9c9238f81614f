"""Django tasks; they hold no logic and call a service."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_tasks import task

from gridcrm.jobs.services import PURGE_FILES, files_purge_job, job_execute, job_runner

job_runner(PURGE_FILES, label=_("Delete expired files"))(files_purge_job)


@task()
def run_job(*, job_id: int) -> None:
    """Run one recorded job."""
    job_execute(job_id=job_id)
