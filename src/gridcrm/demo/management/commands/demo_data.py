"""``gridcrm demo_data``: fill the database with a synthetic city supply company."""

from __future__ import annotations

import secrets
import sys
import unicodedata
from argparse import ArgumentParser, ArgumentTypeError
from collections.abc import Sequence
from time import perf_counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils import translation
from tqdm import tqdm

from gridcrm.archive.choices import Segment
from gridcrm.demo.generator import COMPANY_NAME, DISTRICTS, MAX_CUSTOMERS, STATIONS
from gridcrm.demo.services import (
    DemoLogin,
    customers_outside_demo,
    demo_build,
    demo_logins,
    demo_reset,
    demo_state,
)

DEFAULT_CUSTOMERS = 5000


def customer_count(value: str) -> int:
    """An argparse type: a whole number of customers from 1 to MAX_CUSTOMERS."""
    try:
        count = int(value.replace("_", "").replace(",", ""))
    except ValueError:
        raise ArgumentTypeError(f"not a whole number: {value!r}") from None
    if not 1 <= count <= MAX_CUSTOMERS:
        raise ArgumentTypeError(f"must be between 1 and {MAX_CUSTOMERS:,}, got {count:,}")
    return count


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def login_table(logins: Sequence[DemoLogin]) -> list[str]:
    """The logins as aligned text lines: username, password, role, name, what they see."""
    with translation.override("en"):
        rows = [
            (login.username, login.password, str(login.role.label), login.full_name, login.scope)
            for login in logins
        ]
    header = ("username", "password", "role", "name", "sees")
    widths = [max(_width(row[i]) for row in (header, *rows)) for i in range(len(header))]
    return [
        "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in (header, *rows)
    ]


def write_logins(stdout: OutputWrapper, logins: Sequence[DemoLogin]) -> None:
    """Print the login table, or say there are no demo logins."""
    if not logins:
        stdout.write("No demo logins in this database.")
        return
    for line in login_table(logins):
        stdout.write(f"  {line}")


class Command(BaseCommand):
    help = (
        "Fill an empty database with a synthetic city supply company (国网阳泉供电公司): "
        "regions, one login per role and N customers. Does nothing if customers exist, "
        "unless --reset."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--customers",
            type=customer_count,
            default=DEFAULT_CUSTOMERS,
            help=f"How many customers to create (default {DEFAULT_CUSTOMERS:,}, "
            f"at most {MAX_CUSTOMERS:,}).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help="Seed of the generator: the same seed gives the same data. Default: random.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo company (its customers, logins and regions) first.",
        )
        parser.add_argument(
            "--no-logins",
            action="store_false",
            dest="logins",
            help="Do not print the table of logins at the end.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["customers"]
        if isinstance(count, str):  # call_command passes values through unparsed
            count = customer_count(count)
        state = demo_state()
        if not state.empty:
            if not options["reset"]:
                held = [f"{state.customers:,} customers"]
                if state.company_exists:
                    held.append("the demo company")
                if state.demo_users:
                    held.append(f"{state.demo_users} demo logins")
                self.stdout.write(
                    f"The database already holds {', '.join(held)}; nothing done "
                    "(`gridcrm demo_data --reset` rebuilds the demo)."
                )
                if options["logins"]:
                    write_logins(self.stdout, demo_logins())
                return
            others = customers_outside_demo()
            if others:
                raise CommandError(
                    f"{others:,} customers are outside the demo company; --reset deletes only "
                    "the demo's own, and the demo needs an archive without customers."
                )
            started = perf_counter()
            deleted = demo_reset()
            self.stdout.write(
                f"Deleted the demo company ({deleted:,} customers) in "
                f"{perf_counter() - started:.1f} s."
            )

        # A seed is always used, and printed, so that any run can be repeated.
        seed: int = options["seed"] if options["seed"] is not None else secrets.randbelow(10**6)
        verbosity: int = options["verbosity"]
        started = perf_counter()
        with tqdm(
            total=count,
            unit=" customers",
            unit_scale=True,
            desc="Customers",
            disable=verbosity == 0,
            file=sys.stderr,
        ) as bar:
            result = demo_build(customers=count, seed=seed, on_batch=bar.update)
        elapsed = perf_counter() - started

        with translation.override("en"):
            mix = ", ".join(
                f"{Segment(segment).label.lower()} {n:,} ({n / max(result.customers, 1):.1%})"
                for segment, n in result.by_segment.items()
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {COMPANY_NAME}: {len(DISTRICTS)} districts, "
                f"{len(STATIONS)} supply stations, "
                f"{result.customers:,} customers in {elapsed:.1f} s, seed {result.seed}."
            )
        )
        rate = result.customers / result.customer_seconds if result.customer_seconds else 0
        self.stdout.write(
            f"  Customers written in {result.customer_seconds:.1f} s ({rate:,.0f}/s); "
            "the rest is mostly hashing the demo passwords."
        )
        self.stdout.write(f"  Segments: {mix}.")
        self.stdout.write(f"  Key accounts with a key-account manager: {result.key_accounts:,}.")
        if result.portal_account_no:
            self.stdout.write(
                f"  Portal login 'customer' is household {result.portal_account_no} "
                f"{result.portal_name}."
            )
        if options["logins"]:
            self.stdout.write("")
            write_logins(self.stdout, demo_logins())
