"""gridcrm lake_import TABLE FILE… — import fact files, print each report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridcrm.core.uploads import UploadRefused
from gridcrm.lake.models import LakeImport
from gridcrm.lake.schemas import FACT_TABLES
from gridcrm.lake.services import lake_import_create, lake_import_run
from gridcrm.users.selectors import first_superuser, user_by_username

if TYPE_CHECKING:
    from gridcrm.users.models import User


class Command(BaseCommand):
    help = "Import CSV or Parquet files into a fact table of the lake."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("table", choices=sorted(FACT_TABLES))
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--user", default="", help="who imports (default: first superuser)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options["user"])
        failed = 0
        for path in options["files"]:
            with path.open("rb") as handle:
                try:
                    record = lake_import_create(
                        table=options["table"],
                        source_name=path.name,
                        content=handle,
                        acting_user=user,
                    )
                except UploadRefused as exc:
                    failed += 1
                    self.stderr.write(f"{path}: {exc}")
                    continue
            record = lake_import_run(lake_import=record)
            if record.status == LakeImport.Status.FAILED:
                failed += 1
                self.stderr.write(f"{path}: {record.error}")
                continue
            self.stdout.write(
                f"{path}: {record.get_status_display()} — read {record.rows_read}, "
                f"added {record.accepted}, already present {record.already_present}, "
                f"duplicates {record.duplicates}, rejected {record.rejected}"
            )
            for reason, count in record.reasons.items():
                self.stdout.write(f"    {count:>8}  {reason}")
            if record.reject_file:
                self.stdout.write(f"    rejects: {record.reject_file}")
        if failed:
            raise CommandError(f"{failed} file(s) could not be imported.")

    def _user(self, username: str) -> User:
        user = user_by_username(username=username) if username else first_superuser()
        if user is None:
            raise CommandError("No such user; pass --user USERNAME (or create a superuser).")
        return user
