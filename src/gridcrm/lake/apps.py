from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LakeConfig(AppConfig):
    name = "gridcrm.lake"
    verbose_name = _("Fact lake")

    def ready(self) -> None:
        # Registers the lake's job runners (imports, pipelines) with the jobs app.
        from gridcrm.archive.panels import Panel, register_panel
        from gridcrm.lake import services  # noqa: F401

        register_panel(Panel("load", _("Load"), "lake/_load_curve_panel.html", order=20))
