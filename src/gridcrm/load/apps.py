from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoadConfig(AppConfig):
    name = "gridcrm.load"
    verbose_name = _("Load and orderly power use")

    def ready(self) -> None:
        from gridcrm.archive.panels import Panel, register_panel
        from gridcrm.lake.pipelines import use_tou_clock
        from gridcrm.load.tou import company_clock

        # The lake's load features split readings by the configured TOU clock.
        use_tou_clock(company_clock)
        register_panel(
            Panel("orderly_use", _("Orderly power use"), "load/_customer_panel.html", order=30)
        )
