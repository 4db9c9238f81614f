"""gridcrm lake_compact [TABLE…] — merge each month's small files into one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridcrm.lake.schemas import FACT_TABLES
from gridcrm.lake.services import lake_compact


class Command(BaseCommand):
    help = "Compact the lake: one sorted Parquet file per table and month."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tables", nargs="*", help=", ".join(FACT_TABLES))

    def handle(self, *args: Any, **options: Any) -> None:
        unknown = set(options["tables"]) - set(FACT_TABLES)
        if unknown:
            raise CommandError(f"unknown tables: {', '.join(sorted(unknown))}")
        for table in options["tables"] or list(FACT_TABLES):
            count = lake_compact(table=table)
            self.stdout.write(f"{table}: {count} partition(s) compacted")
