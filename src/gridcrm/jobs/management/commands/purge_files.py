"""``gridcrm purge_files``: delete uploads, reject files and exports past their retention."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gridcrm.jobs.services import files_purge


class Command(BaseCommand):
    help = (
        "Delete uploads, reject files and exports older than their retention "
        "(GRIDCRM_KEEP_DAYS_UPLOADS/_REJECTS/_EXPORTS) and mark their records expired. "
        "Run it daily (cron, a systemd timer)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # From the command line: the system, no person, deletes the files.
        deleted = files_purge(acting_user=None)
        self.stdout.write(", ".join(f"{kind}: {count}" for kind, count in deleted.items()))
