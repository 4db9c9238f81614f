"""Reads of the portal. Every read starts from the caller's bound accounts
(``portal_accounts``): an account, request or notice outside them is ``PortalNotFound``,
exactly like one that does not exist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customers_visible_to
from gridcrm.core.audit import TimelineEntry
from gridcrm.core.formats import person
from gridcrm.portal.errors import PortalNotFound
from gridcrm.portal.models import Binding, PortalEvent
from gridcrm.users.roles import Role
from gridcrm.users.selectors import user_roles

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User


def is_portal_user(*, user: User | AnonymousUser) -> bool:
    """A customer login: active and holding the customer role only (staff never use the
    portal, and a customer never reaches a staff page)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user_roles(user=user) == frozenset({Role.CUSTOMER})


def bound_customers_q(user: User) -> Q:
    """The archive's condition for a customer login: its active bindings (and the one
    account a login was linked to before the portal existed).

    The held ids are read first (one indexed query): ``portal_user = x OR id IN
    (subquery)`` makes PostgreSQL scan every customer, while ``OR id IN (1, 2)`` is two
    index lookups (bench/portal_load.py, 1,000,000 customers)."""
    held = list(
        Binding.objects.filter(user=user, unbound_at__isnull=True).values_list(
            "customer_id", flat=True
        )
    )
    return Q(portal_user=user) | Q(pk__in=held)


def portal_accounts(*, user: User | AnonymousUser) -> QuerySet[Customer]:
    """The accounts this login holds, by account number; none for anyone but a customer."""
    if not is_portal_user(user=user):
        return customers_visible_to(user=AnonymousUser())
    return customers_visible_to(user=user).select_related("region").order_by("account_no")


def portal_account_get(*, user: User | AnonymousUser, account_no: str) -> Customer:
    """One held account (``PortalNotFound`` otherwise)."""
    found = portal_accounts(user=user).filter(account_no=account_no).first()
    if found is None:
        raise PortalNotFound(_("No such account."))
    return found


def active_bindings(*, customer: Customer) -> QuerySet[Binding]:
    return Binding.objects.filter(customer=customer, unbound_at__isnull=True).select_related("user")


def binding_history(*, customer: Customer) -> QuerySet[PortalEvent]:
    """Bindings and unbindings of an account, newest first (the staff panel)."""
    return PortalEvent.objects.filter(
        customer=customer, kind__in=[PortalEvent.Kind.BOUND, PortalEvent.Kind.UNBOUND]
    ).select_related("acting_user", "portal_user")


def binding_get(*, user: User | AnonymousUser, pk: int) -> Binding:
    """An active binding of an account this staff user may see and unbind (``PortalNotFound``
    for anyone else, customers included)."""
    found = None
    if may_unbind(user=user) and not is_portal_user(user=user):
        found = Binding.objects.filter(
            pk=pk, unbound_at__isnull=True, customer__in=customers_visible_to(user=user)
        ).first()
    if found is None:
        raise PortalNotFound(_("No such binding."))
    return found


def may_unbind(*, user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.has_perm("portal.unbind_portal_account"))


def portal_timeline(*, customer: Customer, user: User, limit: int = 50) -> list[TimelineEntry]:
    """The portal's events of a customer on the 360° timeline (bindings, requests, data)."""
    if not customers_visible_to(user=user).filter(pk=customer.pk).exists():
        return []
    rows = PortalEvent.objects.filter(customer=customer).select_related(
        "acting_user", "portal_user"
    )[:limit]
    return [
        TimelineEntry(
            at=e.at,
            app="portal",
            kind=e.kind,
            title=PortalEvent.Kind(e.kind).label,
            text=_event_text(e),
            acting_user=e.acting_user,
        )
        for e in rows
    ]


def _event_text(event: PortalEvent) -> str:
    """What a timeline line adds to its title: whose login staff unbound (the person by
    name, never the login's user name) and why; the event's own text otherwise."""
    text = str(event.details.get("text", ""))
    if event.kind == PortalEvent.Kind.UNBOUND and event.portal_user_id != event.acting_user_id:
        return " · ".join(filter(None, [person(event.portal_user), text]))
    return text


@dataclass(frozen=True)
class UsageMonth:
    month: dt.date
    kwh: float
    last_year_kwh: float | None
    peak_share: float
    flat_share: float
    valley_share: float

    @property
    def change(self) -> float | None:
        if not self.last_year_kwh:
            return None
        return (self.kwh - self.last_year_kwh) / self.last_year_kwh


