"""The service timers as a background job: warnings, breaches, escalation, due notices."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from gridcrm.jobs.services import job_progress, job_runner
from gridcrm.service.notices import deliveries_send_due
from gridcrm.service.services import timers_sweep

if TYPE_CHECKING:
    from gridcrm.jobs.models import Job

SERVICE_TIMERS = "service_timers"


@job_runner(SERVICE_TIMERS, label=_("Service time limits and notices"))
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
