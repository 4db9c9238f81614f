"""Customer import from CSV (UTF-8, UTF-8 with BOM or GB18030) and XLSX files.

Columns are mapped through the field registry (a header may be a field's code or its
Chinese or English label). A file whose header is wrong — an unknown column, a column
named twice, no account-number column, an encoding that is neither UTF-8 nor GB18030 —
is refused whole and nothing is written.

Each row is judged on its own, and every cell of it through ``FieldSpec.clean``:

- a row with an invalid cell is rejected with a reason per column; so is a row whose
  account number already appeared higher up in the file ("duplicate of row N");
- text cells that start like a spreadsheet formula (``= + - @``) are rejected, so an
  imported ``=HYPERLINK(…)`` never reaches a colleague's spreadsheet. Markup such as
  ``<script>`` is kept as plain text: it is valid in a name, and every page escapes it;
- a new account number creates a customer, which needs every applicable tier-1 field;
- for a known account number, differing tier-2 and tier-3 values are applied with
  history (source *imported*); differing tier-1 values become pending change requests
  of the importing user, never a silent overwrite; an identical pending request is not
  made twice;
- blank cells never clear stored values: an import adds and corrects, it does not erase;
- columns of derived fields (segment, coefficients, …) are ignored, so an export can be
  edited and imported back.

Re-importing the same file changes nothing. Valid rows are written even when others
are rejected; the rejected ones go, with their original cells and a ``reason``
column, to a reject file (CSV, UTF-8 with BOM). A dry run does all the judging and
writes nothing but the report.

Speed: rows are read, judged and written in batches (``BATCH_SIZE``); each batch costs a
handful of queries whatever its size (one lookup of known accounts, one of pending
requests, bulk writes, and on PostgreSQL a ``COPY`` for new customers, on a writer
thread so PostgreSQL stores one batch while Python judges the next). Cells are cleaned a
column at a time (``Cleaner.clean_column``): choices, numbers, yes/no and stations once
per distinct value; plain text columns through Arrow kernels that accept only cells the
column's validators surely accept unchanged (regular expressions, lengths, check
characters of certificate numbers); every other cell goes through ``FieldSpec.clean``'s
fast twin one by one, so messages are the registry's. ``tests/archive/test_import.py``
and ``test_import_columns.py`` check all three give exactly what ``FieldSpec.clean``
gives. A batch stays columns up to storage: choices and numbers as positions into their
distinct values (``Coded``); new customers alike in segment and in which rule conditions
hold are derived together (``plan_new``), their tier-1 check and completeness computed
for all rows at once; their ``COPY`` lines are made by Arrow (``copy_text``). A first
load into an empty archive on PostgreSQL builds the GIN search indexes and checks the
foreign keys once at the end instead of row by row (``first_load_deferred``).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gc
import io
import itertools
import json
import operator
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast, overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import (
    MaxLengthValidator,
    MinLengthValidator,
    ProhibitNullCharactersValidator,
    RegexValidator,
)
from django.db import connections, router, transaction
from django.db.models import BooleanField
from django.db.models import Field as ModelField
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridcrm.archive import copy_text, registry
from gridcrm.archive.bigrams import array_literals, search_bigrams
from gridcrm.archive.completeness import completeness_score, missing_fields
from gridcrm.archive.errors import ArchiveError
from gridcrm.archive.exports import neutralise_formula
from gridcrm.archive.industries import INDUSTRY_CODE_RE
from gridcrm.archive.models import (
    ChangeRequest,
    Customer,
    CustomField,
    FieldChange,
    MappingRule,
    PendingSchemaStep,
)
from gridcrm.archive.registry import TIER_WEIGHTS, FieldSpec, Tier
from gridcrm.archive.rules import condition_holds, evaluate, published_version, rule_targets
from gridcrm.archive.segments import classify_segment
from gridcrm.archive.selectors import customers_visible_to
from gridcrm.archive.services import refresh_derived
from gridcrm.archive.validators import validate_certificate_no, validate_industry_code
from gridcrm.jobs.models import Job
from gridcrm.jobs.services import job_progress, job_start
from gridcrm.users.models import User
from gridcrm.users.roles import COMPANY_WIDE_ROLES
from gridcrm.users.selectors import user_roles

# The job kind of an import (declared with its runner in archive/tasks.py).
IMPORT_CUSTOMERS = "import_customers"

BATCH_SIZE = 20_000
FORMULA_STARTS = ("=", "+", "-", "@")
# Reasons kept in the report itself; every rejected row is in the reject file anyway.
MAX_REPORTED_ERRORS = 1000
_MEMO_LIMIT = 100_000
# PostgreSQL's memory for building an index after a first load (``_run_steps``). A GIN
# build gathers keys in memory up to ``maintenance_work_mem``: at 64 MB it took 8.1 s over
# a million customers' bigrams, at 256 MB 10.8 s (the larger tree no longer fits the
# processor's caches).
INDEX_BUILD_MEMORY = "64MB"
_ENCODINGS = ("utf-8", "gb18030")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
IMPORT_SUFFIXES = (".csv", ".txt", *XLSX_SUFFIXES)


class ImportRefused(ArchiveError):
    """The file as a whole cannot be imported (header, encoding, format); nothing was written."""


# --------------------------------------------------------------------------- report


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


# --------------------------------------------------------------------------- reading files


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
    raise ImportRefused(_("The file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8."))


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def read_csv(path: Path) -> Table:
    encoding = detect_encoding(path)
    total = max(_count_lines(path) - 1, 0)
    handle = path.open(encoding=encoding, newline="")
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        header = []
    except csv.Error as exc:
        handle.close()
        raise ImportRefused(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        with handle:
            try:
                for row in reader:
                    yield reader.line_num, row
            except csv.Error as exc:
                raise ImportRefused(
                    _("The file is not valid CSV after line %(line)s: %(error)s")
                    % {"line": reader.line_num, "error": exc}
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
        raise ImportRefused(_("The file is not a readable XLSX workbook.")) from exc
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


def read_table(path: Path, *, filename: str = "") -> Table:
    """Header and rows of a CSV or XLSX file, by the name's suffix."""
    suffix = Path(filename or path.name).suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return read_xlsx(path)
    return read_csv(path)


# --------------------------------------------------------------------------- header


@dataclass(frozen=True)
class Mapping:
    """Which spec each column holds (``None``: ignored) and the column of the account number."""

    specs: list[FieldSpec | None]
    account_index: int
    ignored: list[str]


def _normalise_header(text: str) -> str:
    return text.replace("\ufeff", "").strip().lower()


def map_header(header: Sequence[str], specs: Sequence[FieldSpec]) -> Mapping:
    """Map header cells to specs; ``ImportRefused`` names every problem at once."""
    aliases = registry.column_aliases(specs)
    mapped: list[FieldSpec | None] = []
    problems: list[str] = []
    ignored: list[str] = []
    first_column: dict[str, str] = {}
    for text in header:
        key = _normalise_header(text)
        if not key:
            mapped.append(None)  # a blank header (trailing separators): the column is ignored
            continue
        found = aliases.get(key)
        if found is None:
            problems.append(_("Unknown column “%(column)s”.") % {"column": text.strip()})
            mapped.append(None)
            continue
        if found.name in first_column:
            problems.append(
                _("Columns “%(first)s” and “%(second)s” both hold %(field)s.")
                % {"first": first_column[found.name], "second": text.strip(), "field": found.label}
            )
        first_column.setdefault(found.name, text.strip())
        if found.is_derived:
            ignored.append(text.strip())
            mapped.append(None)
            continue
        mapped.append(found)
    names = [s.name if s else None for s in mapped]
    if "account_no" not in names and not problems:
        problems.append(_("The file needs an account number column (account_no or 户号)."))
    if not header:
        problems = [_("The file is empty.")]
    if problems:
        raise ImportRefused(_("The file was not imported: ") + " ".join(problems))
    return Mapping(specs=mapped, account_index=names.index("account_no"), ignored=ignored)


