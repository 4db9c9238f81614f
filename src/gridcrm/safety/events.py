"""The safety app's audit trail: one named function per thing that happens, called only
by the safety services inside the transaction of the change they record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gridcrm.safety.models import SafetyEvent

if TYPE_CHECKING:
    from gridcrm.safety.models import Hazard, Inspection, SafetyRules
    from gridcrm.users.models import User

Kind = SafetyEvent.Kind


def _write(
    kind: SafetyEvent.Kind,
    *,
    acting_user: User | None,
    customer_id: int | None = None,
    text: str = "",
    details: dict[str, Any] | None = None,
) -> SafetyEvent:
    return SafetyEvent.objects.create(
        kind=kind,
        acting_user=acting_user,
        customer_id=customer_id,
        text=text[:500],
        details=details or {},
    )


def rules_published(*, rules: SafetyRules, acting_user: User) -> SafetyEvent:
    """A new version of the inspection cycles and rectification deadlines."""
    return _write(
        Kind.RULES_PUBLISHED,
        acting_user=acting_user,
        text=f"v{rules.number}",
        details={"number": rules.number},
    )


def inspected(*, inspection: Inspection, acting_user: User) -> SafetyEvent:
    """An inspection was recorded (a re-inspection names its hazard)."""
    return _write(
        Kind.INSPECTED,
        acting_user=acting_user,
        customer_id=inspection.customer_id,
        text=inspection.get_result_display(),
        details={
            "inspection": inspection.pk,
            "result": inspection.result,
            "hazard": inspection.hazard_id,
        },
    )


def hazard_found(*, hazard: Hazard, acting_user: User) -> SafetyEvent:
    """A hazard was written down and the customer sent the hazard notice."""
    return _write(
        Kind.HAZARD_FOUND,
        acting_user=acting_user,
        customer_id=hazard.customer_id,
        text=hazard.description,
        details={
            "hazard": hazard.pk,
            "severity": hazard.severity,
            "deadline": hazard.deadline.isoformat(),
            "notice": hazard.notice_id,
        },
    )


def rectification_reported(*, hazard: Hazard, acting_user: User) -> SafetyEvent:
    """The customer reported the hazard rectified (recorded by staff)."""
    return _write(
        Kind.RECTIFICATION_REPORTED,
        acting_user=acting_user,
        customer_id=hazard.customer_id,
        text=hazard.report_note,
        details={"hazard": hazard.pk, "on": str(hazard.reported_on)},
    )


def reinspected(*, hazard: Hazard, rectified: bool, acting_user: User) -> SafetyEvent:
    """A re-inspection found the hazard rectified (closed) or not (open again)."""
    return _write(
        Kind.REINSPECTED,
        acting_user=acting_user,
        customer_id=hazard.customer_id,
        text=hazard.description,
        details={"hazard": hazard.pk, "rectified": rectified, "status": hazard.status},
    )


def overdue(*, hazard: Hazard) -> SafetyEvent:
    """The daily sweep found the hazard open past its deadline (once per hazard)."""
    return _write(
        Kind.OVERDUE,
        acting_user=None,
        customer_id=hazard.customer_id,
        text=hazard.description,
        details={
            "hazard": hazard.pk,
            "deadline": hazard.deadline.isoformat(),
            "credit_event": hazard.credit_event_id,
        },
    )
