"""``gridcrm create_user USERNAME --role ROLE [--region CODE] [--full-name NAME]``: create a
staff login holding one role (the first administrator of a new installation, or staff
before the directory is connected). The password is read from ``GRIDCRM_NEW_PASSWORD``
when set (scripts), else asked twice on the terminal; it must pass the password rules."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from gridcrm.users.models import Region, User
from gridcrm.users.roles import Role
from gridcrm.users.services import user_create


class Command(BaseCommand):
    help = "Create a staff login with one role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--region", default="", help="The region code of its scope.")
        parser.add_argument("--full-name", default="")

    def _password(self) -> str:
        given = os.environ.get("GRIDCRM_NEW_PASSWORD")
        if given:
            return given
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords differ.")
        return first

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} exists.")
        region = None
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"No region with code {options['region']!r}.")
        password = self._password()
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        with transaction.atomic():
            user_create(
                username=username,
                password=password,
                full_name=options["full_name"] or username,
                role=Role(options["role"]),
                region=region,
            )
        self.stdout.write(f"Created {username} ({options['role']}).")
