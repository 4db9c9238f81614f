from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "gridcrm.billing"
    verbose_name = _("Bills and payments")

    def ready(self) -> None:
        from gridcrm.core.extensions import CUSTOMER_PANELS, Panel

        # The customer's bills, payments, balance, arrears and late fees on the 360° page.
        CUSTOMER_PANELS.register(
            "billing",
            Panel("billing", _("Bills and payments"), "billing/_customer_panel.html", order=25),
        )
