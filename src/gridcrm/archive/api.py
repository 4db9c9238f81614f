"""REST endpoints of the customer archive; every lookup goes through the scoping selectors.

Field names, categories, tiers and masking come from the registry, like the pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from gridcrm.archive import registry
from gridcrm.archive.disclosures import change_requests_shown
from gridcrm.archive.imports import import_start
from gridcrm.archive.masking import mask_phone
from gridcrm.archive.models import ChangeRequest, Customer, DisclosureEvent
from gridcrm.archive.rule_sets import RuleRow, rule_row_dict, rules_publish
from gridcrm.archive.rules import published_version
from gridcrm.archive.selectors import (
    change_requests_pending,
    change_requests_visible_to,
    completeness_rates,
    customer_get_visible,
    customer_history,
    customer_list_rows,
)
from gridcrm.archive.services import (
    change_request_approve,
    change_request_reject,
    change_request_submit,
    customer_contact_reveal,
    customer_create,
    customer_update,
)
from gridcrm.core import uploads
from gridcrm.core.formats import person
from gridcrm.web import paging
from gridcrm.web.http import AuthedRequest
from gridcrm.web.paging import CappedPageNumberPagination

router = Router(tags=["customers"])
changes_router = Router(tags=["change requests"])
fields_router = Router(tags=["field registry"])


class CustomerOut(Schema):
    account_no: str
    name: str
    segment: str
    segment_display: str
    tariff_category: str
    tariff_category_display: str
    voltage_level: str
    contracted_kva: Decimal | None
    station: str
    station_code: str
    address: str
    phone_masked: str
    industry_code: str
    completeness: int
    version: int

    @staticmethod
    def resolve_segment_display(obj: Customer) -> str:
        return obj.get_segment_display()

    @staticmethod
    def resolve_tariff_category_display(obj: Customer) -> str:
        return obj.get_tariff_category_display()

    @staticmethod
    def resolve_station(obj: Customer) -> str:
        return obj.region.name

    @staticmethod
    def resolve_station_code(obj: Customer) -> str:
        return obj.region.code

    @staticmethod
    def resolve_phone_masked(obj: Customer) -> str:
        return mask_phone(obj.phone)


class FieldValueOut(Schema):
    name: str
    label: str
    category: str
    tier: int
    value: Any
    missing: bool


class ArchiveOut(Schema):
    account_no: str
    version: int
    completeness: int
    segment: str
    segment_overridden: bool
    rules_fired: list[dict[str, Any]]
    fields: list[FieldValueOut]


class ContactOut(Schema):
    account_no: str
    phone: str


class FieldSpecOut(Schema):
    name: str
    label: str
    category: str
    tier: int
    sensitivity: str
    source: str
    applies_to: list[str] | None
    choices: list[tuple[str, str]]
    extension: bool


class CustomerIn(Schema):
    fields: dict[str, Any]


class CustomerPatch(Schema):
    version: int
    fields: dict[str, Any]
    reason: str = ""
    contact_channel: str = ""
    captured_on: dt.date | None = None


class ChangeRequestIn(Schema):
    field: str
    new_value: str
    reason: str


class DecisionIn(Schema):
    note: str = ""


class ChangeRequestOut(Schema):
    id: int
    account_no: str
    field: str
    old_value: str
    new_value: str
    reason: str
    status: str
    status_display: str
    requested_by: str
    requested_by_name: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_by_name: str | None
    decision_note: str

    @staticmethod
    def resolve_account_no(obj: ChangeRequest) -> str:
        return obj.customer.account_no

    @staticmethod
    def resolve_requested_by(obj: ChangeRequest) -> str:
        return obj.requested_by.username

    @staticmethod
    def resolve_decided_by(obj: ChangeRequest) -> str | None:
        return obj.decided_by.username if obj.decided_by else None

    @staticmethod
    def resolve_status_display(obj: ChangeRequest) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_requested_by_name(obj: ChangeRequest) -> str:
        return person(obj.requested_by)

    @staticmethod
    def resolve_decided_by_name(obj: ChangeRequest) -> str | None:
        return person(obj.decided_by) if obj.decided_by else None


class HistoryOut(Schema):
    field: str
    old_value: str
    new_value: str
    by: str | None
    source: str
    reason: str
    captured_on: dt.date | None
    at: dt.datetime


class RateOut(Schema):
    applicable: int
    filled: int
    percent: float


class CompletenessOut(Schema):
    by_tier: dict[str, RateOut]
    by_category: dict[str, RateOut]
    by_station: dict[str, RateOut]
    by_field: dict[str, RateOut]


class RulesIn(Schema):
    note: str
    # Each a ``RuleRow``, checked by the service (``rules_publish``) like the page's rows,
    # so that a wrong row answers ``archive.invalid_rules`` naming the row and the field.
    rules: list[dict[str, Any]]


class RuleSetOut(Schema):
    version: int | None
    rules: list[RuleRow]


def _visible(request: AuthedRequest, account_no: str) -> Customer:
    # 404 (archive.customer_not_found) when absent or out of scope: the two look alike.
    return customer_get_visible(user=request.user, account_no=account_no)


@router.get("", response=list[CustomerOut], summary="Search customers")
@paginate(CappedPageNumberPagination, page_size=50)
def customer_list(request: AuthedRequest, q: str = "") -> Any:
    """Customers visible to the caller. ``q`` is an account number prefix, a phone (whole
    or its last four digits), or part of the name or address, in account number order.
    ``count`` stops at 1001, meaning "more than 1,000": narrow the search (a name or address
    search then pages through the first 1,001 matches found)."""
    return customer_list_rows(user=request.user, query=q[:100], cap=paging.COUNT_CAP)


@router.post("", response={201: CustomerOut}, summary="Create a customer")
def customer_new(request: AuthedRequest, payload: CustomerIn) -> tuple[int, Customer]:
    """Create a customer; every applicable tier-1 field is required (``GET /api/fields``)."""
    return 201, customer_create(data=payload.fields, acting_user=request.user)


class ImportJobOut(Schema):
    job_id: int
    status: str
    dry_run: bool


# Declared before the "/{account_no}" routes so that "import" is not read as an account.
@router.post("/import", response=ImportJobOut, summary="Import customers from a file")
@uploads.accepts_upload(uploads.CUSTOMERS)
def customer_import_api(
    request: AuthedRequest, file: File[UploadedFile], dry_run: Form[bool] = False
) -> dict[str, Any]:
    """Start an import of a CSV or XLSX file (multipart ``file``, optional ``dry_run``);
    watch it at ``GET /api/jobs/{job_id}``. Its summary is the job's message."""
    job = import_start(
        upload=file, acting_user=request.user, dry_run=dry_run, language=get_language()
    )
    return {"job_id": job.pk, "status": job.status, "dry_run": dry_run}


