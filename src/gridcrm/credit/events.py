"""The credit app's audit trail, written only here and only by services, inside the
transaction of the change they record.

Grade changes are ``GradeChange`` rows (the rating batch writes its own in bulk, in
``credit.store``); every other change of credit data is a ``CreditAuditEvent``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from gridcrm.credit.models import (
    CreditAuditEvent,
    CreditEvent,
    CreditRun,
    GradeChange,
    GradeOverride,
    PolicyVersion,
    ReviewRequest,
    ScorecardVersion,
)

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.jobs.models import Job
    from gridcrm.users.models import User

Kind = CreditAuditEvent.Kind


def _write(
    kind: str,
    *,
    acting_user: User | None,
    customer: Customer | None = None,
    **details: Any,
) -> CreditAuditEvent:
    return CreditAuditEvent.objects.create(
        kind=kind, acting_user=acting_user, customer=customer, details=details
    )


def grade_changed(
    *,
    customer: Customer,
    old_grade: str,
    new_grade: str,
    reason_code: str,
    reason: str,
    kind: str,
    acting_user: User | None,
) -> GradeChange:
    """A grade set outside the batch (an approved override, a human review)."""
    return GradeChange.objects.create(
        customer=customer,
        old_grade=old_grade,
        new_grade=new_grade,
        reason_code=reason_code,
        reason=reason[:500],
        kind=kind,
        acting_user=acting_user,
    )


def credit_event_recorded(*, event: CreditEvent, acting_user: User | None) -> CreditAuditEvent:
    return _write(
        Kind.EVENT_RECORDED,
        acting_user=acting_user,
        customer=event.customer,
        event=event.pk,
        event_kind=event.kind,
        occurred_on=event.occurred_on.isoformat(),
        points=event.points,
    )


def hazard_rectified(*, event: CreditEvent, on: date, acting_user: User) -> CreditAuditEvent:
    return _write(
        Kind.HAZARD_RECTIFIED,
        acting_user=acting_user,
        customer=event.customer,
        event=event.pk,
        rectified_on=on.isoformat(),
    )


def override_requested(*, override: GradeOverride, acting_user: User) -> CreditAuditEvent:
    return _write(
        Kind.OVERRIDE_REQUESTED,
        acting_user=acting_user,
        customer=override.customer,
        override=override.pk,
        grade=override.grade,
        valid_until=override.valid_until.isoformat(),
    )


def override_decided(*, override: GradeOverride, acting_user: User) -> CreditAuditEvent:
    """Approved or rejected, as ``override.status`` says."""
    kind = Kind.OVERRIDE_APPROVED if override.status == "approved" else Kind.OVERRIDE_REJECTED
    return _write(
        kind,
        acting_user=acting_user,
        customer=override.customer,
        override=override.pk,
        grade=override.grade,
        note=override.decision_note,
    )


def review_submitted(*, review: ReviewRequest, acting_user: User) -> CreditAuditEvent:
    return _write(
        Kind.REVIEW_SUBMITTED,
        acting_user=acting_user,
        customer=review.customer,
        review=review.pk,
        review_kind=review.kind,
    )


def review_answered(*, review: ReviewRequest, acting_user: User) -> CreditAuditEvent:
    return _write(
        Kind.REVIEW_ANSWERED,
        acting_user=acting_user,
        customer=review.customer,
        review=review.pk,
        outcome=review.outcome,
    )


def policy_published(*, version: PolicyVersion, acting_user: User | None) -> CreditAuditEvent:
    return _write(
        Kind.POLICY_PUBLISHED,
        acting_user=acting_user,
        version=version.number,
        rules=version.rules.count(),
    )


def scorecard_published(*, version: ScorecardVersion, acting_user: User | None) -> CreditAuditEvent:
    return _write(
        Kind.SCORECARD_PUBLISHED,
        acting_user=acting_user,
        model=version.kind,
        version=version.number,
    )


def segment_model_set(*, segment: str, kind: str, acting_user: User) -> CreditAuditEvent:
    """``kind`` blank: the segment follows the default again."""
    return _write(Kind.SEGMENT_MODEL_SET, acting_user=acting_user, segment=segment, model=kind)


def batch_started(*, job: Job, acting_user: User) -> CreditAuditEvent:
    return _write(
        Kind.BATCH_STARTED, acting_user=acting_user, job=job.pk, as_of=job.params.get("as_of")
    )


def batch_run(*, run: CreditRun, acting_user: User | None) -> CreditAuditEvent:
    return _write(
        Kind.BATCH_RUN,
        acting_user=acting_user,
        run=run.pk,
        as_of=run.as_of.isoformat(),
        customers=run.customers,
        changes=run.changes,
    )
