"""REST endpoints of credit: a customer's grade, reasons, policy and history; reviews."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from gridcrm.archive.models import Customer
from gridcrm.credit import selectors, services
from gridcrm.web.http import AuthedRequest

router = Router(tags=["credit"])


class ReasonOut(Schema):
    indicator: str
    label: str
    value: float | None
    points_lost: float


class PolicyOut(Schema):
    grade: str
    segment: str
    payment_term_days: int
    grace_eligible: bool
    grace_max_days: int
    grace_needs_approval: bool
    deposit: str
    deposit_months: int
    connection_priority: bool
    outage_notice_days: int
    watch_actions: list[str]
    version: int


class RatingOut(Schema):
    as_of: date
    grade: str
    score: float
    score_grade: str
    model: str
    rule: str


class CreditOut(Schema):
    account_no: str
    grade: str
    rated: bool
    score: float | None
    model: str
    rule: str
    rule_label: str
    as_of: date | None
    since: date | None
    reasons: list[ReasonOut]
    policy: PolicyOut
    history: list[RatingOut]


class ReviewIn(Schema):
    kind: str
    message: str = ""


class ReviewOut(Schema):
    id: int
    kind: str
    status: str
    due_on: date
    grade_at_request: str


def _customer(request: AuthedRequest, account_no: str) -> Customer:
    if not selectors.can_view_credit(user=request.user):
        raise HttpError(403, "You may not see credit ratings.")
    customer = selectors.visible_customer(user=request.user, account_no=account_no)
    if customer is None:
        raise Http404
    return customer


@router.get("/customers/{account_no}", response=CreditOut, summary="A customer's credit")
def customer_credit(request: AuthedRequest, account_no: str) -> CreditOut:
    """Grade, score, the three indicators that cost most points, the policy in force and
    the rating history. Out of scope answers 404."""
    view = selectors.customer_credit(customer=_customer(request, account_no))
    c = view.credit
    return CreditOut(
        account_no=account_no,
        grade=view.grade,
        rated=c is not None,
        score=c.score if c else None,
        model=c.model if c else "",
        rule=c.rule if c else "",
        rule_label=view.rule_label,
        as_of=c.as_of if c else None,
        since=c.since if c else None,
        reasons=[ReasonOut(**r) for r in view.reasons],
        policy=PolicyOut(**view.policy.as_json()),
        history=[
            RatingOut(
                as_of=r.as_of,
                grade=r.grade,
                score=r.score,
                score_grade=r.score_grade,
                model=r.model,
                rule=r.rule,
            )
            for r in view.history
        ],
    )


@router.post(
    "/customers/{account_no}/reviews",
    response={201: ReviewOut},
    summary="Ask for an explanation or a human review (PIPL art. 24)",
)
def review_submit(request: AuthedRequest, account_no: str, payload: ReviewIn) -> Status[ReviewOut]:
    customer = _customer(request, account_no)
    try:
        review = services.review_request_submit(
            customer=customer, kind=payload.kind, message=payload.message, acting_user=request.user
        )
    except services.CreditError as exc:
        raise HttpError(422, str(exc)) from exc
    return Status(
        201,
        ReviewOut(
            id=review.pk,
            kind=review.kind,
            status=review.status,
            due_on=review.due_on,
            grade_at_request=review.grade_at_request,
        ),
    )


@router.get("/grades", response=dict[str, int], summary="Visible customers per grade")
def grades(request: AuthedRequest) -> dict[str, int]:
    if not selectors.can_view_credit(user=request.user):
        raise HttpError(403, "You may not see credit ratings.")
    return selectors.grade_distribution(user=request.user)
