"""Demo billing data: on top of the demo's bills and payments, a household whose latest
due bill's payment was reversed (冲正) and then paid in part, with money paid in advance
(预存), and a business whose latest due bill's payments were reversed, so that arrears by
age and late fees show; then the daily balances run over every customer.

Call after ``gridcrm demo_facts`` (``gridcrm demo`` does, after the credit ratings: the
due dates follow the credit policy of each customer's grade).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TextIO

import pyarrow as pa
from django.utils import timezone

from gridcrm.archive.choices import Segment
from gridcrm.archive.demo import customer_get, customer_pks
from gridcrm.billing.services import balances_run
from gridcrm.lake.schemas import PAYMENTS
from gridcrm.lake.selectors import account_facts
from gridcrm.lake.services import facts_append


def _last_bill(account_no: str, as_of: date) -> dict[str, Any] | None:
    """The customer's latest bill that fell due at least ten days before ``as_of``."""
    bills = [
        b
        for b in account_facts(table="bills", account_no=account_no)
        if b["due_on"] < as_of - timedelta(days=10)
    ]
    return bills[-1] if bills else None


def _standing_payments(account_no: str, bill_id: str) -> list[dict[str, Any]]:
    """The payments of a bill that no reversal has taken back."""
    rows = account_facts(table="payments", account_no=account_no)
    taken_back = {r["reverses"] for r in rows if r["kind"] == "reversal"}
    return [
        r
        for r in rows
        if r["bill_id"] == bill_id and r["kind"] == "payment" and r["payment_id"] not in taken_back
    ]


def _household_rows(account_no: str, as_of: date) -> list[dict[str, Any]]:
    """Reverse the payments of the household's latest due bill, pay 40 % of it five days after
    its due date, and put 100 yuan on the account in advance."""
    bill = _last_bill(account_no, as_of)
    if bill is None:
        return []
    rows: list[dict[str, Any]] = []
    for p in _standing_payments(account_no, bill["bill_id"]):
        rows.append(
            {
                **p,
                "payment_id": f"RV-{p['payment_id']}",
                "paid_on": min(p["paid_on"] + timedelta(days=2), as_of),
                "kind": "reversal",
                "reverses": p["payment_id"],
            }
        )
    part = (bill["amount"] * Decimal("0.4")).quantize(Decimal("0.01"))
    common = {"account_no": account_no, "channel": "counter", "reverses": None}
    rows.append(
        {
            **common,
            "payment_id": f"DEMO-PART-{bill['bill_id']}",
            "bill_id": bill["bill_id"],
            "paid_on": min(bill["due_on"] + timedelta(days=5), as_of),
            "amount": part,
            "kind": "payment",
        }
    )
    rows.append(
        {
            **common,
            "payment_id": f"DEMO-ADV-{account_no}",
            "bill_id": None,
            "paid_on": as_of,
            "amount": Decimal("100.00"),
            "channel": "wechat",
            "kind": "advance",
        }
    )
    return rows


def _business_rows(account_no: str, as_of: date) -> list[dict[str, Any]]:
    """Take back every payment of the business's latest due bill: the bill is in arrears."""
    bill = _last_bill(account_no, as_of)
    if bill is None:
        return []
    return [
        {
            **p,
            "payment_id": f"RV-{p['payment_id']}",
            "paid_on": min(p["paid_on"] + timedelta(days=1), as_of),
            "kind": "reversal",
            "reverses": p["payment_id"],
        }
        for p in _standing_payments(account_no, bill["bill_id"])
    ]


def demo_billing_data(*, seed: int, stdout: TextIO) -> None:
    """Add the reversals, the part payment and the advance payment, then compute every
    customer's balance, arrears and late fees as of today."""
    del seed  # the same two customers every time: the first of their segments
    as_of = timezone.localdate()
    rows: list[dict[str, Any]] = []
    shown = []
    for segment, make in (
        (Segment.RESIDENTIAL, _household_rows),
        (Segment.INDUSTRIAL, _business_rows),
    ):
        pks = customer_pks(segment=segment, limit=1)
        if pks:
            customer = customer_get(pks[0])
            rows.extend(make(customer.account_no, as_of))
            shown.append(customer.account_no)
    if rows:
        facts_append(table="payments", facts=pa.Table.from_pylist(rows, PAYMENTS.arrow))
    count = balances_run(as_of=as_of)
    stdout.write(
        f"    {count} accounts; reversal, part and advance payments on {', '.join(shown)}\n"
    )
