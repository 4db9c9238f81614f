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
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customer_is_visible
from gridcrm.keyaccounts import events
from gridcrm.keyaccounts.errors import InvalidInput, NotAllowed, StateConflict
from gridcrm.keyaccounts.models import FeedbackCall, KeyAccount, Notification, Satisfaction
from gridcrm.service.selectors import (
    fast_channel_requests,
    request_is_fast_channel,
    request_last_position,
    request_on_last_step,
)
from gridcrm.service.services import (
    current_step,
    may_work_on,
    request_create,
    request_hold,
    request_step_complete,
)

if TYPE_CHECKING:
    from gridcrm.service.models import RequestEvent, RequestType, ServiceRequest
    from gridcrm.users.models import User

# The stored values of the service app's vocabulary this app files or reacts to
# (``service.models.Channel`` and ``RequestEvent.Kind``): plain strings, so that no
# service model is imported here.
FAST_CHANNEL = "fast_channel"
CREATED, STEP_DONE, CLOSED = "created", "step_done", "closed"
_KIND_OF_EVENT = {
    "warned": Notification.Kind.WARNING,
    "breached": Notification.Kind.WARNING,
    "escalated": Notification.Kind.WARNING,
    CLOSED: Notification.Kind.CLOSED,
    "cancelled": Notification.Kind.CLOSED,
}


