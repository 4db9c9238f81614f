"""Import of external public credit lists (blacklists) into the behaviour information."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from gridcrm.archive import events, registry
from gridcrm.archive.errors import CreditListUnreadable
from gridcrm.archive.models import Customer, FieldChange, PublicCreditEntry
from gridcrm.archive.personal import certificate_hash
from gridcrm.archive.services import DERIVED_COLUMNS, published_rules, refresh_derived
from gridcrm.archive.validators import certificate_no_is_valid
from gridcrm.core import uploads
from gridcrm.core.extensions import customers_changed

if TYPE_CHECKING:
    from gridcrm.users.models import User

REQUIRED_COLUMNS = ("certificate_no", "list_name")


@dataclass
class CreditListReport:
    entries: int = 0
    matched_customers: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def credit_list_text(data: bytes) -> str:
    """The text of an uploaded list (UTF-8, with or without a byte-order mark), or
    ``CreditListUnreadable``."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CreditListUnreadable(
            _("The credit list is not UTF-8 text; save it as CSV UTF-8."),
            code="archive.credit_list_not_utf8",
        ) from exc


def _rows(text: str) -> list[dict[str, str]]:
    """The list's rows, held to the upload bounds (``UploadRefused``: too many rows, a cell
    too long, a control character)."""
    csv.field_size_limit(uploads.max_cell_chars() + 1)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CreditListUnreadable(
            _("The credit list needs the columns %(columns)s.") % {"columns": ", ".join(missing)},
            code="archive.credit_list_columns_missing",
        )
    bounds = uploads.CellBounds(header)
    rows = []
    try:
        for cells in reader:
            bounds.check(reader.line_num, cells)
            rows.append(dict(zip(header, cells, strict=False)))
    except csv.Error as exc:
        raise uploads.cell_too_long(reader.line_num + 1, "?") from exc
    return rows


@transaction.atomic
def credit_list_import(*, text: str, source: str, acting_user: User | None) -> CreditListReport:
    """Replace the entries of ``source`` with the file's and re-mark every customer.

    A customer is blacklisted when any list holds its certificate number; customers
    with a certificate number that no list holds are marked as checked and clear.
    Invalid rows are reported and skipped; a file without the required columns writes
    nothing (``CreditListUnreadable``).
    """
    report = CreditListReport()
    entries = []
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(_rows(text), start=2):
        certificate = (row.get("certificate_no") or "").strip().upper()
        list_name = (row.get("list_name") or "").strip()
        if not certificate_no_is_valid(certificate):
            report.rejected.append((number, _("not a valid certificate number")))
            continue
        if not list_name:
            report.rejected.append((number, _("the list name is missing")))
            continue
        listed_on = None
        if row.get("listed_on"):
            try:
                listed_on = dt.date.fromisoformat(row["listed_on"].strip())
            except ValueError:
                report.rejected.append((number, _("listed_on is not a date (YYYY-MM-DD)")))
                continue
        if (certificate, list_name) in seen:
            continue
        seen.add((certificate, list_name))
        entries.append(
            PublicCreditEntry(
                certificate_no=certificate,
                certificate_hash=certificate_hash(certificate),
                list_name=list_name,
                listed_on=listed_on,
                source=source,
            )
        )
    PublicCreditEntry.objects.filter(source=source).delete()
    PublicCreditEntry.objects.bulk_create(entries, ignore_conflicts=True)
    report.entries = len(entries)
    report.matched_customers = credit_flags_refresh()
    events.credit_list_imported(
        source=source,
        entries=report.entries,
        matched_customers=report.matched_customers,
        acting_user=acting_user,
    )
    return report


def credit_flags_refresh() -> int:
    """Set ``credit_blacklisted`` from the entries; returns how many customers are listed.

    Only customers whose flag changes are touched: their history gets a row (unless the
    flag was merely unknown and is now clear) and their completeness is recomputed.
    """
    # Matched by the keyed hashes: both sides' numbers are sealed.
    listed_hashes = set(PublicCreditEntry.objects.values_list("certificate_hash", flat=True))
    specs = registry.all_specs()
    rules = published_rules()
    history = []
    dirty = []
    customers = Customer.objects.exclude(certificate_no="").only(
        *[s.name for s in specs if s.custom is None and s.name != "region"],
        "region_id",
        "extra",
        "completeness",
        "segment_override_reason",
        "rules_fired",
        *DERIVED_COLUMNS,  # refresh_derived compares them: deferred, each would be a query
    )
    for customer in customers.iterator(chunk_size=5000):
        listed = customer.certificate_hash in listed_hashes
        if customer.credit_blacklisted is listed:
            continue
        if listed or customer.credit_blacklisted is not None:
            history.append(
                events.field_change(
                    customer=customer,
                    field_spec=registry.spec("credit_blacklisted"),
                    old=customer.credit_blacklisted,
                    new=listed,
                    acting_user=None,  # the list decides, not a person
                    source=FieldChange.Kind.IMPORTED,
                    reason=_("public credit list"),
                )
            )
        customer.credit_blacklisted = listed
        refresh_derived(customer, specs, rules)
        dirty.append(customer)
    Customer.objects.bulk_update(
        dirty,
        ["credit_blacklisted", "completeness", "rules_fired", *DERIVED_COLUMNS],
        batch_size=2000,
    )
    events.field_changes_write(changes=history)
    customers_changed(
        customer_ids=[c.pk for c in dirty],
        fields=frozenset({"credit_blacklisted", "completeness", "rules_fired", *DERIVED_COLUMNS}),
    )
    return Customer.objects.filter(credit_blacklisted=True).count()
