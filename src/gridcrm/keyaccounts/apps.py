from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeyAccountsConfig(AppConfig):
    name = "gridcrm.keyaccounts"
    label = "keyaccounts"
    verbose_name = _("Key accounts")

    def ready(self) -> None:
        from gridcrm.archive.panels import Panel, register_panel
        from gridcrm.keyaccounts.fastchannel import on_request_event
        from gridcrm.service.observers import request_observer_add

        register_panel(
            Panel("keyaccount", _("Key account"), "keyaccounts/_customer_panel.html", order=40)
        )
        request_observer_add(on_request_event)
