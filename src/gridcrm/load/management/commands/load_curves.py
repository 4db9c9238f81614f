"""``gridcrm load_curves``: typical daily curves and load patterns from the lake."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gridcrm.load.services import typical_curves_refresh


class Command(BaseCommand):
    help = "Compute every metered customer's typical daily curves and load patterns."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--engine", choices=["duckdb", "spark"], default=None)
        parser.add_argument("--since", help="first local day to use (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        since = dt.date.fromisoformat(options["since"]) if options["since"] else None
        run = typical_curves_refresh(engine=options["engine"], since=since)
        self.stdout.write(
            f"{run.curves} curves of {run.customers} customers; patterns: "
            + ", ".join(f"{k} {v}" for k, v in sorted(run.patterns.items()))
        )
