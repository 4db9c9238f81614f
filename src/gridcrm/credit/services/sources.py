"""What the rating reads, as Arrow tables handed to the pipelines: the archive's customer
attributes (through ``archive.selectors``), GridCRM's credit events, each rated
customer's current grade and the overrides in force; and the lake's fact tables."""

# SQL here is built from model table and column names; values go as parameters.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import ibis
import pyarrow as pa
from django.db import connection

from gridcrm.archive.selectors import customer_keys, customers_for_rating
from gridcrm.credit.models import CreditEvent, CustomerCredit, Decision, GradeChange, GradeOverride
from gridcrm.lake import catalog
from gridcrm.lake.pipelines import months_before

CUSTOMER_SCHEMA = pa.schema(
    [
        ("account_no", pa.string()),
        ("segment", pa.string()),
        ("industry_code", pa.string()),
        ("contracted_kva", pa.float64()),
        ("credit_blacklisted", pa.bool_()),
        ("created_on", pa.date32()),
    ]
)
EVENT_SCHEMA = pa.schema(
    [
        ("account_no", pa.string()),
        ("kind", pa.string()),
        ("occurred_on", pa.date32()),
        ("expires_on", pa.date32()),
        ("resolved_on", pa.date32()),
        ("points", pa.float64()),
    ]
)
PREVIOUS_SCHEMA = pa.schema(
    [
        ("account_no", pa.string()),
        ("prev_grade", pa.string()),
        ("prev_since", pa.date32()),
        ("prev_left_c_on", pa.date32()),
    ]
)


def _as_day(column: str) -> str:
    """SQL for the (UTC) day of a stored instant, made by the database: a million Python
    datetimes parsed one by one would cost more than the rating."""
    if connection.vendor == "sqlite":
        return f"date({column})"
    return f"CAST({column} AS date)"


def _arrow_rows(rows: Sequence[Sequence[Any]], schema: pa.Schema) -> pa.Table:
    """Rows of a plain query as an Arrow table of ``schema`` (columns in its order);
    SQLite gives days as ISO text, which Arrow parses."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    text_days = connection.vendor == "sqlite"
    arrays = []
    for values, f in zip(columns, schema, strict=True):
        if text_days and pa.types.is_date(f.type):
            arrays.append(pa.array(values, pa.string()).cast(f.type))
        else:
            arrays.append(pa.array(values, f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _arrow_query(sql: str, params: Sequence[Any], schema: pa.Schema) -> pa.Table:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _arrow_rows(rows, schema)


def customers_arrow() -> tuple[pa.Table, dict[str, int]]:
    """Archive attributes of every customer for the pipelines, and account → id."""
    table = _arrow_rows(customers_for_rating(), pa.schema([("id", pa.int64()), *CUSTOMER_SCHEMA]))
    ids = dict(
        zip(table.column("account_no").to_pylist(), table.column("id").to_pylist(), strict=True)
    )
    return table.drop_columns(["id"]), ids


def events_arrow() -> pa.Table:
    rows = CreditEvent.objects.values_list(
        "customer__account_no", "kind", "occurred_on", "expires_on", "resolved_on", "points"
    )
    cols: list[list[Any]] = [[] for _ in EVENT_SCHEMA.names]
    for row in rows.iterator(chunk_size=20_000):
        for i, value in enumerate(row):
            cols[i].append(value)
    return pa.table(cols, schema=EVENT_SCHEMA)


def previous_arrow(*, as_of: date) -> pa.Table:
    """The current grade of every rated customer, since when, and the day it left C when
    that was less than a month before ``as_of`` (the rating is monthly: a customer who left
    C today must stay at B until the next month's run, however often it is re-run)."""
    qn = connection.ops.quote_name
    changes = qn(GradeChange._meta.db_table)
    # The archive's keys come as its own query (no table of another app is named here).
    keys_sql, keys_params = customer_keys().query.sql_with_params()
    # The latest change is the one that set the current grade; only the few customers whose
    # grade moved in the last month need it (index on customer, at).
    sql = (
        f"SELECT c.account_no, k.grade, {_as_day('k.since')}, "
        f"CASE WHEN k.grade <> 'C' AND k.since > %s AND (SELECT g.old_grade "
        f"FROM {changes} g WHERE g.customer_id = k.customer_id "
        f"ORDER BY g.at DESC, g.id DESC LIMIT 1) = 'C' THEN {_as_day('k.since')} END "
        f"FROM {qn(CustomerCredit._meta.db_table)} k "
        f"JOIN ({keys_sql}) c ON c.id = k.customer_id"
    )
    month_ago = connection.ops.adapt_datefield_value(months_before(as_of, 1))
    return _arrow_query(sql, [month_ago, *keys_params], PREVIOUS_SCHEMA)


def overrides_arrow(*, as_of: date) -> pa.Table:
    rows = (
        GradeOverride.objects.filter(status=Decision.APPROVED, valid_until__gte=as_of)
        .order_by("customer_id", "decided_at")
        .values_list("customer__account_no", "grade")
    )
    latest = dict(rows)  # the latest decision per customer wins
    return pa.table(
        {"account_no": list(latest), "override_grade": list(latest.values())},
        schema=pa.schema([("account_no", pa.string()), ("override_grade", pa.string())]),
    )


def lake_tables(con: ibis.BaseBackend) -> tuple[ibis.Table, ibis.Table, ibis.Table]:
    """The lake's bills, payments and violations on the connection's engine."""
    return (
        catalog.table(con, "bills"),
        catalog.table(con, "payments"),
        catalog.table(con, "violations"),
    )
