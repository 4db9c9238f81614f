from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoadConfig(AppConfig):
    name = "gridcrm.load"
    verbose_name = _("Load and orderly power use")

    def ready(self) -> None:
        from gridcrm.core.extensions import CUSTOMER_PANELS, TIMELINE_SOURCES, TOU_CLOCK, Panel
        from gridcrm.load.timeline import customer_timeline
        from gridcrm.load.tou import company_clock

        # The lake's load features split readings by the configured TOU clock.
        TOU_CLOCK.install(company_clock)
        CUSTOMER_PANELS.register(
            "orderly_use",
            Panel("orderly_use", _("Orderly power use"), "load/_customer_panel.html", order=30),
        )
        # Declared production data and notices of orderly use belong on the 360° page.
        TIMELINE_SOURCES.register("load", customer_timeline)
