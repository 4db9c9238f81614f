"""Casework on one customer's credit: credit events (demerits, merits, incidents) and
rectified hazard notices, grade overrides (four eyes) and review requests (PIPL art. 24).
Each change writes its audit event (``gridcrm.credit.events``) in its transaction."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.credit import events as audit
from gridcrm.credit.errors import CreditConflict, CreditInvalid, CreditRefused
from gridcrm.credit.models import (
    CreditEvent,
    CustomerCredit,
    Decision,
    EventKind,
    Grade,
    GradeChange,
    GradeOverride,
    ReviewRequest,
)

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

REVIEW_DAYS = 15  # PIPL art. 50: requests are answered in time; we promise 15 days.

# Default points and life of each kind of credit event (100-point scale).
EVENT_DEFAULTS: dict[str, tuple[float, int | None]] = {
    EventKind.LATE_PAYMENT: (-5.0, 12),
    EventKind.BROKEN_PLAN: (-15.0, 24),
    EventKind.RETURNED_PAYMENT: (-10.0, 12),
    EventKind.THEFT: (0.0, 24),
    EventKind.ILLEGAL_USE: (0.0, 12),
    EventKind.ACCIDENT: (0.0, 12),
    EventKind.HAZARD_IGNORED: (0.0, None),
    EventKind.MERIT_PROMPT: (3.0, 12),
    EventKind.MERIT_COOPERATION: (5.0, 12),
}


def _require(user: User | None, perm: str, message: str = "") -> None:
    if user is not None and not user.has_perm(perm):
        raise CreditRefused(message or _("You may not do this."), code="credit.not_allowed")


@transaction.atomic
def credit_event_record(
    *,
    customer: Customer,
    kind: str,
    occurred_on: date,
    acting_user: User | None,
    points: float | None = None,
    expires_on: date | None = None,
    note: str = "",
    source_ref: str = "",
) -> CreditEvent:
    """Record a demerit, merit or incident; points and life default by kind."""
    _require(acting_user, "credit.record_credit_event")
    if kind not in EVENT_DEFAULTS:
        raise CreditInvalid(
            _("Unknown kind of credit event."),
            code="credit.unknown_event_kind",
            fields={"kind": _("Unknown kind of credit event.")},
        )
    default_points, months = EVENT_DEFAULTS[kind]
    if expires_on is None and months is not None:
        expires_on = occurred_on + timedelta(days=round(months * 30.44))
    event = CreditEvent(
        customer=customer,
        kind=kind,
        occurred_on=occurred_on,
        points=default_points if points is None else points,
        expires_on=expires_on,
        note=note[:300],
        source_ref=source_ref[:60],
        created_by=acting_user,
    )
    try:
        event.full_clean()
    except ValidationError as exc:
        raise CreditInvalid(
            _("The credit event is not valid."),
            code="credit.event_invalid",
            fields={name: " ".join(texts) for name, texts in exc.message_dict.items()},
        ) from exc
    event.save()
    audit.credit_event_recorded(event=event, acting_user=acting_user)
    return event


@transaction.atomic
def hazard_rectified(*, event: CreditEvent, on: date, acting_user: User) -> CreditEvent:
    """Record that the customer rectified an ignored major hazard: the automatic C ends
    with the next rating. Only an open hazard notice can be rectified, not in the future."""
    _require(acting_user, "credit.record_credit_event")
    event = CreditEvent.objects.select_for_update().get(pk=event.pk)
    if event.kind != EventKind.HAZARD_IGNORED:
        raise CreditInvalid(
            _("Only an ignored hazard notice is rectified."), code="credit.not_a_hazard"
        )
    if event.resolved_on is not None:
        raise CreditConflict(
            _("This hazard notice has been rectified already."),
            code="credit.hazard_rectified_already",
        )
    if on > timezone.localdate() or on < event.occurred_on:
        raise CreditInvalid(
            _("The day of rectification must lie between the notice and today."),
            code="credit.rectified_on_invalid",
            fields={"on": _("Between the notice and today.")},
        )
    event.resolved_on = on
    event.save(update_fields=["resolved_on"])
    audit.hazard_rectified(event=event, on=on, acting_user=acting_user)
    return event


def _grade_set(
    *,
    customer: Customer,
    grade: str,
    reason_code: str,
    reason: str,
    kind: str,
    acting_user: User | None,
) -> GradeChange | None:
    """Set the current grade outside the batch; writes the grade change if it moved."""
    current = CustomerCredit.objects.select_for_update().filter(customer=customer).first()
    today = timezone.localdate()
    old = current.grade if current else ""
    if current is None:
        current = CustomerCredit(
            customer=customer,
            grade=grade,
            score=0,
            score_grade=grade,
            model="",
            as_of=today,
            since=today,
            rule=reason_code,
        )
    if old == grade:
        return None
    current.grade = grade
    current.since = today
    current.rule = reason_code
    current.save()
    return audit.grade_changed(
        customer=customer,
        old_grade=old,
        new_grade=grade,
        reason_code=reason_code,
        reason=reason,
        kind=kind,
        acting_user=acting_user,
    )


@transaction.atomic
def override_request(
    *, customer: Customer, grade: str, reason: str, valid_until: date, acting_user: User
) -> GradeOverride:
    """Ask for a manual grade until a day; a second person decides (``override_decide``)."""
    _require(acting_user, "credit.request_grade_override")
    if grade not in Grade.values:
        raise CreditInvalid(
            _("Unknown grade."), code="credit.unknown_grade", fields={"grade": _("Unknown grade.")}
        )
    if not reason.strip():
        raise CreditInvalid(
            _("Give a reason for the override."),
            code="credit.reason_missing",
            fields={"reason": _("Give a reason for the override.")},
        )
    if valid_until <= timezone.localdate():
        raise CreditInvalid(
            _("An override must hold until a day in the future."),
            code="credit.override_not_future",
            fields={"valid_until": _("An override must hold until a day in the future.")},
        )
    if GradeOverride.objects.filter(customer=customer, status=Decision.PENDING).exists():
        raise CreditConflict(
            _("This customer already has an override waiting for approval."),
            code="credit.override_pending",
        )
    override = GradeOverride.objects.create(
        customer=customer,
        grade=grade,
        reason=reason.strip()[:500],
        valid_until=valid_until,
        requested_by=acting_user,
    )
    audit.override_requested(override=override, acting_user=acting_user)
    return override


@transaction.atomic
def override_decide(
    *, override: GradeOverride, approve: bool, note: str, acting_user: User
) -> GradeOverride:
    """Approve or reject an override; the approver must not be the requester
    (``credit.four_eyes``). An approved override sets the grade at once (a grade change)
    and holds in every batch until its day."""
    _require(acting_user, "credit.approve_grade_override")
    override = GradeOverride.objects.select_for_update().get(pk=override.pk)
    if override.status != Decision.PENDING:
        raise CreditConflict(
            _("This override has been decided already."), code="credit.override_decided"
        )
    if override.requested_by_id == acting_user.pk:
        raise CreditRefused(
            _("An override must be approved by a second person."), code="credit.four_eyes"
        )
    override.status = Decision.APPROVED if approve else Decision.REJECTED
    override.decided_by = acting_user
    override.decided_at = timezone.now()
    override.decision_note = note[:500]
    override.save()
    audit.override_decided(override=override, acting_user=acting_user)
    if approve:
        _grade_set(
            customer=override.customer,
            grade=override.grade,
            reason_code="override",
            reason=override.reason,
            kind=GradeChange.Kind.OVERRIDE,
            acting_user=acting_user,
        )
    return override


@transaction.atomic
def review_request_submit(
    *, customer: Customer, kind: str, message: str, acting_user: User
) -> ReviewRequest:
    """A customer's (or staff on their behalf) request for an explanation of the grade or
    for a human review of it (PIPL art. 24); answered within ``REVIEW_DAYS`` days."""
    if kind not in ReviewRequest.Kind.values:
        raise CreditInvalid(
            _("Unknown kind of request."),
            code="credit.unknown_review_kind",
            fields={"kind": _("Unknown kind of request.")},
        )
    current = CustomerCredit.objects.filter(customer=customer).first()
    review = ReviewRequest.objects.create(
        customer=customer,
        kind=kind,
        message=message.strip()[:2000],
        grade_at_request=current.grade if current else "",
        due_on=timezone.localdate() + timedelta(days=REVIEW_DAYS),
        submitted_by=acting_user,
    )
    audit.review_submitted(review=review, acting_user=acting_user)
    return review


@transaction.atomic
def review_request_answer(
    *, review: ReviewRequest, answer: str, outcome: str, acting_user: User
) -> ReviewRequest:
    """Answer a review request. A changed grade goes through an override (four eyes);
    the answer records that."""
    _require(acting_user, "credit.handle_credit_review")
    review = ReviewRequest.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewRequest.Status.OPEN:
        raise CreditConflict(
            _("This request has been answered already."), code="credit.review_answered"
        )
    if outcome not in ReviewRequest.Outcome.values:
        raise CreditInvalid(
            _("Choose an outcome."),
            code="credit.outcome_missing",
            fields={"outcome": _("Choose an outcome.")},
        )
    if not answer.strip():
        raise CreditInvalid(
            _("Write the answer to the customer."),
            code="credit.answer_missing",
            fields={"answer": _("Write the answer to the customer.")},
        )
    review.answer = answer.strip()[:4000]
    review.outcome = outcome
    review.status = ReviewRequest.Status.ANSWERED
    review.handled_by = acting_user
    review.handled_at = timezone.now()
    review.save()
    audit.review_answered(review=review, acting_user=acting_user)
    return review
