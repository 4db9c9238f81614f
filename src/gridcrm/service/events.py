"""The service app's audit trail, written only here and only by its services, inside the
service's transaction: a refused or failed write leaves no event.

Events of a request (``RequestEvent``) are also told to the request observers
(``REQUEST_OBSERVERS``): an observer that raises a ``DomainError`` refuses the write.
Events of the matrix, of notices and of grace requests are ``ServiceEvent`` rows.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from gridcrm.service.models import (
    ChannelPreference,
    DeliveryAttempt,
    GraceRequest,
    MatrixVersion,
    Notice,
    RequestEvent,
    RequestStep,
    ServiceEvent,
    ServiceRequest,
)
from gridcrm.service.observers import request_event_observed

if TYPE_CHECKING:
    from gridcrm.users.models import User

Kind = RequestEvent.Kind


def _request_event(
    request: ServiceRequest,
    kind: str,
    *,
    acting_user: User | None,
    at: dt.datetime,
    text: str = "",
    step: RequestStep | None = None,
) -> RequestEvent:
    event = RequestEvent.objects.create(
        request=request,
        customer_id=request.customer_id,
        kind=kind,
        acting_user=acting_user,
        at=at,
        text=text[:500],
        step_name=step.name_zh if step else "",
    )
    request_event_observed(request=request, event=event)
    return event


def request_created(*, request: ServiceRequest, acting_user: User, at: dt.datetime) -> RequestEvent:
    return _request_event(
        request, Kind.CREATED, acting_user=acting_user, at=at, text=request.summary
    )


def request_taken(
    *, request: ServiceRequest, step: RequestStep, acting_user: User, at: dt.datetime
) -> RequestEvent:
    return _request_event(request, Kind.TAKEN, acting_user=acting_user, at=at, step=step)


def request_released(
    *, request: ServiceRequest, acting_user: User, at: dt.datetime
) -> RequestEvent:
    return _request_event(request, Kind.RELEASED, acting_user=acting_user, at=at)


def request_step_done(
    *, request: ServiceRequest, step: RequestStep, acting_user: User, at: dt.datetime
) -> RequestEvent:
    return _request_event(
        request, Kind.STEP_DONE, acting_user=acting_user, at=at, text=step.note, step=step
    )


def request_closed(*, request: ServiceRequest, acting_user: User, at: dt.datetime) -> RequestEvent:
    return _request_event(request, Kind.CLOSED, acting_user=acting_user, at=at)


def request_rated(*, request: ServiceRequest, acting_user: User, at: dt.datetime) -> RequestEvent:
    text = f"{request.rating}/5 {request.rating_comment}".strip()
    return _request_event(request, Kind.RATED, acting_user=acting_user, at=at, text=text)


def request_cancelled(
    *, request: ServiceRequest, reason: str, acting_user: User, at: dt.datetime
) -> RequestEvent:
    return _request_event(request, Kind.CANCELLED, acting_user=acting_user, at=at, text=reason)


def request_note_added(
    *, request: ServiceRequest, text: str, acting_user: User, at: dt.datetime
) -> RequestEvent:
    return _request_event(request, Kind.NOTE, acting_user=acting_user, at=at, text=text)


def request_attached(
    *, request: ServiceRequest, name: str, acting_user: User, at: dt.datetime
) -> RequestEvent:
    return _request_event(request, Kind.ATTACHMENT, acting_user=acting_user, at=at, text=name)


def request_warned(*, request: ServiceRequest, step: RequestStep, at: dt.datetime) -> RequestEvent:
    """The timers sweep (nobody) warned that the step's limit is near."""
    return _request_event(request, Kind.WARNED, acting_user=None, at=at, step=step)


def request_breached(
    *, request: ServiceRequest, step: RequestStep | None, at: dt.datetime
) -> RequestEvent:
    """A limit passed: of ``step``, or of the whole request (``step`` None)."""
    return _request_event(request, Kind.BREACHED, acting_user=None, at=at, step=step)


