"""gridcrm lake_pipelines — compute load features and payment behaviour into the database."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gridcrm.lake.catalog import ENGINES
from gridcrm.lake.services import pipelines_run


class Command(BaseCommand):
    help = "Run the lake's pipelines and upsert their results for the UI."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--engine", choices=ENGINES, default=None)
        parser.add_argument("--as-of", type=date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        run = pipelines_run(engine=options["engine"], as_of=options["as_of"])
        self.stdout.write(
            f"{run.engine}, as of {run.as_of}: {run.feature_rows} monthly load features, "
            f"{run.behaviour_rows} payment records in {time.perf_counter() - started:.1f} s"
        )
