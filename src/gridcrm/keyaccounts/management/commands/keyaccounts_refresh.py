"""``gridcrm keyaccounts_refresh``: apply the roster rules to the archive."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gridcrm.keyaccounts.services import roster_refresh


class Command(BaseCommand):
    help = "Apply the key-account roster rules to the customer archive (re-runnable)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = roster_refresh(acting_user=None)
        self.stdout.write(
            f"Roster: {result.added} added, {result.updated} updated, {result.removed} removed."
        )
