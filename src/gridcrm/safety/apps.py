from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "gridcrm.safety"
    verbose_name = _("Safety work")

    def ready(self) -> None:
        from gridcrm.core.extensions import TIMELINE_SOURCES
        from gridcrm.safety.selectors import customer_timeline

        TIMELINE_SOURCES.register("safety", customer_timeline)
