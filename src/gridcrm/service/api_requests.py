"""REST endpoints of service requests: the work queue, opening, taking, completing steps,
notes, attachments, and a customer's service timeline.

Every customer and request lookup goes through the scoping selectors: out of scope is 404,
exactly like an unknown number. Refusals are the services' domain errors, answered by the
API's one exception handler with their code and the status of their kind.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile

from gridcrm.archive.masking import mask_phone
from gridcrm.archive.selectors import customer_get_visible
from gridcrm.core import uploads
from gridcrm.service.errors import (
    RequestNotFound,
    ServiceRefused,
    UnknownRegion,
    UnknownRequestType,
)
from gridcrm.service.models import (
    RequestEvent,
    RequestStep,
    RequestType,
    ServiceRequest,
    request_number,
)
from gridcrm.service.selectors import (
    COUNT_CAP,
    customer_timeline,
    queue_customers,
    request_get,
    work_queue,
    work_queue_size,
)
from gridcrm.service.services import (
    request_attach,
    request_create,
    request_note_add,
    request_release,
    request_step_complete,
    request_take,
)
from gridcrm.users.selectors import region_by_code
from gridcrm.web.paging import PageIn

if TYPE_CHECKING:
    from gridcrm.users.models import User

router = Router(tags=["service"])


def _user(request: HttpRequest) -> User:
    """The caller: the API lets only authenticated users through."""
    return cast("User", request.user)


def may_view_requests(request: HttpRequest) -> None:
    """Refuse (403) a caller whose role may not see service requests."""
    if not _user(request).has_perm("service.view_servicerequest"):
        raise ServiceRefused(_("Your role may not see service requests."))


def _request(request: HttpRequest, pk: int) -> ServiceRequest:
    may_view_requests(request)
    found = request_get(user=_user(request), pk=pk)
    if found is None:
        raise RequestNotFound(_("No such service request."))
    return found


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


class RequestEventOut(Schema):
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
        return obj.acting_user.username if obj.acting_user else None


class RequestDetailOut(RequestOut):
    decision: dict[str, Any]
    address: str
    callback_phone_masked: str
    steps: list[StepOut]
    events: list[RequestEventOut]

    @staticmethod
    def resolve_callback_phone_masked(obj: ServiceRequest) -> str:
        return mask_phone(obj.callback_phone)

    @staticmethod
    def resolve_steps(obj: ServiceRequest) -> list[RequestStep]:
        return list(obj.steps.order_by("position"))

    @staticmethod
    def resolve_events(obj: ServiceRequest) -> list[RequestEvent]:
        return list(obj.events.select_related("acting_user").order_by("at", "pk"))


class RequestIn(Schema):
    account_no: str
    type: str
    channel: str
    summary: str
    address: str = ""
    callback_phone: str = ""


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
    request: HttpRequest,
    paging: Query[PageIn],
    view: str = "queue",
    role: str = "",
    region: str = "",
) -> dict[str, Any]:
    """Open requests for the caller's roles (``view=mine``: taken by the caller;
    ``view=escalated``), most urgent first, then least time left, 50 a page. ``count``
    is exact up to 1,000 (``count_capped`` says when there are more). An unknown
    ``region`` answers 422 ``service.unknown_region``."""
    may_view_requests(request)
    found = region_by_code(code=region)
    if region and found is None:
        raise UnknownRegion(_("Unknown region."), fields={"region": _("Unknown region.")})
    which: dict[str, Any] = {
        "user": _user(request),
        "role": role or None,
        "region_path": found.path if found else None,
        "mine": view == "mine",
        "escalated": view == "escalated",
    }
    page = paging.page
    count = work_queue_size(**which)
    return {
        "items": _queue_items(
            work_queue(**which), user=_user(request), offset=(page - 1) * 50, limit=50
        ),
        "count": min(count, COUNT_CAP),
        "count_capped": count > COUNT_CAP,
        "page": page,
    }


@router.post("/requests", response={201: RequestDetailOut}, summary="Open a request")
def request_new(request: HttpRequest, payload: RequestIn) -> tuple[int, ServiceRequest]:
    """Open a request for a customer in the caller's scope (404 otherwise)."""
    customer = customer_get_visible(user=_user(request), account_no=payload.account_no)
    request_type = RequestType.objects.filter(code=payload.type).first()
    if request_type is None:
        raise UnknownRequestType(
            _("Unknown request type."), fields={"type": _("Unknown request type.")}
        )
    created = request_create(
        customer=customer,
        request_type=request_type,
        channel=payload.channel,
        summary=payload.summary,
        address=payload.address,
        callback_phone=payload.callback_phone,
        acting_user=_user(request),
    )
    return 201, created


@router.get("/requests/{pk}", response=RequestDetailOut, summary="One request")
def request_detail(request: HttpRequest, pk: int) -> ServiceRequest:
    return _request(request, pk)


@router.post("/requests/{pk}/take", response=RequestDetailOut, summary="Take a request")
def request_take_api(request: HttpRequest, pk: int) -> ServiceRequest:
    """Take a request whose current step belongs to one of the caller's roles (403
    ``service.refused`` otherwise; 409 ``service.request_taken`` when someone holds it)."""
    found = _request(request, pk)
    request_take(request=found, acting_user=_user(request))
    found.refresh_from_db()
    return found


@router.post("/requests/{pk}/release", response=RequestDetailOut, summary="Release a request")
def request_release_api(request: HttpRequest, pk: int) -> ServiceRequest:
    """Put a request the caller holds back into its queue (403 ``service.not_holder``
    otherwise)."""
    found = _request(request, pk)
    request_release(request=found, acting_user=_user(request))
    found.refresh_from_db()
    return found


@router.post(
    "/requests/{pk}/steps/{code}/complete", response=RequestDetailOut, summary="Complete a step"
)
def request_step_api(
    request: HttpRequest, pk: int, code: str, payload: StepDoneIn
) -> ServiceRequest:
    """Complete the current step. Another step answers 409 ``service.step_out_of_order``;
    a stale ``version`` 409 ``service.stale_request``."""
    found = _request(request, pk)
    request_step_complete(
        request=found,
        step_code=code,
        acting_user=_user(request),
        note=payload.note,
        expected_version=payload.version,
    )
    found.refresh_from_db()
    return found


@router.post("/requests/{pk}/notes", response={201: RequestEventOut}, summary="Add a note")
def request_note_api(request: HttpRequest, pk: int, payload: NoteIn) -> tuple[int, Any]:
    found = _request(request, pk)
    return 201, request_note_add(request=found, acting_user=_user(request), text=payload.text)


@router.post("/requests/{pk}/attachments", response={201: dict[str, Any]}, summary="Attach")
@uploads.accepts_upload(uploads.ATTACHMENT)
def request_attach_api(
    request: HttpRequest, pk: int, file: File[UploadedFile]
) -> tuple[int, dict[str, Any]]:
    found = _request(request, pk)
    attachment = request_attach(request=found, acting_user=_user(request), upload=file)
    return 201, {"id": attachment.pk, "name": attachment.name}


@router.get(
    "/customers/{account_no}/timeline", response=list[TimelineOut], summary="Customer timeline"
)
def timeline(request: HttpRequest, account_no: str) -> Any:
    """Requests, notices and grace of one customer, newest first."""
    may_view_requests(request)
    customer = customer_get_visible(user=_user(request), account_no=account_no)
    return customer_timeline(customer=customer)
