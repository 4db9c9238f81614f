"""``gridcrm import_credit_list FILE --source NAME``: load an external public credit list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridcrm.archive.credit_lists import credit_list_import, credit_list_text
from gridcrm.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import a public credit list (CSV with certificate_no, list_name and optional "
        "listed_on); replaces the earlier entries of the same source."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, help="Who publishes the list.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = credit_list_text(options["file"].read_bytes())
            # From the command line: the system, no person, imports the list.
            report = credit_list_import(text=text, source=options["source"], acting_user=None)
        except (OSError, DomainError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{report.entries} entries, {report.matched_customers} customers listed, "
            f"{len(report.rejected)} rows rejected"
        )
        for row, reason in report.rejected:
            self.stdout.write(f"  row {row}: {reason}")
