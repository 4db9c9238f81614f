"""Template helpers of the service pages: time left, role names, the customer panel."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import template
from django.utils.translation import gettext as _

from gridcrm.core.formats import listing
from gridcrm.service import channels, selectors
from gridcrm.service.channel_selectors import channel_preferences_get
from gridcrm.service.channels import channels_for
from gridcrm.service.delivery import QUIET_END, QUIET_START
from gridcrm.service.forms import CHANNELS_FORM
from gridcrm.service.matrix import reasons_in
from gridcrm.service.models import GraceRequest, RequestEvent, ServiceRequest
from gridcrm.service.payments import payment_terms
from gridcrm.service.selectors import customer_timeline
from gridcrm.users.roles import Role
from gridcrm.web.errors import input_kept

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

register = template.Library()


@register.filter
def duration(value: dt.timedelta | None) -> str:
    """“2 d 3 h”, “45 min”; “overdue 1 h” when negative."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    overdue = seconds < 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    elif hours:
        text = _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    else:
        text = _("%(minutes)s min") % {"minutes": minutes}
    return _("overdue %(time)s") % {"time": text} if overdue else text


@register.filter
def urgency(value: dt.timedelta | None) -> str:
    """A CSS class for time left: overdue, soon (under 4 hours), or ok."""
    if value is None:
        return ""
    if value.total_seconds() < 0:
        return "overdue"
    return "soon" if value.total_seconds() < 4 * 3600 else "ok"


@register.filter
def role_label(code: str) -> str:
    return str(Role(code).label) if code in Role.values else code


@register.filter
def decision_reasons(decision: dict[str, Any] | None) -> list[str]:
    """A request's priority reasons in the reader's language."""
    return reasons_in(decision)


@register.filter
def step_label(event: RequestEvent, steps: Any) -> str:
    """A request event's step in the reader's language."""
    return selectors.step_label(event, steps)


@register.filter
def channel_label(code: str) -> str:
    """A notice delivery channel in words."""
    return channels.channel_label(code)


@register.filter
def channel_labels(codes: list[str]) -> str:
    """Delivery channels in words, the language's way: "应用内、短信"."""
    return listing(channels.channel_label(c) for c in codes)


@register.simple_tag(takes_context=True)
def service_panel(context: template.Context, customer: Customer, user: User) -> dict[str, Any]:
    """What the customer 360° page shows of service: open requests, terms, the timeline,
    and the channel form (with what was typed, when the last save was refused)."""
    if not user.has_perm("service.view_servicerequest"):
        return {"visible": False}
    terms = payment_terms(customer=customer)
    preference = channel_preferences_get(customer=customer)
    current = channels_for(customer, preference)
    quiet = (
        (preference.quiet_start, preference.quiet_end) if preference else (QUIET_START, QUIET_END)
    )
    kept = input_kept(context.get("request"), CHANNELS_FORM)
    form = {
        "open": kept is not None,
        "errors": kept.errors if kept else {},
        "channels": kept.data.get("channels", []) if kept else current,
        "email": kept.value("email") if kept else (preference.email if preference else ""),
        "wechat_openid": kept.value("wechat_openid")
        if kept
        else (preference.wechat_openid if preference else ""),
        "quiet_start": kept.value("quiet_start") if kept else quiet[0].strftime("%H:%M"),
        "quiet_end": kept.value("quiet_end") if kept else quiet[1].strftime("%H:%M"),
    }
    return {
        "visible": True,
        "open": ServiceRequest.objects.filter(
            customer=customer, status=ServiceRequest.Status.OPEN
        ).select_related("request_type"),
        "terms": terms,
        "grace": GraceRequest.objects.filter(customer=customer)[:10],
        "timeline": customer_timeline(customer=customer, limit=50),
        "can_create": user.has_perm("service.add_servicerequest"),
        "can_grace": user.has_perm("service.request_grace") and terms.grace_max_days > 0,
        "channels": current,
        "form": form,
        "choices": [("sms", _("SMS")), ("wechat", _("WeChat")), ("email", _("e-mail"))],
        "quiet": quiet,
    }
