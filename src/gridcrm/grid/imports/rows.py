"""The rows of a GIS/PMS registry export and their checks, one row at a time.

One file holds every kind of record; the ``record`` column says which: ``substation``,
``feeder``, ``transformer``, ``meter`` (a metering point with its meter), ``source`` (a
further feeder supplying a customer) or ``emergency`` (a customer's emergency power).
Each kind reads its own columns; the others stay blank. Codes are the export's own
keys, so importing the same file again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from gridcrm.archive.choices import MeterKind
from gridcrm.grid.models import EmergencyPower, Transformer

RECORDS = ("substation", "feeder", "transformer", "meter", "source", "emergency")
"""Record kinds in the order they are checked and written: each may name the ones before."""

COLUMNS = (
    "record",
    "code",
    "name",
    "region",
    "voltage",
    "substation",
    "parent",
    "feeder",
    "ownership",
    "kva",
    "type",
    "year",
    "last_test",
    "transformer",
    "account_no",
    "serial",
    "ct_ratio",
    "pt_ratio",
    "accuracy_class",
    "installed",
    "verification_due",
    "kw",
    "start_seconds",
)

REQUIRED: dict[str, tuple[str, ...]] = {
    "substation": ("code", "name", "region"),
    "feeder": ("code", "name", "substation"),
    "transformer": ("code", "feeder", "ownership", "kva"),
    "meter": ("code", "transformer", "account_no", "serial", "type"),
    "source": ("account_no", "feeder"),
    "emergency": ("code", "account_no", "type", "kw"),
}


class RowError(Exception):
    """Why one row cannot be imported: a stable ``problem`` code and the text for people
    (both go into the report and the reject file)."""

    def __init__(self, message: str, problem: str = "bad_value") -> None:
        super().__init__(message)
        self.problem = problem


@dataclass
class Row:
    """One data row: its line in the file, its kind, its cells by column, and the values
    its checks parsed."""

    number: int
    record: str
    cells: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")


def _decimal(text: str, column: str, *, places: int = 1, limit: int = 10**7) -> Decimal:
    try:
        value = Decimal(text).quantize(Decimal(10) ** -places)
    except (InvalidOperation, ValueError):
        raise RowError(_("%(column)s is not a number.") % {"column": column}) from None
    if not value.is_finite() or value <= 0 or value >= limit:
        raise RowError(_("%(column)s is out of range.") % {"column": column})
    return value


def _date(text: str, column: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise RowError(_("%(column)s is not a date (YYYY-MM-DD).") % {"column": column}) from None


def _integer(text: str, column: str, low: int, high: int) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        raise RowError(_("%(column)s is out of range.") % {"column": column})
    return int(text)


def _choice(text: str, column: str, allowed: list[str]) -> str:
    if text not in allowed:
        raise RowError(
            _("%(column)s must be one of %(allowed)s.")
            % {"column": column, "allowed": ", ".join(allowed)}
        )
    return text


def _text(row: Row, column: str, limit: int) -> str:
    value = row[column]
    if len(value) > limit:
        raise RowError(
            _("%(column)s is longer than %(limit)s characters.")
            % {
                "column": column,
                "limit": limit,
            }
        )
    return value


def parse(row: Row) -> None:
    """Check the row's own cells and put the parsed values in ``row.values``; raises
    ``RowError`` with the reason. Formulas are refused like the archive import does."""
    if row.record not in RECORDS:
        raise RowError(
            _("Unknown record kind %(kind)s.") % {"kind": row.record or "—"}, "unknown_record"
        )
    for column, text in row.cells.items():
        if text[:1] in ("=", "+", "@") or "\x00" in text:
            raise RowError(
                _("%(column)s holds a formula or a control character.") % {"column": column}
            )
    missing = [c for c in REQUIRED[row.record] if not row[c]]
    if missing:
        raise RowError(_("Missing: %(columns)s.") % {"columns": ", ".join(missing)}, "missing")
    v = row.values
    if row.record != "source":
        v["code"] = _text(row, "code", 30)
    if row.record == "substation":
        v.update(name=_text(row, "name", 100), region=row["region"])
        v["voltage"] = _text(row, "voltage", 20) or "110/10 kV"
    elif row.record == "feeder":
        v.update(name=_text(row, "name", 100), substation=row["substation"], parent=row["parent"])
        if v["parent"] == v["code"]:
            raise RowError(_("A line cannot be its own trunk (a cycle)."), "cycle")
    elif row.record == "transformer":
        v.update(
            name=_text(row, "name", 100),
            feeder=row["feeder"],
            ownership=_choice(row["ownership"], "ownership", Transformer.Ownership.values),
            kva=_decimal(row["kva"], "kva"),
            kind=_choice(row["type"] or "oil", "type", Transformer.Kind.values),
            year=_integer(row["year"], "year", 1950, 2100),
            last_test_on=_date(row["last_test"], "last_test"),
        )
    elif row.record == "meter":
        v.update(
            transformer=row["transformer"],
            account_no=row["account_no"],
            serial=_text(row, "serial", 30),
            kind=_choice(row["type"], "type", MeterKind.values),
            ct_ratio=_text(row, "ct_ratio", 20),
            pt_ratio=_text(row, "pt_ratio", 20),
            accuracy_class=_text(row, "accuracy_class", 10),
            installed_on=_date(row["installed"], "installed"),
            verification_due=_date(row["verification_due"], "verification_due"),
        )
    elif row.record == "source":
        v.update(account_no=row["account_no"], feeder=row["feeder"])
    else:
        v.update(
            account_no=row["account_no"],
            kind=_choice(row["type"], "type", EmergencyPower.Kind.values),
            kw=_decimal(row["kw"], "kw"),
            start_seconds=_integer(row["start_seconds"], "start_seconds", 0, 86400),
            last_test_on=_date(row["last_test"], "last_test"),
        )
