from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeyAccountsConfig(AppConfig):
    name = "gridcrm.keyaccounts"
    label = "keyaccounts"
    verbose_name = _("Key accounts")

    def ready(self) -> None:
        from gridcrm.core.extensions import (
            CUSTOMER_PANELS,
            REQUEST_OBSERVERS,
            TIMELINE_SOURCES,
            Panel,
        )
        from gridcrm.keyaccounts.fastchannel import on_request_event
        from gridcrm.keyaccounts.timeline import keyaccount_timeline

        CUSTOMER_PANELS.register(
            "keyaccount",
            Panel("keyaccount", _("Key account"), "keyaccounts/_customer_panel.html", order=40),
        )
        REQUEST_OBSERVERS.register("keyaccounts.fast_channel", on_request_event)
        TIMELINE_SOURCES.register("keyaccounts", keyaccount_timeline)
