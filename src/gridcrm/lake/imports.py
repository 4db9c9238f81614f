"""Validated, idempotent import of a CSV or Parquet file into one fact table.

The contract:

- A file that cannot be read as a whole (not Parquet, not CSV, missing or unexpected
  columns) fails with :class:`ImportFailed` and a message that says why; nothing is
  written.
- Every row either goes into the lake, or is counted as already there (the same fact
  with the same key and values), or as an exact duplicate of another row of the same
  file, or lands in the reject file with its reason. No row is dropped silently; the
  :class:`ImportReport` says how many went where.
- Facts are append-only: a row whose key is already in the lake with *different*
  values is rejected, never overwritten. So re-importing a file, or a file that
  overlaps an earlier period, changes nothing.
- New rows are written to a staging folder first and moved into their month
  partitions only when the whole file has been checked; with an ``owner`` the moves
  are journalled (``catalog.publish``) and settled by the caller once the owner's
  record is saved, so a crash never leaves part of an import in the lake.

Validation runs in DuckDB, in-process, over the file itself, so a large file is
checked without loading it into Python.
"""

# SQL here is built from the schemas' column names (quoted) and from paths this module
# makes; values from files never enter SQL text, so S608 does not apply.
# ruff: noqa: S608

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from django.conf import settings
from django.utils.translation import gettext as _

from gridcrm.core import uploads
from gridcrm.lake import catalog
from gridcrm.lake.errors import ImportFailed
from gridcrm.lake.payment_checks import payment_links_check
from gridcrm.lake.schemas import INTERVAL_SECONDS, Column, FactSchema, fact_schema
from gridcrm.lake.sqltext import absent as _absent
from gridcrm.lake.sqltext import duck_type as _duck_type
from gridcrm.lake.sqltext import lake_relation
from gridcrm.lake.sqltext import literal as _lit
from gridcrm.lake.sqltext import quoted as _q

ProgressCallback = Callable[[int, int], None]
"""Called with (steps done, steps in all) as an import goes."""

_STEPS = 6


def lake_format(filename: str) -> uploads.Format:
    """The format a file's name says it has: Parquet for ``.parquet``, else CSV."""
    return "parquet" if Path(filename).suffix.lower() == ".parquet" else "csv"


@dataclass
class ImportReport:
    table: str
    source: str
    sha256: str
    rows_read: int = 0
    accepted: int = 0
    already_present: int = 0
    duplicates: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    months: list[str] = field(default_factory=list)
    reject_file: str = ""

    @property
    def changed(self) -> bool:
        return self.accepted > 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _type_word(column: Column) -> str:
    words = {
        "VARCHAR": _("text"),
        "DOUBLE": _("number"),
        "DATE": _("date"),
        "TIMESTAMPTZ": _("date and time"),
        "BOOLEAN": _("true/false value"),
        "DECIMAL(12, 2)": _("amount"),
    }
    return str(words[_duck_type(column)])


def _typed(column: Column) -> str:
    """The expression that turns the file's value into the schema's type, NULL if it cannot."""
    src = _q(column.name)
    duck = _duck_type(column)
    if duck == "VARCHAR":
        text = f"NULLIF(trim(CAST({src} AS VARCHAR)), '')"
        return text if column.default is None else f"coalesce({text}, {_lit(column.default)})"
    if column.name == "period":
        # A billed month may be written 2024-03 or 2024-03-01.
        text = f"trim(CAST({src} AS VARCHAR))"
        return (
            f"TRY_CAST(CASE WHEN length({text}) = 7 THEN {text} || '-01' ELSE {text} END AS DATE)"
        )
    if duck == "DECIMAL(12, 2)":
        # Round half away from zero to fen, as billing systems do, before the cast.
        return f"TRY_CAST(round(TRY_CAST({src} AS DECIMAL(18, 4)), 2) AS DECIMAL(12, 2))"
    return f"TRY_CAST({src} AS {duck})"


