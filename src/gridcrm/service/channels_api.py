"""REST endpoints of the channels (mounted under ``/api/service``): which channels are
configured, a customer's channel preferences, a notice's delivery rates and tries, and
the provider's signed delivery callback.

The callback is the one operation without a login: the provider proves itself with the
HMAC signature of the body (``gridcrm.service.transports.gateway``), checked by
``delivery_callback``; a bad or stale signature answers 403 ``service.callback_refused``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from gridcrm.archive.selectors import customer_get_visible
from gridcrm.service.channel_selectors import (
    channel_preferences_get,
    channels_configured,
    notice_attempts_visible_to,
    notice_delivery_rates,
)
from gridcrm.service.channels import CHANNELS
from gridcrm.service.delivery import QUIET_END, QUIET_START, delivery_callback
from gridcrm.service.preferences import channel_preferences_set
from gridcrm.service.selectors import notices_visible_to
from gridcrm.service.transports.gateway import SIGNATURE_HEADER, TIMESTAMP_HEADER
from gridcrm.web.http import AuthedRequest
from gridcrm.web.paging import BoundedPageNumberPagination

router = Router(tags=["service"])


class ChannelOut(Schema):
    code: str
    configured: bool


class PreferencesIO(Schema):
    """A customer's channels besides in-app (``sms``, ``wechat``, ``email``), the e-mail
    address and WeChat openid to use, and the quiet hours (local time) in which SMS and
    WeChat wait unless the notice is an emergency."""

    channels: list[str]
    email: str = ""
    wechat_openid: str = ""
    quiet_start: dt.time = QUIET_START
    quiet_end: dt.time = QUIET_END


class RateOut(Schema):
    channel: str
    total: int
    waiting: int
    reached: int
    delivered: int
    failed: int
    read: int
    delivery_rate: float | None
    read_rate: float | None


class AttemptOut(Schema):
    channel: str
    recipient: str
    number: int
    status: str
    reason: str
    started_at: dt.datetime
    finished_at: dt.datetime | None


class CallbackOut(Schema):
    status: str


@router.get("/channels", response=list[ChannelOut], summary="Channels and their configuration")
def channels(request: AuthedRequest) -> list[dict[str, Any]]:
    return [{"code": c, "configured": ok} for c, ok in channels_configured().items()]


def _masked(email: str, openid: str) -> tuple[str, str]:
    return CHANNELS["email"].masked(email), CHANNELS["wechat"].masked(openid)


@router.get(
    "/customers/{account_no}/channels",
    response=PreferencesIO,
    summary="A customer's channel preferences",
)
def preferences(request: AuthedRequest, account_no: str) -> dict[str, Any]:
    """The addresses come masked; ``channels`` lists what the customer gets today."""
    customer = customer_get_visible(user=request.user, account_no=account_no)
    chosen = channel_preferences_get(customer=customer)
    if chosen is None:
        return {"channels": [], "quiet_start": QUIET_START, "quiet_end": QUIET_END}
    email, openid = _masked(chosen.email, chosen.wechat_openid)
    return {
        "channels": [c for c in chosen.channels if c != "in_app"],
        "email": email,
        "wechat_openid": openid,
        "quiet_start": chosen.quiet_start,
        "quiet_end": chosen.quiet_end,
    }


@router.put(
    "/customers/{account_no}/channels",
    response=PreferencesIO,
    summary="Set a customer's channel preferences",
)
def preferences_put(
    request: AuthedRequest, account_no: str, payload: PreferencesIO
) -> dict[str, Any]:
    customer = customer_get_visible(user=request.user, account_no=account_no)
    channel_preferences_set(
        customer=customer,
        channels=payload.channels,
        email=payload.email,
        wechat_openid=payload.wechat_openid,
        quiet_start=payload.quiet_start,
        quiet_end=payload.quiet_end,
        acting_user=request.user,
    )
    return preferences(request, account_no)


@router.get("/notices/{pk}/rates", response=list[RateOut], summary="Delivery and read rates")
def rates(request: AuthedRequest, pk: int) -> list[dict[str, Any]]:
    """Per channel: reached (sent or delivered), confirmed delivered, failed, read in the
    portal inbox; over the customers the caller may see (403 for roles that do not write
    notices)."""
    notice = get_object_or_404(notices_visible_to(user=request.user), pk=pk)
    return [
        {**vars(r), "delivery_rate": r.delivery_rate, "read_rate": r.read_rate}
        for r in notice_delivery_rates(user=request.user, notice=notice)
    ]


@router.get("/notices/{pk}/attempts", response=list[AttemptOut], summary="Every try to send")
@paginate(BoundedPageNumberPagination, page_size=200)
def attempts(request: AuthedRequest, pk: int) -> Any:
    notice = get_object_or_404(notices_visible_to(user=request.user), pk=pk)
    return notice_attempts_visible_to(user=request.user, notice=notice)


@router.post(
    "/channels/callback/{channel}",
    response=CallbackOut,
    auth=None,
    summary="The provider's delivery report (HMAC-signed)",
)
def callback(request: HttpRequest, channel: str) -> dict[str, str]:
    """Body ``{"idempotency_key", "status": "delivered" | "failed", "reason"}``; headers
    ``X-GridCRM-Timestamp`` and ``X-GridCRM-Signature`` as the gateway's messages."""
    attempt = delivery_callback(
        channel=channel,
        body=request.body,
        timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
        signature=request.headers.get(SIGNATURE_HEADER, ""),
    )
    return {"status": attempt.status}
