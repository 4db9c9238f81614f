"""REST endpoints of service requests, the matrix, the calendar, notices and grace.

Every customer and request lookup goes through the scoping selectors: out of scope is 404,
exactly like an unknown number. Refusals of business rules answer 400 (409 for a stale
version) with the reason, and change nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from gridcrm.archive.models import Customer
from gridcrm.archive.selectors import customer_get
from gridcrm.service.calendar_api import router as calendar_router
from gridcrm.service.errors import InvalidConfiguration, ServiceError, StaleRequest
from gridcrm.service.matrix import matrix_current, matrix_publish, rule_as_dict
from gridcrm.service.models import (
    GraceRequest,
    Notice,
    RequestEvent,
    RequestStep,
    RequestType,
    ServiceRequest,
    request_number,
)
from gridcrm.service.notices import Target, notice_create, notice_publish
from gridcrm.service.payments import (
    grace_request_decide,
    grace_request_submit,
    payment_due_on,
    payment_terms,
)
from gridcrm.service.selectors import (
    COUNT_CAP,
    customer_timeline,
    notices_visible_to,
    queue_customers,
    request_get,
    work_queue,
    work_queue_size,
)
from gridcrm.service.services import (
    request_attach,
    request_create,
    request_note_add,
    request_step_complete,
    request_take,
)
from gridcrm.users.models import User
from gridcrm.web.http import AuthedRequest

router = Router(tags=["service"])
# The working-day calendar's endpoints live in their own module.
router.add_router("/calendar", calendar_router)


def _fail(exc: Exception) -> NoReturn:
    if isinstance(exc, StaleRequest):
        raise HttpError(409, str(exc)) from exc
    if isinstance(exc, InvalidConfiguration):
        raise HttpError(422, str(exc)) from exc
    if isinstance(exc, ServiceError):
        raise HttpError(400, str(exc)) from exc
    raise exc


def _customer(request: AuthedRequest, account_no: str) -> Customer:
    customer = customer_get(user=request.user, account_no=account_no)
    if customer is None:
        raise Http404("No such customer.")
    return customer


def _request(request: AuthedRequest, pk: int) -> ServiceRequest:
    if not request.user.has_perm("service.view_servicerequest"):
        raise PermissionDenied
    found = request_get(user=request.user, pk=pk)
    if found is None:
        raise Http404("No such service request.")
    return found


# --- schemas ---------------------------------------------------------------------------


class StepOut(Schema):
    position: int
    code: str
    name: str
    owner_role: str
    limit_unit: str
    limit_value: int
    from_matrix: bool
    status: str
    started_at: dt.datetime | None
    due_at: dt.datetime | None
    completed_at: dt.datetime | None
    note: str


class QueueItemOut(Schema):
    """A request as the queue lists it (and the fields every request answer has)."""

    id: int
    number: str
    account_no: str
    customer_name: str
    type: str
    type_name: str
    channel: str
    summary: str
    status: str
    priority: int
    package: str
    limit_factor: Decimal
    area: str
    current_step: str | None
    current_role: str
    step_due_at: dt.datetime | None
    due_at: dt.datetime
    assignee: str | None
    escalation_level: int
    version: int
    created_at: dt.datetime
    closed_at: dt.datetime | None


class RequestOut(QueueItemOut):
    """A request read from its model."""

    @staticmethod
    def resolve_account_no(obj: ServiceRequest) -> str:
        return obj.customer.account_no

    @staticmethod
    def resolve_customer_name(obj: ServiceRequest) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_type(obj: ServiceRequest) -> str:
        return obj.request_type.code

    @staticmethod
    def resolve_type_name(obj: ServiceRequest) -> str:
        return obj.request_type.name

    @staticmethod
    def resolve_current_step(obj: ServiceRequest) -> str | None:
        if obj.current_position is None:
            return None
        if hasattr(obj, "current_step_code"):  # annotated by the queue selector
            return str(obj.current_step_code)
        step = obj.steps.filter(position=obj.current_position).first()
        return step.code if step else None

    @staticmethod
    def resolve_assignee(obj: ServiceRequest) -> str | None:
        return obj.assignee.username if obj.assignee else None


class EventOut(Schema):
    kind: str
    step: str
    text: str
    actor: str | None
    at: dt.datetime

    @staticmethod
    def resolve_step(obj: RequestEvent) -> str:
        return obj.step_name

    @staticmethod
    def resolve_actor(obj: RequestEvent) -> str | None:
        return obj.actor.username if obj.actor else None


class RequestDetailOut(RequestOut):
    decision: dict[str, Any]
    steps: list[StepOut]
    events: list[EventOut]

    @staticmethod
    def resolve_steps(obj: ServiceRequest) -> list[RequestStep]:
        return list(obj.steps.order_by("position"))

    @staticmethod
    def resolve_events(obj: ServiceRequest) -> list[RequestEvent]:
        return list(obj.events.select_related("actor").order_by("at", "pk"))


class RequestIn(Schema):
    account_no: str
    type: str
    channel: str
    summary: str


class StepDoneIn(Schema):
    note: str = ""
    version: int | None = None


class NoteIn(Schema):
    text: str


class TimelineOut(Schema):
    at: dt.datetime
    kind: str
    title: str
    text: str
    actor: str
    link: str


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
    rules: list[dict[str, Any]]


class MatrixIn(Schema):
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
    detail: str


class TermsOut(Schema):
    credit_grade: str
    due_shift_days: int
    grace_max_days: int
    reminder_days: list[int]
    reasons: list[str]


class GraceIn(Schema):
    bill_id: str
    due_on: dt.date
    days: int
    reason: str


class GraceOut(Schema):
    id: int
    account_no: str
    bill_id: str
    due_on: dt.date
    days: int
    reason: str
    status: str
    adjusted_due_on: dt.date

    @staticmethod
    def resolve_account_no(obj: GraceRequest) -> str:
        return obj.customer.account_no

    @staticmethod
    def resolve_adjusted_due_on(obj: GraceRequest) -> dt.date:
        return payment_due_on(customer=obj.customer, bill_id=obj.bill_id, billed_due_on=obj.due_on)


class DecisionIn(Schema):
    note: str = ""


# --- requests --------------------------------------------------------------------------


class QueueOut(Schema):
    items: list[QueueItemOut]
    count: int
    count_capped: bool
    page: int


# QueueItemOut's fields that are columns of the request under the same name.
_QUEUE_ITEM_COLUMNS = (
    "channel",
    "summary",
    "status",
    "priority",
    "package",
    "limit_factor",
    "area",
    "current_role",
    "step_due_at",
    "due_at",
    "escalation_level",
    "version",
    "created_at",
    "closed_at",
)


def _queue_items(
    rows: QuerySet[ServiceRequest], *, user: User, offset: int, limit: int
) -> list[dict[str, Any]]:
    """A page of the queue (``rows``, the ``work_queue`` of ``user``) as ``QueueItemOut``
    values, read without model instances (the queue is the most read answer of the API)."""
    values = rows.values(
        *_QUEUE_ITEM_COLUMNS,
        "pk",
        "customer_id",
        "assignee__username",
        type=F("request_type__code"),
        type_name=F(f"request_type__{RequestType.name_field()}"),
        current_step=F("current_step_code"),
    )[offset : offset + limit]
    items = list(values)
    customers = queue_customers(user=user, ids=(item["customer_id"] for item in items))
    for item in items:
        item["id"] = item.pop("pk")
        item["number"] = request_number(item["id"])
        item["assignee"] = item.pop("assignee__username")
        customer = customers.get(item.pop("customer_id"), ("", ""))
        item["account_no"], item["customer_name"] = customer
    return items


@router.get("/requests", response=QueueOut, summary="Work queue")
def queue(
    request: AuthedRequest,
    view: str = "queue",
    role: str = "",
    region: str = "",
    page: int = 1,
) -> dict[str, Any]:
    """Open requests for the caller's roles (``view=mine``: taken by the caller;
    ``view=escalated``), most urgent first, then least time left, 50 a page. ``count``
    is exact up to 1,000 (``count_capped`` says when there are more)."""
    if not request.user.has_perm("service.view_servicerequest"):
        raise PermissionDenied
    from gridcrm.users.models import Region

    found = Region.objects.filter(code=region).first() if region else None
    if region and found is None:
        raise HttpError(400, "Unknown region.")
    which: dict[str, Any] = {
        "user": request.user,
        "role": role or None,
        "region_path": found.path if found else None,
        "mine": view == "mine",
        "escalated": view == "escalated",
    }
    page = max(1, page)
    count = work_queue_size(**which)
    return {
        "items": _queue_items(
            work_queue(**which), user=request.user, offset=(page - 1) * 50, limit=50
        ),
        "count": min(count, COUNT_CAP),
        "count_capped": count > COUNT_CAP,
        "page": page,
    }


@router.post("/requests", response={201: RequestDetailOut}, summary="Open a request")
def request_new(request: AuthedRequest, payload: RequestIn) -> tuple[int, ServiceRequest]:
    """Open a request for a customer in the caller's scope (404 otherwise)."""
    customer = _customer(request, payload.account_no)
    request_type = RequestType.objects.filter(code=payload.type).first()
    if request_type is None:
        raise HttpError(400, "Unknown request type.")
    try:
        created = request_create(
            customer=customer,
            request_type=request_type,
            channel=payload.channel,
            summary=payload.summary,
            actor=request.user,
        )
    except ServiceError as exc:
        _fail(exc)
    return 201, created


