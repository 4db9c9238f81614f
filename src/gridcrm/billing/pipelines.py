"""Balances, arrears by age and late fees over the lake's bills and payments, written
once as Ibis expressions (the same on DuckDB and Spark, like ``lake.pipelines``).

Inputs besides the facts are two small tables the database knows: ``terms``
(``account_no``, ``due_shift_days``: the credit policy's payment term − billing's) and
``graces`` (``bill_id``, ``grace_days``: approved grace). A customer or bill absent
from them gets no shift and no grace.

Money is reckoned in whole fen and late fees in millionths of a fen (integer arithmetic,
so both engines and :func:`gridcrm.billing.latefees.late_fee` agree to the fen).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import ibis
import ibis.expr.types as ir

from gridcrm.billing.latefees import LateFeeRates
from gridcrm.lake.pipelines import IntegerQuotient, effective_payments, months_before

BALANCE_COLUMNS = (
    "account_no",
    "balance",
    "arrears",
    "arrears_0_30",
    "arrears_31_90",
    "arrears_over_90",
    "overdue_bills",
    "oldest_due_on",
    "late_fees",
)
BILL_COLUMNS = (
    "bill_id",
    "account_no",
    "due_on",
    "due_shifted",
    "amount",
    "paid",
    "outstanding",
    "days_overdue",
    "late_fee",
)
_MICRO = 1_000_000


def _fen(money: ir.NumericValue) -> ir.IntegerValue:
    result: ir.IntegerValue = (money * 100).round(0).cast("int64")
    return result


def _yuan(fen: ir.IntegerValue) -> ir.DecimalValue:
    result: ir.DecimalValue = fen.cast("decimal(18, 0)") / 100
    return result.cast("decimal(14, 2)")


def _plus_days(day: ir.DateValue, days: ir.IntegerValue) -> ir.DateValue:
    result: ir.DateValue = (day + days.as_interval("D")).cast("date")
    return result


def _milli(per_mille: Decimal) -> int:
    """A rate in ‰ as an integer count of millionths (1‰ = 1000)."""
    return int(per_mille * 1000)


def issued_bills(bills: ir.Table, *, as_of: date) -> ir.Table:
    """The bills issued by ``as_of``: a month's bill is issued in the month after it."""
    return bills.filter(bills.period <= ibis.literal(months_before(as_of, 1), type="date"))


