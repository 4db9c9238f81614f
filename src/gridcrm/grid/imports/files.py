"""Reading a registry export through the bounded reader of ``core.uploads``: the type by
content (an XLSX decompression bomb refused from its zip directory), then CSV (UTF-8, with
or without a byte-order mark, or GB18030) or the first sheet of an XLSX workbook, every
row held to the upload bounds (rows, cell length, control characters) as it is read. A
file that breaks one is refused whole (``UploadRefused``, ``core.upload_…``); one that is
not readable as CSV or XLSX too (``ImportRefused``, ``grid.import_…``)."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from gridcrm.core import uploads
from gridcrm.grid.errors import ImportRefused

XLSX_SUFFIXES = (".xlsx", ".xlsm")
SUFFIXES = (".csv", ".txt", *XLSX_SUFFIXES)

Rows = Iterator[tuple[int, list[str]]]


def _encoding(path: Path) -> str:
    with path.open("rb") as handle:
        if handle.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
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
        code="grid.import_encoding",
    )


def _not_csv(exc: csv.Error, line: int) -> Exception:
    if "field larger than field limit" in str(exc):
        return uploads.cell_too_long(line, "?")
    return ImportRefused(
        _("The file is not valid CSV after line %(line)s: %(error)s")
        % {"line": line, "error": exc},
        code="grid.import_not_csv",
    )


def _csv(path: Path) -> tuple[list[str], Rows]:
    # The csv module stops at a field just over the cell limit: no giant cell is held.
    csv.field_size_limit(uploads.max_cell_chars() + 1)
    handle = path.open(encoding=_encoding(path), newline="")
    reader = csv.reader(handle)
    try:
        header = next(reader, [])
    except csv.Error as exc:
        handle.close()
        raise _not_csv(exc, 1) from exc

    def rows() -> Rows:
        with handle:
            try:
                for row in reader:
                    yield reader.line_num, row
            except csv.Error as exc:
                raise _not_csv(exc, reader.line_num + 1) from exc

    return header, rows()


def _text(value: Any) -> str:
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


def _xlsx(path: Path) -> tuple[list[str], Rows]:
    """Formulas are read as their text (``=…``), so the row checks refuse them."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise ImportRefused(
            _("The file is not a readable XLSX workbook."), code="grid.import_not_xlsx"
        ) from exc
    cells = workbook.worksheets[0].iter_rows(values_only=True)
    header = [_text(v) for v in next(cells, ())]

    def rows() -> Rows:
        try:
            for number, values in enumerate(cells, start=2):
                yield number, [_text(v) for v in values]
        finally:
            workbook.close()

    return header, rows()


def table_read(path: Path, *, filename: str) -> tuple[list[str], Rows]:
    """The header and the rows ``(row number, cells)`` of a stored CSV or XLSX export (by
    its name's suffix, which its content must agree with), each row checked against the
    upload bounds as it is read."""
    file_format: uploads.Format = (
        "xlsx" if Path(filename).suffix.lower() in XLSX_SUFFIXES else "csv"
    )
    uploads.sniff(path, filename=Path(filename).name, expected=file_format)
    header, rows = _xlsx(path) if file_format == "xlsx" else _csv(path)
    bounds = uploads.CellBounds(header)
    bounds.check_header()
    return header, bounds.checked(rows)
