"""A small lake with known answers, shared by the pipeline and engine tests.

Customers:
- A ``0100000001``: billed 2023-01..2024-02, metered 2024-01-30..2024-02-02 (local days),
  a flat 1 kWh per interval at night and 3 kWh per interval 08:00-22:00;
- B ``0200000001``: billed 2023-06..2024-02 with 2023-12 missing, and 0 kWh in 2023-07;
- payments: A pays every bill on time but one in two parts (the second late) and leaves
  the last one unpaid; B pays late by 10 days every time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa

from gridcrm.lake.pipelines import months_before
from gridcrm.lake.schemas import BILLS, PAYMENTS, READINGS

A = "0100000001"
B = "0200000001"
AS_OF = date(2024, 3, 15)


def _months(first: date, last: date) -> list[date]:
    out = []
    day = first
    while day <= last:
        out.append(day)
        day = months_before(day, -1)
    return out


def bills() -> pa.Table:
    rows = []
    for period in _months(date(2023, 1, 1), date(2024, 2, 1)):
        kwh = 100.0 + period.month * 10 + (period.year - 2023) * 7.5
        rows.append((f"A{period:%Y%m}", A, period, kwh))
    for period in _months(date(2023, 6, 1), date(2024, 2, 1)):
        if period == date(2023, 12, 1):
            continue
        kwh = 0.0 if period == date(2023, 7, 1) else 5000.0 + period.month * 100
        rows.append((f"B{period:%Y%m}", B, period, kwh))
    return pa.table(
        {
            "bill_id": [r[0] for r in rows],
            "account_no": [r[1] for r in rows],
            "period": [r[2] for r in rows],
            "tariff": ["residential" if r[1] == A else "large_industry" for r in rows],
            "kwh_sharp": [r[3] * 0.1 for r in rows],
            "kwh_peak": [r[3] * 0.4 for r in rows],
            "kwh_flat": [r[3] * 0.2 for r in rows],
            "kwh_valley": [r[3] * 0.3 for r in rows],
            "amount": [Decimal(f"{r[3] * 0.52:.2f}") for r in rows],
            "due_on": [r[2] + timedelta(days=44) for r in rows],
        },
        schema=BILLS.arrow,
    )


def payments() -> pa.Table:
    rows: list[tuple[str, str, str, date, Decimal, str]] = []
    for bill in bills().to_pylist():
        bill_id, account, due, amount = (
            bill["bill_id"],
            bill["account_no"],
            bill["due_on"],
            bill["amount"],
        )
        if bill_id == "A202402":
            continue  # unpaid
        if bill_id == "A202312":
            half = (amount / 2).quantize(Decimal("0.01"))
            rows.append((f"P{bill_id}a", bill_id, account, due - timedelta(days=3), half, "app"))
            rows.append(
                (f"P{bill_id}b", bill_id, account, due + timedelta(days=6), amount - half, "app")
            )
            continue
        late = 10 if account == B else -5
        rows.append(
            (f"P{bill_id}", bill_id, account, due + timedelta(days=late), amount, "counter")
        )
    return pa.table(
        {
            "payment_id": [r[0] for r in rows],
            "bill_id": [r[1] for r in rows],
            "account_no": [r[2] for r in rows],
            "paid_on": [r[3] for r in rows],
            "amount": [r[4] for r in rows],
            "channel": [r[5] for r in rows],
            "kind": ["payment"] * len(rows),
            "reverses": [None] * len(rows),
        },
        schema=PAYMENTS.arrow,
    )


def readings() -> pa.Table:
    start = datetime(2024, 1, 30, tzinfo=UTC) - timedelta(hours=8)  # local midnight
    ts, kwh = [], []
    for i in range(4 * 96):
        at = start + timedelta(minutes=15 * i)
        local_hour = (at + timedelta(hours=8)).hour
        ts.append(at)
        kwh.append(3.0 if 8 <= local_hour < 22 else 1.0)
    return pa.table(
        {
            "account_no": [A] * len(ts),
            "meter_no": ["M1"] * len(ts),
            "ts": ts,
            "kwh": kwh,
            "kw": [k * 4 for k in kwh],
            "power_factor": [None] * len(ts),
        },
        schema=READINGS.arrow,
    )
