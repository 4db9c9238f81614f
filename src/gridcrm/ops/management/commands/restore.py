"""``gridcrm restore SRC``: load a verified backup set into the configured database,
GRIDCRM_VAR and lake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridcrm.core.errors import DomainError
from gridcrm.ops.services import backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup set (verified first) into the configured database, GRIDCRM_VAR "
        "and lake, which must hold no data unless --force. Stop the server and workers first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="the backup set")
        parser.add_argument(
            "--force", action="store_true", help="replace what the targets already hold"
        )

    def handle(self, *args: Any, folder: Path, force: bool, **options: Any) -> None:
        try:
            found = backup_restore(src=folder, force=force)
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from error
        self.stdout.write(
            f"Restored {len(found.files)} files made {found.created_at}; "
            "run `gridcrm migrate` if this version is newer than the set's."
        )