# --------------------------------------------------------------------------- cleaning


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would run this cell as a formula."""
    return text.strip().startswith(FORMULA_STARTS)


def is_text_field(field_spec: FieldSpec) -> bool:
    """Free-text fields, where a formula-looking value is refused on import."""
    if field_spec.custom is not None:
        return field_spec.custom.kind == CustomField.Kind.TEXT
    column = field_spec.column
    return column.get_internal_type() in {"CharField", "TextField"} and not column.choices


class Coded(Sequence[Any]):
    """A column of few distinct values (choices, numbers, flags, stations): each row's
    position in ``values``. What is done per value — cleaning, blank or not, ``COPY``
    text — is done once per distinct value and spread to the rows by numpy."""

    def __init__(self, positions: Any, values: list[Any]) -> None:
        self.positions = positions
        self.values = values

    def __len__(self) -> int:
        return len(self.positions)

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return self.tolist()[index]
        return self.values[self.positions[index]]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.tolist())

    def tolist(self) -> list[Any]:
        """Every row's value."""
        table = np.empty(len(self.values), dtype=object)
        table[:] = self.values
        return cast(list[Any], table[self.positions].tolist())

    def take(self, rows: Any) -> Coded:
        return Coded(self.positions[rows], self.values)

    def spread(self, per_value: Sequence[Any], dtype: Any = object) -> Any:
        """A numpy array of ``per_value[position]`` for every row."""
        return np.asarray(per_value, dtype=dtype)[self.positions]


class Cleaner:
    """``FieldSpec.clean`` for one column of an import, made fast and with the import's
    extra rule on formulas. It returns the stored value or raises ``ValidationError``,
    exactly as ``spec.clean`` does."""

    def __init__(self, field_spec: FieldSpec) -> None:
        self.spec = field_spec
        self.text = is_text_field(field_spec)
        self.memo: dict[str, tuple[bool, Any]] | None = None
        self.fast_char: ModelField[Any, Any] | None = None
        if self.text and field_spec.custom is None:
            # Plain text column: strip, then its validators (length, NUL, regex) — as
            # spec.clean does via to_python and run_validators.
            self.fast_char = field_spec.column
            self.validators = list(field_spec.column.validators)
        elif not self.text:
            # Choices, numbers, yes/no and stations: few distinct values in a file.
            self.memo = {}

    def __call__(self, raw: str) -> Any:
        fast = self.fast_char
        if fast is not None:
            value = raw.strip()
            if not value:
                return ""
            if value.startswith(FORMULA_STARTS):
                raise ValidationError(_("Looks like a spreadsheet formula; not imported."))
            if "\x00" in value:
                raise ValidationError(_("Null characters are not allowed."))
            try:
                for validator in self.validators:
                    validator(value)
            except ValidationError:
                fast.run_validators(value)  # raises with every message, as clean() would
            return value
        if self.text and looks_like_formula(raw):
            raise ValidationError(_("Looks like a spreadsheet formula; not imported."))
        memo = self.memo
        if memo is None:
            return self.spec.clean(raw)
        hit = memo.get(raw)
        if hit is None:
            try:
                hit = (True, self.spec.clean(raw))
            except ValidationError as exc:
                hit = (False, exc)
            if len(memo) < _MEMO_LIMIT:
                memo[raw] = hit
        if hit[0]:
            return hit[1]
        raise hit[1]

    def clean_column(
        self, raws: Sequence[str]
    ) -> tuple[list[Any] | Coded, dict[int, ValidationError]]:
        """The cells of a whole column of a batch: the stored values (``None`` where the
        cell is invalid) and the error of each invalid cell by its index. Gives what
        calling the cleaner cell by cell gives, with less Python per cell: choices and
        numbers are cleaned once per distinct value, plain text columns are checked
        over the whole column with Arrow kernels (``column_checks``) and only the cells
        those do not accept go through the cleaner one by one."""
        errors: dict[int, ValidationError] = {}
        if self.memo is not None:
            encoded = pa.array(raws, type=pa.string()).dictionary_encode()
            positions = encoded.indices.to_numpy(zero_copy_only=False)
            cleaned: list[Any] = []
            bad: dict[int, ValidationError] = {}
            for position, raw in enumerate(encoded.dictionary.to_pylist()):
                try:
                    cleaned.append(self(raw))
                except ValidationError as exc:
                    cleaned.append(None)
                    bad[position] = exc
            if bad:
                for index in np.flatnonzero(np.isin(positions, list(bad))).tolist():
                    errors[index] = bad[int(positions[index])]
            return Coded(positions, cleaned), errors
        checks = self.column_checks
        if checks is None:
            values = []
            for index, raw in enumerate(raws):
                try:
                    values.append(self(raw))
                except ValidationError as exc:
                    values.append(None)
                    errors[index] = exc
            return values, errors
        accepted = _accepted(raws, checks)
        values = list(raws)
        if accepted.all():
            return values, errors
        for index in np.flatnonzero(~accepted).tolist():
            try:
                values[index] = self(raws[index])
            except ValidationError as exc:
                values[index] = None
                errors[index] = exc
        return values, errors

    def filled(self, values: list[Any] | Coded) -> Any:
        """A boolean array: which of a column's cleaned values hold something
        (``FieldSpec.is_blank`` is false)."""
        if isinstance(values, Coded):
            return values.spread([not FieldSpec.is_blank(v) for v in values.values], bool)
        if self.text:  # text cleans to a string, or None where the cell is invalid
            return np.fromiter(map(bool, values), dtype=bool, count=len(values))
        try:
            holds = {v: not FieldSpec.is_blank(v) for v in set(values)}
        except TypeError:  # an unhashable value
            return np.fromiter(
                (not FieldSpec.is_blank(v) for v in values), dtype=bool, count=len(values)
            )
        return np.fromiter(map(holds.__getitem__, values), dtype=bool, count=len(values))

    @property
    def column_checks(self) -> list[Check] | None:
        """Arrow checks that accept only cells the fast text path would return unchanged
        (already stripped, not a formula, every validator passes); ``None`` when a
        validator has no column form, and then the column is cleaned cell by cell."""
        if self.fast_char is None:
            return None
        if not hasattr(self, "_checks"):
            self._checks = _column_checks(self.validators)
        return self._checks


# A cell the column checks accept starts and ends with a letter, digit, punctuation or
# symbol (never whitespace, so it is already stripped) and does not start like a formula.
_STRIPPED = r"^[\p{L}\p{N}\p{P}\p{S}]((?s:.*)[\p{L}\p{N}\p{P}\p{S}])?$"
_FORMULA = r"^[=+\-@]"
# Regular expressions whose meaning is the same (or narrower) in RE2 as in Python: only
# literal characters, \d (ASCII in RE2, wider in Python), classes without negation.
_SAFE_REGEX = re.compile(r"^(?:[^\\\[]|\\d|\[[^\^\]\\]*\])*$")


Check = Callable[[pa.Array], Any]


def _regex_check(pattern: str) -> Check:
    return lambda array: pc.match_substring_regex(array, pattern)


def _length_check(compare: Callable[[Any, int], Any], limit: int) -> Check:
    return lambda array: compare(pc.utf8_length(array), limit)


def _utf8(array: pa.Array) -> tuple[Any, Any]:
    """A string array's offsets (one more than its cells) and its UTF-8 bytes."""
    _validity, offsets, data = array.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32, count=len(array) + 1, offset=4 * array.offset)
    text = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    return bounds, text


def _no_nul(array: pa.Array) -> Any:
    _bounds, text = _utf8(array)
    if not (text == 0).any():  # one pass over the bytes, not a search per cell
        return np.ones(len(array), dtype=bool)
    return pc.invert(pc.match_substring(array, "\x00")).to_numpy(zero_copy_only=False)


_FORMULA_BYTES = np.frombuffer(b"=+-@", dtype=np.uint8)


def _no_formula(array: pa.Array) -> Any:
    """No cell starts with ``= + - @`` (a cell's first byte; none of them is part of a
    longer UTF-8 character)."""
    bounds, text = _utf8(array)
    passing = np.ones(len(array), dtype=bool)
    filled = np.flatnonzero(bounds[1:] > bounds[:-1])
    passing[filled] = ~np.isin(text[bounds[filled]], _FORMULA_BYTES)
    return passing


