from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LakeConfig(AppConfig):
    name = "gridcrm.lake"
    verbose_name = _("Fact lake")

    def ready(self) -> None:
        from gridcrm.core.extensions import CUSTOMER_PANELS, FILE_PURGERS, WORKER_RECOVERY, Panel
        from gridcrm.lake.services import lake_files_purge, lake_recover

        FILE_PURGERS.register("lake", lake_files_purge)

        CUSTOMER_PANELS.register(
            "load", Panel("load", _("Load"), "lake/_load_curve_panel.html", order=20)
        )
        WORKER_RECOVERY.register("lake", lake_recover)
