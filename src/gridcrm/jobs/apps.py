from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "gridcrm.jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        # Every app declares its job kinds in its tasks.py (``job_runner``).
        autodiscover_modules("tasks")

        from gridcrm.core.extensions import FILE_PURGERS
        from gridcrm.jobs.services import job_results_purge

        FILE_PURGERS.register("jobs", job_results_purge)
