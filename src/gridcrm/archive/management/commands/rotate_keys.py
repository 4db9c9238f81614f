"""``gridcrm rotate_keys``: seal every phone and certificate number under the current
field key and rehash them under the current hash key (docs/security.md, "At rest").

The procedure: put the new key first in ``GRIDCRM_FIELD_KEYS`` (or ``GRIDCRM_HASH_KEY``)
and keep the old one after it, restart, run this, check with ``--check``, then remove the
old key and restart. Runs again safely: rows already current are left alone.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridcrm.archive.rotation import fields_reseal
from gridcrm.core.sealing import SealError, keyring


class Command(BaseCommand):
    help = (
        "Re-seal phones and certificate numbers with the current key of GRIDCRM_FIELD_KEYS "
        "and rehash them with the current GRIDCRM_HASH_KEY; --check only counts, "
        "--new-key prints a fresh field key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if any row still needs rotating.",
        )
        parser.add_argument(
            "--new-key", action="store_true", help="Print a new random field key and stop."
        )
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(base64.urlsafe_b64encode(os.urandom(32)).decode())
            return
        self.stdout.write(f"current field key: {keyring().current_id}")
        last: dict[str, int] = {}

        def progress(table: str, done: int, total: int) -> None:
            # About every tenth of a table, and at its end.
            step = max(total // 10, 1)
            if done == total or done // step != last.get(table, 0) // step:
                self.stdout.write(f"  {table}: {done:,} / {total:,}")
            last[table] = done

        try:
            report = fields_reseal(
                batch_size=options["batch_size"], dry_run=options["check"], progress=progress
            )
        except SealError as exc:
            raise CommandError(
                f"{exc} Put the key that sealed it back into GRIDCRM_FIELD_KEYS (after the "
                "current one) and run again."
            ) from exc
        verb = "to rewrite" if options["check"] else "rewritten"
        for table, read in report.read.items():
            self.stdout.write(f"{table}: {read:,} read, {report.rewritten[table]:,} {verb}")
        if options["check"] and report.pending:
            raise CommandError(
                f"{report.pending:,} rows still need rotating: run `gridcrm rotate_keys`."
            )
        if not options["check"]:
            self.stdout.write("done: every value is sealed and hashed under the current keys")
