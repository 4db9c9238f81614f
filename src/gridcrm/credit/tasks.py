"""The credit app's background job: the monthly rating of every customer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gridcrm.credit.services import CREDIT_RATING, run_credit_rating_job
from gridcrm.jobs.services import job_runner

job_runner(CREDIT_RATING, label=_("Credit rating"))(run_credit_rating_job)
