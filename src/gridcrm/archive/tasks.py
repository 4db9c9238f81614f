"""The archive's background jobs: import, export, and re-running the mapping rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from gridcrm.archive.exports import EXPORT_CUSTOMERS, export_customers
from gridcrm.archive.imports import IMPORT_CUSTOMERS, import_customers_job
from gridcrm.archive.services import customers_refresh_all
from gridcrm.core import retention
from gridcrm.jobs.services import job_progress, job_runner

if TYPE_CHECKING:
    from gridcrm.jobs.models import Job

RULES_APPLY = "rules_apply"

job_runner(EXPORT_CUSTOMERS, label=_("Customer export"))(export_customers)
job_runner(IMPORT_CUSTOMERS, label=_("Customer import"), keeps=retention.REJECTS)(
    import_customers_job
)


@job_runner(RULES_APPLY, label=_("Apply mapping rules"))
def rules_apply(job: Job) -> str:
    """Re-run the published mapping rules and derivations over every customer."""
    customers_refresh_all(progress=lambda done, total: job_progress(job, done=done, total=total))
    return ""
