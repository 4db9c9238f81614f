"""The service timers as a background job: warnings, breaches, escalation, due notices."""

from __future__ import annotations

from gridcrm.jobs.models import Job, JobKind
from gridcrm.jobs.services import job_progress, job_runner
from gridcrm.service.notices import deliveries_send_due
from gridcrm.service.services import timers_sweep


@job_runner(JobKind.SERVICE_TIMERS)
def service_timers(job: Job) -> str:
    """One sweep; ``gridcrm service_timers --every 60`` runs it in a loop."""
    result = timers_sweep()
    sent = deliveries_send_due()
    job.message = (
        f"warned {result.warned}, breached {result.breached}, "
        f"escalated {result.escalated}, notices sent {sent}"
    )
    job.save(update_fields=["message"])
    job_progress(job, done=1, total=1)
    return ""
