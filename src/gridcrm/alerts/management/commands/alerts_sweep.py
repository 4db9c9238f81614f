"""``gridcrm alerts_sweep [--every SECONDS]``: raise the alerts whose condition holds, close
those that cleared, escalate the unacknowledged ones past their time."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gridcrm.alerts.services import alerts_sweep


class Command(BaseCommand):
    help = "Run the alert checks and escalate unacknowledged alerts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="repeat every N seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            counts = alerts_sweep()
            self.stdout.write(f"checks {counts['checks']}, escalated {counts['escalated']}")
            if not options["every"]:
                return
            time.sleep(options["every"])
