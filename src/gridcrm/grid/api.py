"""REST endpoints of the grid registry: station overview, a feeder's tree, outage impact,
important customers' gaps, a customer's equipment, the rules (read and publish), unplanned
outages and the registry import. Customers only through the archive's visibility
selectors; equipment outside the caller's scope answers 404. Refusals are the grid app's
domain errors, answered by the API's one exception handler."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.utils import timezone
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from gridcrm.archive.selectors import customer_get_visible
from gridcrm.core import uploads
from gridcrm.grid import jobs, risks, selectors, services
from gridcrm.grid.impact import outage_impact
from gridcrm.web.http import AuthedRequest

router = Router(tags=["grid"])

Element = Literal["substation", "feeder", "transformer"]


class StationOut(Schema):
    code: str
    name: str
    region: str
    feeders: int
    transformers: int
    customers: int
    important: int
    compliant: int


class SupplyOut(Schema):
    sources: int
    substations: int
    emergency_kw: Decimal
    security_kw: Decimal | None


class ImportantOut(Schema):
    account_no: str
    name: str
    importance_class: str
    configuration: str
    supply: SupplyOut
    required_kw: Decimal | None
    gaps: list[str]


class AffectedOut(Schema):
    account_no: str
    name: str
    importance_class: str
    important: bool
    other_sources: int
    emergency_kw: Decimal
    security_kw: Decimal | None
    backup: str


class ImpactOut(Schema):
    element: str
    code: str
    name: str
    important: int
    customers: list[AffectedOut]


class TransformerOut(Schema):
    code: str
    ownership: str
    kva: Decimal
    kind: str
    year: int | None
    last_test_on: dt.date | None
    customers: list[str]


class FeederOut(Schema):
    code: str
    name: str
    substation: str
    parent: str | None
    branches: list[str]
    customers: int
    transformers: list[TransformerOut]


class MeterOut(Schema):
    serial: str
    kind: str
    ct_ratio: str
    pt_ratio: str
    accuracy_class: str
    installed_on: dt.date | None
    verification_due: dt.date | None


class EmergencyOut(Schema):
    code: str
    kind: str
    kw: Decimal
    start_seconds: int | None
    last_test_on: dt.date | None


class EquipmentOut(Schema):
    configuration: str
    feeders: list[str]
    transformers: list[str]
    meters: list[MeterOut]
    emergency: list[EmergencyOut]
    gaps: list[str]


class RuleIO(Schema):
    importance_class: str
    min_sources: int
    min_substations: int
    emergency_required: bool = True
    emergency_percent: int = 120


class GridRulesIn(Schema):
    note: str = ""
    rules: list[dict[str, Any]]


class RulesOut(Schema):
    version: int | None
    rules: list[RuleIO]


class OutageIn(Schema):
    element: Element
    code: str
    started_at: dt.datetime
    description: str


class OutageOut(Schema):
    id: int
    customers: int
    notice_id: int | None
    request_no: str


class GridImportJobOut(Schema):
    job_id: int
    status: str
    dry_run: bool


@router.get("/stations", response=list[StationOut], summary="Substations with counts")
def stations(request: AuthedRequest) -> list[dict[str, Any]]:
    """Each visible substation: lines, transformers, customers behind it, important
    customers and how many of them meet their class's rule."""
    return [
        {
            "code": row.substation.code,
            "name": row.substation.name,
            "region": row.substation.region.code,
            "feeders": row.feeders,
            "transformers": row.transformers,
            "customers": row.customers,
            "important": row.important,
            "compliant": row.compliant,
        }
        for row in selectors.station_overview(user=request.user)
    ]


@router.get("/feeders/{code}", response=FeederOut, summary="A 10 kV line as a tree")
def feeder(request: AuthedRequest, code: str) -> dict[str, Any]:
    """A line with its transformers and, under each, the customers the caller may see."""
    selectors.require_view(user=request.user)
    tree = selectors.feeder_tree(user=request.user, code=code)
    return {
        "code": tree.feeder.code,
        "name": tree.feeder.name,
        "substation": tree.feeder.substation.code,
        "parent": tree.feeder.parent.code if tree.feeder.parent else None,
        "branches": [b.code for b in tree.branches],
        "customers": tree.customers,
        "transformers": [
            {
                "code": n.transformer.code,
                "ownership": n.transformer.ownership,
                "kva": n.transformer.kva,
                "kind": n.transformer.kind,
                "year": n.transformer.year,
                "last_test_on": n.transformer.last_test_on,
                "customers": [account for account, _name, _class in n.customers],
            }
            for n in tree.transformers
        ],
    }


