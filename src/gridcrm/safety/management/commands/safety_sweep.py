"""``gridcrm safety_sweep``: once a day, mark the hazards left open past their deadline
and raise the credit event of those whose severity asks for it (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gridcrm.safety.services import hazards_overdue_sweep


class Command(BaseCommand):
    help = "Mark hazards open past their deadline; raise their credit events once."

    def handle(self, *args: Any, **options: Any) -> None:
        result = hazards_overdue_sweep()
        self.stdout.write(
            f"newly overdue {len(result.overdue)}, credit events {result.credit_events}"
        )