def _reason_exprs(schema: FactSchema, present: set[str]) -> list[str]:
    """SQL expressions, one per check, each the reason text when a row fails it, else NULL."""
    checks: list[str] = []

    def when(condition: str, reason: str) -> None:
        checks.append(f"CASE WHEN {condition} THEN {_lit(reason)} END")

    for column in schema.columns:
        if column.name not in present:
            continue  # an absent optional column is null everywhere
        raw = f"NULLIF(trim(CAST(typed.{_q(column.name)} AS VARCHAR)), '')"
        typed = f"t_{column.name}"
        params = {"column": column.name}
        if not column.nullable and column.default is None:
            when(f"{raw} IS NULL", _("%(column)s is missing") % params)
        when(
            f"{raw} IS NOT NULL AND {typed} IS NULL",
            _("%(column)s is not a valid %(type)s") % {**params, "type": _type_word(column)},
        )
        if column.minimum is not None:
            when(
                f"CAST({typed} AS DOUBLE) < {column.minimum!r}",
                _("%(column)s is below %(minimum)s") % {**params, "minimum": f"{column.minimum:g}"},
            )
        if column.maximum is not None:
            when(
                f"CAST({typed} AS DOUBLE) > {column.maximum!r}",
                _("%(column)s is above %(maximum)s") % {**params, "maximum": f"{column.maximum:g}"},
            )
        if column.choices:
            values = ", ".join(_lit(c) for c in column.choices)
            when(
                f"{typed} NOT IN ({values})",
                _("%(column)s is not one of: %(choices)s")
                % {**params, "choices": ", ".join(column.choices)},
            )
    names = set(schema.names)
    if "account_no" in names:
        when(
            "NOT regexp_full_match(t_account_no, '[0-9]{10}')",
            _("%(column)s is not a ten-digit account number") % {"column": "account_no"},
        )
    for name in schema.on_grid:
        when(
            f"epoch(t_{name}) % {INTERVAL_SECONDS} <> 0",
            _("%(column)s is not on the 15-minute grid") % {"column": name},
        )
    if "period" in names:
        when("dayofmonth(t_period) <> 1", _("period is not the first day of a month"))
    if "due_on" in names:
        when("t_due_on < t_period", _("due_on is before the billed period"))
    if "end_at" in names:
        when("t_end_at < t_start_at", _("end_at is before start_at"))
    return checks


