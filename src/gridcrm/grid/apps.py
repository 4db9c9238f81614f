from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "gridcrm.grid"
    verbose_name = _("Grid registry")

    def ready(self) -> None:
        from gridcrm.core.extensions import (
            ALERT_KINDS,
            CUSTOMER_PANELS,
            GRID_AUDIENCE,
            GRID_RISKS,
            AlertKind,
            Panel,
        )
        from gridcrm.grid.alerts import grid_alerts_check
        from gridcrm.grid.health import overload_risks
        from gridcrm.grid.impact import audience
        from gridcrm.grid.risks import KIND_LABELS

        # Planned- and unplanned-outage notices reach the customers behind a line.
        GRID_AUDIENCE.install(audience)
        CUSTOMER_PANELS.register(
            "grid_equipment",
            Panel(
                "grid_equipment", _("Supply and equipment"), "grid/_customer_panel.html", order=15
            ),
        )
        # Overloaded transformers (the health job's load months) are risks and alerts.
        GRID_RISKS.register("grid_health", overload_risks)
        # One check raises and closes the alerts of every grid kind.
        for kind, label in KIND_LABELS.items():
            ALERT_KINDS.register(kind, AlertKind(label=label, check=grid_alerts_check))
