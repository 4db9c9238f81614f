from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeyAccountsConfig(AppConfig):
    name = "gridcrm.keyaccounts"
    label = "keyaccounts"
    verbose_name = _("Key accounts")

    def ready(self) -> None:
        from gridcrm.archive.panels import Panel, register_panel

        register_panel(
            Panel("keyaccount", _("Key account"), "keyaccounts/_customer_panel.html", order=40)
        )
