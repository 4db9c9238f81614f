"""Reads of alerts. A user sees the alerts addressed to them by name and those of their
roles inside their scope: a company-wide role every region, a scoped one (a regional
collector, an inspector) its region and the regions below it. An escalated alert is
also its escalation role's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from gridcrm.alerts.errors import AlertNotFound
from gridcrm.alerts.models import Alert
from gridcrm.core.extensions import ALERT_KINDS
from gridcrm.users.roles import COMPANY_WIDE_ROLES, Role
from gridcrm.users.selectors import user_roles

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gridcrm.users.models import User

OPEN_STATES = (Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED)


def _region_q(user: User | AnonymousUser) -> Q:
    """The alerts whose region lies in the user's (none without a region)."""
    region = getattr(user, "region", None)
    if region is None:
        return Q(pk__in=[])
    return Q(region__path=region.path) | Q(region__path__startswith=f"{region.path}.")


def alerts_visible_to(*, user: User | AnonymousUser) -> QuerySet[Alert]:
    """Every alert (any status) this user may see and act on."""
    if not user.is_authenticated or not user.is_active:
        return Alert.objects.none()
    roles = user_roles(user=user) - {Role.CUSTOMER}
    if not roles:
        return Alert.objects.none()
    codes = [role.value for role in roles]
    by_role = Q(role__in=codes) | Q(level__gte=1, escalation_role__in=codes)
    if not roles & COMPANY_WIDE_ROLES:
        by_role &= _region_q(user)
    return Alert.objects.filter(by_role | Q(responsible=user)).select_related("region")


def alert_get_visible(*, user: User | AnonymousUser, alert_id: int) -> Alert:
    """One alert the user may see; ``alerts.not_found`` otherwise (as for a wrong id)."""
    found = alerts_visible_to(user=user).filter(pk=alert_id).first()
    if found is None:
        raise AlertNotFound
    return found


def alerts_inbox(*, user: User | AnonymousUser, status: str = "open") -> QuerySet[Alert]:
    """The user's inbox: ``open`` (open and acknowledged, the default), ``closed`` or
    ``all``; escalated and critical ones first, then the newest."""
    alerts = alerts_visible_to(user=user)
    if status == "open":
        alerts = alerts.filter(status__in=OPEN_STATES)
    elif status == "closed":
        alerts = alerts.filter(status=Alert.Status.CLOSED)
    return alerts.order_by("-level", "status", "-opened_at", "-pk")


def alerts_unacknowledged_count(*, user: User | AnonymousUser) -> int:
    """Open alerts nobody has acknowledged yet (the count beside the navigation link)."""
    return alerts_visible_to(user=user).filter(status=Alert.Status.OPEN).count()


def alerts_open_keys(*, kind: str) -> set[str]:
    """The conditions of ``kind`` with an alert not closed (for a check's bookkeeping)."""
    return set(
        Alert.objects.filter(kind=kind, status__in=OPEN_STATES).values_list("dedupe_key", flat=True)
    )


def kind_label(kind: str) -> str:
    """The registered label of a kind of alert, or its code."""
    registered = dict(ALERT_KINDS.items()).get(kind)
    return str(registered.label) if registered is not None else kind
