"""REST endpoints of credit: a customer's grade, reasons, policy and history; reviews."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ninja import Router, Schema
from ninja.responses import Status

from gridcrm.credit import selectors, services
from gridcrm.credit.errors import CreditRefused
from gridcrm.credit.services.policies import PolicyRow
from gridcrm.web.http import AuthedRequest

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer

router = Router(tags=["credit"])


class ReasonOut(Schema):
    indicator: str
    label: str
    value: float | str | None  # a categorical indicator's value is its category
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


class RectifiedIn(Schema):
    on: date


class EventOut(Schema):
    id: int
    kind: str
    occurred_on: date
    points: float
    expires_on: date | None
    resolved_on: date | None


class PoliciesOut(Schema):
    version: int
    rules: list[PolicyRow]


class PoliciesIn(Schema):
    rules: list[PolicyRow]
    note: str = ""


def _customer(request: AuthedRequest, account_no: str) -> Customer:
    return selectors.credit_customer_get(user=request.user, account_no=account_no)


def _may_see_credit(request: AuthedRequest) -> None:
    if not selectors.can_view_credit(user=request.user):
        raise CreditRefused("You may not see credit ratings.", code="credit.not_allowed")


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
    review = services.review_request_submit(
        customer=customer, kind=payload.kind, message=payload.message, acting_user=request.user
    )
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
    _may_see_credit(request)
    return selectors.grade_distribution(user=request.user)


@router.post(
    "/events/{event_id}/rectified",
    response=EventOut,
    summary="Record that an ignored hazard notice was rectified",
)
def hazard_rectified(request: AuthedRequest, event_id: int, payload: RectifiedIn) -> EventOut:
    """Ends the automatic C of an ignored major hazard with the next rating. Only an open
    hazard notice (409 ``credit.hazard_rectified_already``, 422 ``credit.not_a_hazard``)."""
    _may_see_credit(request)
    event = selectors.credit_event_get_visible(user=request.user, event_id=event_id)
    event = services.hazard_rectified(event=event, on=payload.on, acting_user=request.user)
    return EventOut(
        id=event.pk,
        kind=event.kind,
        occurred_on=event.occurred_on,
        points=event.points,
        expires_on=event.expires_on,
        resolved_on=event.resolved_on,
    )


@router.get("/policies", response=PoliciesOut, summary="The credit policies in force")
def policies(request: AuthedRequest) -> PoliciesOut:
    _may_see_credit(request)
    number, rules = selectors.policy_rules_current()
    return PoliciesOut(version=number, rules=[PolicyRow.model_validate(r) for r in rules])


@router.post(
    "/policies", response={201: PoliciesOut}, summary="Publish a new version of the policies"
)
def policies_publish(request: AuthedRequest, payload: PoliciesIn) -> Status[PoliciesOut]:
    """Rows as ``PolicyRow``; every grade needs a row for all segments (422
    ``credit.policy_grade_missing``); 403 without the permission."""
    version = services.policy_publish(
        rules=[r.model_dump() for r in payload.rules], note=payload.note, acting_user=request.user
    )
    # The rows were checked by ``PolicyRow`` on the way in, as the service stored them.
    return Status(201, PoliciesOut(version=version.number, rules=payload.rules))