# Bytes that are a whole character, not whitespace or a control: ASCII ! to ~.
_VISIBLE_ASCII = np.zeros(256, dtype=bool)
_VISIBLE_ASCII[0x21:0x7F] = True


def _cjk_at(text: Any, at: Any) -> Any:
    """Whether a three-byte UTF-8 character starting at each position is a CJK ideograph
    (U+3400–U+4DBF, U+4E00–U+9FFF: letters, never whitespace)."""
    lead = text[at].astype(np.int64)
    three = (lead & 0xF0) == 0xE0
    safe = np.where(three, at, 0)
    point = (
        ((lead & 0x0F) << 12)
        | ((text[np.minimum(safe + 1, len(text) - 1)].astype(np.int64) & 0x3F) << 6)
        | (text[np.minimum(safe + 2, len(text) - 1)].astype(np.int64) & 0x3F)
    )
    return three & (
        ((point >= 0x3400) & (point <= 0x4DBF)) | ((point >= 0x4E00) & (point <= 0x9FFF))
    )


def _stripped(array: pa.Array) -> Any:
    """``_STRIPPED`` (first and last character a letter, digit, punctuation or symbol),
    decided from the bytes where the end characters are visible ASCII or CJK
    ideographs, as Chinese names and addresses are; the other cells by the regular
    expression."""
    bounds, text = _utf8(array)
    passing = np.zeros(len(array), dtype=bool)
    filled = np.flatnonzero(bounds[1:] > bounds[:-1])
    if not len(filled):
        return passing
    first, last = bounds[filled], bounds[filled + 1] - 1
    first_ok = _VISIBLE_ASCII[text[first]] | _cjk_at(text, first)
    last_ascii = text[last] < 0x80
    last_ok = np.where(last_ascii, _VISIBLE_ASCII[text[last]], False)
    three_back = np.maximum(last - 2, first)
    last_ok |= ~last_ascii & (last - 2 >= first) & _cjk_at(text, three_back)
    passing[filled] = first_ok & last_ok
    undecided = filled[~(first_ok & last_ok)]
    if len(undecided):
        matched = pc.match_substring_regex(array.take(pa.array(undecided)), _STRIPPED)
        passing[undecided] = matched.to_numpy(zero_copy_only=False)
    return passing


def _column_checks(validators: Sequence[Any]) -> list[Check] | None:
    # NUL is refused in every field (FieldSpec.clean), whatever the column's validators.
    checks: list[Check] = [_stripped, _no_formula, _no_nul]
    for validator in validators:
        if isinstance(validator, MaxLengthValidator) and isinstance(validator.limit_value, int):
            checks.append(_length_check(pc.less_equal, validator.limit_value))
        elif isinstance(validator, MinLengthValidator) and isinstance(validator.limit_value, int):
            checks.append(_length_check(pc.greater_equal, validator.limit_value))
        elif isinstance(validator, ProhibitNullCharactersValidator):
            continue  # every column is checked for NUL already
        elif type(validator) is RegexValidator and not validator.inverse_match:
            pattern = str(getattr(validator.regex, "pattern", validator.regex))
            if validator.flags or "(?" in pattern or not _SAFE_REGEX.match(pattern):
                return None
            checks.append(_regex_check(pattern))
        elif validator is validate_industry_code:
            checks.append(_regex_check(INDUSTRY_CODE_RE.pattern))
        elif validator is validate_certificate_no:
            checks.append(_certificates_valid)
        else:
            return None
    return checks


def _accepted(raws: Sequence[str], checks: list[Check]) -> Any:
    """A boolean array: which cells pass every check (blank cells pass as they are)."""
    array = pa.array(raws, type=pa.string())
    bounds, _text = _utf8(array)
    passing = np.ones(len(array), dtype=bool)
    for check in checks:
        result = check(array)
        passing &= result if isinstance(result, np.ndarray) else result.to_numpy(False)
    return passing | (bounds[1:] == bounds[:-1])


_ID_WEIGHTS = np.array((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int64)
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_USCC_ALPHABET = b"0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array(
    (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), dtype=np.int64
)
_USCC_INDEX = np.zeros(256, dtype=np.int64)
_USCC_INDEX[np.frombuffer(_USCC_ALPHABET, dtype=np.uint8)] = np.arange(31)


def _certificates_valid(array: pa.Array) -> Any:
    """``validate_certificate_no`` over a column (non-blank cells): a resident ID number
    or a unified social credit code with a correct check character."""
    resident = pc.match_substring_regex(array, r"^[0-9]{17}[0-9X]$").to_numpy(zero_copy_only=False)
    uscc = pc.match_substring_regex(
        array, r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
    ).to_numpy(zero_copy_only=False)
    valid = np.zeros(len(array), dtype=bool)
    for mask, check in ((resident, _resident_checked), (uscc, _uscc_checked)):
        if mask.any():
            chosen = array.filter(pa.array(mask))
            codes = np.frombuffer(
                "".join(chosen.to_pylist()).encode("ascii"), dtype=np.uint8
            ).reshape(-1, 18)
            valid[mask] |= check(codes)
    return pa.array(valid)


def _resident_checked(codes: Any) -> Any:
    total = (codes[:, :17].astype(np.int64) - 48) @ _ID_WEIGHTS
    return _ID_CHECK[total % 11] == codes[:, 17]


def _uscc_checked(codes: Any) -> Any:
    total = _USCC_INDEX[codes[:, :17]] @ _USCC_WEIGHTS
    alphabet = np.frombuffer(_USCC_ALPHABET, dtype=np.uint8)
    return alphabet[(31 - total % 31) % 31] == codes[:, 17]


def error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


# --------------------------------------------------------------------------- derived values


class _Draft:
    """A new customer's attributes before it exists: enough for the registry's getters,
    completeness and the mapping rules, without the cost of a model instance."""

    def __init__(self, attrs: dict[str, Any]) -> None:
        self.__dict__ = attrs


class Deriver:
    """``services.refresh_derived`` for new customers, memoised: the rules' outcome depends
    only on the fields their conditions read, and completeness only on the segment and
    which fields are filled. Tests compare it with ``refresh_derived``."""

    def __init__(self, specs: Sequence[FieldSpec], rules: list[MappingRule]) -> None:
        self.specs = list(specs)
        self.rules = rules
        inputs = sorted({str(c["field"]) for r in rules for c in r.conditions})
        self.inputs = [registry.spec(name) for name in inputs]
        self.outcomes: dict[tuple[Any, ...], Any] = {}
        self.scores: dict[tuple[Any, ...], int] = {}
        self.segments: dict[tuple[str, str], str] = {}

    def segment_of(self, tariff_category: str, industry_code: str) -> str:
        """``classify_segment``, memoised: a file has few tariff and industry pairs."""
        key = (tariff_category, industry_code)
        segment = self.segments.get(key)
        if segment is None:
            segment = self.segments[key] = classify_segment(
                tariff_category=tariff_category, industry_code=industry_code
            ).value
        return segment

    def derive(self, draft: _Draft, filled: frozenset[str]) -> None:
        """Set phone_last4, search_bigrams, segment, the rule targets, rules_fired and
        completeness."""
        customer = cast(Customer, draft)
        phone = customer.phone
        customer.phone_last4 = phone[-4:] if phone else ""
        customer.search_bigrams = search_bigrams(customer.name, customer.address)
        if not customer.segment_override_reason:
            customer.segment = self.segment_of(customer.tariff_category, customer.industry_code)
        key = tuple(s.get(customer) for s in self.inputs)
        outcome = self.outcomes.get(key)
        if outcome is None:
            outcome = self.outcomes[key] = evaluate(customer, self.rules)
        for name, value in outcome.values.items():
            setattr(customer, name, value)
        customer.rules_fired = outcome.fired
        score_key = (customer.segment, filled, key)
        score = self.scores.get(score_key)
        if score is None:
            score = self.scores[score_key] = completeness_score(customer, self.specs)
        customer.completeness = score


# --------------------------------------------------------------------------- the import


@dataclass
class _Row:
    number: int
    cells: list[str]
    values: dict[str, Any]