def request_escalated(
    *, request: ServiceRequest, step: RequestStep | None, to_role: str, at: dt.datetime
) -> RequestEvent:
    return _request_event(request, Kind.ESCALATED, acting_user=None, at=at, text=to_role, step=step)


def matrix_published(*, version: MatrixVersion, acting_user: User | None) -> ServiceEvent:
    return ServiceEvent.objects.create(
        kind=ServiceEvent.Kind.MATRIX_PUBLISHED,
        acting_user=acting_user,
        matrix_version=version,
        at=version.published_at,
        details={"number": version.number, "note": version.note},
    )


def _notice_event(notice: Notice, kind: str, acting_user: User, **details: object) -> ServiceEvent:
    return ServiceEvent.objects.create(
        kind=kind,
        acting_user=acting_user,
        notice=notice,
        details={"title": notice.title, "kind": notice.kind, **details},
    )


def notice_created(*, notice: Notice, acting_user: User) -> ServiceEvent:
    return _notice_event(notice, ServiceEvent.Kind.NOTICE_CREATED, acting_user)


def notice_published(*, notice: Notice, acting_user: User, deliveries: int) -> ServiceEvent:
    return _notice_event(
        notice, ServiceEvent.Kind.NOTICE_PUBLISHED, acting_user, deliveries=deliveries
    )


def notice_withdrawn(*, notice: Notice, acting_user: User, cancelled: int) -> ServiceEvent:
    return _notice_event(
        notice, ServiceEvent.Kind.NOTICE_WITHDRAWN, acting_user, cancelled=cancelled
    )


def notice_read(*, notice: Notice, customer_id: int, acting_user: User) -> ServiceEvent:
    """The customer opened the notice in the portal inbox (once per customer)."""
    return ServiceEvent.objects.create(
        kind=ServiceEvent.Kind.NOTICE_READ,
        acting_user=acting_user,
        notice=notice,
        customer_id=customer_id,
        details={"title": notice.title, "kind": notice.kind},
    )


def channels_set(*, preference: ChannelPreference, acting_user: User) -> ServiceEvent:
    return ServiceEvent.objects.create(
        kind=ServiceEvent.Kind.CHANNELS_SET,
        acting_user=acting_user,
        customer_id=preference.customer_id,
        details={
            "channels": list(preference.channels),
            "email": bool(preference.email),
            "wechat": bool(preference.wechat_openid),
            "quiet": f"{preference.quiet_start:%H:%M}-{preference.quiet_end:%H:%M}",
        },
    )


def message_sent(*, attempt: DeliveryAttempt, acting_user: User | None) -> ServiceEvent:
    """A one-off message (a login code) went out or failed; the recipient is masked."""
    return ServiceEvent.objects.create(
        kind=ServiceEvent.Kind.MESSAGE_SENT,
        acting_user=acting_user,
        details={
            "channel": attempt.channel,
            "purpose": attempt.purpose,
            "to": attempt.recipient,
            "status": attempt.status,
            "reason": attempt.reason,
        },
    )


def _grace_event(grace: GraceRequest, kind: str, acting_user: User) -> ServiceEvent:
    return ServiceEvent.objects.create(
        kind=kind,
        acting_user=acting_user,
        customer_id=grace.customer_id,
        grace=grace,
        at=timezone.now(),
        details={
            "bill_id": grace.bill_id,
            "days": grace.days,
            "note": grace.decision_note or grace.reason,
        },
    )


def grace_requested(*, grace: GraceRequest, acting_user: User) -> ServiceEvent:
    return _grace_event(grace, ServiceEvent.Kind.GRACE_REQUESTED, acting_user)


def grace_decided(*, grace: GraceRequest, acting_user: User) -> ServiceEvent:
    """Approved or rejected, as ``grace.status`` says."""
    kind = (
        ServiceEvent.Kind.GRACE_APPROVED
        if grace.status == GraceRequest.Status.APPROVED
        else ServiceEvent.Kind.GRACE_REJECTED
    )
    return _grace_event(grace, kind, acting_user)
