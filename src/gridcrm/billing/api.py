"""REST endpoints of billing: a customer's account (bills, payments, balance, arrears by
age, late fees) and the late-fee rule. A customer out of the caller's scope is 404."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from gridcrm.billing import selectors, services
from gridcrm.billing.errors import BillNotFound
from gridcrm.billing.selectors import AccountView, BillLine, PaymentLine
from gridcrm.web.http import AuthedRequest

router = Router(tags=["billing"])


class BillOut(Schema):
    bill_id: str
    period: date
    tariff: str
    kwh: dict[str, float]
    kwh_total: float
    amount: Decimal
    due_on: date
    due_shifted: date
    grace_days: int
    paid: Decimal
    outstanding: Decimal
    status: str
    days_overdue: int
    late_fee: Decimal
    grace_request: str


class PaymentOut(Schema):
    payment_id: str
    kind: str
    channel: str
    paid_on: date
    amount: Decimal
    bill_id: str
    reverses: str
    reversed: bool


class BillingAccountOut(Schema):
    account_no: str
    as_of: date
    balance: Decimal
    advance: Decimal
    arrears: Decimal
    ageing: dict[str, Decimal]
    overdue_bills: int
    late_fees: Decimal
    due_shift_days: int
    grace_max_days: int
    late_fee_rules_version: int
    bills: list[BillOut]
    payments: list[PaymentOut]


class LateFeeRulesOut(Schema):
    version: int
    residential_per_mille: Decimal
    current_year_per_mille: Decimal
    across_years_per_mille: Decimal
    minimum_yuan: Decimal
    source: str


class LateFeeRulesIn(Schema):
    residential_per_mille: Decimal
    current_year_per_mille: Decimal
    across_years_per_mille: Decimal
    minimum_yuan: Decimal
    source: str
    note: str = ""


def _bill(line: BillLine) -> BillOut:
    return BillOut(**line.__dict__)


def _payment(line: PaymentLine) -> PaymentOut:
    return PaymentOut(**line.__dict__)


def account_out(view: AccountView) -> BillingAccountOut:
    return BillingAccountOut(
        account_no=view.account_no,
        as_of=view.as_of,
        balance=view.balance,
        advance=view.advance,
        arrears=view.arrears,
        ageing=view.ageing,
        overdue_bills=view.overdue_bills,
        late_fees=view.late_fees,
        due_shift_days=view.due_shift_days,
        grace_max_days=view.grace_max_days,
        late_fee_rules_version=view.rates.version,
        bills=[_bill(b) for b in view.bills],
        payments=[_payment(p) for p in view.payments],
    )


@router.get(
    "/customers/{account_no}/account", response=BillingAccountOut, summary="A customer's account"
)
def customer_account(request: AuthedRequest, account_no: str) -> BillingAccountOut:
    """Bills (due dates as billed and as the credit policy shifts them), payments with
    reversals and advance payments, balance, arrears by age (``0_30``, ``31_90``,
    ``over_90`` days overdue) and late fees, as of today."""
    view = selectors.account_view_visible(user=request.user, account_no=account_no)
    return account_out(view)


@router.get(
    "/customers/{account_no}/bills/{bill_id}", response=BillOut, summary="One bill of a customer"
)
def customer_bill(request: AuthedRequest, account_no: str, bill_id: str) -> BillOut:
    view = selectors.account_view_visible(user=request.user, account_no=account_no)
    line = selectors.bill_of(view=view, bill_id=bill_id)
    if line is None:
        raise BillNotFound(_("No such bill of this customer."))
    return _bill(line)


def _rules_out() -> LateFeeRulesOut:
    rates = selectors.late_fee_rates_current()
    return LateFeeRulesOut(
        version=rates.version,
        residential_per_mille=rates.residential_per_mille,
        current_year_per_mille=rates.current_year_per_mille,
        across_years_per_mille=rates.across_years_per_mille,
        minimum_yuan=rates.minimum_yuan,
        source=rates.source,
    )


@router.get("/late-fee-rules", response=LateFeeRulesOut, summary="The late-fee rule in force")
def late_fee_rules(request: AuthedRequest) -> LateFeeRulesOut:
    return _rules_out()


@router.post(
    "/late-fee-rules",
    response={201: LateFeeRulesOut},
    summary="Publish a new late-fee rule version",
)
def late_fee_rules_publish(
    request: AuthedRequest, payload: LateFeeRulesIn
) -> Status[LateFeeRulesOut]:
    services.late_fee_rules_publish(acting_user=request.user, **payload.dict())
    return Status(201, _rules_out())
