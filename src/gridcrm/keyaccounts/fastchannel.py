"""The key-account fast channel (R9): a key account's request skips the general queue,
its managers are kept informed at every step, and it ends with a feedback call.

A request filed here is a normal service request (one process across departments): the
request type's workflow routes each step to its department's queue (agents, field crews,
marketing, archive), with the service matrix's decision for the customer through the
``fast_channel`` channel: the matrix's fast-channel rules (by default priority 1 and
every time limit halved; marketing managers edit them with the rest of the matrix) make
it sort ahead of general requests in each queue. The channel also lets queues and reports
tell it apart.

Through the service app's observer point (``REQUEST_OBSERVERS``) every event of such a
request becomes a ``Notification`` for the account's manager and backup (except the one
who acted), and closing it is refused until a ``FeedbackCall`` is recorded — the
customer's satisfaction and notes, or a waiver with its reason. The feedback call falls
due when the request reaches its last step.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customers_visible_to
from gridcrm.keyaccounts.errors import KeyAccountError
from gridcrm.keyaccounts.models import (
    Event,
    FeedbackCall,
    KeyAccount,
    Notification,
    Satisfaction,
)
from gridcrm.service.errors import ServiceError
from gridcrm.service.models import Channel, RequestEvent, RequestType, ServiceRequest
from gridcrm.service.services import (
    current_step,
    may_work_on,
    request_create,
    request_step_complete,
)
from gridcrm.users.models import User


@transaction.atomic
def fast_request_create(
    *,
    account: KeyAccount,
    request_type: RequestType,
    summary: str,
    actor: User,
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """File a request for an active key account through the fast channel; the service app
    checks the actor's role and scope, tier-1 data and the input, as for any request."""
    if not account.active:
        raise KeyAccountError(_("Only accounts on the roster use the fast channel."))
    request = request_create(
        customer=account.customer,
        request_type=request_type,
        channel=Channel.FAST_CHANNEL,
        summary=summary,
        actor=actor,
        now=now,
    )
    Event.objects.create(
        key_account=account, kind=Event.Kind.FAST, actor=actor, note=f"#{request.pk}"
    )
    return request


def fast_requests_of(*, account: KeyAccount) -> QuerySet[ServiceRequest]:
    """The account's fast-channel requests, open ones first."""
    return ServiceRequest.objects.filter(
        customer=account.customer, channel=Channel.FAST_CHANNEL
    ).order_by("-status", "due_at")


# Keeping the managers informed ---------------------------------------------------------

_KIND_OF_EVENT = {
    RequestEvent.Kind.WARNED: Notification.Kind.WARNING,
    RequestEvent.Kind.BREACHED: Notification.Kind.WARNING,
    RequestEvent.Kind.ESCALATED: Notification.Kind.WARNING,
    RequestEvent.Kind.CLOSED: Notification.Kind.CLOSED,
    RequestEvent.Kind.CANCELLED: Notification.Kind.CLOSED,
}


def _notify(
    account: KeyAccount,
    request: ServiceRequest | None,
    kind: str,
    text: str,
    *,
    at: dt.datetime,
    actor: User | None,
) -> None:
    """One message to each of the account's managers, except the one who acted."""
    recipients = {account.manager_id, account.backup_manager_id} - {None}
    if actor is not None:
        recipients.discard(actor.pk)
    Notification.objects.bulk_create(
        Notification(
            recipient_id=pk, key_account=account, request=request, kind=kind, text=text[:500], at=at
        )
        for pk in sorted(r for r in recipients if r is not None)
    )


def _last_position(request: ServiceRequest) -> int:
    return int(request.steps.aggregate(last=Max("position"))["last"] or 0)


def _describe(request: ServiceRequest, event: RequestEvent) -> str:
    label = RequestEvent.Kind(event.kind).label
    parts = [f"#{request.pk} {request.request_type}", str(label)]
    if event.step_name:
        parts.append(event.step_name)
    if event.text:
        parts.append(event.text)
    return " · ".join(parts)


