"""The bulk write of a rating batch: the current credit, the history row and the grade
changes of up to a million customers, in one transaction, on SQLite and PostgreSQL.

Three upserts of a million rows each, bound row by row from Python, cost more than the
database's own work. So each rated customer crosses once, into a temporary staging table
without indexes — ``COPY`` of CSV text made by Arrow on PostgreSQL, ``executemany`` of a
prepared ``INSERT`` in batches of 50,000 on SQLite — and three set-based statements
write from it:

- ``CustomerCredit``: ``INSERT … SELECT … ON CONFLICT DO UPDATE`` (the grade's ``since``
  moves only when the grade does);
- ``CreditRating``: one history row per customer and rating day, without the reason codes
  (upserted, so a rerun of the same day replaces it);
- ``GradeChange``: an audit row for every customer whose grade moved, with the old and new
  grade and the reason (the rule, ``score`` or ``first_rating``).
"""

# SQL here is built from model table and column names; values go as parameters.
# ruff: noqa: S608

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from gridcrm.archive.selectors import customer_keys
from gridcrm.core.faults import pause_point
from gridcrm.credit.models import CreditRating, CustomerCredit, GradeChange

BATCH = 50_000
STAGE = "credit_rating_stage"
# (column, SQLite type, PostgreSQL type), in the order rows are written.
STAGE_COLUMNS = (
    ("customer_id", "INTEGER", "bigint"),
    ("grade", "TEXT", "text"),
    ("score", "REAL", "double precision"),
    ("score_grade", "TEXT", "text"),
    ("rule", "TEXT", "text"),
    ("model", "TEXT", "text"),
    ("prev_grade", "TEXT", "text"),
    ("reasons", "TEXT", "jsonb"),
)


def _stage_rows(
    table: pa.Table, reasons: Sequence[str], ids: dict[str, int], labels: dict[str, str]
) -> pa.Table:
    """The rated customers known to the archive, as ``STAGE_COLUMNS``, in primary-key
    order (the indexes then grow at their end instead of taking a million random
    inserts: several times faster at a city company's size)."""
    pk = pa.array([ids.get(a) for a in table.column("account_no").to_pylist()], pa.int64())
    score = np.round(table.column("score").to_numpy(zero_copy_only=False).astype(float), 2)
    model = pa.array([labels.get(s, "") for s in table.column("segment").to_pylist()], pa.string())
    rows = pa.table(
        {
            "customer_id": pk,
            "grade": table.column("grade"),
            "score": pa.array(score),
            "score_grade": table.column("score_grade"),
            "rule": pc.fill_null(table.column("rule"), ""),
            "model": model,
            "prev_grade": pc.fill_null(table.column("prev_grade"), ""),
            "reasons": pa.array(reasons, pa.string()),
        }
    ).filter(pc.is_valid(pk))
    return rows.take(pc.sort_indices(rows, [("customer_id", "ascending")]))


def _stage_write(cursor: CursorWrapper, rows: pa.Table, postgres: bool) -> None:
    kind = 2 if postgres else 1
    cols = ", ".join(f"{c[0]} {c[kind]}" for c in STAGE_COLUMNS)
    names = ", ".join(c[0] for c in STAGE_COLUMNS)
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {STAGE} ({cols}){' ON COMMIT DROP' if postgres else ''}"
    )
    if postgres:
        for batch in rows.to_batches(max_chunksize=BATCH * 4):
            text = io.BytesIO()
            pa_csv.write_csv(batch, text, pa_csv.WriteOptions(include_header=False))
            with cursor.cursor.copy(f"COPY {STAGE} ({names}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(text.getvalue())
        return
    insert = f"INSERT INTO {STAGE} ({names}) VALUES ({', '.join(['%s'] * len(STAGE_COLUMNS))})"
    for batch in rows.to_batches(max_chunksize=BATCH):
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        cursor.executemany(insert, list(zip(*columns, strict=True)))


def _current_sql() -> str:
    qn = connection.ops.quote_name
    table = qn(CustomerCredit._meta.db_table)
    cols = ["grade", "score", "score_grade", "model", "rule", "reasons"]
    names = ", ".join(qn(c) for c in ["customer_id", *cols, "as_of", "since", "updated_at"])
    updates = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in [*cols, "as_of", "updated_at"])
    return (
        f"INSERT INTO {table} ({names}) "
        f"SELECT customer_id, {', '.join(cols)}, %s, %s, %s FROM {STAGE} WHERE true "
        f"ON CONFLICT ({qn('customer_id')}) DO UPDATE SET {updates}, {qn('since')} = "
        f"CASE WHEN {table}.{qn('grade')} = excluded.{qn('grade')} THEN {table}.{qn('since')} "
        f"ELSE excluded.{qn('since')} END"
    )


