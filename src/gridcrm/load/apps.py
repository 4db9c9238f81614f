from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoadConfig(AppConfig):
    name = "gridcrm.load"
    verbose_name = _("Load and orderly power use")

    def ready(self) -> None:
        from gridcrm.core.extensions import (
            CUSTOMER_PANELS,
            LAKE_RESULTS,
            TIMELINE_SOURCES,
            TOU_CLOCK,
            LakeResult,
            Panel,
        )
        from gridcrm.load.services.composition import composition_exprs, composition_store
        from gridcrm.load.timeline import customer_timeline
        from gridcrm.load.tou import company_clock

        # The lake's load features split readings by the configured TOU clock.
        TOU_CLOCK.install(company_clock)
        # The regional composition is precomputed in the lake's pipeline run.
        LAKE_RESULTS.register("load.composition", LakeResult(composition_exprs, composition_store))
        CUSTOMER_PANELS.register(
            "orderly_use",
            Panel("orderly_use", _("Orderly power use"), "load/_customer_panel.html", order=30),
        )
        # Declared production data and notices of orderly use belong on the 360° page.
        TIMELINE_SOURCES.register("load", customer_timeline)