def on_request_event(request: ServiceRequest, event: RequestEvent) -> None:
    """The service observer: inform the managers of a fast-channel request's every event,
    say when its feedback call falls due, and refuse to close it without one."""
    if request.channel != Channel.FAST_CHANNEL:
        return
    account = KeyAccount.objects.filter(customer_id=request.customer_id).first()
    if account is None:
        return
    if (
        event.kind == RequestEvent.Kind.CLOSED
        and not FeedbackCall.objects.filter(request=request).exists()
    ):
        raise ServiceError(
            _(
                "A key account's fast-channel request closes only after its feedback call is "
                "recorded or waived, on the feedback calls page (/keyaccounts/feedback/)."
            )
        )
    actor = event.actor
    kind = _KIND_OF_EVENT.get(RequestEvent.Kind(event.kind), Notification.Kind.STEP)
    _notify(account, request, kind, _describe(request, event), at=event.at, actor=actor)
    # The request reaches its last step when the one before it is done (or at once, for a
    # one-step request): the feedback call is due.
    last = _last_position(request)
    reaches_last = (
        event.kind == RequestEvent.Kind.STEP_DONE and request.current_position == last - 1
    ) or (event.kind == RequestEvent.Kind.CREATED and last == 1)
    if reaches_last:
        _notify(
            account,
            request,
            Notification.Kind.FEEDBACK_DUE,
            _("#%(id)s %(type)s: call the customer back and record the feedback.")
            % {"id": request.pk, "type": request.request_type},
            at=event.at,
            actor=None,
        )


# The feedback call -------------------------------------------------------------------------


def may_call_back(*, request: ServiceRequest, user: User) -> bool:
    """The account's managers, and service staff who may see the customer, call back."""
    account = KeyAccount.objects.filter(customer_id=request.customer_id).first()
    if account is None or request.channel != Channel.FAST_CHANNEL:
        return False
    if user.has_perm("keyaccounts.work_keyaccounts") and user.pk in (
        account.manager_id,
        account.backup_manager_id,
    ):
        return True
    return (
        user.has_perm("service.work_servicerequest")
        and customers_visible_to(user=user).filter(pk=request.customer_id).exists()
    )


def feedback_due(request: ServiceRequest) -> bool:
    """An open fast-channel request on its last step, without a feedback call yet."""
    return (
        request.status == ServiceRequest.Status.OPEN
        and request.current_position is not None
        and request.current_position == _last_position(request)
        and not FeedbackCall.objects.filter(request=request).exists()
    )


@transaction.atomic
def feedback_call_record(
    *,
    request: ServiceRequest,
    actor: User,
    satisfaction: int | None = None,
    notes: str = "",
    waive_reason: str = "",
    now: dt.datetime | None = None,
) -> FeedbackCall:
    """Record the feedback call of a fast-channel request on its last step: the customer's
    satisfaction (1–5) and notes, or — with ``waive_reason`` — a waiver. When the actor
    may complete the last step too, the request closes; otherwise it waits in that step's
    queue, and can now close."""
    if not may_call_back(request=request, user=actor):
        raise PermissionDenied(_("Only the account's managers or service staff call back."))
    # Read it afresh and hold it: its step may have moved on since the caller read it.
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    if not feedback_due(request):
        raise KeyAccountError(
            _("The feedback call is made once, when the request reaches its last step.")
        )
    waived = bool(waive_reason.strip())
    if not waived and satisfaction not in Satisfaction.values:
        raise KeyAccountError(_("Record how satisfied the customer is, or waive the call."))
    now = now or timezone.now()
    account = KeyAccount.objects.get(customer_id=request.customer_id)
    try:
        with transaction.atomic():
            call = FeedbackCall.objects.create(
                request=request,
                key_account=account,
                satisfaction=None if waived else satisfaction,
                notes=notes.strip()[:500],
                waived=waived,
                waive_reason=waive_reason.strip()[:500],
                recorded_by=actor,
                recorded_at=now,
            )
    except IntegrityError as exc:
        raise KeyAccountError(_("The feedback call is already recorded.")) from exc
    if satisfaction is None or waived:
        summary = _("waived: %(reason)s") % {"reason": call.waive_reason}
    else:
        summary = f"{Satisfaction(satisfaction).label} {call.notes}".strip()
    Event.objects.create(
        key_account=account,
        kind=Event.Kind.FEEDBACK,
        actor=actor,
        note=f"#{request.pk} {summary}"[:500],
    )
    _notify(
        account,
        request,
        Notification.Kind.FEEDBACK,
        f"#{request.pk} {request.request_type}: {summary}",
        at=now,
        actor=actor,
    )
    step = current_step(request)
    if (
        step is not None
        and request.assignee_id in (None, actor.pk)
        and may_work_on(user=actor, role=step.owner_role, also=step.also_roles)
    ):
        request_step_complete(
            request=request, step_code=step.code, actor=actor, note=summary, now=now
        )
    return call


def notifications_mark_read(*, user: User, now: dt.datetime | None = None) -> int:
    """Mark all of the user's unread messages read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