@dataclass
class _Judged:
    """A batch's accepted rows, a column per field of the file: each column's cleaned
    values and which of them hold something."""

    numbers: list[int]
    cells: list[list[str]]
    names: list[str]
    columns: list[list[Any] | Coded]
    filled: list[Any]  # boolean arrays

    def __len__(self) -> int:
        return len(self.numbers)

    def column(self, name: str) -> list[Any] | Coded | None:
        return self.columns[self.names.index(name)] if name in self.names else None

    def account_nos(self) -> list[str]:
        return [a or "" for a in self.columns[self.names.index("account_no")]]

    def row(self, index: int) -> _Row:
        values = {
            name: column[index]
            for name, column, filled in zip(self.names, self.columns, self.filled, strict=True)
            if filled[index]
        }
        return _Row(self.numbers[index], self.cells[index], values)

    def take(self, indices: Sequence[int]) -> _Judged:
        """These rows only (ascending indices, as every caller filters)."""
        if len(indices) == len(self.numbers):
            return self
        at = np.asarray(indices, dtype=np.intp)
        return _Judged(
            _picked(self.numbers, indices),
            _picked(self.cells, indices),
            self.names,
            [c.take(at) if isinstance(c, Coded) else _picked(c, indices) for c in self.columns],
            [f[at] for f in self.filled],
        )


class _Same:
    """A column whose every row holds this one value."""

    def __init__(self, value: Any) -> None:
        self.value = value


@dataclass
class _NewRows:
    """New customers of a batch, a column per attribute of ``Customer``."""

    numbers: list[int]
    account_nos: list[str]
    columns: dict[str, list[Any] | Coded | _Same]  # but the search keys: see ``texts``

    def __len__(self) -> int:
        return len(self.numbers)

    def texts(self, attname: str) -> list[str]:
        column = self.columns[attname]
        if isinstance(column, _Same):
            return [column.value] * len(self)
        return column.tolist() if isinstance(column, Coded) else column

    def attrs(self) -> Iterator[dict[str, Any]]:
        """Each customer's attributes."""
        names = list(self.columns)
        count = len(self.numbers)
        columns = [
            itertools.repeat(c.value, count) if isinstance(c, _Same) else c
            for c in self.columns.values()
        ]
        for values in zip(*columns, strict=True):
            yield dict(zip(names, values, strict=True))


@dataclass
class _Plan:
    """What one batch will write."""

    new: _NewRows | None = None
    updated: list[Customer] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)
    history: list[FieldChange] = field(default_factory=list)
    requests: list[ChangeRequest] = field(default_factory=list)


