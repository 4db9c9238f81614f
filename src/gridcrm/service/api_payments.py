"""REST endpoints of payment terms and grace: what the credit policy does to a customer's
due dates, asking for grace on one bill, and a second person's decision.

Customers are looked up within the caller's scope (404 otherwise); refusals are the
services' domain errors, answered by the API's one exception handler."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from gridcrm.archive.selectors import customer_get_visible
from gridcrm.service.errors import GraceNotFound
from gridcrm.service.models import GraceRequest
from gridcrm.service.payments import (
    grace_request_decide,
    grace_request_submit,
    payment_due_on,
    payment_terms,
)
from gridcrm.service.selectors import grace_get

if TYPE_CHECKING:
    from gridcrm.users.models import User

router = Router(tags=["service"])


def _user(request: HttpRequest) -> User:
    """The caller: the API lets only authenticated users through."""
    return cast("User", request.user)


class TermsOut(Schema):
    credit_grade: str
    due_shift_days: int
    grace_max_days: int
    reminder_days: list[int]
    reasons: list[str]


class GraceIn(Schema):
    bill_id: str
    due_on: dt.date
    days: int
    reason: str


class GraceOut(Schema):
    id: int
    account_no: str
    bill_id: str
    due_on: dt.date
    days: int
    reason: str
    status: str
    adjusted_due_on: dt.date

    @staticmethod
    def resolve_account_no(obj: GraceRequest) -> str:
        return obj.customer.account_no

    @staticmethod
    def resolve_adjusted_due_on(obj: GraceRequest) -> dt.date:
        return payment_due_on(customer=obj.customer, bill_id=obj.bill_id, billed_due_on=obj.due_on)


class GraceDecisionIn(Schema):
    note: str = ""


@router.get("/customers/{account_no}/payment-terms", response=TermsOut, summary="Payment terms")
def terms(request: HttpRequest, account_no: str) -> Any:
    """What the credit policy does to the customer's due dates and reminders."""
    return payment_terms(customer=customer_get_visible(user=_user(request), account_no=account_no))


@router.post("/customers/{account_no}/grace", response={201: GraceOut}, summary="Ask for grace")
def grace_new(request: HttpRequest, account_no: str, payload: GraceIn) -> tuple[int, Any]:
    customer = customer_get_visible(user=_user(request), account_no=account_no)
    grace = grace_request_submit(
        customer=customer,
        bill_id=payload.bill_id,
        due_on=payload.due_on,
        days=payload.days,
        reason=payload.reason,
        acting_user=_user(request),
    )
    return 201, grace


@router.post("/grace/{pk}/{decision}", response=GraceOut, summary="Approve or reject grace")
def grace_decide(request: HttpRequest, pk: int, decision: str, payload: GraceDecisionIn) -> Any:
    """``decision`` is ``approve`` or ``reject``; a grace request of a customer outside the
    caller's scope is 404 like an unknown one."""
    if decision not in ("approve", "reject"):
        raise GraceNotFound(_("No such grace request."))
    grace = grace_get(user=_user(request), pk=pk)
    return grace_request_decide(
        grace=grace,
        acting_user=_user(request),
        approve=decision == "approve",
        note=payload.note,
    )
