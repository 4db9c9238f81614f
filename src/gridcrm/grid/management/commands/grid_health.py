"""gridcrm grid_health — compute and store the grid's health (run once a day by a timer)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gridcrm.grid.health import health_compute
from gridcrm.lake.catalog import ENGINES


class Command(BaseCommand):
    help = "Compute load events and health scores of the grid from the lake; store them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--engine", choices=ENGINES, default=None)
        parser.add_argument("--as-of", type=date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        run = health_compute(engine=options["engine"], as_of=options["as_of"])
        counts = ", ".join(f"{k} {v}" for k, v in run.counts.items())
        self.stdout.write(
            f"{run.engine}, as of {run.as_of}: {counts} in {time.perf_counter() - started:.1f} s"
        )
