"""One bounded reader for every uploaded file: its size, its type by content, and the
rows and cells read from it.

Every place that takes a file from a person (customer imports, credit lists, lake
imports, service attachments, change-request evidence; pages and API alike) goes
through here, so that one set of limits, read from settings (``docs/security.md``,
"Uploads"), holds everywhere:

- **size per kind** (``UPLOAD_MAX_BYTES``): enforced while the body streams in, by
  ``gridcrm.core.upload_handler.BoundedUploadHandler``; a body that announces more is
  refused before a byte of it is read, one that streams more is cut off at the limit;
- **type by content** (``sniff``): the name's suffix must agree with the first and last
  bytes; an XLSX workbook's zip directory is read (not its contents) to refuse a
  decompression bomb by its total unpacked size and its compression ratio;
- **rows and cells** (``CellBounds``): at most ``UPLOAD_MAX_ROWS`` rows, no cell longer
  than ``UPLOAD_MAX_CELL_CHARS`` characters, no control character (NUL and the other C0
  characters but tab and line breaks) in a cell.

Each refusal is an ``UploadRefused`` (``Invalid``, 422) with its own code; the caller
refuses the file whole, so nothing stored changes. Messages name the person's file, never
a path on the server.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Literal, TypeVar

from django.conf import settings
from django.utils.translation import gettext as _

from gridcrm.core.errors import Invalid

# The kinds of upload, each with its own size limit (settings.UPLOAD_MAX_BYTES).
CUSTOMERS = "customers"
LAKE = "lake"
ATTACHMENT = "attachment"
EVIDENCE = "evidence"
CREDIT_LIST = "credit_list"
KINDS = (CUSTOMERS, LAKE, ATTACHMENT, EVIDENCE, CREDIT_LIST)

Format = Literal["csv", "xlsx", "parquet"]

# C0 controls and DEL, but tab, line feed and carriage return, which text may hold.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARS_SQL = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"
"""The same class for RE2 (DuckDB's ``regexp_matches``)."""

# Members smaller than this are not judged by their ratio: a few kB of repeated XML
# compress well and harmlessly.
_RATIO_FLOOR = 1 << 20
_ZIP = b"PK\x03\x04"
_PARQUET = b"PAR1"


class UploadRefused(Invalid):
    """An uploaded file is refused whole: too large, of another type than its name says,
    a decompression bomb, corrupt, with too many rows, a cell too long or a control
    character (``code`` says which: ``core.upload_…``). Nothing was stored."""

    code = "core.upload_refused"


def _mb(size: int) -> str:
    return f"{size / 1024**2:g}"


def max_bytes(kind: str) -> int:
    """The largest file of ``kind`` accepted, in bytes."""
    limits: dict[str, int] = settings.UPLOAD_MAX_BYTES
    return limits[kind]


def over_limit(limit: int) -> UploadRefused:
    """The refusal of a file over ``limit`` bytes (``core.upload_too_large``)."""
    message = _("The file is larger than %(limit)s MB; split it or ask for a higher limit.") % {
        "limit": _mb(limit)
    }
    return UploadRefused(message, code="core.upload_too_large", fields={"file": message})


def too_large(kind: str) -> UploadRefused:
    """The refusal of a file of ``kind`` over its size limit."""
    return over_limit(max_bytes(kind))


def check_size(upload: object, kind: str) -> None:
    """Refuse an upload over the limit of ``kind`` by its size (``core.upload_too_large``).

    The streaming handler has already cut off a body over the limit; this also holds for
    files that come another way (management commands, tests, a changed setting)."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes(kind):
        raise too_large(kind)


_View = TypeVar("_View", bound=Callable[..., object])
_VIEW_KINDS: dict[str, str] = {}


def accepts_upload(kind: str) -> Callable[[_View], _View]:
    """Declare that a page view or an API operation takes a file of ``kind``: the
    streaming handler then holds its body to that kind's limit (others to the least)."""
    if kind not in KINDS:
        raise ValueError(f"unknown upload kind {kind!r}")

    def declare(view: _View) -> _View:
        view.upload_kind = kind  # type: ignore[attr-defined]
        # The API's URL names are its operations' function names: found by name.
        _VIEW_KINDS[view.__name__] = kind
        return view

    return declare


def body_limit(view: object, url_name: str | None) -> int:
    """How many bytes of files a request to ``view`` may carry: its declared kind's
    limit, or the smallest limit for a view that declares none."""
    kind = getattr(view, "upload_kind", None) or _VIEW_KINDS.get(url_name or "")
    if kind is None:
        return min(max_bytes(k) for k in KINDS)
    return max_bytes(kind)


# -- type by content --------------------------------------------------------------------


def _mismatch(filename: str, expected: str) -> UploadRefused:
    return UploadRefused(
        _("%(name)s is not a %(type)s file by its content; its name and content must agree.")
        % {"name": filename, "type": expected},
        code="core.upload_type_mismatch",
        fields={"file": _("The content does not match the file type.")},
    )


def corrupt(filename: str, kind: str) -> UploadRefused:
    """The refusal of a truncated or damaged file of type ``kind`` (``core.upload_corrupt``)."""
    return UploadRefused(
        _("%(name)s is a damaged or incomplete %(type)s file; upload it again.")
        % {"name": filename, "type": kind},
        code="core.upload_corrupt",
        fields={"file": _("The file is damaged or incomplete.")},
    )


def sniff(path: Path, *, filename: str, expected: Format) -> None:
    """Refuse a stored upload whose content is not of the ``expected`` format (the one
    its suffix names): ``core.upload_type_mismatch``, ``core.upload_corrupt``,
    ``core.upload_zip_bomb``. Reads the first and last bytes, and for XLSX the zip
    directory, never the whole file."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(4)
        handle.seek(max(size - 4, 0))
        tail = handle.read(4)
    if expected == "parquet":
        if head != _PARQUET:
            raise _mismatch(filename, "Parquet")
        if size < 12 or tail != _PARQUET:
            raise corrupt(filename, "Parquet")
    elif expected == "xlsx":
        if head != _ZIP:
            raise _mismatch(filename, "XLSX")
        check_workbook(path, filename=filename)
    elif head == _PARQUET or head == _ZIP:
        raise _mismatch(filename, "CSV")


def check_workbook(path: Path, *, filename: str) -> None:
    """Refuse an XLSX file that is no workbook, or a decompression bomb, from its zip
    directory alone: its members' total unpacked size and each large member's ratio.

    The directory's sizes can be trusted as bounds: Python's zip reader (which openpyxl
    uses) stops a member at its declared size and checks its CRC."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise corrupt(filename, "XLSX") from exc
    if "[Content_Types].xml" not in {m.filename for m in members}:
        raise _mismatch(filename, "XLSX")
    unpacked = sum(m.file_size for m in members)
    ratio_limit: int = settings.UPLOAD_XLSX_MAX_RATIO
    worst = max(
        (m.file_size / max(m.compress_size, 1) for m in members if m.file_size >= _RATIO_FLOOR),
        default=0.0,
    )
    if unpacked > settings.UPLOAD_XLSX_MAX_UNPACKED_BYTES or worst > ratio_limit:
        message = _(
            "%(name)s unpacks to %(size)s MB (up to %(ratio)d times its packed size); "
            "at most %(limit)s MB and %(max_ratio)d times are accepted. Save it as CSV."
        ) % {
            "name": filename,
            "size": _mb(unpacked),
            "ratio": int(worst),
            "limit": _mb(settings.UPLOAD_XLSX_MAX_UNPACKED_BYTES),
            "max_ratio": ratio_limit,
        }
        raise UploadRefused(message, code="core.upload_zip_bomb", fields={"file": message})


# -- rows and cells ---------------------------------------------------------------------


def max_cell_chars() -> int:
    limit: int = settings.UPLOAD_MAX_CELL_CHARS
    return limit


def truncated(cell: str) -> str:
    """A cell cut to the cell limit, for reject files: a long cell is never copied whole."""
    limit = max_cell_chars()
    return cell if len(cell) <= limit else cell[:limit] + "…"


def cell_too_long(row: int, column: str) -> UploadRefused:
    """The refusal of a cell over ``UPLOAD_MAX_CELL_CHARS`` (``core.upload_cell_too_long``)."""
    message = _(
        "Row %(row)s, column %(column)s holds more than %(limit)s characters; "
        "no cell may be longer."
    ) % {"row": row, "column": column, "limit": max_cell_chars()}
    return UploadRefused(message, code="core.upload_cell_too_long", fields={"file": message})


def control_char(row: int, column: str) -> UploadRefused:
    """The refusal of a cell with a control character (``core.upload_control_char``)."""
    message = _(
        "Row %(row)s, column %(column)s holds a control character (such as NUL); "
        "remove it and upload the file again."
    ) % {"row": row, "column": column}
    return UploadRefused(message, code="core.upload_control_char", fields={"file": message})


def too_many_rows() -> UploadRefused:
    """The refusal of a file over ``UPLOAD_MAX_ROWS`` rows (``core.upload_too_many_rows``)."""
    message = _("The file has more than %(limit)s rows; split it.") % {
        "limit": settings.UPLOAD_MAX_ROWS
    }
    return UploadRefused(message, code="core.upload_too_many_rows", fields={"file": message})


def has_control_char(text: str) -> bool:
    return _CONTROL.search(text) is not None


class CellBounds:
    """Checks rows as they are read: their number, each cell's length and characters.

    ``header`` names the columns in the refusals; a column past the header is named by
    its position."""

    def __init__(self, header: Sequence[str]) -> None:
        self.header = list(header)
        self.max_cell = max_cell_chars()
        self.max_rows: int = settings.UPLOAD_MAX_ROWS
        self.rows = 0

    def column(self, index: int) -> str:
        name = self.header[index] if index < len(self.header) else ""
        return name or str(index + 1)

    def check_header(self) -> None:
        self.check_cells(1, self.header)

    def check_cells(self, row: int, cells: Sequence[str]) -> None:
        for index, cell in enumerate(cells):
            if len(cell) > self.max_cell:
                raise cell_too_long(row, self.column(index))
            if _CONTROL.search(cell):
                raise control_char(row, self.column(index))

    def check(self, row: int, cells: Sequence[str]) -> None:
        """One data row (``row`` is its number in the file)."""
        self.rows += 1
        if self.rows > self.max_rows:
            raise too_many_rows()
        self.check_cells(row, cells)

    def checked(self, rows: Iterable[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
        """The rows, each checked before it is handed on."""
        for number, cells in rows:
            self.check(number, cells)
            yield number, cells
