"""The grid's alerts (R13): every risk of ``grid.risks`` becomes an alert in the inbox of
the regional collectors of its station, escalated to the marketing managers when nobody
acknowledges it in time; an alert whose risk is gone is closed.

``grid_alerts_check`` is registered for the grid's kinds in ``ALERT_KINDS`` and run by
``gridcrm alerts_sweep`` (and by the demo). Overloads and hazards come in through
``GRID_RISKS`` (the grid's health, the safety app), so they are raised, deduplicated and
closed here like the registry's own risks.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.utils import timezone

from gridcrm.alerts.services import alert_raise, alerts_close_cleared
from gridcrm.core.extensions import GridRisk
from gridcrm.grid.risks import ALERTED, KIND_LABELS, risks_all
from gridcrm.users.roles import Role

RESPONSIBLE = Role.REGIONAL_COLLECTOR
ESCALATION = Role.MARKETING_MANAGER


def dedupe_key(risk: GridRisk) -> str:
    """One alert per kind and subject: the same condition is not raised twice."""
    return f"{risk.kind}:{risk.subject_type}:{risk.subject_ref}"


def grid_alerts_check(now: datetime) -> None:
    """Raise an alert for every grid risk of warning or critical severity found at ``now``
    (idempotent) and close the alerts of the grid's kinds whose risk is gone or fell to
    information."""
    holding: dict[str, set[str]] = defaultdict(set)
    for risk in risks_all(today=timezone.localdate(now)):
        if risk.severity not in ALERTED:
            continue
        key = dedupe_key(risk)
        alert_raise(
            kind=risk.kind,
            dedupe_key=key,
            severity=risk.severity,
            subject_type=risk.subject_type,
            subject_ref=risk.subject_ref,
            subject_label=risk.subject_label,
            text=risk.text,
            link=risk.link,
            region_id=risk.region_id,
            role=RESPONSIBLE,
            escalation_role=ESCALATION,
            now=now,
        )
        holding[risk.kind].add(key)
    for kind in KIND_LABELS:
        alerts_close_cleared(kind=kind, holding=holding[kind], now=now)
