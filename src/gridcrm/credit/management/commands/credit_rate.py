"""gridcrm credit_rate — rate every customer (indicators → score → grade → store)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from gridcrm.credit.services import credit_rate_all
from gridcrm.lake.catalog import ENGINES


class Command(BaseCommand):
    help = "Rate every customer as of a day (default today) and store grades and reasons."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=date.fromisoformat, default=None)
        parser.add_argument("--engine", choices=ENGINES, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        bar = tqdm(total=5, unit="step", disable=options["verbosity"] == 0)

        def progress(done: int, total: int, label: str) -> None:
            bar.set_description(label)
            bar.n = done
            bar.refresh()

        result = credit_rate_all(
            as_of=options["as_of"], engine=options["engine"], progress=progress
        )
        bar.close()
        run = result.run
        counts = ", ".join(f"{g} {n}" for g, n in sorted(run.grade_counts.items()))
        self.stdout.write(
            f"Rated {run.customers} customers as of {run.as_of} on {run.engine} in "
            f"{run.seconds:.1f} s: {counts}; {run.changes} grade changes"
        )
