"""Parsing what the key-account pages post, refusing with the domain's own errors."""

from __future__ import annotations

import datetime as dt

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from gridcrm.keyaccounts.errors import InvalidInput


def visit_date(raw: str) -> dt.date:
    """The posted visit date (ISO), or ``InvalidInput`` (``keyaccounts.visit_date_invalid``)
    naming ``visited_on``."""
    try:
        value = parse_date(raw.strip())
    except ValueError:  # well formed but no such day (2026-02-30)
        value = None
    if value is None:
        message = _("Enter the visit date.")
        raise InvalidInput(
            message, code="keyaccounts.visit_date_invalid", fields={"visited_on": message}
        )
    return value


def satisfaction_field(raw: str) -> int | None:
    """A posted satisfaction (1–5, checked by the service), or ``None`` when blank or not a
    number (the service then asks for one, or takes the waiver)."""
    return int(raw) if raw.strip().isdigit() else None
