"""Reads of the billing app: the late-fee rule in force, and a customer's account.

A customer's account is read from the lake (the billing system's bills and payments) and
reckoned here with the same rules as the daily pipeline (``billing.pipelines``): the due
date as the credit policy shifts it, approved grace, payments net of reversals, advance
payments, arrears by age and late fees. Customer data only through the archive's
scoping selector, so a customer out of scope is ``archive.customer_not_found`` (404).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcrm.archive.selectors import customer_get_visible
from gridcrm.billing.latefees import DEFAULT_RATES, LateFeeRates, late_fee
from gridcrm.billing.models import AccountBalance, LateFeeRuleVersion
from gridcrm.lake.selectors import account_facts
from gridcrm.service.credit import credit_grade_for, credit_terms
from gridcrm.service.selectors import approved_grace_days, grace_requests_of

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

AGE_BUCKETS = ("0_30", "31_90", "over_90")
ZERO = Decimal("0.00")
TOU_PERIODS = ("sharp", "peak", "flat", "valley")


def today() -> date:
    """The day accounts are reckoned as of, unless one is named (local calendar)."""
    return timezone.localdate()


def late_fee_rates_current() -> LateFeeRates:
    """The late-fee rule in force: the latest published version, else the built-in one."""
    version = LateFeeRuleVersion.objects.order_by("-number").first()
    if version is None:
        return DEFAULT_RATES
    return LateFeeRates(
        residential_per_mille=version.residential_per_mille,
        current_year_per_mille=version.current_year_per_mille,
        across_years_per_mille=version.across_years_per_mille,
        minimum_yuan=version.minimum_yuan,
        source=version.source,
        version=version.number,
    )


def age_bucket(days_overdue: int) -> str:
    """The ageing bucket of a bill overdue by so many days (1–30, 31–90, over 90)."""
    if days_overdue <= 30:
        return "0_30"
    return "31_90" if days_overdue <= 90 else "over_90"


@dataclass(frozen=True)
class BillLine:
    bill_id: str
    period: date
    tariff: str
    kwh: dict[str, float]
    kwh_total: float
    amount: Decimal
    due_on: date
    """As billed."""
    due_shifted: date
    """As the credit policy moves it (before any grace)."""
    grace_days: int
    paid: Decimal
    outstanding: Decimal
    status: str
    """``paid``, ``part_paid``, ``open`` (not yet due) or ``overdue``."""
    days_overdue: int
    late_fee: Decimal
    grace_request: str
    """``pending`` or ``approved`` when a grace request is open on the bill, else empty."""


PAYMENT_CHANNEL_LABELS = {
    "counter": _("Counter"),
    "bank_deduction": _("Bank deduction"),
    "app": _("Power app"),
    "wechat": _("WeChat"),
    "alipay": _("Alipay"),
    "prepaid": _("Prepaid"),
}
"""The lake's payment channels (``lake.schemas.PaymentChannel``) in words."""


@dataclass(frozen=True)
class PaymentLine:
    payment_id: str
    kind: str
    """``payment``, ``reversal`` or ``advance``."""
    channel: str
    paid_on: date
    amount: Decimal
    bill_id: str
    reverses: str
    reversed: bool

    @property
    def channel_label(self) -> str:
        """The channel in words (the lake keeps the billing system's code)."""
        return str(PAYMENT_CHANNEL_LABELS.get(self.channel, self.channel))


@dataclass(frozen=True)
class AccountView:
    account_no: str
    as_of: date
    bills: list[BillLine]
    payments: list[PaymentLine]
    balance: Decimal
    """Bills less payments and advance payments; negative: money in advance."""
    advance: Decimal
    arrears: Decimal
    ageing: dict[str, Decimal]
    overdue_bills: int
    late_fees: Decimal
    due_shift_days: int
    grace_max_days: int
    rates: LateFeeRates
    stored: AccountBalance | None = None
    """The daily run's figures, for "as of" beside today's."""


def _standing(rows: list[dict[str, Any]], as_of: date) -> tuple[list[dict[str, Any]], set[str]]:
    """Payments and advances made by ``as_of`` that no reversal made by then took back,
    and the ids of those taken back."""
    made = [r for r in rows if r["paid_on"] <= as_of]
    reversed_ids = {str(r["reverses"]) for r in made if r["kind"] == "reversal"}
    kept = [r for r in made if r["kind"] != "reversal" and r["payment_id"] not in reversed_ids]
    return kept, reversed_ids


