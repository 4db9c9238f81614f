"""The grid app's background jobs: the registry import and the daily health run."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gridcrm.grid.health import GRID_HEALTH, grid_health_job
from gridcrm.grid.jobs import GRID_IMPORT, grid_import_job
from gridcrm.jobs.services import job_runner

job_runner(GRID_IMPORT, label=_("Grid registry import"))(grid_import_job)
job_runner(GRID_HEALTH, label=_("Grid health"))(grid_health_job)
