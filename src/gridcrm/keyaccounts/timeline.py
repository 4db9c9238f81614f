"""The key-account lines of the customer 360° timeline (``TIMELINE_SOURCES``): visits,
needs reports, needs moving through the pipeline, latent needs, fast-channel requests
and their feedback calls — of the customer's key account, for a user who may see it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.urls import reverse

from gridcrm.core.audit import TimelineEntry
from gridcrm.keyaccounts.models import Event, Stage
from gridcrm.keyaccounts.selectors import (
    keyaccounts_visible_to,
    may_view_keyaccounts,
    needs_visible_to,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gridcrm.users.models import User

# The account's work with the customer; roster bookkeeping stays on the key-account pages.
TIMELINE_KINDS = (
    Event.Kind.VISIT,
    Event.Kind.REPORT,
    Event.Kind.STAGE,
    Event.Kind.LATENT,
    Event.Kind.FAST,
    Event.Kind.FEEDBACK,
)


def _text(event: Event) -> str:
    parts = []
    if event.need is not None:
        parts.append(event.need.title)
    if event.from_stage and event.to_stage:
        parts.append(f"{Stage(event.from_stage).label} → {Stage(event.to_stage).label}")
    if event.note:
        parts.append(event.note)
    return " · ".join(parts)


def keyaccount_timeline(
    *, customer: Any, user: User | AnonymousUser, limit: int = 50
) -> list[TimelineEntry]:
    """The key-account events of ``customer``, newest first, that ``user`` may see: none
    unless the user may open the customer's key account; a need's events only when the
    user may see that need."""
    if not may_view_keyaccounts(user=user):
        return []
    account = keyaccounts_visible_to(user=user).filter(customer_id=customer.pk).first()
    if account is None:
        return []
    rows = (
        Event.objects.filter(key_account=account, kind__in=TIMELINE_KINDS)
        .filter(Q(need__isnull=True) | Q(need__in=needs_visible_to(user=user)))
        .select_related("acting_user", "need")
        .order_by("-at", "-pk")[:limit]
    )
    url = reverse("keyaccounts:account", kwargs={"account_no": account.customer.account_no})
    return [
        TimelineEntry(
            at=event.at,
            app="keyaccounts",
            kind=event.kind,
            title=Event.Kind(event.kind).label,
            text=_text(event),
            acting_user=event.acting_user,
            url=url,
        )
        for event in rows
    ]
