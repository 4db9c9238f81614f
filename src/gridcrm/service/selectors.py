"""Reads of service requests and notices; every one starts from the customers the user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customer_is_visible, customers_visible_to
from gridcrm.core.audit import TimelineEntry as AuditTimelineEntry
from gridcrm.core.formats import label_of, person
from gridcrm.service.channels import channel_label
from gridcrm.service.errors import DeliveriesRefused, GraceNotFound
from gridcrm.service.models import (
    ChannelPreference,
    GraceRequest,
    Notice,
    NoticeDelivery,
    NoticeTarget,
    RequestEvent,
    RequestStep,
    ServiceRequest,
)
from gridcrm.users.roles import COMPANY_WIDE_ROLES, Role
from gridcrm.users.selectors import region_codes_under, region_ids_under, user_roles

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User


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


# A queue's count stops here: "more than 1,000" is all a person needs to know.
COUNT_CAP = 1000

# Roles whose customer scope reaches beyond a region (see ``customers_visible_to``).
_SCOPE_BEYOND_REGION = (
    frozenset({Role.KEY_ACCOUNT_MANAGER, Role.BUSINESS_SPECIALIST, Role.CUSTOMER})
    | COMPANY_WIDE_ROLES
)


def _own_region_only(user: User, roles: frozenset[Role]) -> bool:
    """Whether the user's customer scope is exactly their region and the regions below."""
    return (
        not user.is_superuser
        and user.region_id is not None
        and Role.REGIONAL_COLLECTOR in roles
        and not roles & _SCOPE_BEYOND_REGION
    )


def _region_ids(user: User, path: str) -> list[int]:
    """The region at ``path`` and every region below it (read once per request: a page
    asks for its queue's rows and its count)."""
    known: dict[str, list[int]] = user.__dict__.setdefault("_gridcrm_region_ids", {})
    if path not in known:
        known[path] = region_ids_under(path=path)
    return known[path]


def _queue_filter(
    *,
    user: User,
    role: str | None,
    region_path: str | None,
    mine: bool,
    escalated: bool,
    confirm_scope: bool,
) -> QuerySet[ServiceRequest]:
    roles_all = user_roles(user=user)
    roles = {r.value for r in roles_all}
    if role:
        roles &= {role}
    regional = _own_region_only(user, roles_all)
    if regional and not confirm_scope:
        # The request's station follows its customer's while it is open (see
        # ServiceRequest.region), so for a user who sees exactly a region the station alone
        # answers the scope question without visiting each customer.
        queryset = ServiceRequest.objects.all()
    else:
        queryset = requests_visible_to(user=user)
    queryset = queryset.filter(status=ServiceRequest.Status.OPEN)
    if escalated:
        queryset = queryset.filter(escalation_level__gt=0)
    elif mine:
        queryset = queryset.filter(assignee=user)
    elif not user.is_superuser or role:
        queryset = queryset.filter(current_role__in=sorted(roles))
    # Regions as a list of ids, not a join: with one station the queue's index
    # (svc_queue_region) then yields the rows already in the queue's order.
    if regional:
        queryset = queryset.filter(region__in=_region_ids(user, user.region.path))  # type: ignore[union-attr]
    if region_path:
        queryset = queryset.filter(region__in=_region_ids(user, region_path))
    return queryset


