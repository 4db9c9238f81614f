"""Reads of service requests and notices; every one starts from the customers the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from gridcrm.archive.models import Customer
from gridcrm.archive.selectors import customers_visible_to
from gridcrm.service.models import (
    GraceRequest,
    Notice,
    NoticeDelivery,
    RequestEvent,
    RequestStep,
    ServiceRequest,
)
from gridcrm.users.models import User
from gridcrm.users.roles import COMPANY_WIDE_ROLES
from gridcrm.users.selectors import user_roles


def _scoped(queryset: QuerySet[Any], user: User, field: str = "customer") -> QuerySet[Any]:
    visible = customers_visible_to(user=user)
    if not visible.query.where:  # everyone: no need to join the customer table
        return queryset
    # EXISTS, not IN: the planner then walks the (few) candidate requests and probes the
    # customer's key, instead of building the set of a whole region's customers first.
    return queryset.filter(Exists(visible.filter(pk=OuterRef(field))))


def requests_visible_to(*, user: User) -> QuerySet[ServiceRequest]:
    """Requests of the customers this user may see."""
    return _scoped(ServiceRequest.objects.all(), user)


def request_get(*, user: User, pk: int) -> ServiceRequest | None:
    return (
        requests_visible_to(user=user)
        .select_related(
            "customer", "customer__region", "request_type", "assignee", "matrix_version"
        )
        .filter(pk=pk)
        .first()
    )


def work_queue(
    *,
    user: User,
    role: str | None = None,
    region_path: str | None = None,
    mine: bool = False,
    escalated: bool = False,
) -> QuerySet[ServiceRequest]:
    """Open requests whose current step belongs to one of the user's roles (or ``role``),
    in the user's scope and optionally a region: the most urgent priority first, then the
    least time left."""
    roles_all = user_roles(user=user)
    roles = {r.value for r in roles_all}
    if role:
        roles &= {role}
    queryset = requests_visible_to(user=user).filter(status=ServiceRequest.Status.OPEN)
    if escalated:
        queryset = queryset.filter(escalation_level__gt=0)
    elif mine:
        queryset = queryset.filter(assignee=user)
    elif not user.is_superuser or role:
        queryset = queryset.filter(current_role__in=sorted(roles))
    if not user.is_superuser and not roles_all & COMPANY_WIDE_ROLES and user.region_id:
        # A regional user's queue: narrow by the request's own station first (indexed), so
        # that the scope check above only has the region's requests left to confirm.
        own = user.region.path  # type: ignore[union-attr]
        queryset = queryset.filter(Q(region__path=own) | Q(region__path__startswith=f"{own}."))
    if region_path:
        queryset = queryset.filter(
            Q(region__path=region_path) | Q(region__path__startswith=f"{region_path}.")
        )
    current = RequestStep.objects.filter(
        request=OuterRef("pk"), position=OuterRef("current_position")
    ).values("code")[:1]
    return (
        queryset.select_related("customer", "request_type", "assignee", "region")
        .annotate(current_step_code=Subquery(current))
        .order_by("priority", "step_due_at", "pk")
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str
    title: str
    text: str
    actor: str
    link: str


def customer_timeline(*, customer: Customer, limit: int = 100) -> list[TimelineEntry]:
    """The customer's requests, notices sent to them and grace requests, newest first."""
    entries: list[TimelineEntry] = []
    events = (
        RequestEvent.objects.filter(customer=customer)
        .select_related("request__request_type", "actor")
        .order_by("-at", "-pk")[:limit]
    )
    for e in events:
        entries.append(
            TimelineEntry(
                at=e.at,
                kind=e.kind,
                title=f"{e.request.number} {e.request.request_type.name}",
                text=" · ".join(x for x in (e.step_name, e.text) if x),
                actor=str(e.actor) if e.actor else "",
                link=e.request.get_absolute_url(),
            )
        )
    sent = (
        NoticeDelivery.objects.filter(customer=customer, sent_at__isnull=False)
        .exclude(status=NoticeDelivery.Status.CANCELLED)
        .select_related("notice")
        .order_by("-sent_at")[:limit]
    )
    for d in sent:
        entries.append(
            TimelineEntry(
                at=d.sent_at or d.send_at,
                kind=f"notice_{d.channel}",
                title=d.notice.title,
                text=d.get_status_display(),
                actor="",
                link=d.notice.get_absolute_url(),
            )
        )
    for g in GraceRequest.objects.filter(customer=customer).select_related("requested_by")[:limit]:
        entries.append(
            TimelineEntry(
                at=g.requested_at,
                kind=f"grace_{g.status}",
                title=g.bill_id,
                text=f"+{g.days} · {g.reason}",
                actor=str(g.requested_by) if g.requested_by else "",
                link="",
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def notices_visible_to(*, user: User) -> QuerySet[Notice]:
    """Staff who may publish see all notices; others see the published ones."""
    if user.has_perm("service.publish_policy_notice") or user.has_perm(
        "service.publish_outage_notice"
    ):
        return Notice.objects.all()
    return Notice.objects.filter(status=Notice.Status.PUBLISHED)


def notices_for_customer(*, customer: Customer) -> QuerySet[Notice]:
    """What the portal shows a customer: published policies for everyone or their region,
    and the outage notices delivered to them."""
    path = customer.region.path
    codes = path.split(".")
    policy = Q(kind=Notice.Kind.POLICY) & (
        Q(targets__isnull=True)
        | Q(targets__scope="region", targets__value__in=codes)
        | Q(targets__scope="station", targets__value=customer.region.code)
        | Q(targets__scope="transformer_area", targets__value=customer.transformer_area)
    )
    outage = Q(
        kind=Notice.Kind.OUTAGE,
        deliveries__customer=customer,
        deliveries__channel="in_app",
        deliveries__sent_at__isnull=False,
    )
    return (
        Notice.objects.filter(status=Notice.Status.PUBLISHED)
        .filter(policy | outage)
        .distinct()
        .order_by("-published_at")
    )


def grace_pending() -> QuerySet[GraceRequest]:
    return GraceRequest.objects.filter(status=GraceRequest.Status.PENDING).select_related(
        "customer", "requested_by"
    )


def time_left(due: dt.datetime | None, now: dt.datetime | None = None) -> dt.timedelta | None:
    if due is None:
        return None
    return due - (now or timezone.now())


COUNT_CAP = 1000


def capped_count(queryset: QuerySet[Any], cap: int = COUNT_CAP) -> int:
    """How many rows, counting no further than ``cap + 1`` (a long queue's exact length
    costs a scan of it; "more than 1,000" is all a person needs to know)."""
    return queryset.order_by()[: cap + 1].count()
