"""Reading an import's file: CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX (its first
sheet), as a header and rows of text cells. A file that cannot be read as either is
refused whole (``ImportRefused``), and so is one over the upload bounds of
``gridcrm.core.uploads`` (``UploadRefused``): its type by content, an XLSX bomb, its rows,
a cell's length or characters."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from gridcrm.archive.imports.errors import ImportRefused
from gridcrm.core import uploads

_ENCODINGS = ("utf-8", "gb18030")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
IMPORT_SUFFIXES = (".csv", ".txt", *XLSX_SUFFIXES)


@dataclass
class Table:
    """A file's header and its data rows as ``(row number, cells)``; ``total`` is an estimate."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    total: int
    encoding: str


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` with a byte-order mark, else ``utf-8`` if the whole file decodes, else
    ``gb18030``; ``ImportRefused`` when neither reads it."""
    with path.open("rb") as handle:
        if handle.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
    for encoding in _ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportRefused(
        _("The file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8."),
        code="archive.import_encoding",
    )


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def _csv_error(exc: csv.Error, line: int) -> uploads.UploadRefused | None:
    """The upload refusal that a CSV reader's error stands for, if any: a field over the
    reader's limit (the cell limit) is a cell too long."""
    if "field larger than field limit" in str(exc):
        return uploads.cell_too_long(line, "?")
    return None


def read_csv(path: Path) -> Table:
    encoding = detect_encoding(path)
    total = max(_count_lines(path) - 1, 0)
    # The reader itself stops at a field just over the cell limit: no giant cell is ever
    # held in memory whole. (The limit is the csv module's, process-wide.)
    csv.field_size_limit(uploads.max_cell_chars() + 1)
    handle = path.open(encoding=encoding, newline="")
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        header = []
    except csv.Error as exc:
        handle.close()
        raise _csv_error(exc, 1) or ImportRefused(
            _("The file is not valid CSV: %(error)s") % {"error": exc},
            code="archive.import_not_csv",
        ) from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        with handle:
            try:
                for row in reader:
                    yield reader.line_num, row
            except csv.Error as exc:
                raise _csv_error(exc, reader.line_num + 1) or ImportRefused(
                    _("The file is not valid CSV after line %(line)s: %(error)s")
                    % {"line": reader.line_num, "error": exc},
                    code="archive.import_not_csv",
                ) from exc

    return Table(header=header, rows=rows(), total=total, encoding=encoding)


def xlsx_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_xlsx(path: Path) -> Table:
    """The first sheet. Formulas are read as their text (``=…``), not their cached values,
    so they are rejected like any formula rather than imported by accident."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise ImportRefused(
            _("The file is not a readable XLSX workbook."), code="archive.import_not_xlsx"
        ) from exc
    sheet = workbook.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    try:
        header = [xlsx_text(v) for v in next(cells)]
    except StopIteration:
        header = []
    total = max((sheet.max_row or 1) - 1, 0)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(cells, start=2):
                yield number, [xlsx_text(v) for v in values]
        finally:
            workbook.close()

    return Table(header=header, rows=rows(), total=total, encoding="xlsx")


def table_format(filename: str) -> uploads.Format:
    """The format a file's name says it has."""
    return "xlsx" if Path(filename).suffix.lower() in XLSX_SUFFIXES else "csv"


def read_table(path: Path, *, filename: str = "") -> Table:
    """Header and rows of a CSV or XLSX file, by the name's suffix; the content must agree
    and an XLSX file must not be a decompression bomb (``UploadRefused``)."""
    filename = filename or path.name
    file_format = table_format(filename)
    uploads.sniff(path, filename=Path(filename).name, expected=file_format)
    if file_format == "xlsx":
        return read_xlsx(path)
    return read_csv(path)


def check_table(path: Path, *, filename: str = "") -> None:
    """Read the whole file once and refuse it (``UploadRefused``) when it breaks a bound:
    too many rows, a cell too long, a control character in a cell."""
    table = read_table(path, filename=filename)
    bounds = uploads.CellBounds(table.header)
    bounds.check_header()
    try:
        for number, cells in table.rows:
            bounds.check(number, cells)
    finally:
        close = getattr(table.rows, "close", None)
        if close is not None:
            close()
