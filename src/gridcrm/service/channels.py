"""Delivery channels behind one interface: in-app (the portal inbox), SMS, WeChat template
messages and e-mail. A channel knows where a customer receives it, how a notice reads in
it, whether it keeps quiet hours, and which transport (``gridcrm.service.transports``)
carries it out. A channel whose transport lacks configuration says so; the sweep then
fails its deliveries with that reason instead of pretending to send."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridcrm.archive.masking import mask_phone
from gridcrm.service.transports import Message, Outcome, Transport
from gridcrm.service.transports.gateway import GatewayTransport
from gridcrm.service.transports.smtp import SmtpTransport

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.service.models import ChannelPreference, Notice

MOBILE = re.compile(r"^1\d{10}$")
# The language of what customers receive: notices are written in Chinese.
CUSTOMER_LANGUAGE = "zh-hans"


class DeliveryChannel(Protocol):
    code: str
    # SMS and WeChat wake people up: they wait out the customer's quiet hours.
    keeps_quiet_hours: bool

    def configured(self) -> bool: ...

    def address(self, *, customer: Customer, preference: ChannelPreference | None) -> str:
        """Where this customer receives the channel, or ``""`` when nowhere."""
        ...

    def masked(self, address: str) -> str:
        """The address as the delivery log may show it."""
        ...

    def compose(self, *, notice: Notice, to: str, key: str) -> Message: ...

    def send(self, message: Message) -> Outcome: ...


def _outage_line(notice: Notice) -> str:
    if notice.outage_start is None or notice.outage_end is None:
        return ""
    start = timezone.localtime(notice.outage_start)
    end = timezone.localtime(notice.outage_end)
    return _("Outage from %(start)s to %(end)s.") % {
        "start": f"{start:%Y-%m-%d %H:%M}",
        "end": f"{end:%Y-%m-%d %H:%M}" if end.date() != start.date() else f"{end:%H:%M}",
    }


# What people read for a delivery channel's code.
CHANNEL_LABELS = {
    "in_app": gettext_lazy("In the app"),
    "sms": gettext_lazy("SMS"),
    "wechat": gettext_lazy("WeChat"),
    "email": gettext_lazy("E-mail"),
}


def channel_label(code: str) -> str:
    """A delivery channel in words (短信, 微信, …); the code when unknown."""
    return str(CHANNEL_LABELS.get(code, code))


class _Channel:
    code = ""
    keeps_quiet_hours = False
    transport: Transport

    def configured(self) -> bool:
        return self.transport.configured()

    def send(self, message: Message) -> Outcome:
        return self.transport.send(message)

    def compose(self, *, notice: Notice, to: str, key: str) -> Message:
        with translation.override(CUSTOMER_LANGUAGE):
            text = " ".join(p for p in (notice.title, _outage_line(notice)) if p)
        return Message(channel=self.code, to=to, text=text, idempotency_key=key)


class _InAppTransport:
    """The portal inbox reads the delivery rows themselves: nothing leaves the system."""

    def configured(self) -> bool:
        return True

    def send(self, message: Message) -> Outcome:
        return Outcome(ok=True, reason="portal")


class InAppChannel(_Channel):
    code = "in_app"
    transport = _InAppTransport()

    def address(self, *, customer: Customer, preference: ChannelPreference | None) -> str:
        return str(customer.pk)

    def masked(self, address: str) -> str:
        return "portal"


class SmsChannel(_Channel):
    code = "sms"
    keeps_quiet_hours = True
    transport = GatewayTransport("sms")

    def address(self, *, customer: Customer, preference: ChannelPreference | None) -> str:
        for phone in (customer.phone or "", customer.phone_alt or ""):
            if MOBILE.match(phone):
                return phone
        return ""

    def masked(self, address: str) -> str:
        return mask_phone(address)


class WeChatChannel(_Channel):
    code = "wechat"
    keeps_quiet_hours = True
    transport = GatewayTransport("wechat")

    def address(self, *, customer: Customer, preference: ChannelPreference | None) -> str:
        return preference.wechat_openid if preference is not None else ""

    def masked(self, address: str) -> str:
        return f"{address[:4]}***" if address else ""

    def compose(self, *, notice: Notice, to: str, key: str) -> Message:
        # A template message fills the provider's named fields, not free text.
        with translation.override(CUSTOMER_LANGUAGE):
            outage = _outage_line(notice)
        return Message(
            channel=self.code,
            to=to,
            text=notice.title,
            idempotency_key=key,
            fields={"first": notice.title, "keyword1": outage, "remark": notice.body[:200]},
        )


class EmailChannel(_Channel):
    code = "email"
    transport = SmtpTransport()

    def address(self, *, customer: Customer, preference: ChannelPreference | None) -> str:
        if preference is not None and preference.email:
            return preference.email
        return str(customer.extra.get("email", "") or "")

    def masked(self, address: str) -> str:
        return f"***@{address.rsplit('@', 1)[-1]}" if "@" in address else ""

    def compose(self, *, notice: Notice, to: str, key: str) -> Message:
        with translation.override(CUSTOMER_LANGUAGE):
            body = "\n\n".join(p for p in (notice.body, _outage_line(notice)) if p)
        return Message(
            channel=self.code, to=to, text=body, subject=notice.title, idempotency_key=key
        )


CHANNELS: dict[str, DeliveryChannel] = {
    c.code: c for c in (InAppChannel(), SmsChannel(), WeChatChannel(), EmailChannel())
}


def channels_for(customer: Customer, preference: ChannelPreference | None = None) -> list[str]:
    """Every customer sees notices in-app. Without preferences, those with a mobile phone
    get an SMS and those with an e-mail address (an extension field) an e-mail; with them,
    the channels chosen that have an address."""
    codes = ["in_app"]
    wanted = preference.channels if preference is not None else ["sms", "email"]
    for code in wanted:
        channel = CHANNELS.get(code)
        if channel is None or code in codes:
            continue
        if channel.address(customer=customer, preference=preference):
            codes.append(code)
    return codes
