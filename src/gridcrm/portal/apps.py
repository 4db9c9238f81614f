from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "gridcrm.portal"
    verbose_name = _("Customer portal")

    def ready(self) -> None:
        from gridcrm.core.extensions import (
            CUSTOMER_PANELS,
            PORTAL_ACCOUNTS,
            TIMELINE_SOURCES,
            Panel,
        )
        from gridcrm.portal.selectors import bound_customers_q, portal_timeline

        CUSTOMER_PANELS.register(
            "portal",
            Panel("portal", _("Portal logins"), "portal/_customer_panel.html", order=90),
        )
        TIMELINE_SOURCES.register("portal", portal_timeline)
        # A customer login sees the accounts it has bound (archive's one door).
        PORTAL_ACCOUNTS.install(bound_customers_q)