class _Import:
    def __init__(
        self,
        *,
        table: Table,
        filename: str,
        actor: User,
        dry_run: bool,
        reject_path: Path,
        progress: Callable[[int, int], None] | None,
        batch_size: int,
    ) -> None:
        self.table = table
        self.filename = filename
        self.actor = actor
        self.dry_run = dry_run
        self.reject_path = reject_path
        self.progress = progress
        self.batch_size = batch_size
        self.specs = registry.all_specs()
        self.by_name = {s.name: s for s in self.specs}
        # Where a new customer keeps each field: its column's attribute, or None for an
        # extension field (kept in ``extra``).
        self.attnames = {
            s.name: None if s.custom is not None else s.column.attname for s in self.specs
        }
        self.mapping = map_header(table.header, self.specs)
        self.cleaners = [Cleaner(s) if s else None for s in self.mapping.specs]
        # Errors name a column as the file does; a field without a column by its label.
        self.column_text = {
            s.name: text.strip()
            for s, text in zip(self.mapping.specs, table.header, strict=False)
            if s is not None
        }
        version = published_version()
        self.rules = list(version.rules.select_related("version")) if version else []
        self.deriver = Deriver(self.specs, self.rules)
        # The distinct conditions of the rules, and what ``Deriver.derive`` sets that rows
        # alike share (``plan_new``).
        self.conditions = list(
            {
                json.dumps(c, sort_keys=True, default=str): c
                for rule in self.rules
                for c in rule.conditions
            }.values()
        )
        self.derived_attnames = [
            "segment",
            *(t.column.attname for t in rule_targets()),
            "rules_fired",
        ]
        self.seen: dict[str, int] = {}
        self._originals: dict[int, list[str]] = {}
        self.missing: dict[tuple[str, frozenset[str]], list[FieldSpec]] = {}
        self.report = ImportReport(
            filename=filename,
            dry_run=dry_run,
            columns=[str(s.name) for s in self.mapping.specs if s],
            ignored_columns=self.mapping.ignored,
        )
        self.may_request = actor.has_perm("archive.request_customer_change")
        self.scoped = not (actor.is_superuser or user_roles(user=actor) & COMPANY_WIDE_ROLES)
        self.rejected: list[tuple[int, list[str], list[tuple[str, str]]]] = []
        self.reject_writer: Any = None
        self.reject_handle: io.TextIOWrapper | None = None
        self.connection = connections[router.db_for_write(Customer)]
        self.defaults = self._defaults()
        copy_fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
        self.copy_attnames = [f.attname for f in copy_fields]
        self.copy_columns = ["id", *(f.column for f in copy_fields)]
        # Columns whose values are mostly distinct, made into COPY text by Arrow rather
        # than value by distinct value (``copy_text``).
        self.free_text = {
            f.attname
            for f in copy_fields
            if f.get_internal_type() in {"CharField", "TextField"} and not f.choices
        } | {"extra", "search_bigrams"}
        # Inside a caller's transaction (tests) another connection would not see its rows.
        threaded = self.connection.vendor == "postgresql" and not self.connection.in_atomic_block
        self.pg_writer = _PgWriter(threaded=threaded and not dry_run)

    # -- rejects
    def reject(self, row_no: int, cells: list[str], errors: list[tuple[str, str]]) -> None:
        """Count a rejected row; it is written, in row order, when its batch ends."""
        self.report.rejected += 1
        self.rejected.append((row_no, cells, errors))

    def flush_rejects(self) -> None:
        self.rejected.sort(key=lambda item: item[0])
        for row_no, cells, errors in self.rejected:
            self._write_reject(row_no, cells, errors)
        self.rejected = []

    def _write_reject(self, row_no: int, cells: list[str], errors: list[tuple[str, str]]) -> None:
        for column, message in errors:
            if len(self.report.errors) < MAX_REPORTED_ERRORS:
                self.report.errors.append(CellError(row_no, column, message))
            else:
                self.report.errors_truncated = True
        if self.reject_writer is None:
            self.reject_path.parent.mkdir(parents=True, exist_ok=True)
            self.reject_handle = self.reject_path.open("w", encoding="utf-8-sig", newline="")
            self.reject_writer = csv.writer(self.reject_handle)
            self.reject_writer.writerow([*self.table.header, _("row"), _("reason")])
            self.report.reject_file = str(self.reject_path)
        reason = "; ".join(
            f"{column}: {message}" if column else message for column, message in errors
        )
        width = len(self.table.header)
        padded = (cells + [""] * width)[:width] if len(cells) <= width else cells
        # Cells are neutralised: the file is meant to be opened in a spreadsheet.
        self.reject_writer.writerow(
            [neutralise_formula(c) for c in padded] + [str(row_no), neutralise_formula(reason)]
        )

    # -- a batch of rows, column by column
    def judge_batch(self, rows: list[tuple[int, list[str]]]) -> _Judged:
        """The rows that pass every cell's cleaning (``Cleaner.clean_column``), a column at
        a time; the others are rejected with their reasons."""
        width = len(self.cleaners)
        if not self._all_plain(rows):
            candidates: list[tuple[int, list[str]]] = []
            for row_no, cells in rows:
                if self._row_refused(row_no, cells):
                    continue
                if len(cells) != width:
                    cells = (cells + [""] * width)[:width]  # missing cells are blank
                candidates.append((row_no, cells))
            rows = candidates
        numbers = [row_no for row_no, _cells in rows]
        all_cells = [cells for _row_no, cells in rows]
        names: list[str] = []
        cleaned: list[list[Any] | Coded] = []
        filled: list[Any] = []
        errors: dict[int, list[tuple[str, str]]] = {}
        if rows:
            for cleaner, raws in zip(self.cleaners, zip(*all_cells, strict=True), strict=True):
                if cleaner is None:
                    continue
                values, failed = cleaner.clean_column(raws)
                names.append(cleaner.spec.name)
                cleaned.append(values)
                filled.append(cleaner.filled(values))
                if failed:
                    column = self.column_text[cleaner.spec.name]
                    for index, exc in failed.items():
                        errors.setdefault(index, []).append((column, error_text(exc)))
        # Rejects keep the cells as the file has them.
        originals = self._originals
        if originals:
            all_cells = [originals.get(n, c) for n, c in zip(numbers, all_cells, strict=True)]
            originals.clear()
        judged = _Judged(numbers, all_cells, names, cleaned, filled)
        if not errors:
            return judged
        for index in sorted(errors):
            self.reject(numbers[index], all_cells[index], errors[index])
        return judged.take([i for i in range(len(numbers)) if i not in errors])

    def _all_plain(self, rows: list[tuple[int, list[str]]]) -> bool:
        """Whether every row has the header's width and an account number not seen
        before, in the file or in this batch; then they are remembered as seen (rows
        that are not all plain go through ``_row_refused`` one by one)."""
        width = len(self.cleaners)
        if any(len(cells) != width for _row_no, cells in rows):
            return False
        at = self.mapping.account_index
        accounts = [cells[at].strip() for _row_no, cells in rows]
        distinct = set(accounts)
        if (
            "" in distinct
            or len(distinct) != len(accounts)
            or not self.seen.keys().isdisjoint(distinct)
        ):
            return False
        self.seen.update(zip(accounts, (row_no for row_no, _cells in rows), strict=False))
        return True

    def _row_refused(self, row_no: int, cells: list[str]) -> bool:
        """The checks of a row as a whole (too many cells, a duplicate account number);
        rejects it and answers ``True`` when one fails."""
        width = len(self.cleaners)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            self.reject(row_no, cells, [("", _("The row has more cells than the header."))])
            return True
        if len(cells) != width:
            self._originals[row_no] = cells  # rejects keep the cells as the file has them
        account_raw = (
            cells[self.mapping.account_index].strip()
            if len(cells) > self.mapping.account_index
            else ""
        )
        if account_raw:
            first = self.seen.get(account_raw)
            if first is not None:
                self.reject(
                    row_no,
                    cells,
                    [
                        (
                            self.column_of(self.by_name["account_no"]),
                            _("Duplicate of row %(row)s.") % {"row": first},
                        )
                    ],
                )
                return True
            self.seen[account_raw] = row_no
        return False

    def column_of(self, field_spec: FieldSpec) -> str:
        return self.column_text.get(field_spec.name) or str(field_spec.label)

    def _reason(self, number: int) -> str:
        return f"import {self.filename} row {number}"[:500]

    # -- a new customer
    def _defaults(self) -> dict[str, Any]:
        now = timezone.now()
        defaults: dict[str, Any] = {}
        for f in Customer._meta.concrete_fields:
            if f.primary_key:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                defaults[f.attname] = now
            else:
                defaults[f.attname] = f.get_default()
        return defaults

    def plan_new(self, judged: _Judged, plan: _Plan) -> None:
        """New customers, a column at a time.

        - The segment comes from tariff and industry, once per distinct pair.
        - The rules' outcome depends only on the segment and on which of their conditions
          hold (each judged once per distinct value): rows alike in these are derived
          together, the first of them through ``Deriver.derive``.
        - Which tier-1 fields a row misses, and its completeness, depend on its segment
          and on which fields it fills: computed for all rows at once from the filled
          cells, weighted as ``completeness_score`` weighs them.
        - Phone digits and search keys are each row's own.
        """
        count = len(judged)
        if not count:
            return
        blanks = [""] * count
        tariffs = judged.column("tariff_category") or blanks
        industries = judged.column("industry_code") or blanks
        # A row without a tariff keeps the default segment (and is refused below).
        pairs = dict.fromkeys(zip(tariffs, industries, strict=True))
        for tariff, industry in pairs:
            pairs[tariff, industry] = (
                self.deriver.segment_of(tariff, industry)
                if tariff
                else (self.defaults["segment"], industry)
            )
        segments = list(map(pairs.__getitem__, zip(tariffs, industries, strict=True)))
        holds = [self._condition_column(judged, c) for c in self.conditions]
        groups: dict[tuple[Any, ...], int] = {}
        group_of_row = [
            groups.setdefault(key, len(groups)) for key in zip(segments, *holds, strict=True)
        ]
        first_rows: dict[int, int] = {}
        for index, group in enumerate(group_of_row):
            first_rows.setdefault(group, index)
        drafts = [self._derived_draft(judged, first_rows[g]) for g in range(len(groups))]
        group_at = np.asarray(group_of_row, dtype=np.intp)
        refused, completeness = self._tier_scores(judged, drafts, group_at)
        if refused.any():
            for index in np.flatnonzero(refused).tolist():
                self._reject_missing(judged, index)
            kept = np.flatnonzero(~refused)
            if not len(kept):
                return
            judged = judged.take(kept.tolist())
            group_at = group_at[kept]
            completeness = completeness[kept]
        plan.new = self._new_columns(judged, group_at, drafts, completeness)

    def _tier_scores(self, judged: _Judged, drafts: list[_Draft], group_at: Any) -> tuple[Any, Any]:
        """For every row: whether it misses an applicable tier-1 field, and its
        completeness (``completeness_score``: the tier-weighted share of the applicable
        fields that hold a value, 0–100). A field the file has counts as its cells are
        filled; any other as the row's group holds it (a default or a rule's value)."""
        count = len(judged)
        filled = np.stack(judged.filled, axis=1)
        column_at = {name: j for j, name in enumerate(judged.names)}
        for name, j in column_at.items():
            attname = self.attnames[name]
            if attname is not None and not FieldSpec.is_blank(self.defaults[attname]):
                filled[:, j] = True  # a blank cell leaves a default that counts as filled
        refused = np.zeros(count, dtype=bool)
        weighted = np.zeros(count, dtype=np.int64)
        totals = np.zeros(len(drafts), dtype=np.int64)
        constants = np.zeros(len(drafts), dtype=np.int64)
        by_segment: dict[str, list[int]] = {}
        for group, draft in enumerate(drafts):
            by_segment.setdefault(cast(Customer, draft).segment, []).append(group)
        for segment, members in by_segment.items():
            rows = np.isin(group_at, members)
            probe = cast(Customer, _Draft({"segment": segment}))
            weights = np.zeros(len(judged.names), dtype=np.int64)
            others: list[FieldSpec] = []
            for field_spec in self.specs:
                if field_spec.name == "segment" or not field_spec.applies(probe):
                    continue
                at = column_at.get(field_spec.name)
                if at is not None:
                    weights[at] = TIER_WEIGHTS[field_spec.tier]
                    if field_spec.tier == Tier.ONE:
                        refused[rows] |= ~filled[rows, at]
                else:
                    others.append(field_spec)
            weighted[rows] = filled[rows] @ weights
            for group in members:
                customer = cast(Customer, drafts[group])
                totals[group] = weights.sum() + sum(TIER_WEIGHTS[o.tier] for o in others)
                constants[group] = sum(
                    TIER_WEIGHTS[o.tier] for o in others if not o.is_blank(o.get(customer))
                )
                if any(o.tier == Tier.ONE and o.is_blank(o.get(customer)) for o in others):
                    refused[group_at == group] = True
        total = totals[group_at]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.rint(100 * (constants[group_at] + weighted) / total)
        completeness = np.where(total > 0, share, 100).astype(np.int64)
        return refused, completeness

    def _condition_column(self, judged: _Judged, condition: dict[str, Any]) -> list[bool]:
        """Whether a rule's condition holds of each row, judged once per distinct value of
        the field it reads (the default where the file has no such column or the cell is
        blank). A condition on a field the import derives (the segment) reads its
        default here; rows alike in it are alike in segment anyway."""
        field_spec = registry.spec(condition["field"])
        attname = self.attnames[field_spec.name]
        default = None if attname is None else self.defaults[attname]
        values = judged.column(field_spec.name)
        if values is None:
            values = [default] * len(judged)
        else:
            values = _blanks_as(values, judged.filled[judged.names.index(field_spec.name)], default)
        outcome = {}
        for value in dict.fromkeys(values):
            attrs = {"extra": {field_spec.name: value}} if attname is None else {attname: value}
            outcome[value] = condition_holds(cast(Customer, _Draft(attrs)), condition)
        return list(map(outcome.__getitem__, values))

    def _draft(self, values: dict[str, Any]) -> _Draft:
        attrs = self.defaults.copy()
        extra: dict[str, Any] = {}
        for name, value in values.items():
            attname = self.attnames[name]
            if attname is None:
                extra[name] = value
            else:
                attrs[attname] = value
        attrs["extra"] = extra
        return _Draft(attrs)

    def _derived_draft(self, judged: _Judged, index: int) -> _Draft:
        """One row after ``Deriver.derive``: what the rows of its group share."""
        row = judged.row(index)
        draft = self._draft(row.values)
        self.deriver.derive(draft, frozenset(row.values))
        return draft

    def _reject_missing(self, judged: _Judged, index: int) -> None:
        row = judged.row(index)
        customer = cast(Customer, self._draft(row.values))
        if customer.tariff_category:
            customer.segment = self.deriver.segment_of(
                customer.tariff_category, customer.industry_code
            )
        missing_key = (customer.segment, frozenset(row.values))
        missing = self.missing.get(missing_key)
        if missing is None:
            missing = self.missing[missing_key] = missing_fields(customer, self.specs, Tier.ONE)
        self.reject(
            row.number,
            row.cells,
            [(self.column_of(s), _("This tier-1 field is required.")) for s in missing],
        )

    def _new_columns(
        self, judged: _Judged, group_at: Any, drafts: list[_Draft], completeness: Any
    ) -> _NewRows:
        """Every attribute of the new customers as a column: the file's (the default where
        a cell is blank), the derived ones by group, completeness, the row's own phone
        digits, the rest the model's defaults."""
        count = len(judged)
        columns: dict[str, list[Any] | Coded | _Same] = {
            name: _Same(value) for name, value in self.defaults.items()
        }
        extras: list[dict[str, Any]] | None = None
        for name, values, filled in zip(judged.names, judged.columns, judged.filled, strict=True):
            attname = self.attnames[name]
            if attname is None:  # an extension field, kept in ``extra``
                if extras is None:
                    extras = [{} for _ in range(count)]
                for extra, value, holds in zip(extras, values, filled.tolist(), strict=True):
                    if holds:
                        extra[name] = value
            else:
                columns[attname] = _blanks_as(values, filled, self.defaults[attname])
        columns["extra"] = _Same({}) if extras is None else cast(list[Any], extras)
        groups = group_at.tolist()
        for attname in self.derived_attnames:
            outcome = [draft.__dict__[attname] for draft in drafts]
            columns[attname] = (
                _Same(outcome[0]) if len(outcome) == 1 else list(map(outcome.__getitem__, groups))
            )
        columns["completeness"] = completeness.tolist()
        phones = columns["phone"]
        columns["phone_last4"] = (
            _Same(phones.value[-4:] if phones.value else "")
            if isinstance(phones, _Same)
            else [p[-4:] if p else "" for p in phones]
        )
        del columns["search_bigrams"]  # made by the writer, as it stores them
        return _NewRows(judged.numbers, judged.account_nos(), columns)

    # -- a known customer
    def plan_existing(
        self, row: _Row, customer: Customer, pending: set[tuple[int, str, str]], plan: _Plan
    ) -> None:
        direct: list[tuple[FieldSpec, Any, Any]] = []
        tier1: list[tuple[FieldSpec, Any]] = []
        for name, value in row.values.items():
            field_spec = self.by_name[name]
            old = field_spec.get(customer)
            if old == value or (field_spec.is_blank(old) and field_spec.is_blank(value)):
                continue
            if field_spec.tier == Tier.ONE:
                tier1.append((field_spec, value))
            else:
                direct.append((field_spec, old, value))
        requests = []
        for field_spec, value in tier1:
            text = field_spec.to_text(value)
            key = (customer.pk, field_spec.name, text)
            if key in pending:
                continue
            pending.add(key)
            requests.append(
                ChangeRequest(
                    customer=customer,
                    field=field_spec.name,
                    old_value=field_spec.to_text(field_spec.get(customer)),
                    new_value=text,
                    reason=self._reason(row.number),
                    requested_by=self.actor,
                )
            )
        if requests and not self.may_request:
            self.reject(
                row.number,
                row.cells,
                [
                    (
                        self.column_of(self.by_name[r.field]),
                        _("Your role may not request changes of tier-1 data."),
                    )
                    for r in requests
                ],
            )
            return
        plan.requests.extend(requests)
        self.report.change_requests += len(requests)
        if not direct:
            if requests:
                self.report.requested += 1
            else:
                self.report.unchanged += 1
            return
        reason = self._reason(row.number)
        for field_spec, old, value in direct:
            field_spec.set(customer, value)
            plan.history.append(
                FieldChange(
                    customer=customer,
                    field=field_spec.name,
                    old_value=field_spec.to_text(old),
                    new_value=field_spec.to_text(value),
                    actor=self.actor,
                    source=FieldChange.Source.IMPORTED,
                    reason=reason,
                )
            )
            plan.update_fields.add("extra" if field_spec.custom else field_spec.column.attname)
        for name, (old, new) in refresh_derived(customer, self.specs, self.rules).items():
            plan.update_fields.add(name)
            if name in self.by_name:
                plan.history.append(
                    FieldChange(
                        customer=customer,
                        field=name,
                        old_value=self.by_name[name].to_text(old),
                        new_value=self.by_name[name].to_text(new),
                        actor=None,
                        source=FieldChange.Source.DERIVED,
                    )
                )
        customer.version += 1
        plan.updated.append(customer)
        self.report.updated += 1

    # -- a batch
    def run_batch(self, judged: _Judged) -> None:
        accounts = judged.account_nos()
        with transaction.atomic():
            known = Customer.objects.all()
            if self.connection.vendor == "postgresql":
                # One text parameter rather than thousands of placeholders or an array's
                # elements to send (account numbers are ten digits: no comma).
                known = known.filter(
                    RawSQL(
                        "archive_customer.account_no = ANY(string_to_array(%s, ','))",
                        (",".join(a for a in accounts if a),),
                        output_field=BooleanField(),
                    )
                )
            else:
                known = known.filter(account_no__in=[a for a in accounts if a])
            if not self.dry_run:
                known = known.select_for_update()
            existing = {c.account_no: c for c in known}
            plan = _Plan()
            if existing:
                self.plan_known(judged, accounts, existing, plan)
                judged = judged.take([i for i, a in enumerate(accounts) if a not in existing])
            self.plan_new(judged, plan)
            self.report.created += len(plan.new or ())
            if not self.dry_run:
                self.write(plan)
        self.flush_rejects()

    def plan_known(
        self, judged: _Judged, accounts: list[str], existing: dict[str, Customer], plan: _Plan
    ) -> None:
        """The rows of customers the archive holds, one by one."""
        visible: set[int] | None = None
        if self.scoped:
            visible = set(
                customers_visible_to(user=self.actor)
                .filter(pk__in=[c.pk for c in existing.values()])
                .values_list("pk", flat=True)
            )
        pending = set(
            ChangeRequest.objects.filter(
                customer__in=[c.pk for c in existing.values()],
                status=ChangeRequest.Status.PENDING,
            ).values_list("customer_id", "field", "new_value")
        )
        for index, account in enumerate(accounts):
            customer = existing.get(account)
            if customer is None:
                continue
            row = judged.row(index)
            if visible is not None and customer.pk not in visible:
                self.reject(
                    row.number,
                    row.cells,
                    [
                        (
                            self.column_of(self.by_name["account_no"]),
                            _("This customer is outside your scope."),
                        )
                    ],
                )
            else:
                self.plan_existing(row, customer, pending, plan)

    def write(self, plan: _Plan) -> None:
        if plan.new:
            if self.connection.vendor == "postgresql":
                self._copy_new(plan.new)
            else:
                self._insert_new(plan.new)
        if plan.updated:
            now = timezone.now()
            for customer in plan.updated:
                customer.updated_at = now
            Customer.objects.bulk_update(
                plan.updated, sorted(plan.update_fields | {"version", "updated_at"}), batch_size=500
            )
        if plan.history:
            FieldChange.objects.bulk_create(plan.history, batch_size=1000)
        if plan.requests:
            ChangeRequest.objects.bulk_create(plan.requests, batch_size=1000)

    def _reasons(self, numbers: list[int]) -> list[str]:
        return [self._reason(number) for number in numbers]

    def _insert_new(self, new: _NewRows) -> None:
        customers = Customer.objects.bulk_create(
            [
                Customer(**attrs, search_bigrams=search_bigrams(attrs["name"], attrs["address"]))
                for attrs in new.attrs()
            ],
            batch_size=500,
        )
        FieldChange.objects.bulk_create(
            [
                FieldChange(
                    customer=customer,
                    field="account_no",
                    new_value=customer.account_no,
                    actor=self.actor,
                    source=FieldChange.Source.IMPORTED,
                    reason=reason,
                )
                for customer, reason in zip(customers, self._reasons(new.numbers), strict=True)
            ],
            batch_size=1000,
        )

    def _copy_new(self, new: _NewRows) -> None:
        """PostgreSQL: the new customers' ``COPY`` lines, made here a column at a time
        (``copy_text``); written, with their ids, by the ``_PgWriter``."""
        columns: list[copy_text.Column] = []
        for attname in self.copy_attnames:
            if attname == "search_bigrams":
                columns.append(
                    copy_text.text_column(array_literals(new.texts("name"), new.texts("address")))
                )
                continue
            values = new.columns[attname]
            if attname in ("extra", "rules_fired"):
                values = _json_texts(cast(list[Any] | _Same, values))
            if isinstance(values, _Same):
                columns.append(copy_text.literal(values.value))
            elif isinstance(values, Coded):
                columns.append(copy_text.coded_column(values.values, values.positions))
            elif attname in self.free_text:
                columns.append(copy_text.text_column(values))
            else:
                columns.append(copy_text.coded_column(values))
        self.pg_writer.submit(
            _copy_customers,
            self.connection.alias,
            self.copy_columns,
            copy_text.lines(columns),
            self.actor.pk,
            copy_text.text_column(new.account_nos),
            copy_text.text_column(self._reasons(new.numbers)),
        )

    # -- the whole file
    @contextmanager
    def first_load_deferred(self) -> Iterator[None]:
        """A first load on PostgreSQL (the archive is empty) runs without the GIN search
        indexes and the foreign keys of the customer and history tables, and makes them
        again at the end, whether the import ends well or not.

        Building a GIN index over a million rows costs a fraction of updating it row by
        row; checking a foreign key over a whole table is one join, where row by row it
        is a lookup per row (three per customer: its station, its history row's customer
        and actor). The b-trees stay and are kept up as rows arrive: the database has a
        core to spare while Python judges the next batch, and the end of the load is
        then the GIN builds alone (at a million rows 49 s in all, against 52 s with the
        b-trees built at the end too). The rows are checked all the same: the import
        resolves each station itself, and the keys are validated when they are added
        back. The definitions are PostgreSQL's own (``pg_get_indexdef``,
        ``pg_get_constraintdef``), so each comes back exactly as its migration made it.
        They are stored (``PendingSchemaStep``) in the transaction that drops them: if
        this process dies before the end, the next import makes them first."""
        if (
            self.dry_run
            or self.connection.vendor != "postgresql"
            or self.connection.in_atomic_block
        ):
            yield
            return
        pending_schema_remake(using=self.connection.alias)  # what a killed import left
        if Customer.objects.using(self.connection.alias).exists():
            yield
            return
        tables = [Customer._meta.db_table, FieldChange._meta.db_table]
        quote = self.connection.ops.quote_name
        alias = self.connection.alias
        with transaction.atomic(using=alias), self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),"
                " i.indrelid::regclass::text"
                " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " JOIN pg_am a ON a.oid = c.relam"
                " WHERE i.indrelid = ANY(%s::regclass[]) AND a.amname = 'gin'",
                [tables],
            )
            # The longest build first (the stored search keys, then the trigram
            # indexes): two connections then end about together.
            indexes = sorted(cursor.fetchall(), key=lambda row: ("gin_trgm_ops" in row[1], row[0]))
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
                " FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
                [tables],
            )
            foreign_keys = cursor.fetchall()
            # Written with the drops, in one transaction: whatever happens to this
            # process, what is dropped is either back or still to be made.
            PendingSchemaStep.objects.using(alias).bulk_create(
                _remaking_steps(indexes, foreign_keys, quote)
            )
            # Names as regclass prints them (quoted where needed) or quoted here.
            for name, _definition, _table in indexes:
                cursor.execute(f"DROP INDEX {name}")
            for table, name, _definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        try:
            yield
        finally:
            pending_schema_remake(using=alias)

    def run(self) -> ImportReport:
        started = timezone.now()
        total = self.table.total
        rows = self.table.rows
        try:
            with self.first_load_deferred(), _collector_paused() as batch_done:
                try:
                    while chunk := list(itertools.islice(rows, self.batch_size)):
                        batch = [row for row in chunk if "".join(row[1]).strip()]  # not blank
                        self.report.rows += len(batch)
                        judged = self.judge_batch(batch) if batch else None
                        if judged:
                            self.run_batch(judged)
                        batch_done()
                        if self.progress is not None:
                            done = self.report.rows
                            self.progress(done, max(total, done))
                    self.flush_rejects()
                    self.pg_writer.close()
                finally:
                    self.pg_writer.shutdown()
        finally:
            if self.reject_handle is not None:
                self.reject_handle.close()
        if self.progress is not None:
            self.progress(self.report.rows, self.report.rows)
        self.report.seconds = round((timezone.now() - started).total_seconds(), 3)
        return self.report


