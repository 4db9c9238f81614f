from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "gridcrm.archive"
    verbose_name = _("Customer archive")

    def ready(self) -> None:
        from gridcrm.archive.imports.jobs import import_uploads_purge
        from gridcrm.archive.timeline import archive_timeline
        from gridcrm.core.extensions import FILE_PURGERS, TIMELINE_SOURCES

        TIMELINE_SOURCES.register("archive", archive_timeline)
        FILE_PURGERS.register("archive", import_uploads_purge)
