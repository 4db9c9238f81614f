from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "gridcrm.safety"
    verbose_name = _("Safety work")

    def ready(self) -> None:
        from gridcrm.core.extensions import GRID_RISKS, TIMELINE_SOURCES
        from gridcrm.safety.selectors import customer_timeline, grid_risks

        TIMELINE_SOURCES.register("safety", customer_timeline)
        # Open hazards on the grid's safety overview; past their deadline, an alert.
        GRID_RISKS.register("safety", grid_risks)
