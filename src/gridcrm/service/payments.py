"""Payment terms and grace (R7). Bills and their due dates live in the fact lake (billing is
the system of record); this app keeps what the credit policy changes about them: a shift
of the due date (a shorter term for poor credit), the reminder schedule, and approved
grace for a good customer in temporary difficulty. ``payment_due_on`` gives the date
that holds for one bill."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.service import events
from gridcrm.service.errors import (
    GraceState,
    InvalidInput,
    NoGrace,
    SecondPersonNeeded,
    ServiceRefused,
)
from gridcrm.service.matrix import Decision, decide
from gridcrm.service.models import GraceRequest

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User


@dataclass(frozen=True)
class PaymentTerms:
    credit_grade: str
    due_shift_days: int
    grace_max_days: int
    reminder_days: list[int]
    reasons: list[str]


def payment_terms(*, customer: Customer, decision: Decision | None = None) -> PaymentTerms:
    decision = decision or decide(customer=customer)
    return PaymentTerms(
        credit_grade=decision.credit_grade,
        due_shift_days=decision.due_shift_days,
        grace_max_days=decision.grace_max_days,
        reminder_days=decision.reminder_days,
        reasons=decision.reasons,
    )


def payment_due_on(*, customer: Customer, bill_id: str, billed_due_on: dt.date) -> dt.date:
    """The due date that holds: billing's date, shifted by the credit policy, plus grace."""
    terms = payment_terms(customer=customer)
    grace = (
        GraceRequest.objects.filter(
            customer=customer, bill_id=bill_id, status=GraceRequest.Status.APPROVED
        )
        .values_list("days", flat=True)
        .first()
    )
    return billed_due_on + dt.timedelta(days=terms.due_shift_days + (grace or 0))


@transaction.atomic
def grace_request_submit(
    *,
    customer: Customer,
    bill_id: str,
    due_on: dt.date,
    days: int,
    reason: str,
    acting_user: User,
) -> GraceRequest:
    """Ask to move one bill's due date; allowed only as far as the credit policy grants."""
    if not acting_user.has_perm("service.request_grace"):
        raise ServiceRefused(_("Your role may not request payment grace."))
    terms = payment_terms(customer=customer)
    if terms.grace_max_days <= 0:
        raise NoGrace(_("This customer's credit policy grants no payment grace."))
    if not bill_id.strip():
        raise InvalidInput(_("Name the bill."), fields={"bill_id": _("Name the bill.")})
    if not 1 <= days <= terms.grace_max_days:
        message = _("The credit policy grants 1 to %(max)s days of grace.") % {
            "max": terms.grace_max_days
        }
        raise NoGrace(message, fields={"days": message})
    if not reason.strip():
        raise InvalidInput(
            _("Give a reason for the grace."), fields={"reason": _("Give a reason for the grace.")}
        )
    if GraceRequest.objects.filter(
        customer=customer,
        bill_id=bill_id.strip(),
        status__in=[GraceRequest.Status.PENDING, GraceRequest.Status.APPROVED],
    ).exists():
        raise GraceState(_("This bill already has a grace request."))
    grace = GraceRequest.objects.create(
        customer=customer,
        bill_id=bill_id.strip(),
        due_on=due_on,
        days=days,
        reason=reason.strip()[:500],
        requested_by=acting_user,
    )
    events.grace_requested(grace=grace, acting_user=acting_user)
    return grace


@transaction.atomic
def grace_request_decide(
    *, grace: GraceRequest, acting_user: User, approve: bool, note: str = ""
) -> GraceRequest:
    """Approve (the due date moves) or reject; a second person decides."""
    grace = GraceRequest.objects.select_for_update().get(pk=grace.pk)
    if not acting_user.has_perm("service.approve_grace"):
        raise ServiceRefused(_("Your role may not decide on payment grace."))
    if grace.requested_by_id == acting_user.pk:
        raise SecondPersonNeeded(_("A grace request must be decided by a second person."))
    if grace.status != GraceRequest.Status.PENDING:
        raise GraceState(_("This grace request has already been decided."))
    if not approve and not note.strip():
        raise InvalidInput(
            _("Say why the grace is refused."), fields={"note": _("Say why the grace is refused.")}
        )
    grace.status = GraceRequest.Status.APPROVED if approve else GraceRequest.Status.REJECTED
    grace.decided_by = acting_user
    grace.decided_at = timezone.now()
    grace.decision_note = note.strip()[:500]
    try:
        with transaction.atomic():
            grace.save()
    except IntegrityError as exc:
        raise GraceState(_("This bill already has approved grace.")) from exc
    events.grace_decided(grace=grace, acting_user=acting_user)
    return grace
