"""The load app's lines of a customer's timeline on the 360° page: changes of its
declared production data and the orderly-use notices it was sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customer_is_visible
from gridcrm.core.audit import TimelineEntry
from gridcrm.load.models import LoadEvent, ScheduleNotice

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User


def customer_timeline(*, customer: Customer, user: User, limit: int) -> list[TimelineEntry]:
    """The customer's load events and notices, newest first; nothing when ``user`` may
    not see the customer."""
    if not customer_is_visible(user=user, customer_id=customer.pk):
        return []
    profile_url = reverse("load:profile_edit", args=[customer.account_no])
    entries = [
        TimelineEntry(
            at=event.at,
            app="load",
            kind=event.kind,
            title=event.get_kind_display(),
            text=event.text,
            acting_user=event.acting_user,
            url=profile_url,
        )
        for event in LoadEvent.objects.filter(customer=customer)
        .select_related("acting_user")
        .order_by("-at", "-pk")[:limit]
    ]
    entries += [
        TimelineEntry(
            at=notice.sent_at,
            app="load",
            kind="notice_sent",
            title=_("Orderly-use notice sent"),
            text=notice.title,
            acting_user=notice.plan.published_by,
        )
        for notice in ScheduleNotice.objects.filter(customer=customer)
        .select_related("plan", "plan__published_by")
        .order_by("-sent_at", "-pk")[:limit]
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
