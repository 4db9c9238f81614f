"""Reads of the safety app. Every read starts from ``customers_visible_to``: an inspector
sees the inspections and hazards of the customers of their region, and 404 elsewhere."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customer_is_visible, customers_visible_to
from gridcrm.core.audit import TimelineEntry
from gridcrm.core.extensions import GridRisk
from gridcrm.safety import rules as r
from gridcrm.safety.errors import (
    HazardNotFound,
    InspectionNotFound,
    MayNotInspect,
    MayNotViewSafety,
    UnknownCustomer,
)
from gridcrm.safety.models import Hazard, Inspection, SafetyEvent, SafetyRules

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

AnyUser = Any  # User | AnonymousUser, without importing the users app's models


def can_view(*, user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.has_perm("safety.view_safety")


def can_inspect(*, user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.has_perm("safety.record_inspection")


def can_manage_rules(*, user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.has_perm("safety.manage_safety_rules")


def require_view(*, user: User | AnonymousUser) -> None:
    """Refuse (``safety.may_not_view``) a user whose role may not see safety work."""
    if not can_view(user=user):
        raise MayNotViewSafety


def require_inspect(*, user: User | AnonymousUser) -> None:
    """Refuse (``safety.may_not_inspect``) a user whose role may not inspect."""
    if not can_inspect(user=user):
        raise MayNotInspect(_("Your role may not record inspections or follow hazards."))


# -- rules -------------------------------------------------------------------------------


def rules_current() -> SafetyRules | None:
    return SafetyRules.objects.order_by("-number").first()


def cycles_by_class() -> dict[str, int]:
    """Months between inspections per class of customer, as published (or the defaults)."""
    current = rules_current()
    rows = current.cycles if current is not None else r.DEFAULT_CYCLES
    return {row["customer_class"]: int(row["months"]) for row in rows}


def deadlines_by_severity() -> dict[str, r.DeadlineRule]:
    """Days to rectify per severity, as published (or the defaults)."""
    current = rules_current()
    rows = current.deadlines if current is not None else r.DEFAULT_DEADLINES
    return {row["severity"]: r.DeadlineRule.model_validate(row) for row in rows}


# -- inspections and hazards ---------------------------------------------------------------


def customer_get(*, user: User | AnonymousUser, account_no: str) -> Customer:
    """A customer of the user's scope by account number; ``safety.unknown_customer``
    (404) for one that does not exist or lies outside it."""
    found = (
        customers_visible_to(user=user)
        .select_related("region")
        .filter(account_no=account_no.strip())
        .first()
    )
    if found is None:
        raise UnknownCustomer(
            _("There is no customer %(account)s in your region.") % {"account": account_no}
        )
    return found


def inspections_visible_to(*, user: User | AnonymousUser) -> QuerySet[Inspection]:
    if not can_view(user=user):
        return Inspection.objects.none()
    return Inspection.objects.filter(customer__in=customers_visible_to(user=user))


def hazards_visible_to(*, user: User | AnonymousUser) -> QuerySet[Hazard]:
    if not can_view(user=user):
        return Hazard.objects.none()
    return Hazard.objects.filter(customer__in=customers_visible_to(user=user))


def inspection_get(*, user: User | AnonymousUser, pk: int) -> Inspection:
    """One inspection with its hazards; 404 (``safety.inspection_not_found``) outside."""
    require_view(user=user)
    found = (
        inspections_visible_to(user=user)
        .select_related("customer", "inspector", "hazard")
        .prefetch_related("hazards")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise InspectionNotFound
    return found


def hazard_get(*, user: User | AnonymousUser, pk: int) -> Hazard:
    """One hazard with its inspection; 404 (``safety.hazard_not_found``) outside."""
    require_view(user=user)
    found = (
        hazards_visible_to(user=user)
        .select_related("customer", "inspection__inspector")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise HazardNotFound
    return found


def hazards_listed(
    *, user: User | AnonymousUser, status: str = "", overdue: bool = False
) -> QuerySet[Hazard]:
    """Hazards the user may see, by deadline: ``status`` one of the statuses, or "" for
    the ones not closed; ``overdue`` only those flagged past their deadline."""
    rows = hazards_visible_to(user=user).select_related("customer", "inspection__inspector")
    rows = rows.filter(status=status) if status else rows.exclude(status=Hazard.Status.CLOSED)
    if overdue:
        rows = rows.filter(overdue_since__isnull=False)
    return rows.order_by("deadline", "pk")


def inspections_recent(*, user: User | AnonymousUser, limit: int = 20) -> list[Inspection]:
    return list(
        inspections_visible_to(user=user)
        .select_related("customer", "inspector")
        .order_by("-inspected_on", "-pk")[:limit]
    )


@dataclass(frozen=True)
class DueRow:
    """A customer whose next inspection by cycle falls on or before the horizon."""

    customer: Customer
    customer_class: str
    months: int
    last_on: dt.date | None
    due_on: dt.date
    overdue: bool

    @property
    def class_label(self) -> str:
        return str(r.CLASS_LABELS[self.customer_class])


def inspections_due(
    *, user: User | AnonymousUser, today: dt.date | None = None, horizon_days: int = 30
) -> list[DueRow]:
    """The customers the user may see whose inspection is due within ``horizon_days``
    (or past due), the most overdue first: each class's cycle (``SafetyRules``) from the
    last routine inspection; a customer never inspected is due today. An inspector gets
    their region's."""
    if not can_view(user=user):
        return []
    today = today or timezone.localdate()
    cycles = cycles_by_class()
    important = [c for c in cycles if c != r.HIGH_VOLTAGE]
    where = Q(importance_class__in=important)
    if r.HIGH_VOLTAGE in cycles:
        where |= Q(voltage_level__in=r.HIGH_VOLTAGE_LEVELS)
    customers = list(
        customers_visible_to(user=user).filter(where).select_related("region").order_by("pk")
    )
    last = dict(
        Inspection.objects.filter(customer__in=[c.pk for c in customers], hazard__isnull=True)
        .values("customer_id")
        .annotate(last=Max("inspected_on"))
        .values_list("customer_id", "last")
    )
    horizon = today + dt.timedelta(days=horizon_days)
    rows = []
    for customer in customers:
        klass = r.customer_class(
            importance_class=customer.importance_class, voltage_level=customer.voltage_level
        )
        if klass is None or klass not in cycles:
            continue
        last_on = last.get(customer.pk)
        due_on = today if last_on is None else r.months_later(last_on, cycles[klass])
        if due_on <= horizon:
            rows.append(DueRow(customer, klass, cycles[klass], last_on, due_on, due_on < today))
    rows.sort(key=lambda row: (row.due_on, row.customer.account_no))
    return rows


