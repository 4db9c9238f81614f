"""gridcrm credit_fit — fit the data-fitted scorecard on the lake and publish it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from gridcrm.credit.services import fitted_publish, training_sample
from gridcrm.lake import catalog


class Command(BaseCommand):
    help = "Fit the data-fitted scorecard on monthly snapshots of the lake; validate out of time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--until", type=date.fromisoformat, default=None, help="the day the data run to"
        )
        parser.add_argument("--note", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        until = options["until"] or timezone.localdate()
        con = catalog.connect("duckdb")
        sample = training_sample(
            con=con, until=until, progress=lambda m: self.stdout.write(f"  {m}")
        )
        version = fitted_publish(
            sample=sample, note=options["note"] or f"fit to {until}", acting_user=None
        )
        r = version.detail
        self.stdout.write(
            f"Published fitted scorecard v{version.number}: AUC out of time {r['auc_oot']:.3f}, "
            f"KS {r['ks_oot']:.3f}, Gini {r['gini_oot']:.3f}, PSI {r['psi']:.3f}; "
            f"cut-offs {version.cutoffs}"
        )