def _picked(values: Sequence[Any], indices: Sequence[int]) -> list[Any]:
    """The values at these indices, gathered in C rather than a Python loop."""
    if len(indices) > 1:
        return list(operator.itemgetter(*indices)(values))
    return [values[i] for i in indices]


def _blanks_as(values: list[Any] | Coded, filled: Any, default: Any) -> list[Any] | Coded:
    """The column with ``default`` in its blank cells, as a new customer's attribute; the
    column itself when its blank cells clean to the default already (equal, and of its
    type), as they mostly do."""
    blank = np.flatnonzero(~filled).tolist()
    if isinstance(values, Coded):
        cleaned = [values.values[p] for p in np.unique(values.positions[blank]).tolist()]
    else:
        cleaned = _picked(values, blank)
    if set(map(type, cleaned)) <= {type(default)} and set(cleaned) <= {default}:
        return values
    return [v if f else default for v, f in zip(values, filled.tolist(), strict=True)]


@contextmanager
def _collector_paused(every: int = 10) -> Iterator[Callable[[], None]]:
    """Python's cycle collector paused for the import, run once every ``every`` batches.

    A batch makes hundreds of thousands of small objects (cells, keys, columns); the
    collector, counting them, ran many times a batch and walked the batch's live objects
    each time: a quarter of the import's Python time at a million rows. The import's
    objects make no cycles (a run over 200,000 rows collected none), so a collection of
    the young generations now and then only guards against a library's; after each batch
    it cost 2 s of a million rows' 35."""
    enabled = gc.isenabled()
    gc.disable()
    batches = itertools.count(1)

    def batch_done() -> None:
        if next(batches) % every == 0:
            gc.collect(1)

    try:
        yield batch_done
    finally:
        if enabled:
            gc.enable()