class _Importer:
    def __init__(
        self,
        *,
        schema: FactSchema,
        path: Path,
        known_accounts: Iterable[str],
        progress: ProgressCallback | None,
        source_name: str,
        owner: str = "",
    ) -> None:
        self.owner = owner
        self.schema = schema
        self.path = path
        self.known_accounts = known_accounts
        self.progress = progress or (lambda done, total: None)
        self.import_id = uuid.uuid4().hex[:16]
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'Asia/Shanghai'")  # local times without offset
        self.con.execute("SET preserve_insertion_order = true")
        self.name = source_name or path.name
        self.report = ImportReport(table=schema.name, source=self.name, sha256="")

    # -- reading ------------------------------------------------------------------------

    def open_source(self) -> list[str]:
        """Register the file as the view ``src``; return its columns.

        The file's type is judged by its content, which must agree with its name; a
        Parquet file that DuckDB cannot read is damaged (``core.upload_corrupt``). No
        message names a path on the server."""
        if not self.path.is_file():
            raise ImportFailed(
                _("The file %(name)s does not exist.") % {"name": self.name},
                code="lake.file_missing",
            )
        file_format = lake_format(self.name)
        uploads.sniff(self.path, filename=self.name, expected=file_format)
        try:
            if file_format == "parquet":
                relation = self.con.read_parquet(str(self.path))
            else:
                relation = self.con.read_csv(
                    str(self.path), header=True, all_varchar=True, encoding="utf-8"
                )
            relation.create_view("src_raw")
            # Number the rows in file order, so that rejects point back into the file.
            self.con.execute(
                "CREATE TEMP TABLE src AS SELECT row_number() OVER () AS _row, * FROM src_raw"
            )
        except duckdb.Error as exc:
            if file_format == "parquet":
                raise uploads.corrupt(self.name, "Parquet") from exc
            raise ImportFailed(
                _("%(name)s could not be read as CSV: %(error)s")
                % {"name": self.name, "error": self.without_path(exc)},
                code="lake.unreadable_file",
            ) from exc
        columns = [row[0] for row in self.con.execute("DESCRIBE src").fetchall()]
        self.check_bounds()
        return [c for c in columns if c != "_row"]

    def without_path(self, exc: Exception) -> str:
        """The first line of an engine's error, the server's path replaced by the file's name."""
        return str(exc).splitlines()[0].replace(str(self.path), self.name)

    def check_bounds(self) -> None:
        """The upload bounds over the whole file: rows, and in each text column the
        length and the characters of every cell (``UploadRefused``, nothing written)."""
        count = self.con.execute("SELECT count(*) FROM src").fetchone()
        if count and count[0] > settings.UPLOAD_MAX_ROWS:
            raise uploads.too_many_rows()
        texts = [
            str(name)
            for name, kind, *_rest in self.con.execute("DESCRIBE src").fetchall()
            if kind == "VARCHAR"
        ]
        if not texts:
            return
        limit = uploads.max_cell_chars()
        control = _lit(uploads.CONTROL_CHARS_SQL)
        checks = []
        for name in texts:
            checks.append(f"min(_row) FILTER (WHERE length({_q(name)}) > {limit})")
            checks.append(f"min(_row) FILTER (WHERE regexp_matches({_q(name)}, {control}))")
        found = self.con.execute(f"SELECT {', '.join(checks)} FROM src").fetchone() or ()
        first: tuple[int, int] | None = None
        for index, row in enumerate(found):
            if row is not None and (first is None or row < first[0]):
                first = (int(row), index)
        if first is not None:
            row, index = first
            column = texts[index // 2]
            if index % 2 == 0:
                raise uploads.cell_too_long(row, column)
            raise uploads.control_char(row, column)

    def check_columns(self, columns: list[str]) -> set[str]:
        required = {c.name for c in self.schema.columns if c.required}
        known = set(self.schema.names)
        missing = [c for c in self.schema.names if c in required and c not in columns]
        unexpected = [c for c in columns if c not in known]
        problems = []
        if missing:
            problems.append(_("missing columns: %(names)s") % {"names": ", ".join(missing)})
        if unexpected:
            problems.append(_("unexpected columns: %(names)s") % {"names": ", ".join(unexpected)})
        if problems:
            raise ImportFailed(
                _(
                    "%(name)s does not have the columns of %(table)s (%(problems)s). "
                    "Expected: %(expected)s."
                )
                % {
                    "name": self.name,
                    "table": self.schema.name,
                    "problems": "; ".join(problems),
                    "expected": ", ".join(self.schema.names),
                },
                code="lake.wrong_columns",
                fields={"columns": "; ".join(problems)},
            )
        return set(columns)

    # -- checking -----------------------------------------------------------------------

    def check_rows(self, present: set[str]) -> None:
        schema = self.schema
        typed = []
        for column in schema.columns:
            expr = _typed(column) if column.name in present else _absent(column)
            typed.append(f"{expr} AS t_{column.name}")
        raw_cols = ", ".join(f"src.{_q(c)}" for c in schema.names if c in present)
        self.con.execute(
            f"CREATE TEMP TABLE typed AS SELECT _row, {raw_cols}, {', '.join(typed)} FROM src"
        )
        reasons = _reason_exprs(schema, present)
        joins = ""
        if schema.customer_column:
            accounts = pa.table(
                {"known_no": pa.array(sorted(set(self.known_accounts)), pa.string())}
            )
            self.con.register("known_accounts", accounts)
            joins += " LEFT JOIN known_accounts ka ON ka.known_no = typed.t_account_no"
            unknown = _lit(_("unknown customer"))  # outside the f-string: makemessages reads it
            reasons.append(
                f"CASE WHEN t_account_no IS NOT NULL AND ka.known_no IS NULL THEN {unknown} END"
            )
        if schema.name == "payments":
            bills = catalog.partition_files("bills")
            if bills:
                self.con.read_parquet([str(p) for p in bills]).select(
                    "bill_id AS known_bill, account_no AS bill_account_no"
                ).create_view("known_bills")
            else:
                self.con.execute(
                    "CREATE TEMP TABLE known_bills (known_bill VARCHAR, bill_account_no VARCHAR)"
                )
            joins += " LEFT JOIN known_bills kb ON kb.known_bill = typed.t_bill_id"
            unknown_bill = _lit(_("unknown bill (import the bills first)"))
            not_theirs = _lit(_("the bill belongs to another customer"))
            reasons.append(
                f"CASE WHEN t_bill_id IS NOT NULL AND kb.known_bill IS NULL THEN {unknown_bill} END"
            )
            reasons.append(
                "CASE WHEN kb.known_bill IS NOT NULL AND kb.bill_account_no <> t_account_no "
                f"THEN {not_theirs} END"
            )
        self.con.execute(
            f"CREATE TEMP TABLE checked AS SELECT typed.*, "
            f"concat_ws('; ', {', '.join(reasons)}) AS reason FROM typed{joins}"
        )
        if schema.name == "payments":
            payment_links_check(self.con)

    def _set_reason(self, where: str, reason: str) -> None:
        self.con.execute(
            f"UPDATE checked SET reason = {_lit(reason)} WHERE reason = '' AND ({where})"
        )

    def deduplicate(self) -> None:
        """Exact copies of a row collapse to one; copies that differ are all rejected."""
        key = ", ".join(f"t_{k}" for k in self.schema.key)
        values = ", ".join(f"t_{c}" for c in self.schema.names)
        self.con.execute(
            f"""CREATE TEMP TABLE key_stats AS
            SELECT {key}, count(*) AS n, count(DISTINCT ({values})) AS variants,
                min(_row) AS first_row
            FROM checked WHERE reason = '' GROUP BY {key} HAVING count(*) > 1"""
        )
        match = " AND ".join(f"ks.t_{k} = checked.t_{k}" for k in self.schema.key)
        self._set_reason(
            f"EXISTS (SELECT 1 FROM key_stats ks WHERE {match} AND ks.variants > 1)",
            _("duplicate key with different values in this file"),
        )
        dup = self.con.execute(
            f"""SELECT count(*) FROM checked WHERE reason = '' AND EXISTS (
            SELECT 1 FROM key_stats ks WHERE {match} AND ks.variants = 1
            AND checked._row <> ks.first_row)"""
        ).fetchone()
        self.report.duplicates = int(dup[0]) if dup else 0
        self.con.execute(
            f"""CREATE TEMP TABLE candidates AS SELECT * FROM checked WHERE reason = ''
            AND NOT EXISTS (SELECT 1 FROM key_stats ks WHERE {match} AND ks.variants = 1
            AND checked._row <> ks.first_row)"""
        )

    def _month_expr(self, prefix: str = "t_") -> str:
        column = f"{prefix}{self.schema.month_of}"
        if _duck_type(self.schema.column(self.schema.month_of)) == "TIMESTAMPTZ":
            return f"strftime(timezone('Asia/Shanghai', {column}), '%Y-%m')"
        return f"strftime({column}, '%Y-%m')"

    def compare_with_lake(self) -> None:
        """Keys already in the lake: the same values count as present, others are rejected."""
        months = [
            row[0]
            for row in self.con.execute(
                f"SELECT DISTINCT {self._month_expr()} FROM candidates ORDER BY 1"
            ).fetchall()
        ]
        # When the partition column is part of the key a key can only be in its own month.
        scan_months = months if self.schema.month_of in self.schema.key else None
        files = catalog.partition_files(self.schema.name, scan_months)
        self.con.execute("ALTER TABLE candidates ADD COLUMN in_lake VARCHAR")
        if files:
            lake_relation(self.con, self.schema, files).create_view("lake")
            match = " AND ".join(f"lake.{_q(k)} = candidates.t_{k}" for k in self.schema.key)
            same = " AND ".join(
                f"lake.{_q(c)} IS NOT DISTINCT FROM candidates.t_{c}" for c in self.schema.names
            )
            self.con.execute(
                f"""UPDATE candidates
                SET in_lake = CASE WHEN m.same THEN 'same' ELSE 'different' END
                FROM (SELECT candidates._row AS r, bool_and({same}) AS same
                      FROM candidates JOIN lake ON {match} GROUP BY candidates._row) m
                WHERE candidates._row = m.r"""
            )
        conflict = _("conflicts with a fact already in the lake (facts are append-only)")
        self.con.execute(
            f"UPDATE checked SET reason = {_lit(conflict)} WHERE _row IN "
            "(SELECT _row FROM candidates WHERE in_lake = 'different')"
        )
        present = self.con.execute(
            "SELECT count(*) FROM candidates WHERE in_lake = 'same'"
        ).fetchone()
        self.report.already_present = int(present[0]) if present else 0
        self.con.execute("DELETE FROM candidates WHERE in_lake IS NOT NULL")

    # -- writing ------------------------------------------------------------------------

    def write_rejects(self) -> None:
        rows = self.con.execute(
            "SELECT reason, count(*) FROM checked WHERE reason <> '' "
            "GROUP BY reason ORDER BY 2 DESC"
        ).fetchall()
        self.report.reasons = {str(reason): int(n) for reason, n in rows}
        self.report.rejected = sum(self.report.reasons.values())
        if not self.report.rejected:
            return
        out = catalog.rejects_dir()
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{self.schema.name}-{self.import_id}.csv"
        columns = ", ".join(
            # Cut to the cell limit: a reject file never copies a long cell whole.
            f"left(CAST(src.{_q(c)} AS VARCHAR), {uploads.max_cell_chars()}) AS {_q(c)}"
            for c in self.schema.names
            if c in self._present
        )
        self.con.execute(
            f"""COPY (SELECT checked._row AS source_row, {columns}, checked.reason
            FROM checked JOIN src ON src._row = checked._row
            WHERE checked.reason <> '' ORDER BY checked._row)
            TO {_lit(str(path))} (HEADER, DELIMITER ',')"""
        )
        self.report.reject_file = str(path)

    def write_facts(self) -> None:
        count = self.con.execute("SELECT count(*) FROM candidates").fetchone()
        self.report.accepted = int(count[0]) if count else 0
        if not self.report.accepted:
            return
        months = [
            row[0]
            for row in self.con.execute(
                f"SELECT DISTINCT {self._month_expr()} FROM candidates ORDER BY 1"
            ).fetchall()
        ]
        self.report.months = months
        staging = catalog.staging_dir(self.import_id)
        staging.mkdir(parents=True, exist_ok=True)
        select = ", ".join(f"t_{c} AS {_q(c)}" for c in self.schema.names)
        order = ", ".join(f"t_{k}" for k in self.schema.key)
        staged: list[tuple[Path, Path]] = []
        self.con.execute("SET TimeZone = 'UTC'")
        for month in months:
            target = staging / f"{month}.parquet"
            self.con.execute(
                f"""COPY (SELECT {select} FROM candidates WHERE {self._month_expr()} = {_lit(month)}
                ORDER BY {order}) TO {_lit(str(target))}
                (FORMAT parquet, COMPRESSION {self.schema.compression}, ROW_GROUP_SIZE 122880)"""
            )
            final = (
                catalog.partition_dir(self.schema.name, month) / f"part-{self.import_id}.parquet"
            )
            staged.append((target, final))
        # Everything is checked and written: now the files go live, one rename each.
        catalog.publish(staging, staged, owner=self.owner)
        if not self.owner:
            shutil.rmtree(staging, ignore_errors=True)

    def run(self) -> ImportReport:
        self.report.sha256 = file_sha256(self.path) if self.path.is_file() else ""
        self.progress(0, _STEPS)
        columns = self.open_source()
        self._present = self.check_columns(columns)
        count = self.con.execute("SELECT count(*) FROM src").fetchone()
        self.report.rows_read = int(count[0]) if count else 0
        self.progress(1, _STEPS)
        self.check_rows(self._present)
        self.progress(2, _STEPS)
        self.deduplicate()
        self.progress(3, _STEPS)
        self.compare_with_lake()
        self.progress(4, _STEPS)
        self.write_rejects()
        self.progress(5, _STEPS)
        self.write_facts()
        self.progress(6, _STEPS)
        self.con.close()
        return self.report


def import_file(
    *,
    table: str,
    path: Path,
    known_accounts: Iterable[str],
    progress: ProgressCallback | None = None,
    source_name: str = "",
    owner: str = "",
) -> ImportReport:
    """Import one file into ``table``; raise :class:`ImportFailed` if it cannot be read.

    The caller holds :func:`catalog.lake_lock` so that two imports never interleave.
    ``owner``: the record of the import; when given, the published files stay journalled
    until the caller settles them (``catalog.publication_settle``) after saving it.
    """
    importer = _Importer(
        schema=fact_schema(table),
        path=path,
        known_accounts=known_accounts,
        progress=progress,
        source_name=source_name,
        owner=owner,
    )
    try:
        return importer.run()
    except duckdb.Error as exc:
        raise ImportFailed(
            _("%(name)s could not be imported: %(error)s")
            % {"name": importer.name, "error": importer.without_path(exc)},
            code="lake.unreadable_file",
        ) from exc
    finally:
        staging = catalog.staging_dir(importer.import_id)
        if not (staging / catalog.PUBLISH_JOURNAL).is_file():
            shutil.rmtree(staging, ignore_errors=True)
