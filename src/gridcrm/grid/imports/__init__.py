"""Import of the grid registry from a GIS/PMS export (CSV or XLSX), with the archive
import's guarantees: a dry run writes nothing, every refused row has its reason in the
report and in a reject file (the row as it was, plus ``reason``), accepted rows are
written in one transaction, and importing the same file again changes nothing.

The file is read through the bounded upload reader (``files.py`` over ``core/uploads.py``:
type by content, rows, cell length, control characters). The rows are checked alone
(``rows``), then together against the stored registry (``topology``).
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from gridcrm.grid import events
from gridcrm.grid.errors import ImportRefused, MayNotEditGrid
from gridcrm.grid.imports.files import table_read
from gridcrm.grid.imports.rows import COLUMNS, RECORDS, Row, RowError, parse
from gridcrm.grid.imports.topology import Problem, check, known_load
from gridcrm.grid.imports.writer import write
from gridcrm.grid.selectors import can_edit

if TYPE_CHECKING:
    from gridcrm.users.models import User

MAX_ROWS = 500_000


@dataclass
class Reject:
    """A refused row: its line, kind, key (code or account), problem code and reason."""

    row: int
    record: str
    key: str
    problem: str
    reason: str


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    filename: str
    dry_run: bool
    rows: int = 0
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)
    reject_file: str = ""
    customers_derived: int = 0

    @property
    def accepted(self) -> int:
        return self.rows - len(self.rejects)

    def summary(self) -> str:
        return _(
            "%(rows)s rows: %(created)s new, %(updated)s changed, %(unchanged)s unchanged, "
            "%(rejected)s rejected."
        ) % {
            "rows": self.rows,
            "created": sum(self.created.values()),
            "updated": sum(self.updated.values()),
            "unchanged": self.unchanged,
            "rejected": len(self.rejects),
        }

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ImportReport:
        data: dict[str, Any] = json.loads(text)
        data["rejects"] = [Reject(**r) for r in data.get("rejects", [])]
        return cls(**data)


def _read(path: Path, filename: str) -> tuple[list[str], list[Row]]:
    raw_header, table = table_read(path, filename=filename)
    header = [h.strip().lower() for h in raw_header]
    if "record" not in header:
        raise ImportRefused(
            _("The file has no record column; see docs/grid.md for the layout."),
            code="grid.import_header",
        )
    rows: list[Row] = []
    for number, cells in table:
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportRefused(
                _("The file has more than %(limit)s rows; split it.") % {"limit": MAX_ROWS},
                code="grid.import_too_large",
            )
        by_column = {h: c.strip() for h, c in zip(header, cells, strict=False) if h in COLUMNS}
        rows.append(Row(number=number, record=by_column.get("record", "").lower(), cells=by_column))
    return header, rows


def _write_rejects(
    path: Path, header: list[str], rows: list[Row], reasons: dict[int, Problem]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*header, "problem", "reason"])
        for row in rows:
            if row.number in reasons:
                writer.writerow([*(row.cells.get(h, "") for h in header), *reasons[row.number]])


def registry_import(
    *, path: Path, acting_user: User, filename: str = "", dry_run: bool = False, reject_path: Path
) -> ImportReport:
    """Import a registry export; ``ImportRefused`` (nothing written) for a file that cannot
    be read or has no ``record`` column, ``grid.may_not_edit`` for a role that may not."""
    if not can_edit(user=acting_user):
        raise MayNotEditGrid(_("Your role may not import into the grid registry."))
    filename = filename or path.name
    header, rows = _read(path, filename)
    reasons: dict[int, Problem] = {}
    for row in rows:
        try:
            parse(row)
        except RowError as exc:
            reasons[row.number] = (exc.problem, str(exc))
    parsed = [row for row in rows if row.number not in reasons]
    parsed.sort(key=lambda row: (RECORDS.index(row.record), row.number))
    known = known_load(parsed)
    reasons.update(check(parsed, known))
    accepted = [row for row in parsed if row.number not in reasons]
    report = ImportReport(filename=filename, dry_run=dry_run, rows=len(rows))
    report.rejects = [
        Reject(row.number, row.record, row["code"] or row["account_no"], *reasons[row.number])
        for row in sorted(rows, key=lambda r: r.number)
        if row.number in reasons
    ]
    if reasons:
        _write_rejects(reject_path, header, rows, reasons)
        report.reject_file = str(reject_path)
    # A dry run writes everything and rolls it back, so its counts are exactly the real ones.
    with transaction.atomic():
        outcome = write(accepted, known)
        report.created, report.updated = outcome.created, outcome.updated
        report.unchanged = outcome.unchanged
        report.customers_derived = outcome.customers_derived
        if dry_run:
            transaction.set_rollback(True)
        elif outcome.created or outcome.updated:
            events.registry_imported(
                filename=filename,
                counts={
                    "created": sum(outcome.created.values()),
                    "updated": sum(outcome.updated.values()),
                    "rejected": len(report.rejects),
                },
                acting_user=acting_user,
            )
    return report
