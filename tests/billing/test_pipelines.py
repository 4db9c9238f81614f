"""The balances pipeline on DuckDB: balances, arrears by age and late fees as of a day,
against hand arithmetic and against the plain-Python rule per bill."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from gridcrm.billing import pipelines
from gridcrm.billing.latefees import DEFAULT_RATES, late_fee
from gridcrm.lake import catalog
from tests.billing import facts

D = Decimal


def _empty_terms() -> ibis.Table:
    return ibis.memtable(
        pa.table(
            {"account_no": pa.array([], pa.string()), "due_shift_days": pa.array([], pa.int64())}
        )
    )


def _empty_graces() -> ibis.Table:
    return ibis.memtable(
        pa.table({"bill_id": pa.array([], pa.string()), "grace_days": pa.array([], pa.int64())})
    )


def _run(function: Any, terms: ibis.Table, graces: ibis.Table) -> dict[str, dict[str, Any]]:
    con = catalog.connect("duckdb")
    expr = function(
        catalog.table(con, "bills"),
        catalog.table(con, "payments"),
        terms,
        graces,
        as_of=facts.AS_OF,
        rates=DEFAULT_RATES,
    )
    rows = con.to_pyarrow(expr).to_pylist()
    key = "bill_id" if "bill_id" in rows[0] else "account_no"
    return {r[key]: r for r in rows}


def test_balances_arrears_by_age_and_late_fees(accounts_lake: Path) -> None:
    """R: bills 650.00 − payments 300.00 (P3 reversed) − advance 50.00 = 300.00;
    overdue R202402 (200.00, 41 days: 31–90) and R202403 (150.00, 10 days: 0–30).
    R202402's fee: 26–30 March on 300 (5 × 0.30 = 1.50) + 31 March – 5 May on 200
    (36 × 0.20 = 7.20) = 8.70; R202403's: 10 × 0.15 = 1.50; in all 10.20.
    N: 6,000.00 owed, all overdue: 5,000.00 over 90 days (132), 1,000.00 for 10 days;
    fees 5,000 × (2‰ × 6 + 3‰ × 126) = 1,950.00 and 1,000 × 2‰ × 10 = 20.00."""
    rows = _run(pipelines.account_balances, _empty_terms(), _empty_graces())

    r, n = rows[facts.R], rows[facts.N]
    assert (r["balance"], r["arrears"]) == (D("300.00"), D("350.00"))
    assert (r["arrears_0_30"], r["arrears_31_90"], r["arrears_over_90"]) == (
        D("150.00"),
        D("200.00"),
        D("0.00"),
    )
    assert (r["overdue_bills"], r["late_fees"]) == (2, D("10.20"))
    assert (n["balance"], n["arrears"], n["arrears_over_90"]) == (
        D("6000.00"),
        D("6000.00"),
        D("5000.00"),
    )
    assert n["late_fees"] == D("1970.00")
    assert n["oldest_due_on"] == facts.bills().to_pylist()[3]["due_on"]


def test_each_bills_fee_is_the_rules_with_a_shift_and_grace(accounts_lake: Path) -> None:
    """With R's due dates moved 5 days later by the credit policy and 7 days of grace
    on N202403, each bill's fee is what ``latefees.late_fee`` gives for it."""
    terms = ibis.memtable({"account_no": [facts.R], "due_shift_days": [5]})
    graces = ibis.memtable({"bill_id": ["N202403"], "grace_days": [7]})
    rows = _run(pipelines.bill_late_fees, terms, graces)

    pays = [p for p in facts.payments().to_pylist() if p["payment_id"] not in ("P3", "RV3")]
    for bill in facts.bills().to_pylist():
        shift = 5 if bill["account_no"] == facts.R else 0
        due = bill["due_on"] + timedelta(days=shift)
        grace = 7 if bill["bill_id"] == "N202403" else 0
        expected = late_fee(
            amount=bill["amount"],
            due_on=due,
            payments=[(p["paid_on"], p["amount"]) for p in pays if p["bill_id"] == bill["bill_id"]],
            as_of=facts.AS_OF,
            residential=bill["tariff"] == "residential",
            grace_until=due + timedelta(days=grace) if grace else None,
        )
        assert rows[bill["bill_id"]]["late_fee"] == expected, bill["bill_id"]
        assert rows[bill["bill_id"]]["due_shifted"] == due
    assert rows["R202403"]["late_fee"] == D("1.00")  # 5 days × 0.15 = 0.75: the minimum