def usage_months(*, customer: Customer, months: int = 12) -> list[UsageMonth]:
    """The last ``months`` months of consumption, newest first, each beside the same month
    a year earlier and split into peak (with the critical peak), flat and valley shares."""
    from gridcrm.lake.selectors import customer_load_features

    features = customer_load_features(customer=customer, months=months + 12)
    by_month = {f.month: f for f in features}
    rows: list[UsageMonth] = []
    for f in sorted(features, key=lambda f: f.month, reverse=True)[:months]:
        earlier = by_month.get(f.month.replace(year=f.month.year - 1))
        total = f.kwh_total or 0.0
        rows.append(
            UsageMonth(
                month=f.month,
                kwh=total,
                last_year_kwh=earlier.kwh_total if earlier else None,
                peak_share=_share(f.kwh_peak + f.kwh_sharp, total),
                flat_share=_share(f.kwh_flat, total),
                valley_share=_share(f.kwh_valley, total),
            )
        )
    return rows


def _share(kwh: float, total: float) -> float:
    return kwh / total if total else 0.0


@dataclass(frozen=True)
class Tariff:
    """The time-of-use periods that apply to an account this month, and the saving tip."""

    name: str
    periods: list[tuple[str, str, str]]  # (period code, label, "08:00–11:00, …")
    peak_ratio: Any
    valley_ratio: Any
    shift_kwh: float
    saving_share: float  # of the flat price per shifted kWh


def tariff_for(*, customer: Customer, today: dt.date, usage: list[UsageMonth]) -> Tariff | None:
    """The schedule of the customer's region in force today, the hours of each period, and
    what moving a tenth of the last month's peak consumption to the valley would save (as a
    share of the flat price); ``None`` when no time-of-use schedule applies."""
    from gridcrm.load.tou import schedules_for

    for schedule in schedules_for(region=customer.region):
        if today.month not in schedule.months or today < schedule.effective_from:
            continue
        if schedule.effective_to is not None and today >= schedule.effective_to:
            continue
        hours = [str(h) for h in schedule.hours]
        labels = {
            "sharp": _("Critical peak"),
            "peak": _("Peak"),
            "flat": _("Flat"),
            "valley": _("Valley"),
        }
        periods = [
            (code, label, _spans(hours, code)) for code, label in labels.items() if code in hours
        ]
        last = usage[0] if usage else None
        shift = round(last.kwh * last.peak_share * 0.1, 1) if last else 0.0
        return Tariff(
            name=schedule.name,
            periods=periods,
            peak_ratio=schedule.peak_ratio,
            valley_ratio=schedule.valley_ratio,
            shift_kwh=shift,
            saving_share=float(schedule.peak_ratio - schedule.valley_ratio),
        )
    return None


def _spans(hours: list[str], code: str) -> str:
    """The hours of one period as "08:00–11:00, 18:00–23:00"."""
    spans: list[str] = []
    start: int | None = None
    for hour in range(25):
        inside = hour < 24 and hours[hour] == code
        if inside and start is None:
            start = hour
        elif not inside and start is not None:
            spans.append(f"{start:02d}:00–{hour:02d}:00")
            start = None
    return ", ".join(spans)


def schedules_of(*, customer: Customer, limit: int = 10) -> list[Any]:
    """The customer's orderly-use schedules of published plans, latest days first."""
    from gridcrm.load.selectors import customer_schedules

    return list(customer_schedules(customer=customer)[:limit])


@dataclass(frozen=True)
class InboxRow:
    notice: Any
    read: bool


def inbox(*, customer: Customer) -> list[InboxRow]:
    """The notices meant for the customer (policies for their region, outages delivered
    to them), newest first, each with whether they have read it."""
    from gridcrm.service.selectors import notices_for_customer, notices_read_by

    rows = list(notices_for_customer(customer=customer)[:100])
    read = notices_read_by(customer=customer, notice_ids=[n.pk for n in rows])
    return [InboxRow(notice=n, read=n.pk in read) for n in rows]


def notice_get(*, customer: Customer, pk: int) -> Any:
    from gridcrm.service.selectors import notice_for_customer_get

    return notice_for_customer_get(customer=customer, pk=pk)


def policies(*, customer: Customer, query: str = "") -> list[Any]:
    """Published policy notices and service commitments for the customer's region,
    matching ``query`` in the title or the text."""
    from gridcrm.service.selectors import notices_for_customer

    rows = notices_for_customer(customer=customer).filter(kind="policy")
    if query:
        rows = rows.filter(Q(title__icontains=query) | Q(body__icontains=query))
    return list(rows[:100])


def requests_of(*, customer: Customer) -> list[Any]:
    from gridcrm.service.selectors import requests_of_customers

    return list(requests_of_customers(customer_ids=[customer.pk])[:100])


def request_get(*, customer: Customer, pk: int) -> Any:
    from gridcrm.service.selectors import request_of_customers_get

    return request_of_customers_get(customer_ids=[customer.pk], pk=pk)


def startable_types() -> list[Any]:
    """The active request types a customer may start on the portal."""
    from gridcrm.portal.requests import CUSTOMER_TYPES
    from gridcrm.service.selectors import request_types_active

    return list(request_types_active().filter(code__in=list(CUSTOMER_TYPES)))