@router.get("/impact/{element}/{code}", response=ImpactOut, summary="Outage impact")
def impact(request: AuthedRequest, element: Element, code: str) -> dict[str, Any]:
    """The customers behind a substation, a line (with its branches) or a transformer,
    important ones first, with their backup status."""
    result = outage_impact(user=request.user, element=element, code=code)
    return {
        "element": result.element,
        "code": result.code,
        "name": result.name,
        "important": result.important,
        "customers": [{**c.__dict__, "important": c.important} for c in result.customers],
    }


class RiskOut(Schema):
    kind: str
    severity: str
    subject_type: str
    subject_ref: str
    subject_label: str
    text: str
    link: str


class StationRisksOut(Schema):
    code: str
    name: str
    score: int
    counts: dict[str, int]
    risks: list[RiskOut]


@router.get("/safety", response=list[StationRisksOut], summary="Grid safety by station")
def safety(request: AuthedRequest) -> list[dict[str, Any]]:
    """Open risks of the caller's scope by station, the highest score first (critical 3,
    warning 1): important customers out of compliance, overloaded transformers, overdue
    tests, open hazards past their deadline; ``link`` is the page of the record."""
    found = risks.risks_visible(user=request.user, today=timezone.localdate())
    return [
        {
            "code": row.code,
            "name": row.name,
            "score": row.score,
            "counts": {kind: row.count(kind) for kind in risks.KIND_LABELS},
            "risks": [risk.__dict__ for risk in row.risks],
        }
        for row in risks.risks_by_station(risks=found)
    ]


@router.get("/important", response=list[ImportantOut], summary="Important customers checked")
def important(request: AuthedRequest, gaps_only: bool = False) -> list[dict[str, Any]]:
    """Every important customer the caller may see against its class's rule; ``gaps``
    lists what is missing (``sources``, ``substations``, ``no_emergency``,
    ``emergency_short``, ``no_security_load``)."""
    rows = selectors.important_customers_checked(user=request.user, only_gaps=gaps_only)
    return [
        {
            "account_no": r.account_no,
            "name": r.name,
            "importance_class": r.importance_class,
            "configuration": r.configuration,
            "supply": r.supply.__dict__,
            "required_kw": r.required_kw,
            "gaps": list(r.gaps),
        }
        for r in rows
    ]


@router.get("/customers/{account_no}", response=EquipmentOut, summary="A customer's supply")
def customer_equipment(request: AuthedRequest, account_no: str) -> dict[str, Any]:
    """A customer's lines, transformers, meters, emergency power and gaps; 404 outside
    the caller's scope."""
    selectors.require_view(user=request.user)
    customer = customer_get_visible(user=request.user, account_no=account_no)
    eq = selectors.customer_equipment(customer=customer)
    return {
        "configuration": eq.configuration,
        "feeders": [f.code for f in eq.sources],
        "transformers": [p.transformer.code for p in eq.points],
        "meters": eq.meters,
        "emergency": eq.emergency,
        "gaps": eq.gaps,
    }


@router.get("/rules", response=RulesOut, summary="Important-customer rules in force")
def rules(request: AuthedRequest) -> dict[str, Any]:
    selectors.require_view(user=request.user)
    current = selectors.rules_current()
    return {
        "version": current.number if current else None,
        "rules": [rule.model_dump() for rule in selectors.rules_by_class().values()],
    }


@router.put("/rules", response=RulesOut, summary="Publish important-customer rules")
def rules_put(request: AuthedRequest, payload: GridRulesIn) -> dict[str, Any]:
    """Publish the next version: one rule per class (``grid.invalid_rules`` otherwise)."""
    version = services.rules_publish(
        rows=payload.rules, acting_user=request.user, note=payload.note
    )
    return {"version": version.number, "rules": version.rows}


@router.post("/outages", response={201: OutageOut}, summary="Enter an unplanned outage")
def outage_create(request: AuthedRequest, payload: OutageIn) -> Status[OutageOut]:
    """Tell the customers behind the equipment at once and open a fault-repair request."""
    outage = services.outage_enter(
        element=payload.element,
        code=payload.code,
        started_at=payload.started_at,
        description=payload.description,
        acting_user=request.user,
    )
    return Status(
        201,
        OutageOut(
            id=outage.pk,
            customers=outage.customers,
            notice_id=outage.notice_id,
            request_no=outage.request_no,
        ),
    )


@router.post("/import", response=GridImportJobOut, summary="Import a GIS/PMS export")
@uploads.accepts_upload(uploads.CUSTOMERS)
def registry_import(
    request: AuthedRequest, file: File[UploadedFile], dry_run: Form[bool] = False
) -> dict[str, Any]:
    """Start an import of a CSV or XLSX export (multipart ``file``, optional ``dry_run``);
    watch it at ``GET /api/jobs/{job_id}``."""
    job = jobs.import_start(upload=file, acting_user=request.user, dry_run=dry_run)
    return {"job_id": job.pk, "status": job.status, "dry_run": dry_run}
