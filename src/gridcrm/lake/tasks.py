"""The lake's background jobs: a fact import and a pipeline run."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gridcrm.core import retention
from gridcrm.jobs.services import job_runner
from gridcrm.lake.services import (
    LAKE_IMPORT,
    LAKE_PIPELINES,
    run_lake_import_job,
    run_pipelines_job,
)

job_runner(LAKE_IMPORT, label=_("Fact import"), keeps=retention.REJECTS)(run_lake_import_job)
job_runner(LAKE_PIPELINES, label=_("Load and payment analytics"))(run_pipelines_job)
