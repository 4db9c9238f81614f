"""REST endpoints of the alerts inbox: the caller's alerts, acknowledge, close. Another's
alert answers 404 (``alerts.not_found``); acting on a closed one 409 (``alerts.not_open``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Router, Schema

from gridcrm.alerts import selectors, services
from gridcrm.alerts.models import Alert
from gridcrm.web.http import AuthedRequest

router = Router(tags=["alerts"])


class AlertOut(Schema):
    id: int
    kind: str
    kind_label: str
    severity: str
    status: str
    level: int
    subject_type: str
    subject_ref: str
    subject_label: str
    text: str
    link: str
    region: str | None
    role: str
    escalation_role: str
    opened_at: dt.datetime
    last_seen_at: dt.datetime
    escalate_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    escalated_at: dt.datetime | None
    closed_at: dt.datetime | None


class CloseIn(Schema):
    reason: str = ""


def _out(alert: Alert) -> AlertOut:
    return AlertOut(
        id=alert.pk,
        kind=alert.kind,
        kind_label=selectors.kind_label(alert.kind),
        severity=alert.severity,
        status=alert.status,
        level=alert.level,
        subject_type=alert.subject_type,
        subject_ref=alert.subject_ref,
        subject_label=alert.subject_label,
        text=alert.text,
        link=alert.link,
        region=alert.region.code if alert.region is not None else None,
        role=alert.role,
        escalation_role=alert.escalation_role,
        opened_at=alert.opened_at,
        last_seen_at=alert.last_seen_at,
        escalate_at=alert.escalate_at,
        acknowledged_at=alert.acknowledged_at,
        escalated_at=alert.escalated_at,
        closed_at=alert.closed_at,
    )


@router.get("", response=list[AlertOut], summary="My alerts")
def inbox(
    request: AuthedRequest, status: Literal["open", "closed", "all"] = "open"
) -> list[AlertOut]:
    """The caller's alerts (``open``: open and acknowledged), escalated ones first; at
    most 200."""
    return [_out(a) for a in selectors.alerts_inbox(user=request.user, status=status)[:200]]


@router.get("/{alert_id}", response=AlertOut, summary="One alert")
def alert_detail(request: AuthedRequest, alert_id: int) -> AlertOut:
    return _out(selectors.alert_get_visible(user=request.user, alert_id=alert_id))


@router.post("/{alert_id}/acknowledge", response=AlertOut, summary="Acknowledge an alert")
def acknowledge(request: AuthedRequest, alert_id: int) -> AlertOut:
    """Acknowledged alerts are not escalated."""
    return _out(services.alert_acknowledge(alert_id=alert_id, acting_user=request.user))


@router.post("/{alert_id}/close", response=AlertOut, summary="Close an alert")
def close(request: AuthedRequest, alert_id: int, payload: CloseIn) -> AlertOut:
    return _out(
        services.alert_close(alert_id=alert_id, acting_user=request.user, reason=payload.reason)
    )