def _json_texts(values: list[Any] | _Same) -> list[str] | _Same:
    """JSON values as their text; a value shared by many rows (the rules fired by a
    group of rows alike) is written once."""
    if isinstance(values, _Same):
        return _Same(json.dumps(values.value, ensure_ascii=False))
    texts: dict[int, str] = {}
    result = []
    for value in values:
        text = texts.get(id(value))
        if text is None:
            text = texts[id(value)] = json.dumps(value, ensure_ascii=False)
        result.append(text)
    return result


def _copy_customers(
    alias: str,
    columns: list[str],
    lines: pa.Array,
    actor_id: int,
    accounts: pa.Array,
    reasons: pa.Array,
) -> None:
    """``COPY`` new customers (``lines`` hold every column but the first, the id, which
    this draws from the table's sequence), then ``COPY`` their first history rows with
    those ids: no lookup of the new rows by account number. ``accounts`` and
    ``reasons`` are ``COPY`` text already."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    table = Customer._meta.db_table
    column_list = ", ".join(quote(c) for c in columns)
    history = FieldChange._meta.db_table
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(lines)],
        )
        ids = pa.array([pk for (pk,) in cursor.fetchall()], type=pa.int64())
        raw = cast(Any, cursor).cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {quote(table)} ({column_list}) FROM STDIN") as copy:
            copy.write(copy_text.payload(copy_text.prefixed(ids, lines)))
        constants = [
            copy_text.literal(v)
            for v in ("account_no", "", actor_id, FieldChange.Source.IMPORTED.value)
        ]
        history_lines = copy_text.lines(
            [
                ids.cast(pa.string()),
                constants[0],
                constants[1],
                accounts,
                constants[2],
                constants[3],
                reasons,
                "",
                copy_text.literal(timezone.now()),
            ]
        )
        with raw.copy(
            f"COPY {quote(history)} (customer_id, field, old_value, new_value, actor_id,"
            " source, reason, contact_channel, at) FROM STDIN"
        ) as copy:
            copy.write(copy_text.payload(history_lines))


def _remaking_steps(
    indexes: list[tuple[str, str, str]],
    foreign_keys: list[tuple[str, str, str]],
    quote: Callable[[str], str],
) -> list[PendingSchemaStep]:
    """What makes the dropped indexes and keys again, in stages: the keys added unchecked
    (at once); the indexes on two connections side by side, and beside them the check of
    the keys of a table none of them is built on (checking takes a lock an index build of
    the same table would wait for); then the other keys' check."""
    building = {table for _name, _definition, table in indexes}
    steps = [
        PendingSchemaStep(
            statement=f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition} NOT VALID",
            stage=0,
            lane=0,
        )
        for table, name, definition in foreign_keys
    ]
    steps += [
        PendingSchemaStep(statement=definition, stage=1, lane=lane)
        for lane, (_name, definition, _table) in enumerate(indexes)
    ]
    for table, name, _definition in foreign_keys:
        steps.append(
            PendingSchemaStep(
                statement=f"ALTER TABLE {table} VALIDATE CONSTRAINT {quote(name)}",
                stage=2 if table in building else 1,
                lane=len(indexes),
            )
        )
    return steps