@router.get("/requests/{pk}", response=RequestDetailOut, summary="One request")
def request_detail(request: AuthedRequest, pk: int) -> ServiceRequest:
    return _request(request, pk)


@router.post("/requests/{pk}/take", response=RequestDetailOut, summary="Take a request")
def request_take_api(request: AuthedRequest, pk: int) -> ServiceRequest:
    found = _request(request, pk)
    try:
        request_take(request=found, actor=request.user)
    except ServiceError as exc:
        _fail(exc)
    found.refresh_from_db()
    return found


@router.post(
    "/requests/{pk}/steps/{code}/complete", response=RequestDetailOut, summary="Complete a step"
)
def request_step_api(
    request: AuthedRequest, pk: int, code: str, payload: StepDoneIn
) -> ServiceRequest:
    """Complete the current step. Another step answers 400; a stale ``version`` 409."""
    found = _request(request, pk)
    try:
        request_step_complete(
            request=found,
            step_code=code,
            actor=request.user,
            note=payload.note,
            expected_version=payload.version,
        )
    except ServiceError as exc:
        _fail(exc)
    found.refresh_from_db()
    return found


@router.post("/requests/{pk}/notes", response={201: EventOut}, summary="Add a note")
def request_note_api(request: AuthedRequest, pk: int, payload: NoteIn) -> tuple[int, Any]:
    found = _request(request, pk)
    try:
        return 201, request_note_add(request=found, actor=request.user, text=payload.text)
    except ServiceError as exc:
        _fail(exc)


