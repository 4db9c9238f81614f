"""The billing app's background job: the daily balances, arrears and late fees."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gridcrm.billing.services import BILLING_BALANCES, run_balances_job
from gridcrm.jobs.services import job_runner

job_runner(BILLING_BALANCES, label=_("Balances, arrears and late fees"))(run_balances_job)
