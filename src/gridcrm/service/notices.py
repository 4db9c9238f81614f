"""Notices (R5, R7): policy publications every customer can read, and planned-outage notices
sent to the customers under the chosen regions, supply stations, transformer areas, 10 kV
lines or transformers, each as many days ahead as their credit policy says and never fewer
than seven; unplanned-outage notices (故障停电), sent at once; and written notices to one
customer (a hazard notice, 隐患告知书), sent at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customer_is_visible, customers_matching, customers_visible_to
from gridcrm.service import events
from gridcrm.service.channels import channels_for
from gridcrm.service.credit import credit_terms
from gridcrm.service.delivery import deliveries_send_due as deliveries_send_due
from gridcrm.service.errors import (
    CustomerNotFound,
    InvalidConfiguration,
    NoAudience,
    NoticeNotFound,
    NoticeOutOfScope,
    NoticeState,
    OutageTooSoon,
    ServiceRefused,
)
from gridcrm.service.grid_targets import GRID_SCOPES, grid_audience, grid_audience_inside
from gridcrm.service.matrix import MIN_NOTICE_DAYS, decide, matrix_current, matrix_rules
from gridcrm.service.models import ChannelPreference, Notice, NoticeDelivery, NoticeTarget
from gridcrm.service.selectors import notice_scope_limit
from gridcrm.users.selectors import region_by_code

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User


@dataclass(frozen=True)
class Target:
    scope: str
    value: str
    station: str = ""


def _may_publish(user: User, kind: str) -> bool:
    perm = "publish_policy_notice" if kind == Notice.Kind.POLICY else "publish_outage_notice"
    return user.has_perm(f"service.{perm}")


def _inside(path: str, limit: str) -> bool:
    return bool(limit) and (path == limit or path.startswith(f"{limit}."))


def _check_scope(user: User, targets: Iterable[Target]) -> None:
    """Refuse (``service.notice_out_of_scope``) unless every target is inside a scoped
    author's region. A notice without targets is for the whole company and so outside any
    region; a transformer area must name its supply station, since area names repeat
    between stations."""
    limit = notice_scope_limit(user=user)
    if limit is None:
        return
    targets = list(targets)
    outside: list[str] = []
    for t in targets:
        if t.scope in GRID_SCOPES:
            # A line crosses supply stations: every customer behind it must be inside.
            if not grid_audience_inside(t.scope, t.value, limit):
                outside.append(t.value)
            continue
        code = t.value if t.scope != NoticeTarget.Scope.TRANSFORMER_AREA else t.station
        region = region_by_code(code=code)
        if region is None or not _inside(region.path, limit):
            outside.append(f"{t.station} {t.value}".strip())
    if outside or not targets:
        raise NoticeOutOfScope(
            _("Your notices may only reach customers in your own region: %(targets)s.")
            % {"targets": "; ".join(outside) or _("every customer")}
        )


def _clean_targets(targets: Iterable[Target]) -> list[Target]:
    errors: dict[str, str] = {}
    clean: list[Target] = []
    for n, target in enumerate(targets, start=1):
        value = target.value.strip()
        station = target.station.strip()
        if target.scope not in NoticeTarget.Scope.values:
            errors[f"target {n}"] = _("Unknown kind of audience.")
        elif not value:
            errors[f"target {n}"] = _("Name the region, supply station or transformer area.")
        elif target.scope in GRID_SCOPES:
            if grid_audience(target.scope, value) is None:
                errors[f"target {n}"] = _(
                    "There is no line or transformer with the code %(code)s."
                ) % {"code": value}
        elif target.scope in (NoticeTarget.Scope.REGION, NoticeTarget.Scope.STATION):
            if region_by_code(code=value) is None:
                errors[f"target {n}"] = _("There is no region with the code %(code)s.") % {
                    "code": value
                }
        elif station and region_by_code(code=station) is None:
            errors[f"target {n}"] = _("There is no region with the code %(code)s.") % {
                "code": station
            }
        clean.append(Target(target.scope, value, station))
    if errors:
        raise InvalidConfiguration(fields=errors)
    return list(dict.fromkeys(clean))


@transaction.atomic
def notice_create(
    *,
    kind: str,
    topic: str,
    title: str,
    body: str,
    acting_user: User,
    targets: Iterable[Target] = (),
    effective_on: dt.date | None = None,
    outage_start: dt.datetime | None = None,
    outage_end: dt.datetime | None = None,
    emergency: bool = False,
) -> Notice:
    """Write a draft notice; publishing sends it. An ``emergency`` outage notice reaches
    SMS and WeChat in the customers' quiet hours too; a policy is never an emergency."""
    # A hazard notice goes to one customer only, through ``customer_notice_send``.
    if kind not in Notice.Kind.values or kind == Notice.Kind.HAZARD:
        raise InvalidConfiguration(fields={"kind": _("Choose policy or planned outage.")})
    if not _may_publish(acting_user, kind):
        raise ServiceRefused(_("Your role may not write this kind of notice."))
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Give the notice a title.")
    if not body.strip():
        errors["body"] = _("Write the text of the notice.")
    if kind == Notice.Kind.FAULT:
        # An unplanned outage is told as it happens: when it ends is not known yet.
        topic = Notice.Topic.OUTAGE
        if outage_start is None:
            errors["outage_start"] = _("Say when the outage started.")
    elif kind == Notice.Kind.OUTAGE:
        topic = Notice.Topic.OUTAGE
        if outage_start is None or outage_end is None:
            errors["outage_start"] = _("Say when the outage starts and ends.")
        elif outage_end <= outage_start:
            errors["outage_end"] = _("The outage must end after it starts.")
    elif topic not in Notice.Topic.values or topic == Notice.Topic.OUTAGE:
        errors["topic"] = _("Choose what the policy is about.")
    if errors:
        raise InvalidConfiguration(fields=errors)
    clean_targets = _clean_targets(targets)
    _check_scope(acting_user, clean_targets)
    notice = Notice.objects.create(
        kind=kind,
        topic=topic,
        title=title.strip()[:200],
        body=body.strip(),
        effective_on=effective_on,
        outage_start=outage_start,
        outage_end=outage_end,
        # An unplanned outage is always an emergency: it cannot wait for the morning.
        emergency=(emergency and kind == Notice.Kind.OUTAGE) or kind == Notice.Kind.FAULT,
        created_by=acting_user,
    )
    NoticeTarget.objects.bulk_create(
        NoticeTarget(notice=notice, scope=t.scope, value=t.value, station=t.station)
        for t in clean_targets
    )
    events.notice_created(notice=notice, acting_user=acting_user)
    return notice


