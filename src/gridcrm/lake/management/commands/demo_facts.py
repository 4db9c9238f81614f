"""gridcrm demo_facts — synthetic bills, payments, readings, outages and violations."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gridcrm.lake.demo_facts import generate_demo_facts

# Households with a remotely read smart meter, read every 15 minutes (the rest monthly).
HOUSEHOLD_SHARE = 0.15


class Command(BaseCommand):
    help = "Write realistic facts for the customers in the database into the lake (replaces them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--months", type=int, default=24, help="months of bills")
        parser.add_argument(
            "--reading-days", type=int, default=365, help="days of 15-minute readings"
        )
        parser.add_argument(
            "--end", type=date.fromisoformat, default=None, help="first month not billed"
        )
        parser.add_argument(
            "--household-share",
            type=float,
            default=HOUSEHOLD_SHARE,
            help="share of households read every 15 minutes for the last four weeks",
        )
        parser.add_argument("--no-pipelines", action="store_true", help="skip the pipelines")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        report = generate_demo_facts(
            seed=options["seed"],
            months=options["months"],
            reading_days=options["reading_days"],
            end=options["end"],
            household_share=options["household_share"],
            progress=lambda message: (
                self.stdout.write(f"  {message}") if options["verbosity"] > 1 else None
            ),
        )
        self.stdout.write(
            f"Lake: {report.bills} bills, {report.payments} payments, {report.readings} readings "
            f"of {report.metered} metered customers, {report.outages} outages, "
            f"{report.violations} violations ({time.perf_counter() - started:.0f} s)"
        )
        if not options["no_pipelines"]:
            from gridcrm.lake.services import pipelines_run

            run = pipelines_run(as_of=report.as_of)
            self.stdout.write(
                f"Analytics: {run.feature_rows} monthly load features, "
                f"{run.behaviour_rows} payment records ({run.engine}, as of {run.as_of})"
            )
