"""The checks of a payments import that look beyond the row: what a payment is against.

Run by the import (``imports._Importer.check_rows``) over its table ``checked`` (the
file's rows typed as ``t_<column>``, with ``reason`` empty while a row is still good):

- a payment names a bill; an advance payment (预存) names none; only a reversal (冲正)
  names, in ``reverses``, the payment it takes back;
- a reversal takes back a payment that exists (in the lake or earlier in good rows of
  the file), of the same customer and bill, in full, and only once; a reversal is never
  itself reversed;
- a payment never takes a bill's payments (net of reversals) above the bill's amount:
  the excess is an advance payment and must come as one. Rows of one bill are taken in
  file order, and after one is refused the next are judged without it.

A refused row gets its reason and lands in the reject file; nothing else changes. Rows
already in the lake (a file imported again) are left to the import's own comparison.
"""

# SQL here is built from fixed text and quoted literals; values from files never enter
# SQL text, so S608 does not apply.
# ruff: noqa: S608

from __future__ import annotations

import duckdb
from django.utils.translation import gettext as _

from gridcrm.lake import catalog
from gridcrm.lake.schemas import BILLS, PAYMENTS, FactSchema
from gridcrm.lake.sqltext import duck_type, lake_relation, literal, quoted


def _lake_view(con: duckdb.DuckDBPyConnection, schema: FactSchema, view: str) -> None:
    files = catalog.partition_files(schema.name)
    if files:
        lake_relation(con, schema, files).create_view(view)
        return
    columns = ", ".join(f"{quoted(c.name)} {duck_type(c)}" for c in schema.columns)
    con.execute(f"CREATE TEMP TABLE {view} ({columns})")


def _refuse(con: duckdb.DuckDBPyConnection, where: str, reason: str) -> None:
    con.execute(f"UPDATE checked SET reason = {literal(reason)} WHERE reason = '' AND ({where})")


def payment_links_check(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse the rows of ``checked`` whose bill or reversed payment does not hold."""
    _lake_view(con, PAYMENTS, "lake_payments")
    _lake_view(con, BILLS, "lake_bills")
    _refuse(con, "t_kind = 'payment' AND t_bill_id IS NULL", _("bill_id is missing"))
    _refuse(
        con, "t_kind = 'advance' AND t_bill_id IS NOT NULL", _("an advance payment names no bill")
    )
    _refuse(
        con,
        "t_kind = 'reversal' AND t_reverses IS NULL",
        _("reverses is missing: a reversal names the payment it takes back"),
    )
    _refuse(
        con,
        "t_kind <> 'reversal' AND t_reverses IS NOT NULL",
        _("only a reversal names a payment in reverses"),
    )
    _reversals_check(con)
    _overpayments_check(con)


def _reversals_check(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE TEMP TABLE targets AS
        SELECT DISTINCT payment_id, bill_id, account_no, amount, kind FROM lake_payments
        UNION
        SELECT DISTINCT t_payment_id, t_bill_id, t_account_no, t_amount, t_kind
        FROM checked c WHERE reason = '' AND t_kind <> 'reversal'
            AND NOT EXISTS (SELECT 1 FROM lake_payments l WHERE l.payment_id = c.t_payment_id)"""
    )
    unknown = literal(_("reversal of a payment that does not exist"))
    twice = literal(_("a reversal cannot itself be reversed"))
    other_customer = literal(_("the reversed payment belongs to another customer"))
    other_bill = literal(_("the reversal names another bill than the payment it takes back"))
    partial = literal(_("a reversal takes back the whole payment: the amounts differ"))
    con.execute(
        f"""UPDATE checked SET reason = m.why FROM (
            SELECT c._row AS r, CASE
                WHEN t.payment_id IS NULL THEN {unknown}
                WHEN t.kind = 'reversal' THEN {twice}
                WHEN t.account_no <> c.t_account_no THEN {other_customer}
                WHEN t.bill_id IS DISTINCT FROM c.t_bill_id THEN {other_bill}
                WHEN t.amount <> c.t_amount THEN {partial}
                ELSE '' END AS why
            FROM checked c LEFT JOIN targets t ON t.payment_id = c.t_reverses
            WHERE c.reason = '' AND c.t_kind = 'reversal'
            QUALIFY row_number() OVER (PARTITION BY c._row ORDER BY t.kind) = 1) m
        WHERE checked._row = m.r AND m.why <> ''"""
    )
    # Reversed already: by another reversal in the lake, or earlier in this file.
    _refuse(
        con,
        """t_kind = 'reversal' AND (
            EXISTS (SELECT 1 FROM lake_payments l WHERE l.kind = 'reversal'
                AND l.reverses = checked.t_reverses AND l.payment_id <> checked.t_payment_id)
            OR EXISTS (SELECT 1 FROM checked e WHERE e.reason = '' AND e.t_kind = 'reversal'
                AND e.t_reverses = checked.t_reverses AND e.t_payment_id <> checked.t_payment_id
                AND e._row < checked._row))""",
        _("the payment is already reversed"),
    )


def _overpayments_check(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE TEMP TABLE lake_net AS
        SELECT bill_id, sum(CASE WHEN kind = 'reversal' THEN -amount ELSE amount END) AS net
        FROM lake_payments WHERE bill_id IS NOT NULL AND kind <> 'advance' GROUP BY bill_id"""
    )
    reason = literal(
        _("overpayment: more than the bill's outstanding amount (send the excess as an advance)")
    )
    # Each round refuses the first row of each bill that takes it above its amount, so the
    # rows after it are judged without it; it ends, as every round refuses a row.
    while True:
        changed = con.execute(
            f"""UPDATE checked SET reason = {reason} WHERE _row IN (
            WITH rows AS (
                SELECT * FROM checked c WHERE reason = '' AND t_bill_id IS NOT NULL
                    AND t_kind <> 'advance'
                    AND NOT EXISTS (SELECT 1 FROM lake_payments l
                                    WHERE l.payment_id = c.t_payment_id)
                QUALIFY row_number() OVER (PARTITION BY t_payment_id ORDER BY _row) = 1),
            running AS (
                SELECT _row, t_bill_id, t_kind, sum(CASE WHEN t_kind = 'reversal'
                    THEN -t_amount ELSE t_amount END)
                    OVER (PARTITION BY t_bill_id ORDER BY _row) AS so_far
                FROM rows)
            SELECT min(r._row) FROM running r
            JOIN lake_bills b ON b.bill_id = r.t_bill_id
            LEFT JOIN lake_net n ON n.bill_id = r.t_bill_id
            WHERE r.t_kind = 'payment' AND coalesce(n.net, 0) + r.so_far > b.amount
            GROUP BY r.t_bill_id)"""
        ).fetchone()
        if not changed or not changed[0]:
            return