@router.post("/requests/{pk}/attachments", response={201: dict[str, Any]}, summary="Attach")
def request_attach_api(
    request: AuthedRequest, pk: int, file: File[UploadedFile]
) -> tuple[int, dict[str, Any]]:
    found = _request(request, pk)
    try:
        attachment = request_attach(request=found, actor=request.user, upload=file)
    except ServiceError as exc:
        _fail(exc)
    return 201, {"id": attachment.pk, "name": attachment.name}


@router.get(
    "/customers/{account_no}/timeline", response=list[TimelineOut], summary="Customer timeline"
)
def timeline(request: AuthedRequest, account_no: str) -> Any:
    """Requests, notices and grace of one customer, newest first."""
    if not request.user.has_perm("service.view_servicerequest"):
        raise PermissionDenied
    return customer_timeline(customer=_customer(request, account_no))


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
    try:
        matrix_publish(rules=payload.rules, note=payload.note, actor=request.user)
    except ServiceError as exc:
        _fail(exc)
    return matrix(request)


# --- notices ---------------------------------------------------------------------------


@router.get("/notices", response=list[NoticeOut], summary="Notices")
@paginate(PageNumberPagination, page_size=50)
def notices(request: AuthedRequest) -> Any:
    return notices_visible_to(user=request.user).prefetch_related("targets")


@router.post("/notices", response={201: NoticeOut}, summary="Write a draft notice")
def notice_new(request: AuthedRequest, payload: NoticeIn) -> tuple[int, Notice]:
    try:
        notice = notice_create(
            kind=payload.kind,
            topic=payload.topic,
            title=payload.title,
            body=payload.body,
            actor=request.user,
            targets=[Target(t.scope, t.value, t.station) for t in payload.targets],
            effective_on=payload.effective_on,
            outage_start=payload.outage_start,
            outage_end=payload.outage_end,
        )
    except ServiceError as exc:
        _fail(exc)
    return 201, notice


@router.post("/notices/{pk}/publish", response=NoticeOut, summary="Publish and send")
def notice_publish_api(request: AuthedRequest, pk: int) -> Notice:
    notice = get_object_or_404(notices_visible_to(user=request.user), pk=pk)
    try:
        return notice_publish(notice=notice, actor=request.user)
    except ServiceError as exc:
        _fail(exc)


@router.get("/notices/{pk}/deliveries", response=list[DeliveryOut], summary="Delivery log")
@paginate(PageNumberPagination, page_size=200)
def deliveries(request: AuthedRequest, pk: int) -> Any:
    notice = get_object_or_404(notices_visible_to(user=request.user), pk=pk)
    return (
        notice.deliveries.select_related("customer")
        .order_by("send_at", "pk")
        .values(
            "channel",
            "lead_days",
            "send_at",
            "status",
            "sent_at",
            "detail",
            account_no=F("customer__account_no"),
        )
    )


# --- payment terms and grace -----------------------------------------------------------


@router.get("/customers/{account_no}/payment-terms", response=TermsOut, summary="Payment terms")
def terms(request: AuthedRequest, account_no: str) -> Any:
    """What the credit policy does to the customer's due dates and reminders."""
    return payment_terms(customer=_customer(request, account_no))


@router.post("/customers/{account_no}/grace", response={201: GraceOut}, summary="Ask for grace")
def grace_new(request: AuthedRequest, account_no: str, payload: GraceIn) -> tuple[int, Any]:
    customer = _customer(request, account_no)
    try:
        grace = grace_request_submit(
            customer=customer,
            bill_id=payload.bill_id,
            due_on=payload.due_on,
            days=payload.days,
            reason=payload.reason,
            actor=request.user,
        )
    except ServiceError as exc:
        _fail(exc)
    return 201, grace


@router.post("/grace/{pk}/{decision}", response=GraceOut, summary="Approve or reject grace")
def grace_decide(request: AuthedRequest, pk: int, decision: str, payload: DecisionIn) -> Any:
    if decision not in ("approve", "reject"):
        raise Http404
    grace = get_object_or_404(GraceRequest.objects.select_related("customer"), pk=pk)
    _customer(request, grace.customer.account_no)
    try:
        return grace_request_decide(
            grace=grace, approver=request.user, approve=decision == "approve", note=payload.note
        )
    except ServiceError as exc:
        _fail(exc)
