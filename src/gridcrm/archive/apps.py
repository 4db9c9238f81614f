from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "gridcrm.archive"
    verbose_name = _("Customer archive")

    def ready(self) -> None:
        # Registers the archive's job runners (exports, imports) with the jobs app.
        from gridcrm.archive import batch, exports, imports  # noqa: F401
