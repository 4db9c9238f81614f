"""REST endpoints of safety work: inspections due, inspections (recorded with their
hazards), hazards and their follow-up, the rules. Customers only through the archive's
visibility selectors: a record outside the caller's region answers 404. Refusals are the
safety app's domain errors, answered by the API's one exception handler."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Router, Schema
from ninja.responses import Status

from gridcrm.safety import selectors, services
from gridcrm.safety.models import Hazard, Inspection
from gridcrm.web.http import AuthedRequest

router = Router(tags=["safety"])

HazardStatus = Literal["open", "reported", "closed", ""]


class DueOut(Schema):
    account_no: str
    name: str
    region: str
    customer_class: str
    months: int
    last_on: dt.date | None
    due_on: dt.date
    overdue: bool


class HazardIn(Schema):
    description: str
    severity: str
    deadline: dt.date | None = None


class InspectionIn(Schema):
    account_no: str
    inspected_on: dt.date
    checklist: dict[str, str] = {}
    result: str
    notes: str = ""
    hazards: list[HazardIn] = []


class HazardOut(Schema):
    id: int
    account_no: str
    inspection_id: int
    description: str
    severity: str
    deadline: dt.date
    status: str
    notice_id: int | None
    reported_on: dt.date | None
    report_note: str
    closed_on: dt.date | None
    overdue_since: dt.date | None


class InspectionOut(Schema):
    id: int
    account_no: str
    inspector: str
    inspected_on: dt.date
    checklist: dict[str, str]
    result: str
    notes: str
    reinspection_of: int | None
    hazards: list[HazardOut]


class ReportIn(Schema):
    reported_on: dt.date
    note: str = ""


class ReinspectIn(Schema):
    inspected_on: dt.date
    rectified: bool
    notes: str = ""


class CycleIO(Schema):
    customer_class: str
    months: int


class DeadlineIO(Schema):
    severity: str
    days: int
    credit_event: bool = False


class SafetyRulesIn(Schema):
    note: str = ""
    cycles: list[dict[str, Any]]
    deadlines: list[dict[str, Any]]


class SafetyRulesOut(Schema):
    version: int | None
    cycles: list[CycleIO]
    deadlines: list[DeadlineIO]


def _hazard(h: Hazard) -> dict[str, Any]:
    return {
        "id": h.pk,
        "account_no": h.customer.account_no,
        "inspection_id": h.inspection_id,
        "description": h.description,
        "severity": h.severity,
        "deadline": h.deadline,
        "status": h.status,
        "notice_id": h.notice_id,
        "reported_on": h.reported_on,
        "report_note": h.report_note,
        "closed_on": h.closed_on,
        "overdue_since": h.overdue_since,
    }


def _inspection(i: Inspection) -> dict[str, Any]:
    return {
        "id": i.pk,
        "account_no": i.customer.account_no,
        "inspector": i.inspector.username,
        "inspected_on": i.inspected_on,
        "checklist": i.checklist,
        "result": i.result,
        "notes": i.notes,
        "reinspection_of": i.hazard_id,
        "hazards": [_hazard(h) for h in i.hazards.select_related("customer")],
    }


@router.get("/due", response=list[DueOut], summary="Inspections due")
def due(request: AuthedRequest, horizon_days: int = 30) -> list[dict[str, Any]]:
    """The customers of the caller's region whose inspection by cycle is due within
    ``horizon_days`` (0–366) or past due, the most overdue first."""
    selectors.require_view(user=request.user)
    rows = selectors.inspections_due(user=request.user, horizon_days=max(0, min(horizon_days, 366)))
    return [
        {
            "account_no": row.customer.account_no,
            "name": row.customer.name,
            "region": row.customer.region.code,
            "customer_class": row.customer_class,
            "months": row.months,
            "last_on": row.last_on,
            "due_on": row.due_on,
            "overdue": row.overdue,
        }
        for row in rows
    ]


@router.post("/inspections", response={201: InspectionOut}, summary="Record an inspection")
def inspection_create(request: AuthedRequest, payload: InspectionIn) -> Status[dict[str, Any]]:
    """Record an inspection with the hazards found; with hazards, the customer is sent
    the hazard notice at once. 404 ``safety.unknown_customer`` outside the caller's
    region, 422 ``safety.invalid_inspection`` / ``safety.deadline_past``."""
    inspection = services.inspection_record(
        account_no=payload.account_no,
        inspected_on=payload.inspected_on,
        checklist=payload.checklist,
        result=payload.result,
        notes=payload.notes,
        hazards=[services.HazardIn(h.description, h.severity, h.deadline) for h in payload.hazards],
        acting_user=request.user,
    )
    return Status(201, _inspection(selectors.inspection_get(user=request.user, pk=inspection.pk)))


@router.get("/inspections/{inspection_id}", response=InspectionOut, summary="An inspection")
def inspection_detail(request: AuthedRequest, inspection_id: int) -> dict[str, Any]:
    return _inspection(selectors.inspection_get(user=request.user, pk=inspection_id))


@router.get("/hazards", response=list[HazardOut], summary="Hazards")
def hazards(
    request: AuthedRequest, status: HazardStatus = "", overdue: bool = False
) -> list[dict[str, Any]]:
    """Hazards of the caller's region by deadline: not closed by default, or of one
    ``status``; ``overdue=true`` only those past their deadline."""
    selectors.require_view(user=request.user)
    rows = selectors.hazards_listed(user=request.user, status=status, overdue=overdue)
    return [_hazard(h) for h in rows[:500]]


@router.get("/hazards/{hazard_id}", response=HazardOut, summary="A hazard")
def hazard_detail(request: AuthedRequest, hazard_id: int) -> dict[str, Any]:
    return _hazard(selectors.hazard_get(user=request.user, pk=hazard_id))


@router.post(
    "/hazards/{hazard_id}/rectification", response=HazardOut, summary="Rectification reported"
)
def hazard_report(request: AuthedRequest, hazard_id: int, payload: ReportIn) -> dict[str, Any]:
    """The customer reports the hazard rectified (409 once reported or closed)."""
    hazard = selectors.hazard_get(user=request.user, pk=hazard_id)
    hazard = services.hazard_rectification_report(
        hazard=hazard, reported_on=payload.reported_on, note=payload.note, acting_user=request.user
    )
    return _hazard(selectors.hazard_get(user=request.user, pk=hazard.pk))


@router.post("/hazards/{hazard_id}/reinspection", response=HazardOut, summary="Re-inspect")
def hazard_reinspection(
    request: AuthedRequest, hazard_id: int, payload: ReinspectIn
) -> dict[str, Any]:
    """Rectified closes the hazard, not rectified opens it again; 409
    ``safety.not_rectified`` before the rectification is reported."""
    hazard = selectors.hazard_get(user=request.user, pk=hazard_id)
    hazard = services.hazard_reinspect(
        hazard=hazard,
        inspected_on=payload.inspected_on,
        rectified=payload.rectified,
        notes=payload.notes,
        acting_user=request.user,
    )
    return _hazard(selectors.hazard_get(user=request.user, pk=hazard.pk))


@router.get("/rules", response=SafetyRulesOut, summary="Inspection cycles and deadlines in force")
def rules(request: AuthedRequest) -> dict[str, Any]:
    selectors.require_view(user=request.user)
    current = selectors.rules_current()
    return {
        "version": current.number if current else None,
        "cycles": [
            {"customer_class": k, "months": v} for k, v in selectors.cycles_by_class().items()
        ],
        "deadlines": [d.model_dump() for d in selectors.deadlines_by_severity().values()],
    }


@router.put("/rules", response=SafetyRulesOut, summary="Publish inspection cycles and deadlines")
def rules_put(request: AuthedRequest, payload: SafetyRulesIn) -> dict[str, Any]:
    """Publish the next version (``safety.invalid_rules`` names every problem)."""
    version = services.rules_publish(
        cycles=payload.cycles,
        deadlines=payload.deadlines,
        acting_user=request.user,
        note=payload.note,
    )
    return {"version": version.number, "cycles": version.cycles, "deadlines": version.deadlines}
