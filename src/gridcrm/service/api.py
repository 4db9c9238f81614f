"""REST endpoints of the service app: request types, the matrix, the calendar and notices
here; requests (``api_requests``) and payment terms and grace (``api_payments``) in their
own routers, mounted on this one.

Refusals are the services' domain errors, answered by the API's one exception handler
with their code and the status of their kind (403 refused, 422 invalid, 409 conflict,
404 not found); lookups go through the scoping selectors.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from gridcrm.service.api_payments import router as payments_router
from gridcrm.service.api_requests import router as requests_router
from gridcrm.service.calendar_api import router as calendar_router
from gridcrm.service.channels_api import router as channels_router
from gridcrm.service.matrix import matrix_current, matrix_publish, rule_as_dict
from gridcrm.service.matrix_rows import MatrixRuleRow
from gridcrm.service.models import Notice, RequestType
from gridcrm.service.notices import Target, notice_create, notice_publish
from gridcrm.service.selectors import notice_deliveries_visible_to, notices_visible_to
from gridcrm.web.http import AuthedRequest
from gridcrm.web.paging import BoundedPageNumberPagination

router = Router(tags=["service"])
router.add_router("", requests_router)
router.add_router("", payments_router)
router.add_router("", channels_router)
# The working-day calendar's endpoints live in their own module.
router.add_router("/calendar", calendar_router)


# --- schemas ---------------------------------------------------------------------------


class WorkflowStepOut(Schema):
    position: int
    code: str
    name_zh: str
    name_en: str
    owner_role: str
    also_roles: list[str]
    limit_unit: str
    limit_value: int
    limit_rural: int | None
    limit_remote: int | None


class RequestTypeOut(Schema):
    code: str
    name_zh: str
    name_en: str
    category: str
    limit_unit: str
    limit_value: int
    limit_rural: int | None
    limit_remote: int | None
    needs_tier1: bool
    warn_percent: int
    active: bool
    steps: list[WorkflowStepOut]

    @staticmethod
    def resolve_steps(obj: RequestType) -> list[Any]:
        return list(obj.steps.all())


class MatrixOut(Schema):
    version: int | None
    note: str
    rules: list[MatrixRuleRow]


class MatrixIn(Schema):
    """A whole new matrix. Each rule has the shape of ``MatrixRuleRow``; ``matrix_publish``
    checks them, so that a wrong rule answers 422 ``service.invalid_configuration`` naming
    its row and field, like the matrix page."""

    note: str
    rules: list[dict[str, Any]]


class TargetIn(Schema):
    scope: str
    value: str
    station: str = ""


class NoticeIn(Schema):
    kind: str
    topic: str = "outage"
    title: str
    body: str
    targets: list[TargetIn] = []
    effective_on: dt.date | None = None
    outage_start: dt.datetime | None = None
    outage_end: dt.datetime | None = None
    emergency: bool = False


class NoticeOut(Schema):
    id: int
    kind: str
    topic: str
    title: str
    body: str
    status: str
    effective_on: dt.date | None
    outage_start: dt.datetime | None
    outage_end: dt.datetime | None
    emergency: bool
    published_at: dt.datetime | None
    targets: list[TargetIn]

    @staticmethod
    def resolve_targets(obj: Notice) -> list[dict[str, str]]:
        return [
            {"scope": t.scope, "value": t.value, "station": t.station} for t in obj.targets.all()
        ]


class DeliveryOut(Schema):
    account_no: str
    channel: str
    lead_days: int
    send_at: dt.datetime
    status: str
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None
    read_at: dt.datetime | None
    attempts: int
    next_try_at: dt.datetime | None
    detail: str


# --- configuration ---------------------------------------------------------------------


@router.get("/types", response=list[RequestTypeOut], summary="Request types and their steps")
def types(request: AuthedRequest) -> Any:
    return list(RequestType.objects.prefetch_related("steps"))


@router.get("/matrix", response=MatrixOut, summary="The service matrix in force")
def matrix(request: AuthedRequest) -> dict[str, Any]:
    current = matrix_current()
    rules = [rule_as_dict(r) for r in current.rules.order_by("position")] if current else []
    return {
        "version": current.number if current else None,
        "note": current.note if current else "",
        "rules": rules,
    }


@router.put("/matrix", response=MatrixOut, summary="Publish a new matrix version")
def matrix_put(request: AuthedRequest, payload: MatrixIn) -> dict[str, Any]:
    """Replace the whole matrix with a new version (marketing managers)."""
    matrix_publish(rules=payload.rules, note=payload.note, acting_user=request.user)
    return matrix(request)


# --- notices ---------------------------------------------------------------------------


@router.get("/notices", response=list[NoticeOut], summary="Notices")
@paginate(BoundedPageNumberPagination, page_size=50)
def notices(request: AuthedRequest) -> Any:
    return notices_visible_to(user=request.user).prefetch_related("targets")


@router.post("/notices", response={201: NoticeOut}, summary="Write a draft notice")
def notice_new(request: AuthedRequest, payload: NoticeIn) -> tuple[int, Notice]:
    notice = notice_create(
        kind=payload.kind,
        topic=payload.topic,
        title=payload.title,
        body=payload.body,
        acting_user=request.user,
        targets=[Target(t.scope, t.value, t.station) for t in payload.targets],
        effective_on=payload.effective_on,
        outage_start=payload.outage_start,
        outage_end=payload.outage_end,
        emergency=payload.emergency,
    )
    return 201, notice


@router.post("/notices/{pk}/publish", response=NoticeOut, summary="Publish and send")
def notice_publish_api(request: AuthedRequest, pk: int) -> Notice:
    notice = get_object_or_404(notices_visible_to(user=request.user), pk=pk)
    return notice_publish(notice=notice, acting_user=request.user)


@router.get("/notices/{pk}/deliveries", response=list[DeliveryOut], summary="Delivery log")
@paginate(BoundedPageNumberPagination, page_size=200)
def deliveries(request: AuthedRequest, pk: int) -> Any:
    """Deliveries to the customers the caller may see; roles that do not write notices are
    refused (403 ``service.deliveries_refused``)."""
    notice = get_object_or_404(notices_visible_to(user=request.user), pk=pk)
    return (
        notice_deliveries_visible_to(user=request.user, notice=notice)
        .select_related("customer")
        .order_by("send_at", "pk")
        .values(
            "channel",
            "lead_days",
            "send_at",
            "status",
            "sent_at",
            "delivered_at",
            "read_at",
            "attempts",
            "next_try_at",
            "detail",
            account_no=F("customer__account_no"),
        )
    )