def bill_late_fees(
    bills: ir.Table,
    payments: ir.Table,
    terms: ir.Table,
    graces: ir.Table,
    *,
    as_of: date,
    rates: LateFeeRates,
) -> ir.Table:
    """Per bill issued by ``as_of``: the due date as billed and as the credit policy
    shifted it, what was paid (net of reversals), what is outstanding, days overdue past
    the shifted due date and grace (0 if not overdue), and the late fee accrued by
    ``as_of`` (yuan; :mod:`gridcrm.billing.latefees` states the rule). Columns:
    ``BILL_COLUMNS``."""
    as_of_lit = ibis.literal(as_of, type="date")
    b = issued_bills(bills, as_of=as_of)
    b = b.left_join(terms, b.account_no == terms.account_no).select(
        b.bill_id, b.account_no, b.tariff, b.amount, b.due_on, shift=terms.due_shift_days
    )
    b = b.left_join(graces, b.bill_id == graces.bill_id).select(
        b.bill_id, b.account_no, b.tariff, b.amount, b.due_on, b.shift, grace=graces.grace_days
    )
    shifted = _plus_days(b.due_on, b.shift.coalesce(0).cast("int64"))
    b = b.mutate(due_shifted=shifted)
    b = b.mutate(
        last_free=_plus_days(b.due_shifted, b.grace.coalesce(0).cast("int64")),
        amount_fen=_fen(b.amount),
        year_end=ibis.date(b.due_shifted.year(), 12, 31),
    )

    paid = effective_payments(payments, as_of=as_of)
    by_day = paid.group_by("bill_id", day=paid.paid_on).aggregate(paid_fen=_fen(paid.amount.sum()))
    # A row of nothing paid on the last free day starts each bill's first overdue stretch.
    starts = b.select("bill_id", day=b.last_free, paid_fen=ibis.literal(0, "int64"))
    days = (
        ibis.union(by_day, starts)
        .group_by("bill_id", "day")
        .aggregate(paid_fen=ibis._.paid_fen.sum())
    )
    window = ibis.window(group_by="bill_id", order_by="day")
    days = days.mutate(
        paid_so_far=days.paid_fen.sum().over(
            ibis.window(group_by="bill_id", order_by="day", preceding=None, following=0)
        ),
        next_day=days.day.lead().over(window),
    )
    s = days.inner_join(b, "bill_id")
    # The stretch after a day of payments to the next one (inclusive: the rule counts to
    # the day of payment), on what was owed after that day, within the overdue days.
    base = ibis.greatest(s.amount_fen - s.paid_so_far, 0)
    first = ibis.greatest(
        _plus_days(s.day, ibis.literal(1, "int64")),
        _plus_days(s.last_free, ibis.literal(1, "int64")),
    )
    last = ibis.least(s.next_day.coalesce(as_of_lit), as_of_lit)
    in_year = ibis.greatest(ibis.least(last, s.year_end).delta(first, unit="day") + 1, 0)
    later = ibis.greatest(
        last.delta(
            ibis.greatest(first, _plus_days(s.year_end, ibis.literal(1, "int64"))), unit="day"
        )
        + 1,
        0,
    )
    residential = s.tariff == "residential"
    current = ibis.cases(
        (residential, _milli(rates.residential_per_mille)),
        else_=_milli(rates.current_year_per_mille),
    )
    across = ibis.cases(
        (residential, _milli(rates.residential_per_mille)),
        else_=_milli(rates.across_years_per_mille),
    )
    micro = base * (current * in_year + across * later)
    fees = s.group_by("bill_id").aggregate(fee_micro=micro.sum())

    settled = paid.group_by("bill_id").aggregate(paid_fen=_fen(paid.amount.sum()))
    j = b.left_join(settled, "bill_id").left_join(fees, "bill_id")
    paid_fen = j.paid_fen.coalesce(0)
    total = j.fee_micro.coalesce(0)
    rounded = IntegerQuotient(total + _MICRO // 2, ibis.literal(_MICRO, "int64")).to_expr()
    minimum = _fen(ibis.literal(rates.minimum_yuan, "decimal(8, 2)"))
    fee_fen = ibis.cases((total > 0, ibis.greatest(rounded, minimum)), else_=0)
    overdue = as_of_lit.delta(j.last_free, unit="day")
    return j.select(
        "bill_id",
        "account_no",
        "due_on",
        due_shifted=j.due_shifted,
        amount=j.amount,
        paid=_yuan(paid_fen),
        outstanding=_yuan(ibis.greatest(j.amount_fen - paid_fen, 0)),
        days_overdue=ibis.greatest(overdue, 0).cast("int64"),
        late_fee=_yuan(fee_fen),
    )


def account_balances(
    bills: ir.Table,
    payments: ir.Table,
    terms: ir.Table,
    graces: ir.Table,
    *,
    as_of: date,
    rates: LateFeeRates,
) -> ir.Table:
    """Per customer as of a day: ``balance`` (bills issued less payments and advance
    payments that stand; negative: money in advance), ``arrears`` (outstanding on bills
    past their shifted due date and grace) and its ages 0–30, 31–90 and over 90 days
    overdue, the overdue bills, the oldest due date among them, and the late fees
    accrued on them. Columns: ``BALANCE_COLUMNS``."""
    per_bill = bill_late_fees(bills, payments, terms, graces, as_of=as_of, rates=rates)
    out = _fen(per_bill.outstanding)
    overdue = (per_bill.days_overdue > 0) & (out > 0)
    age = per_bill.days_overdue
    owed = per_bill.group_by("account_no").aggregate(
        billed=_fen(per_bill.amount).sum(),
        paid=_fen(per_bill.paid).sum(),
        arrears=out.sum(where=overdue),
        a30=out.sum(where=overdue & (age <= 30)),
        a90=out.sum(where=overdue & (age > 30) & (age <= 90)),
        aold=out.sum(where=overdue & (age > 90)),
        overdue_bills=overdue.cast("int64").sum(),
        oldest_due_on=per_bill.due_shifted.min(where=overdue),
        fees=_fen(per_bill.late_fee).sum(where=overdue),
    )
    advances = effective_payments(payments, as_of=as_of, kinds=("advance",))
    ahead = advances.group_by("account_no").aggregate(advance=_fen(advances.amount.sum()))
    j = owed.outer_join(ahead, owed.account_no == ahead.account_no)
    account = j.account_no.coalesce(j.account_no_right)
    money = {
        "arrears": j.arrears,
        "arrears_0_30": j.a30,
        "arrears_31_90": j.a90,
        "arrears_over_90": j.aold,
    }
    result: ir.Table = j.select(
        account_no=account,
        balance=_yuan(j.billed.coalesce(0) - j.paid.coalesce(0) - j.advance.coalesce(0)),
        **{name: _yuan(value.coalesce(0)) for name, value in money.items()},
        overdue_bills=j.overdue_bills.coalesce(0),
        oldest_due_on=j.oldest_due_on,
        late_fees=_yuan(j.fees.coalesce(0)),
    )
    return result
