"""What an import did: its counts, the reasons each rejected row was refused, and the
reject file (those rows' own cells with a ``reason`` column, CSV UTF-8 with BOM)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from gridcrm.archive.exports import neutralise_formula
from gridcrm.core.uploads import truncated

# Reasons kept in the report itself; every rejected row is in the reject file anyway.
MAX_REPORTED_ERRORS = 1000


@dataclass(frozen=True)
class CellError:
    """Why one row was rejected: a column (or ``""`` for the row as a whole) and a message."""

    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import did, or would do in a dry run. Row numbers are spreadsheet rows:
    the header is row 1."""

    filename: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    requested: int = 0  # rows whose only differences were tier-1: change requests made
    unchanged: int = 0
    rejected: int = 0
    change_requests: int = 0
    columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    errors_truncated: bool = False
    reject_file: str = ""
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for people: the counts, and whether anything was written."""
        text = _(
            "%(rows)s rows: %(created)s created, %(updated)s updated, %(unchanged)s unchanged,"
            " %(requests)s change requests, %(rejected)s rejected."
        ) % {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "requests": self.change_requests,
            "rejected": self.rejected,
        }
        if self.dry_run:
            text = _("Dry run, nothing was written.") + " " + text
        if self.rejected:
            text += " " + _("Rejected rows and their reasons are in the reject file.")
        return text

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> ImportReport:
        data = json.loads(text)
        data["errors"] = [CellError(**e) for e in data.get("errors", [])]
        return cls(**data)


class RejectFile:
    """The rejected rows of an import: counted in the report as they are found, written to
    the reject file in row order when their batch ends (``flush``). The file is made at
    the first rejected row."""

    def __init__(self, *, report: ImportReport, header: list[str], path: Path) -> None:
        self.report = report
        self.header = header
        self.path = path
        self.pending: list[tuple[int, list[str], list[tuple[str, str]]]] = []
        self.writer: Any = None
        self.handle: io.TextIOWrapper | None = None

    def reject(self, row_no: int, cells: list[str], errors: list[tuple[str, str]]) -> None:
        """Count a rejected row; ``errors`` are (column, message), column ``""`` for the
        row as a whole."""
        self.report.rejected += 1
        self.pending.append((row_no, cells, errors))

    def flush(self) -> None:
        self.pending.sort(key=lambda item: item[0])
        for row_no, cells, errors in self.pending:
            self._write(row_no, cells, errors)
        self.pending = []

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()

    def _write(self, row_no: int, cells: list[str], errors: list[tuple[str, str]]) -> None:
        for column, message in errors:
            if len(self.report.errors) < MAX_REPORTED_ERRORS:
                self.report.errors.append(CellError(row_no, column, message))
            else:
                self.report.errors_truncated = True
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = self.path.open("w", encoding="utf-8-sig", newline="")
            self.writer = csv.writer(self.handle)
            self.writer.writerow([*self.header, _("row"), _("reason")])
            self.report.reject_file = str(self.path)
        reason = "; ".join(
            f"{column}: {message}" if column else message for column, message in errors
        )
        width = len(self.header)
        padded = (cells + [""] * width)[:width] if len(cells) <= width else cells
        # Cells are neutralised: the file is meant to be opened in a spreadsheet; and cut
        # to the cell limit, so a reject file is never larger than the bounds of its upload.
        self.writer.writerow(
            [neutralise_formula(truncated(c)) for c in padded]
            + [str(row_no), neutralise_formula(reason)]
        )
