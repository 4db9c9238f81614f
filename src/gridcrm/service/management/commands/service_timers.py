"""``gridcrm service_timers [--every SECONDS]``: warn, breach, escalate, send due notices."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from gridcrm.service.notices import deliveries_send_due
from gridcrm.service.services import timers_sweep


class Command(BaseCommand):
    help = "Check the time limits of open service requests and send notices that are due."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--every", type=int, default=0, help="Repeat every so many seconds until Ctrl-C."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every: int = options["every"]
        while True:
            result = timers_sweep()
            sent = deliveries_send_due()
            self.stdout.write(
                f"warned {result.warned}, breached {result.breached}, "
                f"escalated {result.escalated}, notices sent {sent}"
            )
            if every <= 0:
                return
            time.sleep(every)