def pending_schema_remake(*, using: str) -> None:
    """Run the steps that make again what a first load dropped (``PendingSchemaStep``),
    stage by stage, each stage's lanes on two connections side by side. A step and the
    deletion of its row commit together, and a step another process holds is skipped.
    Every lane runs even when another fails; the first error is raised after."""
    pending = list(PendingSchemaStep.objects.using(using).values_list("stage", "lane", "pk"))
    if not pending:
        return
    errors: list[BaseException] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _stage, in_stage in itertools.groupby(pending, key=operator.itemgetter(0)):
            lanes: dict[int, list[int]] = {}
            for _stage_again, lane, pk in in_stage:
                lanes.setdefault(lane, []).append(pk)
            for step in [pool.submit(_run_steps, using, pks) for pks in lanes.values()]:
                if error := step.exception():
                    errors.append(error)
    if errors:
        raise errors[0]


def _run_steps(alias: str, pks: list[int]) -> None:
    """Run these steps in order on this thread's own connection (``_remaking_steps``)."""
    connection = connections[alias]
    steps = PendingSchemaStep.objects.using(alias)
    try:
        for pk in pks:
            with transaction.atomic(using=alias), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
                statement = (
                    steps.select_for_update(skip_locked=True)
                    .filter(pk=pk)
                    .values_list("statement", flat=True)
                    .first()
                )
                if statement is None:  # made already, or in another process's hands
                    continue
                cursor.execute(statement)
                steps.filter(pk=pk).delete()
    finally:
        connection.close()


class _PgWriter:
    """Runs the COPY of each batch's new customers on a thread with its own connection,
    so PostgreSQL stores one batch while Python judges the next; at most one batch is in
    flight, and its error surfaces at the next batch. Without a thread it runs inline."""

    def __init__(self, *, threaded: bool) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1) if threaded else None
        self.pending: Future[None] | None = None

    def submit(self, fn: Callable[..., None], *args: Any) -> None:
        self.wait()
        if self.pool is None:
            fn(*args)
        else:
            self.pending = self.pool.submit(fn, *args)

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Wait for the last batch; raises its error."""
        self.wait()

    def shutdown(self) -> None:
        if self.pool is not None:
            try:
                self.wait()
            finally:
                self.pool.submit(connections.close_all).result()
                self.pool.shutdown()
                self.pool = None


def customers_import(
    *,
    path: Path,
    actor: User,
    filename: str = "",
    dry_run: bool = False,
    reject_path: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import customers from a CSV or XLSX file; see the module docstring for the rules.

    Raises ``ImportRefused`` (and writes nothing) when the file as a whole is wrong.
    ``progress(done, total)`` is called after each batch.
    """
    filename = filename or path.name
    table = read_table(path, filename=filename)
    if reject_path is None:
        reject_path = imports_dir() / f"rejects-{uuid.uuid4().hex}.csv"
    return _Import(
        table=table,
        filename=filename,
        actor=actor,
        dry_run=dry_run,
        reject_path=reject_path,
        progress=progress,
        batch_size=batch_size,
    ).run()


def imports_dir() -> Path:
    """Where uploads, reports and reject files of imports live."""
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def report_path(job_id: int) -> Path:
    return imports_dir() / f"import-{job_id}.json"


MAX_UPLOAD_BYTES = 512 * 1024 * 1024


def import_start(*, upload: UploadedFile, actor: User, dry_run: bool, language: str = "") -> Job:
    """Keep an uploaded file under ``VAR_DIR/imports`` and queue its import as a job.

    Raises ``PermissionDenied`` for a role that may not import, and ``ImportRefused`` for
    a file that is not CSV or XLSX by name, or too large.
    """
    if not actor.has_perm("archive.import_customers"):
        raise PermissionDenied(_("Your role may not import customers."))
    filename = Path(upload.name or "upload.csv").name
    suffix = Path(filename).suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise ImportRefused(_("Upload a CSV (.csv) or Excel (.xlsx) file."))
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        raise ImportRefused(_("The file is larger than 512 MB; split it."))
    stored = imports_dir() / f"upload-{uuid.uuid4().hex}{suffix}"
    with stored.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return job_start(
        kind=IMPORT_CUSTOMERS,
        created_by=actor,
        params={
            "path": str(stored),
            "filename": filename,
            "dry_run": dry_run,
            "language": language or settings.LANGUAGE_CODE,
        },
    )


def import_report_load(*, job: Job) -> ImportReport | None:
    """The report of a finished import job, if it wrote one."""
    path = report_path(job.pk)
    if not path.is_file():
        return None
    return ImportReport.from_json(path.read_text(encoding="utf-8"))


def import_customers_job(job: Job) -> str:
    """Run an uploaded import; the summary goes in ``job.message``, the reject file is the
    job's result file."""
    params = job.params
    with translation.override(params.get("language", settings.LANGUAGE_CODE)):
        report = customers_import(
            path=Path(params["path"]),
            actor=job.created_by,
            filename=str(params.get("filename", "")),
            dry_run=bool(params.get("dry_run")),
            reject_path=imports_dir() / f"import-{job.pk}-rejects.csv",
            progress=lambda done, total: job_progress(job, done=done, total=total),
        )
        report_path(job.pk).write_text(report.to_json(), encoding="utf-8")
        job.message = report.summary()[:500]  # job_execute saves it with the result
    return report.reject_file