def _stored_targets(notice: Notice) -> list[Target]:
    return [Target(t.scope, t.value, t.station) for t in notice.targets.all()]


def notice_audience(*, notice: Notice) -> QuerySet[Customer]:
    """The customers a notice is for (every customer for an untargeted policy notice)."""
    targets = list(notice.targets.all())
    if not targets:
        if notice.kind == Notice.Kind.POLICY:
            return customers_matching(condition=Q())
        return customers_matching(condition=Q(pk__in=[]))
    where = Q(pk__in=[])
    for t in targets:
        if t.scope == NoticeTarget.Scope.REGION:
            region = region_by_code(code=t.value)
            if region is None:  # removed since the notice was written: nobody under it
                continue
            path = region.path
            where |= Q(region__path=path) | Q(region__path__startswith=f"{path}.")
        elif t.scope == NoticeTarget.Scope.STATION:
            where |= Q(region__code=t.value)
        elif t.scope in GRID_SCOPES:
            behind = grid_audience(t.scope, t.value)
            if behind is not None:
                where |= Q(pk__in=behind.customer_ids)
        else:
            cond = Q(transformer_area=t.value)
            if t.station:
                cond &= Q(region__code=t.station)
            where |= cond
    return customers_matching(condition=where)


@transaction.atomic
def notice_publish(
    *,
    notice: Notice,
    acting_user: User,
    now: dt.datetime | None = None,
    batch_size: int = 2000,
) -> Notice:
    """Publish. An outage notice needs an audience and must start at least seven days from
    now; it schedules one delivery per affected customer and channel, at the lead their
    credit policy asks for (a customer whose lead has already begun is sent at once, and the
    log says so). In-app deliveries due now arrive in this call; the other channels go
    out with the next sweep (``deliveries_send_due``)."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if not _may_publish(acting_user, notice.kind):
        raise ServiceRefused(_("Your role may not publish this kind of notice."))
    if notice.status != Notice.Status.DRAFT:
        raise NoticeState(_("Only a draft can be published."))
    # The publisher may not be the author: their own scope decides what they may send.
    _check_scope(acting_user, _stored_targets(notice))
    now = now or timezone.now()
    scheduled = 0
    if notice.kind != Notice.Kind.POLICY:
        if notice.outage_start is None:  # pragma: no cover - notice_create requires it
            raise InvalidConfiguration(_("Say when the outage starts and ends."))
        planned = notice.kind == Notice.Kind.OUTAGE
        if planned and notice.outage_start - now < dt.timedelta(days=MIN_NOTICE_DAYS):
            raise OutageTooSoon(
                _("A planned outage must be announced at least %(days)s days ahead.")
                % {"days": MIN_NOTICE_DAYS}
            )
        audience = notice_audience(notice=notice)
        if not audience.exists():
            raise NoAudience(_("No customer is under the chosen audience; nothing was sent."))
        # The root rule: nobody schedules messages to customers they may not see.
        if audience.exclude(pk__in=customers_visible_to(user=acting_user).values("pk")).exists():
            raise NoticeOutOfScope(
                _("Some customers of this notice are outside your scope; nothing was sent.")
            )
        scheduled = _schedule(notice, audience, now=now, batch_size=batch_size)
    notice.status = Notice.Status.PUBLISHED
    notice.published_at = now
    notice.published_by = acting_user
    notice.save(update_fields=["status", "published_at", "published_by"])
    events.notice_published(notice=notice, acting_user=acting_user, deliveries=scheduled)
    # The inbox needs no transport: in-app deliveries due now arrive with the publication.
    # The other channels go out with the next sweep (the service_timers job), outside this
    # transaction, so no gateway call holds the notice's lock.
    deliveries_send_due(now=now, notice=notice, channels=("in_app",))
    return notice


def _schedule(
    notice: Notice, audience: QuerySet[Customer], *, now: dt.datetime, batch_size: int
) -> int:
    start = notice.outage_start
    if start is None:
        return 0
    version = matrix_current()
    rules = matrix_rules(version)
    terms = credit_terms()
    batch: list[NoticeDelivery] = []
    created = 0
    preferences = ChannelPreference.objects.filter(customer__in=audience.values("pk"))
    chosen = {p.customer_id: p for p in preferences}
    for customer in audience.select_related("region").iterator(chunk_size=batch_size):
        if notice.kind == Notice.Kind.FAULT:  # an unplanned outage is told at once
            lead, send_at, late = 0, now, False
        else:
            lead = decide(
                customer=customer, rules=rules, version=version, terms=terms
            ).notice_lead_days
            send_at = start - dt.timedelta(days=lead)
            late = send_at < now
        for channel in channels_for(customer, chosen.get(customer.pk)):
            batch.append(
                NoticeDelivery(
                    notice=notice,
                    customer=customer,
                    channel=channel,
                    send_at=now if late else send_at,
                    lead_days=lead,
                    detail=_("later than the customer's policy asks") if late else "",
                )
            )
        if len(batch) >= batch_size:
            created += len(NoticeDelivery.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    if batch:
        created += len(NoticeDelivery.objects.bulk_create(batch, ignore_conflicts=True))
    return created


@transaction.atomic
def notice_mark_read(*, notice: Notice, customer: Customer, acting_user: User) -> None:
    """Record that the customer read the notice in the portal inbox: sets ``read_at`` on
    their in-app delivery (writing one, sent now, for a notice meant for them that has
    none, such as a policy). Reading again changes nothing; the audit event is written
    once. ``NoticeNotFound`` when the notice is not published for this customer or the
    customer is out of the acting user's scope."""
    from gridcrm.service.selectors import notices_for_customer

    if not customer_is_visible(user=acting_user, customer_id=customer.pk) or not (
        notices_for_customer(customer=customer).filter(pk=notice.pk).exists()
    ):
        raise NoticeNotFound(_("No such notice."))
    now = timezone.now()
    delivery, _new = NoticeDelivery.objects.get_or_create(
        notice=notice,
        customer=customer,
        channel="in_app",
        defaults={
            "status": NoticeDelivery.Status.SENT,
            "send_at": now,
            "sent_at": now,
            "lead_days": 0,
        },
    )
    if NoticeDelivery.objects.filter(pk=delivery.pk, read_at__isnull=True).update(read_at=now):
        events.notice_read(notice=notice, customer_id=customer.pk, acting_user=acting_user)


