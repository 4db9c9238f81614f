"""``gridcrm billing_balances [--as-of DAY] [--engine duckdb|spark]``: every customer's
balance, arrears by age and late fees from the lake into the database. Run it daily
(a systemd timer or cron after the night's imports; ``docs/billing.md``)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gridcrm.billing.services import balances_run
from gridcrm.lake.catalog import ENGINES


class Command(BaseCommand):
    help = "Compute every customer's balance, arrears by age and late fees from the lake."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--engine", choices=ENGINES, default=None)
        parser.add_argument("--as-of", type=date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        count = balances_run(engine=options["engine"], as_of=options["as_of"])
        self.stdout.write(f"{count} customer accounts in {time.perf_counter() - started:.1f} s")
