"""The alerts app's audit trail: one named function per thing that happens, called by the
services inside the transaction of the change they record."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from gridcrm.alerts.models import Alert, AlertEvent

if TYPE_CHECKING:
    from gridcrm.users.models import User

Kind = AlertEvent.Kind


def _write(
    kind: AlertEvent.Kind,
    *,
    alert: Alert,
    at: datetime,
    acting_user: User | None,
    details: dict[str, Any] | None = None,
) -> AlertEvent:
    return AlertEvent.objects.create(
        kind=kind, alert=alert, at=at, acting_user=acting_user, details=details or {}
    )


def alert_raised(*, alert: Alert, acting_user: User | None) -> AlertEvent:
    return _write(
        Kind.RAISED,
        alert=alert,
        at=alert.opened_at,
        acting_user=acting_user,
        details={"key": alert.dedupe_key, "role": alert.role},
    )


def alert_acknowledged(*, alert: Alert, at: datetime, acting_user: User) -> AlertEvent:
    return _write(Kind.ACKNOWLEDGED, alert=alert, at=at, acting_user=acting_user)


def alert_escalated(*, alert: Alert, at: datetime, acting_user: User | None) -> AlertEvent:
    return _write(
        Kind.ESCALATED,
        alert=alert,
        at=at,
        acting_user=acting_user,
        details={"to": alert.escalation_role, "level": alert.level},
    )


def alert_closed(
    *, alert: Alert, at: datetime, acting_user: User | None, reason: str
) -> AlertEvent:
    return _write(
        Kind.CLOSED,
        alert=alert,
        at=at,
        acting_user=acting_user,
        details={"reason": reason},
    )
