"""Customer export as CSV or XLSX, run as a background job.

The columns are the field registry's, in declaration order (built-in fields, then the
extension fields), headed by their labels in the job's language, so that an export
can be edited and imported back (the import knows both languages' labels). Values are
their canonical text (ISO dates, 1/0), a choice by its label in the job's language (the
import reads labels of either language back), the supply station by its code.

Personal identifiers are masked the registry's way (phones keep their first three and
last four digits, certificate numbers their first six and last four) unless the user's
role may see contact details *and* asked for an unmasked export; such an export is
logged as a ``DisclosureEvent``. Every text cell that a spreadsheet would run as a
formula is neutralised.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.utils import translation

from gridcrm.archive import events, registry
from gridcrm.archive.models import Customer, DisclosureEvent
from gridcrm.archive.registry import FieldSpec
from gridcrm.archive.selectors import customer_search
from gridcrm.archive.services import can_see_contact
from gridcrm.jobs.services import job_progress
from gridcrm.users.selectors import region_codes_by_id

if TYPE_CHECKING:
    from gridcrm.jobs.models import Job
    from gridcrm.users.models import User

# The job kind of an export (declared with its runner in archive/tasks.py).
EXPORT_CUSTOMERS = "export_customers"

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 2000
FORMATS = ("csv", "xlsx")


def neutralise_formula(value: str) -> str:
    """Make a cell that a spreadsheet would run as a formula plain text (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def export_specs() -> list[FieldSpec]:
    """The exported columns: every registry field, in declaration order."""
    return registry.all_specs()


class _Writer(Protocol):
    def header(self, cells: Sequence[str]) -> None: ...
    def rows(self, rows: Iterable[Sequence[Any]]) -> None: ...
    def close(self) -> None: ...


class _CsvWriter:
    """UTF-8 with a byte-order mark, which Excel needs to read Chinese."""

    def __init__(self, path: Path) -> None:
        self.handle = path.open("w", newline="", encoding="utf-8-sig")
        self.writer = csv.writer(self.handle)

    def header(self, cells: Sequence[str]) -> None:
        # Labels of extension fields are typed by administrators: neutralise them too.
        self.writer.writerow([neutralise_formula(cell) for cell in cells])

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        self.writer.writerows(
            [neutralise_formula(cell) if isinstance(cell, str) else cell for cell in row]
            for row in rows
        )

    def close(self) -> None:
        self.handle.close()


class _XlsxWriter:
    """A write-only workbook: rows stream to disk. Numbers stay numbers; text that a
    spreadsheet would take for a formula is neutralised like in CSV."""

    def __init__(self, path: Path) -> None:
        from openpyxl import Workbook

        self.path = path
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("customers")

    def header(self, cells: Sequence[str]) -> None:
        self.sheet.append([neutralise_formula(cell) for cell in cells])

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.sheet.append(
                [neutralise_formula(cell) if isinstance(cell, str) else cell for cell in row]
            )

    def close(self) -> None:
        self.book.save(self.path)


class RowMaker:
    """Turns customers into export rows: canonical text, masked where it must be."""

    def __init__(self, specs: Sequence[FieldSpec], *, unmasked: bool, typed: bool) -> None:
        self.specs = list(specs)
        self.unmasked = unmasked
        self.typed = typed  # keep numbers as numbers (XLSX)
        self.stations = region_codes_by_id()

    def cell(self, field_spec: FieldSpec, value: Any) -> Any:
        if value is None:
            return ""
        if field_spec.name == "region":
            return self.stations.get(value, str(value))
        if self.typed and isinstance(value, int | Decimal) and not isinstance(value, bool):
            return value
        if field_spec.custom is None and field_spec.choices:
            return field_spec.display(value)
        text = field_spec.to_text(value)
        if field_spec.is_personal and not self.unmasked:
            return field_spec.masked(text)
        return text

    def row(self, customer: Customer) -> list[Any]:
        return [self.cell(s, s.get(customer)) for s in self.specs]


def personal_fields(specs: Sequence[FieldSpec]) -> list[str]:
    """Names of the exported fields whose unmasked values are a disclosure."""
    return [s.name for s in specs if s.is_personal]


def export_customers(job: Job) -> str:
    """Write the customers the job's creator may see (and their search) to a file.

    ``job.params``: ``q`` (a search), ``unmasked`` (honoured only for roles that may see
    contact details), ``format`` (``csv`` or ``xlsx``), ``language`` (of the header).
    """
    user: User = job.created_by
    unmasked = can_see_contact(user=user) and bool(job.params.get("unmasked"))
    file_format = str(job.params.get("format") or "csv").lower()
    if file_format not in FORMATS:
        file_format = "csv"
    customers = customer_search(user=user, query=str(job.params.get("q", ""))).order_by("pk")
    total = customers.count()
    job_progress(job, done=0, total=total)
    out_dir = Path(settings.VAR_DIR) / "exports"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"customers-{job.pk}.{file_format}"
    specs = export_specs()
    maker = RowMaker(specs, unmasked=unmasked, typed=file_format == "xlsx")
    writer: _Writer = _XlsxWriter(path) if file_format == "xlsx" else _CsvWriter(path)
    try:
        with translation.override(job.params.get("language", settings.LANGUAGE_CODE)):
            writer.header([str(s.label) for s in specs])
        done = 0
        last_pk = 0
        while True:
            batch = list(customers.filter(pk__gt=last_pk)[:_BATCH])
            if not batch:
                break
            with translation.override(job.params.get("language", settings.LANGUAGE_CODE)):
                writer.rows([maker.row(c) for c in batch])
            last_pk = batch[-1].pk
            done += len(batch)
            job_progress(job, done=done)
    finally:
        writer.close()
    if unmasked:
        events.disclosure(
            customer=None,
            acting_user=user,
            kind=DisclosureEvent.Kind.EXPORT,
            fields=personal_fields(specs),
            detail=f"job {job.pk}: {total} customers ({file_format})",
        )
    return str(path)