# What a queue row shows (page and API): the request and a few fields of its relations.
_QUEUE_ROW_FIELDS = (
    *(f.name for f in ServiceRequest._meta.concrete_fields),
    "customer__account_no",
    "customer__name",
    "request_type__code",
    "request_type__name_zh",
    "request_type__name_en",
    "region__name",
    "assignee__username",
    "assignee__full_name",
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
    least time left. Rows carry only what a queue shows of the customer and the type."""
    queryset = _queue_filter(
        user=user,
        role=role,
        region_path=region_path,
        mine=mine,
        escalated=escalated,
        confirm_scope=True,
    )
    current = (
        RequestStep.objects.filter(request=OuterRef("pk"), position=OuterRef("current_position"))
        .order_by()
        .values("code")[:1]
    )
    return (
        queryset.select_related("customer", "request_type", "assignee", "region")
        .only(*_QUEUE_ROW_FIELDS)
        .annotate(current_step_code=Subquery(current))
        .order_by("priority", "step_due_at", "pk")
    )


def work_queue_size(
    *,
    user: User,
    role: str | None = None,
    region_path: str | None = None,
    mine: bool = False,
    escalated: bool = False,
    cap: int = COUNT_CAP,
) -> int:
    """How many requests ``work_queue`` holds with the same arguments, counting no further
    than ``cap + 1`` (a long queue's exact length costs a scan of it; "more than 1,000" is
    all a person needs to know)."""
    queryset = _queue_filter(
        user=user,
        role=role,
        region_path=region_path,
        mine=mine,
        escalated=escalated,
        confirm_scope=False,
    )
    return queryset.order_by().values("pk")[: cap + 1].count()


def queue_customers(*, user: User, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Account number and name of these customers (of those the user may see), by id.

    A queue reads them apart from its rows: joined into the queue's query, the customer
    table (with its many indexes) costs PostgreSQL several times more to plan than the
    whole query takes to run."""
    rows = (
        customers_visible_to(user=user)
        .filter(pk__in=set(ids))
        .values_list("pk", "account_no", "name")
    )
    return {pk: (account_no, name) for pk, account_no, name in rows}


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
        .select_related("request__request_type", "acting_user")
        .prefetch_related("request__steps")
        .order_by("-at", "-pk")[:limit]
    )
    for e in events:
        entries.append(
            TimelineEntry(
                at=e.at,
                kind=e.kind,
                title=f"{e.request.number} {e.request.request_type.name}",
                text=event_text(e),
                actor=person(e.acting_user) if e.acting_user else "",
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
                text=f"{channel_label(d.channel)} · {d.get_status_display()}",
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
                text=_("%(days)s more days: %(reason)s") % {"days": g.days, "reason": g.reason},
                actor=person(g.requested_by) if g.requested_by else "",
                link="",
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def event_text(event: RequestEvent) -> str:
    """What a request event's line says after its kind: the step, and the text (the role
    an escalation went to, in words)."""
    text = event.text
    if event.kind == RequestEvent.Kind.ESCALATED:
        text = label_of(Role, text)
    return " · ".join(x for x in (step_label(event, event.request.steps.all()), text) if x)


def step_label(event: RequestEvent, steps: Iterable[RequestStep]) -> str:
    """The name of an event's step in the active language (events keep the Chinese name;
    the request's steps know both)."""
    return next((s.name for s in steps if s.name_zh == event.step_name), event.step_name)


def request_events_timeline(
    *, customer: Customer, user: User, limit: int = 50
) -> list[AuditTimelineEntry]:
    """The service app's source of the customer 360° timeline (``TIMELINE_SOURCES``): the
    events of the customer's requests, newest first, for a user who may see requests and
    the customer; nothing for anyone else."""
    if not user.has_perm("service.view_servicerequest") or not customer_is_visible(
        user=user, customer_id=customer.pk
    ):
        return []
    events = (
        RequestEvent.objects.filter(customer_id=customer.pk)
        .select_related("request__request_type", "acting_user")
        .prefetch_related("request__steps")
        .order_by("-at", "-pk")[:limit]
    )
    return [
        AuditTimelineEntry(
            at=e.at,
            app="service",
            kind=e.kind,
            title=_("%(number)s %(type)s: %(what)s")
            % {
                "number": e.request.number,
                "type": e.request.request_type.name,
                "what": e.get_kind_display(),
            },
            text=event_text(e),
            acting_user=e.acting_user,
            url=e.request.get_absolute_url(),
        )
        for e in events
    ]


def may_manage_notices(*, user: User | AnonymousUser) -> bool:
    """Whether the user's role writes notices (and so may read their delivery logs)."""
    return user.is_active and (
        user.has_perm("service.publish_policy_notice")
        or user.has_perm("service.publish_outage_notice")
    )


def notices_visible_to(*, user: User | AnonymousUser) -> QuerySet[Notice]:
    """The notices this user may read.

    - roles that write notices company-wide see every notice, drafts included;
    - a scoped author (a regional collector) sees, drafts included, the notices whose
      audience reaches into their region (a target inside it, or a region target above
      it), and the published notices for every customer; never another station's;
    - other staff roles see the published notices (an agent answers calls about them);
    - a customer sees the published notices meant for them: policies for everyone or for
      their region, station or transformer area, and outage notices that target their
      station, transformer area or region or were delivered to them;
    - anyone else (anonymous, inactive, without a role) sees none.
    """
    if not user.is_authenticated or not user.is_active:
        return Notice.objects.none()
    if may_manage_notices(user=user):
        limit = notice_scope_limit(user=user)
        if limit is None:
            return Notice.objects.all()
        # Subqueries, not joins: a join on targets would multiply a list's delivery counts.
        reaching = Notice.objects.filter(_reaching(limit)).values("pk")
        untargeted = Q(status=Notice.Status.PUBLISHED) & ~Exists(
            NoticeTarget.objects.filter(notice=OuterRef("pk"))
        )
        return Notice.objects.filter(Q(pk__in=reaching) | untargeted)
    published = Notice.objects.filter(status=Notice.Status.PUBLISHED)
    if user.is_superuser:
        return published
    roles = user_roles(user=user)
    if roles - {Role.CUSTOMER}:
        return published
    if Role.CUSTOMER not in roles:
        return Notice.objects.none()
    # A portal login sees through the one door: the customers it may see (itself).
    where = Q(pk__in=[])
    for customer in customers_visible_to(user=user).select_related("region"):
        where |= _meant_for(customer)
    return published.filter(pk__in=Notice.objects.filter(where).values("pk"))


def notice_scope_limit(*, user: User) -> str | None:
    """The region path a scoped notice author (a regional collector) reads and writes
    notices under, or ``None`` for one whose role spans the company. A scoped author
    without a region gets ``""``: nothing is under it."""
    if user.is_superuser or user_roles(user=user) & COMPANY_WIDE_ROLES:
        return None
    return user.region.path if user.region_id is not None else ""  # type: ignore[union-attr]


def _reaching(limit: str) -> Q:
    """Notices with a target that reaches customers under the region at ``limit``."""
    if not limit:
        return Q(pk__in=[])
    inside = region_codes_under(path=limit)
    above = limit.split(".")
    scope = NoticeTarget.Scope
    return (
        Q(targets__scope__in=[scope.REGION, scope.STATION], targets__value__in=inside)
        | Q(targets__scope=scope.REGION, targets__value__in=above)
        | Q(targets__scope=scope.TRANSFORMER_AREA, targets__station__in=inside)
    )


def notices_listed_for(*, user: User) -> QuerySet[Notice]:
    """The notice list: ``notices_visible_to``, newest first, each with ``n_deliveries``,
    its deliveries to the customers this user may see (not the whole audience's)."""
    visible = customers_visible_to(user=user)
    return (
        notices_visible_to(user=user)
        .annotate(n_deliveries=Count("deliveries", filter=Q(deliveries__customer__in=visible)))
        .order_by("-created_at", "-pk")
    )


def _meant_for(customer: Customer) -> Q:
    """Notices whose targets name this customer's region (or one above), station or
    transformer area, untargeted policies, and any notice delivered to the customer."""
    codes = customer.region.path.split(".")
    by_target = (
        Q(targets__scope="region", targets__value__in=codes)
        | Q(targets__scope="station", targets__value=customer.region.code)
        | (
            Q(targets__scope="transformer_area", targets__value=customer.transformer_area)
            & (Q(targets__station="") | Q(targets__station=customer.region.code))
        )
    )
    untargeted_policy = Q(kind=Notice.Kind.POLICY, targets__isnull=True)
    delivered = Q(Exists(NoticeDelivery.objects.filter(notice=OuterRef("pk"), customer=customer)))
    return by_target | untargeted_policy | delivered


def notice_deliveries_visible_to(
    *, user: User | AnonymousUser, notice: Notice
) -> QuerySet[NoticeDelivery]:
    """A notice's delivery log as this user may read it: only roles that write notices read
    it at all (anyone else is refused), and only the deliveries to customers they may see."""
    if not user.is_authenticated or not may_manage_notices(user=user):
        raise DeliveriesRefused(_("Your role may not read delivery logs."))
    return notice.deliveries.filter(customer__in=customers_visible_to(user=user))


def notices_for_customer(*, customer: Customer) -> QuerySet[Notice]:
    """What the portal shows a customer: published policies for everyone or their region,
    and the outage and hazard notices delivered to them."""
    path = customer.region.path
    codes = path.split(".")
    # Subqueries, not joins: joining the deliveries read every delivery of every notice
    # (all of a station's customers) before filtering, 100 ms at 5,000 portal accounts.
    targeted = NoticeTarget.objects.filter(
        Q(scope="region", value__in=codes)
        | Q(scope="station", value=customer.region.code)
        | Q(scope="transformer_area", value=customer.transformer_area)
    ).values("notice_id")
    policy = Q(kind=Notice.Kind.POLICY) & (
        ~Exists(NoticeTarget.objects.filter(notice=OuterRef("pk"))) | Q(pk__in=targeted)
    )
    delivered = NoticeDelivery.objects.filter(
        customer=customer, channel="in_app", sent_at__isnull=False
    ).values("notice_id")
    outage = Q(kind__in=[Notice.Kind.OUTAGE, Notice.Kind.HAZARD], pk__in=delivered)
    return (
        Notice.objects.filter(status=Notice.Status.PUBLISHED)
        .filter(policy | outage)
        .order_by("-published_at")
    )


def grace_get(*, user: User, pk: int) -> GraceRequest:
    """A grace request of a customer the user may see (``GraceNotFound`` otherwise)."""
    found: GraceRequest | None = (
        _scoped(GraceRequest.objects.select_related("customer"), user).filter(pk=pk).first()
    )
    if found is None:
        raise GraceNotFound(_("No such grace request."))
    return found


def grace_pending() -> QuerySet[GraceRequest]:
    return GraceRequest.objects.filter(status=GraceRequest.Status.PENDING).select_related(
        "customer", "requested_by"
    )


def time_left(due: dt.datetime | None, now: dt.datetime | None = None) -> dt.timedelta | None:
    if due is None:
        return None
    return due - (now or timezone.now())


# Reads for the key-account app (its fast channel, plan page and latent-need rules) -------
# (Appended by the key-account work while this file was being rewritten: fold these imports
# into the ones at the top.)
from django.db.models import Max  # noqa: E402

from gridcrm.service.models import Channel, RequestType  # noqa: E402


def fast_channel_requests(
    *, customer_ids: Iterable[int] | QuerySet[Any]
) -> QuerySet[ServiceRequest]:
    """Requests filed through the key-account fast channel for these customers (ids, or a
    ``values("customer_id")`` query), open ones first, then by due time. Not scoped to a
    user: the caller passes only customers its user may see."""
    return ServiceRequest.objects.filter(
        customer_id__in=customer_ids, channel=Channel.FAST_CHANNEL
    ).order_by("-status", "due_at")


@dataclass(frozen=True)
class RequestTiming:
    """One request's time limit and how it ended, for time-limit reports."""

    request_type: str
    due_at: dt.datetime
    closed_at: dt.datetime | None
    done: bool


def fast_channel_timings(*, customer_ids: Iterable[int] | QuerySet[Any]) -> list[RequestTiming]:
    """The time limit and close of every fast-channel request of these customers that was
    not cancelled (not scoped: the caller passes customers its user may see)."""
    rows = (
        fast_channel_requests(customer_ids=customer_ids)
        .exclude(status=ServiceRequest.Status.CANCELLED)
        .values_list("request_type__name_zh", "status", "due_at", "closed_at")
    )
    return [
        RequestTiming(name, due, closed, status == ServiceRequest.Status.DONE)
        for name, status, due, closed in rows
    ]


def fast_channel_requests_on_last_step() -> QuerySet[ServiceRequest]:
    """Open fast-channel requests whose current step is their last, with customer and
    request type (the key-account app's feedback calls fall due there). Not scoped to a
    user: the caller narrows it to its user's customers."""
    return ServiceRequest.objects.filter(
        channel=Channel.FAST_CHANNEL,
        status=ServiceRequest.Status.OPEN,
        current_position=Subquery(
            RequestStep.objects.filter(request=OuterRef("pk"))
            .order_by("-position")
            .values("position")[:1]
        ),
    ).select_related("customer", "request_type")


def request_last_position(*, request: ServiceRequest) -> int:
    """The position of the request's last step; 0 for a request without steps."""
    return int(request.steps.aggregate(last=Max("position"))["last"] or 0)


def request_on_last_step(*, request: ServiceRequest) -> bool:
    """Whether the request is open and its current step is its last one."""
    return (
        request.status == ServiceRequest.Status.OPEN
        and request.current_position is not None
        and request.current_position == request_last_position(request=request)
    )


def request_is_fast_channel(*, request: ServiceRequest) -> bool:
    """Whether the request reached the company through the key-account fast channel."""
    return bool(request.channel == Channel.FAST_CHANNEL)


def open_requests_of(*, customer_id: int, limit: int = 20) -> list[ServiceRequest]:
    """A customer's open requests, most urgent first, with their type (not scoped: the
    caller has checked its user may see the customer)."""
    return list(
        ServiceRequest.objects.filter(customer_id=customer_id, status=ServiceRequest.Status.OPEN)
        .select_related("request_type")
        .order_by("priority", "due_at")[:limit]
    )


def outage_notice_starts(
    *, customer_ids: Iterable[int], since: dt.datetime
) -> list[tuple[int, int, dt.datetime]]:
    """(customer id, notice id, outage start) of every published outage notice delivered to
    these customers whose outage starts at or after ``since``."""
    rows = (
        NoticeDelivery.objects.filter(
            customer_id__in=list(customer_ids),
            notice__kind=Notice.Kind.OUTAGE,
            notice__status=Notice.Status.PUBLISHED,
            notice__outage_start__gte=since,
        )
        .values_list("customer_id", "notice_id", "notice__outage_start")
        .distinct()
    )
    # The filter excludes a notice without a start; the column itself is nullable.
    return [(c, n, start) for c, n, start in rows if start is not None]


def requests_of_type_since(
    *, customer_ids: Iterable[int], type_code: str, since: dt.datetime
) -> list[tuple[int, int, dt.datetime]]:
    """(customer id, request id, filed at) of these customers' requests of one type filed
    at or after ``since``, cancelled ones left out."""
    rows = (
        ServiceRequest.objects.filter(
            customer_id__in=list(customer_ids), request_type__code=type_code, created_at__gte=since
        )
        .exclude(status=ServiceRequest.Status.CANCELLED)
        .values_list("customer_id", "pk", "created_at")
    )
    return list(rows)


def request_types_active() -> QuerySet[RequestType]:
    """The request types that can be filed now, by Chinese name."""
    return RequestType.objects.filter(active=True).order_by("name_zh")


def request_type_active_get(*, pk: int | str) -> RequestType | None:
    """One request type that can be filed now; ``None`` when absent, inactive or blank."""
    if not str(pk).isdigit():
        return None
    return request_types_active().filter(pk=int(pk)).first()


# Reads for the customer portal (requests and notices of the accounts a login holds) ------


def requests_of_customers(*, customer_ids: Iterable[int]) -> QuerySet[ServiceRequest]:
    """These customers' requests, newest first, with their type."""
    return ServiceRequest.objects.filter(customer_id__in=list(customer_ids)).select_related(
        "request_type", "customer"
    )


def request_of_customers_get(*, customer_ids: Iterable[int], pk: int) -> ServiceRequest | None:
    """One request of these customers, or ``None``."""
    return requests_of_customers(customer_ids=customer_ids).filter(pk=pk).first()


def notice_for_customer_get(*, customer: Customer, pk: int) -> Notice | None:
    """One notice the portal shows this customer, or ``None``."""
    return notices_for_customer(customer=customer).filter(pk=pk).first()


def notices_read_by(*, customer: Customer, notice_ids: Iterable[int]) -> set[int]:
    """Which of these notices the customer has read (a read receipt on any delivery)."""
    return set(
        NoticeDelivery.objects.filter(
            customer=customer, notice_id__in=list(notice_ids), read_at__isnull=False
        ).values_list("notice_id", flat=True)
    )


def channel_preference_of(*, customer: Customer) -> ChannelPreference | None:
    """The customer's chosen channels, if they chose (the portal's preferences page)."""
    return ChannelPreference.objects.filter(customer=customer).first()


def approved_grace_days(*, customer_id: int | None = None) -> dict[str, int]:
    """Bill id → days of approved grace, of one customer or of all (the late-fee count
    starts after them)."""
    approved = GraceRequest.objects.filter(status=GraceRequest.Status.APPROVED)
    if customer_id is not None:
        approved = approved.filter(customer_id=customer_id)
    return dict(approved.values_list("bill_id", "days"))


def grace_requests_of(*, customer_id: int) -> dict[str, str]:
    """Bill id → status of the customer's pending or approved grace requests."""
    open_ = GraceRequest.objects.filter(
        customer_id=customer_id,
        status__in=[GraceRequest.Status.PENDING, GraceRequest.Status.APPROVED],
    )
    return dict(open_.values_list("bill_id", "status"))