def _history_sql() -> str:
    qn = connection.ops.quote_name
    table = qn(CreditRating._meta.db_table)
    cols = ["grade", "score", "score_grade", "model", "rule"]
    names = ", ".join(qn(c) for c in ["customer_id", "run_id", "as_of", *cols])
    updates = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in ["run_id", *cols])
    return (
        f"INSERT INTO {table} ({names}) "
        f"SELECT customer_id, %s, %s, {', '.join(cols)} FROM {STAGE} WHERE true "
        f"ON CONFLICT ({qn('customer_id')}, {qn('as_of')}) DO UPDATE SET {updates}"
    )


def _changes_sql() -> str:
    qn = connection.ops.quote_name
    names = ", ".join(
        qn(c) for c in ("customer_id", "old_grade", "new_grade", "reason_code", "reason", "kind")
    )
    # A batch change needs no details: the shared audit row's are an empty object.
    extra = ", ".join(qn(c) for c in ("details", "run_id", "at"))
    return (
        f"INSERT INTO {qn(GradeChange._meta.db_table)} ({names}, {extra}) "
        f"SELECT customer_id, prev_grade, grade, "
        f"CASE WHEN rule <> '' THEN rule WHEN prev_grade = '' THEN 'first_rating' "
        f"ELSE 'score' END, model || ': ' || CAST(score AS TEXT), "
        f"'{GradeChange.Kind.BATCH}', '{{}}', %s, %s FROM {STAGE} WHERE prev_grade <> grade"
    )


def ratings_store(
    *,
    table: pa.Table,
    reasons: Sequence[str],
    ids: dict[str, int],
    labels: dict[str, str],
    new_run: Callable[[], int],
    as_of: date,
    progress: Callable[[int, int], None] | None = None,
    finish: Callable[[int, int, dict[str, int]], None] | None = None,
) -> tuple[int, int, dict[str, int]]:
    """Write a rating batch (``table``: the engine's result; ``reasons``: its reason codes
    as JSON; ``ids``: account number → customer id; ``labels``: segment → model label).
    ``new_run()`` makes the run's row and returns its id, and ``finish(customers, grade
    changes, count per grade)`` records its figures and audit event: both inside the
    store's one transaction, so a batch cut off anywhere leaves no trace — neither
    grades nor a run. Returns what it is given."""
    rows = _stage_rows(table, reasons, ids, labels)
    counts = {
        str(v["values"]): int(v["counts"])
        for v in pc.value_counts(rows.column("grade")).to_pylist()
    }
    changes = int(
        pc.sum(pc.not_equal(rows.column("prev_grade"), rows.column("grade"))).as_py() or 0
    )
    postgres = connection.vendor == "postgresql"
    day = connection.ops.adapt_datefield_value(as_of)
    now: Any = connection.ops.adapt_datetimefield_value(timezone.now())
    # SQLite checks each row's foreign key to the customer once per table: three index
    # probes per customer. Outside a transaction it can be told not to (inside one, as in
    # tests, the checks stay on); the staged rows are then checked once against the archive,
    # under the write lock that keeps the archive from changing until the commit.
    checks = nullcontext() if postgres else connection.constraint_checks_disabled()
    with checks, transaction.atomic(), connection.cursor() as cursor:
        restore = None if postgres else _scoped_pragmas(cursor)
        try:
            run_id = new_run()
            _stage_write(cursor, rows, postgres)
            if not postgres:
                # The archive's keys come as its own query (its table is not named here).
                keys, params = customer_keys().query.sql_with_params()
                cursor.execute(
                    f"DELETE FROM {STAGE} WHERE NOT EXISTS "
                    f"(SELECT 1 FROM ({keys}) c WHERE c.id = {STAGE}.customer_id)",
                    params,
                )
            if progress:
                progress(1, 4)
            cursor.execute(_current_sql(), [day, day, now])
            if progress:
                progress(2, 4)
            cursor.execute(_history_sql(), [run_id, day])
            if progress:
                progress(3, 4)
            cursor.execute(_changes_sql(), [run_id, now])
            pause_point("credit.store")
            if not postgres:
                cursor.execute(f"DROP TABLE {STAGE}")
            if finish is not None:
                finish(rows.num_rows, changes, counts)
        finally:
            if restore:
                restore()
    return rows.num_rows, changes, counts


def _scoped_pragmas(cursor: CursorWrapper) -> Callable[[], None]:
    """Larger page caches for the batch (256 MB each), put back after. (``temp_store`` and
    ``synchronous`` cannot change inside the transaction the batch runs in.)"""
    saved = {}
    for schema in ("main", "temp"):  # the tables, and the staging table
        cursor.execute(f"PRAGMA {schema}.cache_size")
        saved[schema] = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA {schema}.cache_size = -262144")

    def restore() -> None:
        for schema, value in saved.items():
            cursor.execute(f"PRAGMA {schema}.cache_size = {value}")

    return restore