def account_view(*, customer: Customer, as_of: date | None = None) -> AccountView:
    """The customer's bills, payments, balance, arrears by age and late fees as of a day
    (today by default). The caller has checked that the customer is visible."""
    as_of = as_of or today()
    rates = late_fee_rates_current()
    terms = credit_terms()(credit_grade_for(customer), customer.segment)
    graces = approved_grace_days(customer_id=customer.pk)
    requests = grace_requests_of(customer_id=customer.pk)
    issued_until = date(as_of.year, as_of.month, 1) - timedelta(days=1)
    bills = [
        b
        for b in account_facts(table="bills", account_no=customer.account_no)
        if b["period"] <= issued_until
    ]
    pay_rows = account_facts(table="payments", account_no=customer.account_no)
    kept, reversed_ids = _standing(pay_rows, as_of)
    paid_by_bill: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for row in kept:
        if row["kind"] == "payment":
            paid_by_bill[row["bill_id"]].append((row["paid_on"], row["amount"]))
    lines: list[BillLine] = []
    ageing = dict.fromkeys(AGE_BUCKETS, ZERO)
    late_total = ZERO
    for b in reversed(bills):  # newest first
        paid = sum((amount for _day, amount in paid_by_bill[b["bill_id"]]), ZERO)
        outstanding = max(b["amount"] - paid, ZERO)
        shifted = b["due_on"] + timedelta(days=terms.due_shift_days)
        grace = graces.get(b["bill_id"], 0)
        overdue_days = max((as_of - (shifted + timedelta(days=grace))).days, 0)
        fee = late_fee(
            amount=b["amount"],
            due_on=shifted,
            payments=paid_by_bill[b["bill_id"]],
            as_of=as_of,
            residential=b["tariff"] == "residential",
            grace_until=shifted + timedelta(days=grace) if grace else None,
            rates=rates,
        )
        if outstanding <= 0:
            status = "paid"
        elif overdue_days > 0:
            status = "overdue"
            ageing[age_bucket(overdue_days)] += outstanding
            late_total += fee
        else:
            status = "part_paid" if paid > 0 else "open"
        kwh = {p: float(b[f"kwh_{p}"]) for p in TOU_PERIODS}
        lines.append(
            BillLine(
                bill_id=b["bill_id"],
                period=b["period"],
                tariff=b["tariff"],
                kwh=kwh,
                kwh_total=sum(kwh.values()),
                amount=b["amount"],
                due_on=b["due_on"],
                due_shifted=shifted,
                grace_days=grace,
                paid=paid,
                outstanding=outstanding,
                status=status,
                days_overdue=overdue_days if outstanding > 0 else 0,
                late_fee=fee if outstanding > 0 else ZERO,
                grace_request=requests.get(b["bill_id"], ""),
            )
        )
    payments = [
        PaymentLine(
            payment_id=r["payment_id"],
            kind=r["kind"],
            channel=r["channel"],
            paid_on=r["paid_on"],
            amount=r["amount"],
            bill_id=r["bill_id"] or "",
            reverses=r["reverses"] or "",
            reversed=r["payment_id"] in reversed_ids,
        )
        for r in reversed(pay_rows)
        if r["paid_on"] <= as_of
    ]
    billed = sum((b["amount"] for b in bills), ZERO)
    settled = sum((r["amount"] for r in kept if r["kind"] == "payment"), ZERO)
    advance = sum((r["amount"] for r in kept if r["kind"] == "advance"), ZERO)
    return AccountView(
        account_no=customer.account_no,
        as_of=as_of,
        bills=lines,
        payments=payments,
        balance=billed - settled - advance,
        advance=advance,
        arrears=sum(ageing.values(), ZERO),
        ageing=ageing,
        overdue_bills=sum(1 for line in lines if line.status == "overdue"),
        late_fees=late_total,
        due_shift_days=terms.due_shift_days,
        grace_max_days=terms.grace_max_days,
        rates=rates,
        stored=AccountBalance.objects.filter(customer_id=customer.pk).first(),
    )


def account_view_visible(
    *, user: User | AnonymousUser, account_no: str, as_of: date | None = None
) -> AccountView:
    """A customer's account for a user who may see the customer (404 otherwise)."""
    customer = customer_get_visible(user=user, account_no=account_no)
    return account_view(customer=customer, as_of=as_of)


def bill_of(*, view: AccountView, bill_id: str) -> BillLine | None:
    return next((b for b in view.bills if b.bill_id == bill_id), None)
