"""``gridcrm calendar_import YEAR [--user NAME]``: load a year's official holiday schedule."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gridcrm.core.errors import DomainError
from gridcrm.service.calendar_services import calendar_year_import, official_years


class Command(BaseCommand):
    help = "Import a year's official holidays and make-up working days (chinesecalendar)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("year", type=int, nargs="?", help="The year (default: list years).")
        parser.add_argument("--user", default="", help="Record the import as this user's.")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int | None = options["year"]
        if year is None:
            years = official_years()
            self.stdout.write(f"The installed source has {years[0]}–{years[-1]}.")
            return
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        try:
            result = calendar_year_import(year=year, acting_user=user)
        except DomainError as error:  # a command reports refusals as its failure
            raise CommandError(f"{error.code}: {error}") from error
        self.stdout.write(
            f"{result.year}: {result.holidays} holidays, {result.workdays} make-up working days "
            f"(added {result.added}, changed {result.changed}, removed {result.removed})"
        )