def customer_timeline(*, customer: Customer, user: User, limit: int) -> list[TimelineEntry]:
    """The customer's safety events for the 360° page's timeline (``TIMELINE_SOURCES``),
    newest first; nothing for a user who may not see safety work or this customer."""
    if not can_view(user=user) or not customer_is_visible(user=user, customer_id=customer.pk):
        return []
    entries = []
    for event in (
        SafetyEvent.objects.filter(customer_id=customer.pk)
        .select_related("acting_user")
        .order_by("-at", "-pk")[:limit]
    ):
        hazard = event.details.get("hazard")
        inspection = event.details.get("inspection")
        url = ""
        if hazard:
            url = reverse("safety:hazard", args=[hazard])
        elif inspection:
            url = reverse("safety:inspection", args=[inspection])
        entries.append(
            TimelineEntry(
                at=event.at,
                app="safety",
                kind=event.kind,
                title=event.get_kind_display(),
                text=event.text,
                acting_user=event.acting_user,
                url=url,
            )
        )
    return entries


def grid_risks(today: dt.date) -> list[GridRisk]:
    """Every hazard not yet closed, as a risk to the grid's safety overview and alerts
    (``core.extensions.GRID_RISKS``): ``info`` until its rectification deadline, then
    ``critical`` — which raises the alert to the station's staff — unless the customer has
    reported it rectified and it waits for the re-inspection."""
    open_ = Hazard.objects.exclude(status=Hazard.Status.CLOSED).select_related("customer")
    return [
        GridRisk(
            kind="grid.hazard",
            severity="critical"
            if hazard.status == Hazard.Status.OPEN and hazard.deadline < today
            else "info",
            region_id=hazard.customer.region_id,
            subject_type="hazard",
            subject_ref=str(hazard.pk),
            subject_label=hazard.customer.name,
            text=_("%(what)s — rectify by %(day)s")
            % {"what": hazard.description, "day": hazard.deadline.isoformat()},
            link=reverse("safety:hazard", args=[hazard.pk]),
        )
        for hazard in open_.order_by("deadline", "pk")
    ]
