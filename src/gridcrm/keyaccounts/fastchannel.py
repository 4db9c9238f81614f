"""The key-account fast channel (R9): a key account's request skips the general queue.

A request filed here is a normal service request (one process across departments), made
with the service matrix's decision for the customer, then tightened: priority 1 and every
time limit at most ``FAST_LIMIT_FACTOR`` of the standard one. It is marked with the
``fast_channel`` channel, so queues and reports can tell it apart, and it shows on the
account page for the manager to follow.

The tightening lives here until the service matrix grows a "key account" condition; then
``fast_decision`` should read it from the matrix instead.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gridcrm.keyaccounts.errors import KeyAccountError
from gridcrm.keyaccounts.models import Event, KeyAccount
from gridcrm.service.matrix import Decision, decide
from gridcrm.service.models import Channel, RequestType, ServiceRequest
from gridcrm.service.services import request_create
from gridcrm.users.models import User

FAST_PRIORITY = 1
FAST_LIMIT_FACTOR = Decimal("0.50")


def fast_decision(*, account: KeyAccount, request_type: RequestType) -> Decision:
    """The matrix's decision for the customer, with the fast channel's priority and limits."""
    decision = decide(customer=account.customer, request_type=request_type.code)
    decision.priority = min(decision.priority, FAST_PRIORITY)
    decision.limit_factor = min(decision.limit_factor, FAST_LIMIT_FACTOR)
    decision.reasons.append(str(_("Key-account fast channel: priority 1, time limits halved")))
    return decision


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
        decision=fast_decision(account=account, request_type=request_type),
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
