"""The safety app's background work: the sweep of hazards past their deadline, as a job
(``safety_overdue_sweep``) beside the daily command ``gridcrm safety_sweep``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gridcrm.jobs.services import job_runner
from gridcrm.safety.services import hazards_overdue_sweep

if TYPE_CHECKING:
    from gridcrm.jobs.models import Job

SAFETY_SWEEP = "safety_overdue_sweep"


@job_runner(SAFETY_SWEEP, label=_lazy("Hazards past their deadline"))
def safety_sweep_job(job: Job) -> str:
    """Mark overdue hazards and raise their credit events; no result file."""
    result = hazards_overdue_sweep()
    job.message = _("%(overdue)s hazards newly overdue, %(credit)s credit events") % {
        "overdue": len(result.overdue),
        "credit": result.credit_events,
    }
    return ""