@router.get("/{account_no}", response=CustomerOut, summary="One customer")
def customer_detail(request: AuthedRequest, account_no: str) -> Customer:
    """A customer by account number; 404 when absent or outside the caller's scope."""
    return _visible(request, account_no)


@router.get("/{account_no}/archive", response=ArchiveOut, summary="All archive fields")
def customer_archive(request: AuthedRequest, account_no: str) -> dict[str, Any]:
    """Every registry field with its category and tier; personal values are masked."""
    customer = _visible(request, account_no)
    fields = []
    for spec in registry.all_specs():
        if not spec.applies(customer):
            continue
        value = spec.get(customer)
        fields.append(
            {
                "name": spec.name,
                "label": str(spec.label),
                "category": spec.category.value,
                "tier": int(spec.tier),
                "value": spec.masked(value) if spec.is_personal else spec.to_text(value),
                "missing": spec.is_blank(value),
            }
        )
    return {
        "account_no": customer.account_no,
        "version": customer.version,
        "completeness": customer.completeness,
        "segment": customer.segment,
        "segment_overridden": bool(customer.segment_override_reason),
        "rules_fired": customer.rules_fired,
        "fields": fields,
    }


@router.patch("/{account_no}", response=CustomerOut, summary="Fill in tier-2/3 fields")
def customer_patch(request: AuthedRequest, account_no: str, payload: CustomerPatch) -> Customer:
    """Change tier-2 and tier-3 fields. Send the ``version`` you read: a stale one answers 409
    and changes nothing (``archive.version_conflict``). Tier-1 fields answer 403
    (``archive.tier1_locked``): they need a change request."""
    customer = _visible(request, account_no)
    return customer_update(
        customer=customer,
        changes=payload.fields,
        acting_user=request.user,
        expected_version=payload.version,
        reason=payload.reason,
        captured_on=payload.captured_on,
        contact_channel=payload.contact_channel,
        source="captured" if payload.contact_channel else "entered",
    )


@router.get("/{account_no}/history", response=list[HistoryOut], summary="Field history")
def customer_field_history(request: AuthedRequest, account_no: str) -> list[dict[str, Any]]:
    """Every recorded change, newest first; personal values are masked."""
    customer = _visible(request, account_no)
    specs = {s.name: s for s in registry.all_specs()}
    rows = []
    for change in customer_history(customer=customer)[:500]:
        spec = specs.get(change.field)
        personal = spec is not None and spec.is_personal
        rows.append(
            {
                "field": change.field,
                "old_value": spec.masked(change.old_value)
                if personal and spec
                else change.old_value,
                "new_value": spec.masked(change.new_value)
                if personal and spec
                else change.new_value,
                "by": change.acting_user.username if change.acting_user else None,
                "source": change.kind,
                "reason": change.reason,
                "captured_on": change.captured_on,
                "at": change.at,
            }
        )
    return rows


