"""``gridcrm backup DEST``: the database, the lake and the files as one set;
``gridcrm backup --verify SRC``: check a set against its manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridcrm.core.errors import DomainError
from gridcrm.ops.services import backup_create, backup_verify


class Command(BaseCommand):
    help = (
        "Back up the database, the fact lake and the files under GRIDCRM_VAR into a new "
        "folder, with a manifest of every file's sha256; --verify checks such a set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="where to write the set (new or empty)")
        parser.add_argument(
            "--verify", action="store_true", help="check the set in FOLDER instead of writing"
        )

    def handle(self, *args: Any, folder: Path, verify: bool, **options: Any) -> None:
        try:
            if verify:
                found = backup_verify(src=folder)
                self.stdout.write(
                    f"{folder}: whole — {len(found.files)} files as listed, "
                    f"made {found.created_at}."
                )
                return
            summary = backup_create(dest=folder)
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from error
        self.stdout.write(
            f"{summary.folder}: {summary.files} files, {summary.bytes:,} bytes; lake "
            + ", ".join(f"{t} {v['rows']:,} rows" for t, v in summary.lake.items())
        )
        if summary.jobs_running:
            self.stdout.write(
                "Jobs running while the set was made (restored as interrupted): "
                + ", ".join(str(j) for j in summary.jobs_running)
            )
