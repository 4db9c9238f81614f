"""``gridcrm issue_token USERNAME [--name NAME] [--days N]``: print a new API token for a
user, valid for N days (default ``GRIDCRM_TOKEN_DAYS``, 90)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridcrm.users.models import User
from gridcrm.users.services import api_token_issue


class Command(BaseCommand):
    help = "Issue an API bearer token for a user and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="What the token is for.")
        parser.add_argument(
            "--days", type=int, default=None, help="Days until the token expires (default 90)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"No user named {options['username']!r}.") from exc
        if options["days"] is not None and options["days"] < 1:
            raise CommandError("--days must be at least 1.")
        self.stdout.write(api_token_issue(user=user, name=options["name"], days=options["days"]))