@transaction.atomic
def fast_request_create(
    *,
    account: KeyAccount,
    request_type: RequestType,
    summary: str,
    acting_user: User,
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """File a request for an active key account through the fast channel; the service app
    checks the acting user's role and scope, tier-1 data and the input, as for any
    request."""
    if not account.active:
        raise StateConflict(
            _("Only accounts on the roster use the fast channel."),
            code="keyaccounts.not_on_roster",
        )
    request = request_create(
        customer=account.customer,
        request_type=request_type,
        channel=FAST_CHANNEL,
        summary=summary,
        acting_user=acting_user,
        now=now,
    )
    events.fast_request_filed(account=account, request=request, acting_user=acting_user)
    return request


def fast_requests_of(*, account: KeyAccount) -> QuerySet[ServiceRequest]:
    """The account's fast-channel requests, open ones first."""
    return fast_channel_requests(customer_ids=[account.customer_id])


# Keeping the managers informed ---------------------------------------------------------


def _notify(
    account: KeyAccount,
    request: ServiceRequest | None,
    kind: str,
    text: str,
    *,
    at: dt.datetime,
    acting_user: User | None,
) -> None:
    """One message to each of the account's managers, except the one who acted."""
    recipients = {account.manager_id, account.backup_manager_id} - {None}
    if acting_user is not None:
        recipients.discard(acting_user.pk)
    Notification.objects.bulk_create(
        Notification(
            recipient_id=pk, key_account=account, request=request, kind=kind, text=text[:500], at=at
        )
        for pk in sorted(r for r in recipients if r is not None)
    )


def _describe(request: ServiceRequest, event: RequestEvent) -> str:
    parts = [f"#{request.pk} {request.request_type}", str(event.get_kind_display())]
    if event.step_name:
        parts.append(event.step_name)
    if event.text:
        parts.append(event.text)
    return " · ".join(parts)


def on_request_event(request: ServiceRequest, event: RequestEvent) -> None:
    """The service observer: inform the managers of a fast-channel request's every event,
    say when its feedback call falls due, and refuse to close it without one."""
    if not request_is_fast_channel(request=request):
        return
    account = KeyAccount.objects.filter(customer_id=request.customer_id).first()
    if account is None:
        return
    if event.kind == CLOSED and not FeedbackCall.objects.filter(request_id=request.pk).exists():
        raise StateConflict(
            _(
                "A key account's fast-channel request closes only after its feedback call is "
                "recorded or waived, on the feedback calls page (/keyaccounts/feedback/)."
            ),
            code="keyaccounts.feedback_call_missing",
        )
    acting_user = event.acting_user
    kind = _KIND_OF_EVENT.get(event.kind, Notification.Kind.STEP)
    _notify(account, request, kind, _describe(request, event), at=event.at, acting_user=acting_user)
    # The request reaches its last step when the one before it is done (or at once, for a
    # one-step request): the feedback call is due.
    last = request_last_position(request=request)
    reaches_last = (event.kind == STEP_DONE and request.current_position == last - 1) or (
        event.kind == CREATED and last == 1
    )
    if reaches_last:
        _notify(
            account,
            request,
            Notification.Kind.FEEDBACK_DUE,
            _("#%(id)s %(type)s: call the customer back and record the feedback.")
            % {"id": request.pk, "type": request.request_type},
            at=event.at,
            acting_user=None,
        )


# The feedback call -------------------------------------------------------------------------


def may_call_back(*, request: ServiceRequest, user: User) -> bool:
    """The account's managers, and service staff who may see the customer, call back."""
    account = KeyAccount.objects.filter(customer_id=request.customer_id).first()
    if account is None or not request_is_fast_channel(request=request):
        return False
    if user.has_perm("keyaccounts.work_keyaccounts") and user.pk in (
        account.manager_id,
        account.backup_manager_id,
    ):
        return True
    return user.has_perm("service.work_servicerequest") and customer_is_visible(
        user=user, customer_id=request.customer_id
    )


def feedback_due(request: ServiceRequest) -> bool:
    """An open fast-channel request on its last step, without a feedback call yet."""
    return (
        request_on_last_step(request=request)
        and not FeedbackCall.objects.filter(request_id=request.pk).exists()
    )


@transaction.atomic
def feedback_call_record(
    *,
    request: ServiceRequest,
    acting_user: User,
    satisfaction: int | None = None,
    notes: str = "",
    waive_reason: str = "",
    now: dt.datetime | None = None,
) -> FeedbackCall:
    """Record the feedback call of a fast-channel request on its last step: the customer's
    satisfaction (1–5) and notes, or — with ``waive_reason`` — a waiver. When the acting
    user may complete the last step too, the request closes; otherwise it waits in that
    step's queue, and can now close."""
    if not may_call_back(request=request, user=acting_user):
        raise NotAllowed(
            _("Only the account's managers or service staff call back."),
            code="keyaccounts.may_not_call_back",
        )
    # Read it afresh and hold it (the service app locks its row): its step may have moved
    # on since the caller read it, and must not move until this call is recorded.
    request = request_hold(request=request, acting_user=acting_user)
    if not feedback_due(request):
        raise StateConflict(
            _("The feedback call is made once, when the request reaches its last step."),
            code="keyaccounts.feedback_not_due",
        )
    waived = bool(waive_reason.strip())
    if not waived and satisfaction not in Satisfaction.values:
        message = _("Record how satisfied the customer is, or waive the call.")
        raise InvalidInput(
            message, code="keyaccounts.satisfaction_missing", fields={"satisfaction": message}
        )
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
                recorded_by=acting_user,
                recorded_at=now,
            )
    except IntegrityError as exc:
        raise StateConflict(
            _("The feedback call is already recorded."),
            code="keyaccounts.feedback_already_recorded",
        ) from exc
    if satisfaction is None or waived:
        summary = _("waived: %(reason)s") % {"reason": call.waive_reason}
    else:
        summary = f"{Satisfaction(satisfaction).label} {call.notes}".strip()
    events.feedback_call_recorded(call=call, summary=summary, acting_user=acting_user)
    _notify(
        account,
        request,
        Notification.Kind.FEEDBACK,
        f"#{request.pk} {request.request_type}: {summary}",
        at=now,
        acting_user=acting_user,
    )
    step = current_step(request)
    if (
        step is not None
        and request.assignee_id in (None, acting_user.pk)
        and may_work_on(user=acting_user, role=step.owner_role, also=step.also_roles)
    ):
        request_step_complete(
            request=request, step_code=step.code, acting_user=acting_user, note=summary, now=now
        )
    return call


def notifications_mark_read(*, user: User, now: dt.datetime | None = None) -> int:
    """Mark all of the user's unread messages read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