@router.post("/{account_no}/contact", response=ContactOut, summary="Unmasked contact (logged)")
def customer_contact(request: AuthedRequest, account_no: str) -> dict[str, str]:
    """The unmasked phone, for roles that need it; every call is logged."""
    customer = _visible(request, account_no)
    phone = customer_contact_reveal(
        customer=customer, acting_user=request.user, channel=DisclosureEvent.Kind.API
    )
    return {"account_no": customer.account_no, "phone": phone}


@router.post(
    "/{account_no}/change-requests",
    response={201: ChangeRequestOut},
    summary="Request a tier-1 change",
)
def change_request_new(
    request: AuthedRequest, account_no: str, payload: ChangeRequestIn
) -> tuple[int, ChangeRequest]:
    """Ask an archive officer to change a tier-1 field."""
    customer = _visible(request, account_no)
    change = change_request_submit(
        customer=customer,
        field=payload.field,
        new_value=payload.new_value,
        reason=payload.reason,
        acting_user=request.user,
    )
    return 201, _shown([change], request)[0]


@changes_router.get("", response=list[ChangeRequestOut], summary="Change requests")
def change_request_list(request: AuthedRequest, status: str = "pending") -> Any:
    """Change requests of customers the caller can see, oldest first; personal values are
    masked unless the role may see them (and then the disclosure is logged)."""
    if status == "pending" and request.user.has_perm("archive.approve_customer_change"):
        return _shown(change_requests_pending(user=request.user)[:500], request)
    return _shown(
        change_requests_visible_to(user=request.user).filter(status=status).order_by("pk")[:500],
        request,
    )


def _shown(changes: Iterable[ChangeRequest], request: AuthedRequest) -> list[ChangeRequest]:
    return change_requests_shown(
        changes=changes, acting_user=request.user, channel=DisclosureEvent.Kind.API
    )


@changes_router.post("/{pk}/approve", response=ChangeRequestOut, summary="Approve")
def change_request_approve_api(request: AuthedRequest, pk: int, payload: DecisionIn) -> Any:
    """Approve and apply; the approver must be an archive officer and not the requester."""
    change = get_object_or_404(change_requests_visible_to(user=request.user), pk=pk)
    change_request_approve(request=change, acting_user=request.user, note=payload.note)
    change.refresh_from_db()
    return _shown([change], request)[0]


@changes_router.post("/{pk}/reject", response=ChangeRequestOut, summary="Reject")
def change_request_reject_api(request: AuthedRequest, pk: int, payload: DecisionIn) -> Any:
    """Reject with a note saying why."""
    change = get_object_or_404(change_requests_visible_to(user=request.user), pk=pk)
    change = change_request_reject(request=change, acting_user=request.user, note=payload.note)
    return _shown([change], request)[0]


@fields_router.get("", response=list[FieldSpecOut], summary="The field registry")
def field_list(request: AuthedRequest) -> list[dict[str, Any]]:
    """Every customer field with its category, tier, sensitivity, source and choices."""
    return [
        {
            "name": s.name,
            "label": str(s.label),
            "category": s.category.value,
            "tier": int(s.tier),
            "sensitivity": s.sensitivity.value,
            "source": s.source.value,
            "applies_to": sorted(s.applies_to) if s.applies_to is not None else None,
            "choices": s.choices,
            "extension": s.custom is not None,
        }
        for s in registry.all_specs()
    ]


@fields_router.get("/rules", response=RuleSetOut, summary="The mapping rules in force")
def rule_set(request: AuthedRequest) -> dict[str, Any]:
    """The rules of the published version, in the shape a new version is posted in."""
    version = published_version()
    return {
        "version": version.number if version else None,
        "rules": [rule_row_dict(r) for r in (version.rules.all() if version else [])],
    }


@fields_router.post("/rules", response={201: RuleSetOut}, summary="Publish mapping rules")
def rule_set_publish(request: AuthedRequest, payload: RulesIn) -> tuple[int, dict[str, Any]]:
    """Publish the rules as the next version (``archive.may_not_manage_rules`` without the
    permission; ``archive.invalid_rules`` names each wrong row and field). Applying them to
    every customer is the rules page's batch job, or the next change of each customer."""
    version = rules_publish(rules=payload.rules, note=payload.note, acting_user=request.user)
    return 201, {
        "version": version.number,
        "rules": [rule_row_dict(r) for r in version.rules.all()],
    }


@fields_router.get("/completeness", response=CompletenessOut, summary="Completeness rates")
def completeness(request: AuthedRequest) -> dict[str, Any]:
    """Fill rates of the caller's customers by tier, category, supply station and field."""
    rates = completeness_rates(user=request.user)

    def out(rate: Any) -> dict[str, Any]:
        return {"applicable": rate.applicable, "filled": rate.filled, "percent": rate.percent}

    return {
        "by_tier": {str(k): out(v) for k, v in rates["tier"].items()},
        "by_category": {k: out(v) for k, v in rates["category"].items()},
        "by_station": {k: out(v) for k, v in rates["station"].items()},
        "by_field": {k: out(v) for k, v in rates["field"].items()},
    }
