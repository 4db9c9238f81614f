"""One definition of "paid on time": the lake's payment behaviour and the credit
indicators read the same settlement of each bill, and give the same answer."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import ibis
import pyarrow as pa
import pytest

from gridcrm.credit import pipelines as credit
from gridcrm.lake import pipelines as lake
from gridcrm.lake.schemas import BILLS, PAYMENTS

AS_OF = date(2025, 6, 15)


def made_data() -> tuple[pa.Table, pa.Table]:
    """Three customers over twelve months: one pays early and then pays again after the
    due date (money booked to the bill after it was settled), one pays in two parts, the
    second late, one leaves the last bills unpaid."""
    bills: list[dict[str, object]] = []
    payments: list[dict[str, object]] = []

    def pay(bill_id: str, account: str, day: date, amount: str) -> None:
        payments.append(
            {
                "payment_id": f"{bill_id}-{len(payments)}",
                "bill_id": bill_id,
                "account_no": account,
                "paid_on": day,
                "amount": Decimal(amount),
                "channel": "app",
            }
        )

    for account in ("0100000001", "0100000002", "0100000003"):
        for k in range(12):
            period = lake.months_before(date(2025, 5, 1), 11 - k)
            due = lake.months_before(period, -1) + timedelta(days=24)
            bill_id = f"{account}{period:%Y%m}"
            bills.append(
                {
                    "bill_id": bill_id,
                    "account_no": account,
                    "period": period,
                    "tariff": "residential",
                    "kwh_sharp": 0.0,
                    "kwh_peak": 80.0,
                    "kwh_flat": 60.0,
                    "kwh_valley": 60.0,
                    "amount": Decimal("100.00"),
                    "due_on": due,
                }
            )
            if account.endswith("1"):
                pay(bill_id, account, due - timedelta(days=3), "100.00")
                pay(bill_id, account, due + timedelta(days=9), "20.00")  # after settling
            elif account.endswith("2"):
                pay(bill_id, account, due - timedelta(days=1), "60.00")
                if due + timedelta(days=k) <= AS_OF:
                    pay(bill_id, account, due + timedelta(days=k), "40.00")
            elif k < 9:
                pay(bill_id, account, due, "100.00")
    return pa.Table.from_pylist(bills, BILLS.arrow), pa.Table.from_pylist(payments, PAYMENTS.arrow)


def test_the_lake_and_credit_agree_on_who_paid_on_time() -> None:
    bills_raw, payments_raw = made_data()
    con = ibis.duckdb.connect()
    bills, payments = ibis.memtable(bills_raw), ibis.memtable(payments_raw)
    columns = ("on_time_share_12m", "mean_days_late_12m", "max_days_late_12m")

    behaviour = con.to_pandas(lake.payment_behaviour(bills, payments, as_of=AS_OF))
    indicators = con.to_pandas(credit.bill_indicators(bills, payments, as_of=AS_OF))
    by_lake = behaviour.set_index("account_no").loc[:, list(columns)].sort_index()
    by_credit = indicators.set_index("account_no").loc[:, list(columns)].sort_index()

    for column in columns:
        assert by_lake[column].to_dict() == pytest.approx(by_credit[column].to_dict())
    # money paid after the bill was settled does not make it late
    assert by_lake.loc["0100000001", "on_time_share_12m"] == 1.0
    assert 0 < by_lake.loc["0100000002", "on_time_share_12m"] < 1
    assert by_lake.loc["0100000003", "max_days_late_12m"] > 0


def test_a_bill_is_settled_the_day_its_payments_reach_the_amount() -> None:
    bills_raw, payments_raw = made_data()
    con = ibis.duckdb.connect()
    s = con.to_pandas(
        credit.settlement(ibis.memtable(bills_raw), ibis.memtable(payments_raw), as_of=AS_OF)
    )
    first = s[s["account_no"] == "0100000001"]

    assert first["on_time"].all()
    assert (first["days_late"] == 0).all()