@transaction.atomic
def notice_withdraw(*, notice: Notice, acting_user: User) -> Notice:
    """Withdraw a published notice; deliveries not yet sent are cancelled."""
    if not _may_publish(acting_user, notice.kind):
        raise ServiceRefused(_("Your role may not withdraw this kind of notice."))
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    _check_scope(acting_user, _stored_targets(notice))
    if notice.status != Notice.Status.PUBLISHED:
        raise NoticeState(_("Only a published notice can be withdrawn."))
    cancelled = notice.deliveries.filter(status=NoticeDelivery.Status.SCHEDULED).update(
        status=NoticeDelivery.Status.CANCELLED
    )
    notice.status = Notice.Status.WITHDRAWN
    notice.save(update_fields=["status"])
    events.notice_withdrawn(notice=notice, acting_user=acting_user, cancelled=cancelled)
    return notice


@transaction.atomic
def customer_notice_send(
    *,
    customer: Customer,
    title: str,
    body: str,
    acting_user: User,
    now: dt.datetime | None = None,
) -> Notice:
    """Send a written notice to one customer (a hazard notice, 隐患告知书): published at
    once, with one delivery per channel the customer receives (``channels_for``); the
    portal inbox has it when this returns, SMS and e-mail go with the next sweep (quiet
    hours kept). The calling app decides who may send it; the customer must be within the
    acting user's scope (``service.customer_not_found`` otherwise, nothing written)."""
    if not customer_is_visible(user=acting_user, customer_id=customer.pk):
        raise CustomerNotFound(_("No such customer."))
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Give the notice a title.")
    if not body.strip():
        errors["body"] = _("Write the text of the notice.")
    if errors:
        raise InvalidConfiguration(fields=errors)
    now = now or timezone.now()
    notice = Notice.objects.create(
        kind=Notice.Kind.HAZARD,
        topic=Notice.Topic.DOCUMENT,
        title=title.strip()[:200],
        body=body.strip(),
        status=Notice.Status.PUBLISHED,
        created_by=acting_user,
        published_by=acting_user,
        published_at=now,
    )
    events.notice_created(notice=notice, acting_user=acting_user)
    preference = ChannelPreference.objects.filter(customer=customer).first()
    deliveries = NoticeDelivery.objects.bulk_create(
        NoticeDelivery(notice=notice, customer=customer, channel=code, send_at=now, lead_days=0)
        for code in channels_for(customer, preference)
    )
    events.notice_published(notice=notice, acting_user=acting_user, deliveries=len(deliveries))
    deliveries_send_due(now=now, notice=notice, channels=("in_app",))
    return notice
