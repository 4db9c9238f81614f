"""Writes of alerts: raise (idempotent by the condition's key), acknowledge, close, close
the conditions that cleared, and the sweep that escalates what nobody acknowledged.

Every function takes the time it acts at (``now``; the current time when omitted), so
tests and the sweep run on a clock of their own. Notification: the inbox is the in-app
channel (its count shows beside the navigation link); those responsible who have an
e-mail address also get a message, sent after the transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.alerts import events
from gridcrm.alerts.errors import AlertClosed, InvalidAlert
from gridcrm.alerts.models import Alert
from gridcrm.alerts.selectors import OPEN_STATES, alert_get_visible, kind_label
from gridcrm.core.extensions import ALERT_KINDS
from gridcrm.users.roles import COMPANY_WIDE_ROLES, Role
from gridcrm.users.selectors import users_with_role

if TYPE_CHECKING:
    from gridcrm.users.models import User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Raised:
    alert: Alert
    created: bool


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _recipients(alert: Alert, role: str) -> list[str]:
    """E-mail addresses of the holders of ``role`` whose scope holds the alert's region
    (every holder for a company-wide role), and of the person named on it."""
    try:
        holder_role = Role(role)
    except ValueError:
        return []
    addresses = set()
    region_path = alert.region.path if alert.region is not None else None
    for user in users_with_role(role=holder_role).select_related("region"):
        if not user.email:
            continue
        if holder_role in COMPANY_WIDE_ROLES or (
            region_path is not None
            and user.region is not None
            and (region_path == user.region.path or region_path.startswith(f"{user.region.path}."))
        ):
            addresses.add(user.email)
    if alert.responsible is not None and alert.responsible.email:
        addresses.add(alert.responsible.email)
    return sorted(addresses)


def _mail_on_commit(alert: Alert, *, role: str, escalated: bool) -> None:
    to = _recipients(alert, role)
    if not to:
        return
    subject = (
        _("Escalated alert: %(kind)s — %(subject)s")
        if escalated
        else _("Alert: %(kind)s — %(subject)s")
    ) % {"kind": kind_label(alert.kind), "subject": alert.subject_label or alert.subject_ref}
    body = "\n".join(part for part in (alert.text, alert.link) if part)

    def send() -> None:
        # The inbox already holds the alert: a mail server that is down loses nothing.
        sent = send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to, fail_silently=True)
        if not sent:
            log.warning("alert %s: e-mail to %d recipients not sent", alert.pk, len(to))

    transaction.on_commit(send)


def alert_raise(
    *,
    kind: str,
    dedupe_key: str,
    subject_type: str,
    subject_ref: str,
    role: str,
    subject_label: str = "",
    severity: str = Alert.Severity.WARNING,
    region_id: int | None = None,
    responsible: User | None = None,
    escalation_role: str = "",
    text: str = "",
    link: str = "",
    escalate_after_hours: int | None = None,
    now: datetime | None = None,
    acting_user: User | None = None,
) -> Raised:
    """Raise the alert of a condition (``dedupe_key``), addressed to ``role`` in the region
    (and to ``responsible`` by name, when given). While an alert of that key is not closed
    nothing new is raised: the open one is marked seen (``created`` false). Unless
    acknowledged within ``escalate_after_hours`` (``settings.ALERT_ESCALATE_HOURS``), the
    sweep escalates it once to ``escalation_role``. ``alerts.invalid`` for a blank kind,
    key or subject, or an unknown role."""
    at = _now(now)
    known_roles = set(Role.values)
    fields = {}
    if not kind or not dedupe_key or not subject_ref or not subject_type:
        fields["dedupe_key"] = _("An alert needs a kind, a condition and a subject.")
    if role not in known_roles or (escalation_role and escalation_role not in known_roles):
        fields["role"] = _("Unknown role.")
    if severity not in Alert.Severity.values:
        fields["severity"] = _("Unknown severity.")
    if fields:
        raise InvalidAlert(fields=fields)
    hours = escalate_after_hours or settings.ALERT_ESCALATE_HOURS
    with transaction.atomic():
        existing = Alert.objects.select_for_update().filter(
            dedupe_key=dedupe_key, status__in=OPEN_STATES
        )
        found = existing.first()
        if found is None:
            try:
                with transaction.atomic():
                    alert = Alert.objects.create(
                        kind=kind,
                        severity=severity,
                        dedupe_key=dedupe_key[:200],
                        subject_type=subject_type,
                        subject_ref=subject_ref[:60],
                        subject_label=subject_label[:200],
                        text=text[:500],
                        link=link[:300],
                        region_id=region_id,
                        role=role,
                        responsible=responsible,
                        escalation_role=escalation_role,
                        opened_at=at,
                        last_seen_at=at,
                        escalate_at=at + timedelta(hours=hours) if escalation_role else None,
                    )
            except IntegrityError:
                # Raised at the same moment by another sweep: that one is the alert.
                found = existing.get()
            else:
                events.alert_raised(alert=alert, acting_user=acting_user)
                _mail_on_commit(alert, role=role, escalated=False)
                return Raised(alert=alert, created=True)
        Alert.objects.filter(pk=found.pk).update(last_seen_at=at)
        found.last_seen_at = at
        return Raised(alert=found, created=False)


@transaction.atomic
def alert_acknowledge(*, alert_id: int, acting_user: User, now: datetime | None = None) -> Alert:
    """Acknowledge an open alert the user may see: it stays in the inbox until closed but
    is no longer escalated. ``alerts.not_found`` outside the user's alerts,
    ``alerts.not_open`` when acknowledged or closed already."""
    alert = alert_get_visible(user=acting_user, alert_id=alert_id)
    at = _now(now)
    changed = Alert.objects.filter(pk=alert.pk, status=Alert.Status.OPEN).update(
        status=Alert.Status.ACKNOWLEDGED, acknowledged_at=at, acknowledged_by=acting_user
    )
    if not changed:
        raise AlertClosed(_("This alert is acknowledged or closed already."))
    alert.refresh_from_db()
    events.alert_acknowledged(alert=alert, at=at, acting_user=acting_user)
    return alert


def _close(alert: Alert, *, at: datetime, acting_user: User | None, reason: str) -> bool:
    changed = Alert.objects.filter(pk=alert.pk, status__in=OPEN_STATES).update(
        status=Alert.Status.CLOSED, closed_at=at, closed_by=acting_user
    )
    if changed:
        alert.refresh_from_db()
        events.alert_closed(alert=alert, at=at, acting_user=acting_user, reason=reason)
    return bool(changed)


@transaction.atomic
def alert_close(
    *, alert_id: int, acting_user: User, reason: str = "", now: datetime | None = None
) -> Alert:
    """Close an alert the user may see (the condition was dealt with). If the condition
    still holds, the next check raises it again as a new alert. ``alerts.not_open`` when
    closed already."""
    alert = alert_get_visible(user=acting_user, alert_id=alert_id)
    if not _close(alert, at=_now(now), acting_user=acting_user, reason=reason[:300]):
        raise AlertClosed(_("This alert is closed already."))
    return alert


@transaction.atomic
def alerts_close_cleared(*, kind: str, holding: Iterable[str], now: datetime | None = None) -> int:
    """Close (as the system) the alerts of ``kind`` whose condition is no longer among
    ``holding``, the keys a check found true now; the number closed."""
    keep = set(holding)
    at = _now(now)
    closed = 0
    for alert in Alert.objects.filter(kind=kind, status__in=OPEN_STATES).exclude(
        dedupe_key__in=keep
    ):
        closed += _close(alert, at=at, acting_user=None, reason="cleared")
    return closed


def alerts_escalate_sweep(*, now: datetime | None = None) -> int:
    """Escalate, once, every open alert not acknowledged by its ``escalate_at``: it goes to
    its escalation role's inbox as well (level 1) and they are told. The number
    escalated. A conditional update per alert, so two sweeps never escalate one twice."""
    at = _now(now)
    escalated = 0
    due = Alert.objects.filter(
        status=Alert.Status.OPEN, escalated_at__isnull=True, escalate_at__lte=at
    ).exclude(escalation_role="")
    for alert in due.select_related("region", "responsible"):
        with transaction.atomic():
            if not Alert.objects.filter(
                pk=alert.pk, status=Alert.Status.OPEN, escalated_at__isnull=True
            ).update(escalated_at=at, level=1):
                continue
            alert.escalated_at, alert.level = at, 1
            events.alert_escalated(alert=alert, at=at, acting_user=None)
            _mail_on_commit(alert, role=alert.escalation_role, escalated=True)
        escalated += 1
    return escalated


def alerts_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Run every registered check (``ALERT_KINDS``), then escalate: what ``gridcrm
    alerts_sweep`` does on a schedule. The counts of checks run and alerts escalated."""
    at = _now(now)
    checks = []
    for _kind, registered in ALERT_KINDS.items():
        if registered.check is not None and registered.check not in checks:
            checks.append(registered.check)
    for check in checks:
        check(at)
    return {"checks": len(checks), "escalated": alerts_escalate_sweep(now=at)}
