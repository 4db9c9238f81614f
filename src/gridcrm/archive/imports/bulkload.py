"""The PostgreSQL bulk load of an import: new customers and their first history rows go in
by ``COPY``, on a writer thread so PostgreSQL stores one batch while Python judges the
next; their ``COPY`` lines are made by Arrow (``copy_text``). A first load into an empty
archive builds the GIN search indexes and checks the foreign keys once at the end
instead of row by row (``PgLoad.first_load_deferred``); what it dropped is written down
first (``PendingSchemaStep``), so a killed import's next run makes it again.
"""

from __future__ import annotations

import itertools
import json
import operator
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, cast

import pyarrow as pa
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from gridcrm.archive import copy_text
from gridcrm.archive.bigrams import array_literals
from gridcrm.archive.imports.columns import Coded, NewRows, Same
from gridcrm.archive.models import Customer, FieldChange, PendingSchemaStep
from gridcrm.archive.personal import SEALED_FIELDS
from gridcrm.core.sealing import keyring

# PostgreSQL's memory for building an index after a first load (``run_steps``). A GIN
# build gathers keys in memory up to ``maintenance_work_mem``: at 64 MB it took 8.1 s over
# a million customers' bigrams, at 256 MB 10.8 s (the larger tree no longer fits the
# processor's caches).
INDEX_BUILD_MEMORY = "64MB"


class PgLoad:
    """Writes of an import's new customers on PostgreSQL (``copy_new``), and the first load
    without the GIN indexes and foreign keys (``first_load_deferred``)."""

    def __init__(self, *, connection: BaseDatabaseWrapper, dry_run: bool) -> None:
        self.connection = connection
        self.dry_run = dry_run
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
        threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.writer = PgWriter(threaded=threaded and not dry_run)

    def copy_new(self, new: NewRows, *, acting_user_id: int, reasons: list[str]) -> None:
        """The new customers' ``COPY`` lines, made here a column at a time (``copy_text``);
        written, with their ids and first history rows, by the ``PgWriter``."""
        columns: list[copy_text.Column] = []
        for attname in self.copy_attnames:
            if attname == "search_bigrams":
                columns.append(
                    copy_text.text_column(array_literals(new.texts("name"), new.texts("address")))
                )
                continue
            values = new.columns[attname]
            if attname in ("extra", "rules_fired"):
                values = _json_texts(cast(list[Any] | Same, values))
            elif attname in SEALED_FIELDS:
                # COPY passes no value through the field: sealed here, as it would seal.
                values = keyring().seal_many(new.texts(attname))
            if isinstance(values, Same):
                columns.append(copy_text.literal(values.value))
            elif isinstance(values, Coded):
                columns.append(copy_text.coded_column(values.values, values.positions))
            elif attname in self.free_text:
                columns.append(copy_text.text_column(values))
            else:
                columns.append(copy_text.coded_column(values))
        self.writer.submit(
            copy_customers,
            self.connection.alias,
            self.copy_columns,
            copy_text.lines(columns),
            acting_user_id,
            copy_text.text_column(new.account_nos),
            copy_text.text_column(reasons),
        )

    @contextmanager
    def first_load_deferred(self) -> Iterator[None]:
        """A first load on PostgreSQL (the archive is empty) runs without the GIN search
        indexes and the foreign keys of the customer and history tables, and makes them
        again at the end, whether the import ends well or not.

        Building a GIN index over a million rows costs a fraction of updating it row by
        row; checking a foreign key over a whole table is one join, where row by row it
        is a lookup per row (three per customer: its station, its history row's customer
        and acting user). The b-trees stay and are kept up as rows arrive: the database has a
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


def _json_texts(values: list[Any] | Same) -> list[str] | Same:
    """JSON values as their text; a value shared by many rows (the rules fired by a
    group of rows alike) is written once."""
    if isinstance(values, Same):
        return Same(json.dumps(values.value, ensure_ascii=False))
    texts: dict[int, str] = {}
    result = []
    for value in values:
        text = texts.get(id(value))
        if text is None:
            text = texts[id(value)] = json.dumps(value, ensure_ascii=False)
        result.append(text)
    return result


def copy_customers(
    alias: str,
    columns: list[str],
    lines: pa.Array,
    acting_user_id: int,
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
            for v in ("account_no", "", acting_user_id, FieldChange.Kind.IMPORTED.value, "{}")
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
                constants[4],
            ]
        )
        with raw.copy(
            f"COPY {quote(history)} (customer_id, field, old_value, new_value, acting_user_id,"
            " kind, reason, contact_channel, at, details) FROM STDIN"
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
            for step in [pool.submit(run_steps, using, pks) for pks in lanes.values()]:
                if error := step.exception():
                    errors.append(error)
    if errors:
        raise errors[0]


def run_steps(alias: str, pks: list[int]) -> None:
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


class PgWriter:
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
