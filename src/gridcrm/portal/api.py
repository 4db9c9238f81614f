"""The portal API (/api/portal/…) for a mobile app: a customer login's bearer token (or
its session) reads and writes only the accounts it holds; anything else answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from gridcrm.portal import selectors, services
from gridcrm.portal.errors import PortalNotFound
from gridcrm.web.http import AuthedRequest

router = Router(tags=["portal"])


class PortalAccountOut(Schema):
    account_no: str
    name: str
    station: str
    grade: str
    month_kwh: float | None


class UsageOut(Schema):
    month: dt.date
    kwh: float
    last_year_kwh: float | None
    peak_share: float
    flat_share: float
    valley_share: float


class PeriodOut(Schema):
    period: str
    label: str
    hours: str


class SummaryOut(PortalAccountOut):
    grade_meaning: dict[str, Any]
    tariff: list[PeriodOut]
    shift_kwh: float | None
    unread_notices: int


class PortalNoticeOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    published_at: dt.datetime | None
    read: bool


class PortalStepOut(Schema):
    name: str
    status: str
    due_at: dt.datetime | None
    completed_at: dt.datetime | None


class RequestOut(Schema):
    id: int
    number: str
    type: str
    channel: str
    status: str
    summary: str
    created_at: dt.datetime
    due_at: dt.datetime
    rating: int | None
    rating_comment: str
    steps: list[PortalStepOut]


class PortalRequestIn(Schema):
    type: str
    values: dict[str, str]


class RatingIn(Schema):
    rating: int
    comment: str = ""


class BindIn(Schema):
    account_no: str
    proof: str


def _account(request: AuthedRequest, account_no: str) -> Any:
    return selectors.portal_account_get(user=request.user, account_no=account_no)


def _account_out(customer: Any, grade: str | None = None) -> PortalAccountOut:
    from gridcrm.credit.selectors import credit_grade_for

    usage = selectors.usage_months(customer=customer, months=1)
    return PortalAccountOut(
        account_no=customer.account_no,
        name=customer.name,
        station=customer.region.name,
        grade=grade or credit_grade_for(customer),
        month_kwh=usage[0].kwh if usage else None,
    )


def _request_out(found: Any) -> RequestOut:
    return RequestOut(
        id=found.pk,
        number=found.number,
        type=str(found.request_type),
        channel=found.channel,
        status=found.status,
        summary=found.summary,
        created_at=found.created_at,
        due_at=found.due_at,
        rating=found.rating,
        rating_comment=found.rating_comment,
        steps=[
            PortalStepOut(
                name=s.name, status=s.status, due_at=s.due_at, completed_at=s.completed_at
            )
            for s in found.steps.order_by("position")
        ],
    )


def _request(request: AuthedRequest, account_no: str, request_id: int) -> Any:
    found = selectors.request_get(customer=_account(request, account_no), pk=request_id)
    if found is None:
        raise PortalNotFound(_("No such request."))
    return found


@router.get("/accounts", response=list[PortalAccountOut])
def account_list(request: AuthedRequest) -> list[PortalAccountOut]:
    """The accounts this login holds (none for a staff login)."""
    return [_account_out(c) for c in selectors.portal_accounts(user=request.user)]


@router.post("/bindings", response={201: PortalAccountOut})
def account_bind(request: AuthedRequest, payload: BindIn) -> Status[Any]:
    """Bind an account on proof (see docs/portal.md); wrong proof 422 ``portal.proof_wrong``,
    a household held by another login 409 ``portal.already_bound``."""
    binding = services.account_bind(
        user=request.user,
        account_no=payload.account_no,
        proof=payload.proof,
        ip=request.META.get("REMOTE_ADDR"),
    )
    return Status(201, _account_out(binding.customer))


@router.get("/accounts/{account_no}", response=SummaryOut)
def account_summary(request: AuthedRequest, account_no: str) -> SummaryOut:
    """Credit grade and what it means, this month's usage, the tariff periods."""
    from gridcrm.credit.selectors import customer_terms

    customer = _account(request, account_no)
    usage = selectors.usage_months(customer=customer)
    tariff = selectors.tariff_for(customer=customer, today=timezone.localdate(), usage=usage)
    terms = customer_terms(customer=customer)
    base = _account_out(customer, grade=terms.grade)
    return SummaryOut(
        **base.dict(),
        grade_meaning=terms.policy.as_json(),
        tariff=[PeriodOut(period=p, label=str(label), hours=h) for p, label, h in tariff.periods]
        if tariff
        else [],
        shift_kwh=tariff.shift_kwh if tariff else None,
        unread_notices=sum(1 for row in selectors.inbox(customer=customer) if not row.read),
    )


@router.get("/accounts/{account_no}/usage", response=list[UsageOut])
def account_usage(request: AuthedRequest, account_no: str) -> list[UsageOut]:
    rows = selectors.usage_months(customer=_account(request, account_no))
    return [
        UsageOut(
            month=u.month,
            kwh=u.kwh,
            last_year_kwh=u.last_year_kwh,
            peak_share=u.peak_share,
            flat_share=u.flat_share,
            valley_share=u.valley_share,
        )
        for u in rows
    ]


@router.get("/accounts/{account_no}/notices", response=list[PortalNoticeOut])
def notice_list(request: AuthedRequest, account_no: str) -> list[PortalNoticeOut]:
    rows = selectors.inbox(customer=_account(request, account_no))
    return [
        PortalNoticeOut(
            id=r.notice.pk,
            kind=r.notice.kind,
            title=r.notice.title,
            body=r.notice.body,
            published_at=r.notice.published_at,
            read=r.read,
        )
        for r in rows
    ]


@router.post("/accounts/{account_no}/notices/{notice_id}/read", response={204: None})
def notice_read(request: AuthedRequest, account_no: str, notice_id: int) -> Status[Any]:
    """Record the read receipt of a notice meant for the account (idempotent)."""
    customer = _account(request, account_no)
    services.notice_read(user=request.user, customer=customer, notice_id=notice_id)
    return Status(204, None)


@router.get("/accounts/{account_no}/requests", response=list[RequestOut])
def request_list(request: AuthedRequest, account_no: str) -> list[RequestOut]:
    return [_request_out(r) for r in selectors.requests_of(customer=_account(request, account_no))]


@router.post("/accounts/{account_no}/requests", response={201: RequestOut})
def request_file(request: AuthedRequest, account_no: str, payload: PortalRequestIn) -> Status[Any]:
    """File a request of a type customers may start (``values``: the type's fields)."""
    filed = services.request_file(
        user=request.user,
        customer=_account(request, account_no),
        type_code=payload.type,
        values=payload.values,
    )
    return Status(201, _request_out(filed))


@router.get("/accounts/{account_no}/requests/{request_id}", response=RequestOut)
def request_detail(request: AuthedRequest, account_no: str, request_id: int) -> RequestOut:
    return _request_out(_request(request, account_no, request_id))


@router.post("/accounts/{account_no}/requests/{request_id}/rating", response=RequestOut)
def request_rate(
    request: AuthedRequest, account_no: str, request_id: int, payload: RatingIn
) -> RequestOut:
    """Rate a done request once, 1–5 and a comment."""
    rated = services.request_rate(
        user=request.user,
        request=_request(request, account_no, request_id),
        rating=payload.rating,
        comment=payload.comment,
    )
    return _request_out(rated)


@router.get("/accounts/{account_no}/data", response=dict[str, Any])
def own_data(request: AuthedRequest, account_no: str) -> dict[str, Any]:
    """Everything held about the account (the data-access export; recorded)."""
    return services.data_export(user=request.user, customer=_account(request, account_no))
