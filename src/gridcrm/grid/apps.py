from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "gridcrm.grid"
    verbose_name = _("Grid registry")

    def ready(self) -> None:
        from gridcrm.core.extensions import CUSTOMER_PANELS, GRID_AUDIENCE, Panel
        from gridcrm.grid.impact import audience

        # Planned- and unplanned-outage notices reach the customers behind a line.
        GRID_AUDIENCE.install(audience)
        CUSTOMER_PANELS.register(
            "grid_equipment",
            Panel(
                "grid_equipment", _("Supply and equipment"), "grid/_customer_panel.html", order=15
            ),
        )
