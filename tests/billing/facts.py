"""A small lake of two customers with known accounts on ``AS_OF`` (2024-05-05).

R ``0300000001`` (residential):
- 2024-01, 200.00 due 2024-02-25: paid on time (P1);
- 2024-02, 300.00 due 2024-03-25: 100.00 paid 2024-03-30 (P2), 200.00 still owed;
- 2024-03, 150.00 due 2024-04-25: paid 2024-04-10 (P3), reversed 2024-04-12 (RV3);
- 50.00 paid in advance 2024-04-01 (ADV1).

N ``0400000001`` (general commerce and industry):
- 2023-11, 5,000.00 due 2023-12-25: unpaid (across the year boundary);
- 2024-03, 1,000.00 due 2024-04-25: unpaid.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyarrow as pa

from gridcrm.lake.schemas import BILLS, PAYMENTS

R = "0300000001"
N = "0400000001"
AS_OF = date(2024, 5, 5)


def bills() -> pa.Table:
    rows = [
        ("R202401", R, date(2024, 1, 1), "residential", "200.00", date(2024, 2, 25)),
        ("R202402", R, date(2024, 2, 1), "residential", "300.00", date(2024, 3, 25)),
        ("R202403", R, date(2024, 3, 1), "residential", "150.00", date(2024, 4, 25)),
        ("N202311", N, date(2023, 11, 1), "general_ci", "5000.00", date(2023, 12, 25)),
        ("N202403", N, date(2024, 3, 1), "general_ci", "1000.00", date(2024, 4, 25)),
    ]
    return pa.Table.from_pylist(
        [
            {
                "bill_id": bill_id,
                "account_no": account,
                "period": period,
                "tariff": tariff,
                "kwh_sharp": 10.0,
                "kwh_peak": 40.0,
                "kwh_flat": 20.0,
                "kwh_valley": 30.0,
                "amount": Decimal(amount),
                "due_on": due,
            }
            for bill_id, account, period, tariff, amount, due in rows
        ],
        BILLS.arrow,
    )


def payments() -> pa.Table:
    rows = [
        ("P1", "R202401", date(2024, 2, 20), "200.00", "payment", None),
        ("P2", "R202402", date(2024, 3, 30), "100.00", "payment", None),
        ("ADV1", None, date(2024, 4, 1), "50.00", "advance", None),
        ("P3", "R202403", date(2024, 4, 10), "150.00", "payment", None),
        ("RV3", "R202403", date(2024, 4, 12), "150.00", "reversal", "P3"),
    ]
    return pa.Table.from_pylist(
        [
            {
                "payment_id": payment_id,
                "bill_id": bill_id,
                "account_no": R,
                "paid_on": day,
                "amount": Decimal(amount),
                "channel": "app",
                "kind": kind,
                "reverses": reverses,
            }
            for payment_id, bill_id, day, amount, kind, reverses in rows
        ],
        PAYMENTS.arrow,
    )
