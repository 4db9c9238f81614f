"""Delivery channels behind one interface. In-app delivery is real (the portal shows the
notice); SMS and e-mail log what they would send until a gateway is configured."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Protocol

from django.conf import settings

from gridcrm.archive.masking import mask_phone
from gridcrm.service.models import Notice, NoticeDelivery

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer

logger = logging.getLogger(__name__)

MOBILE = re.compile(r"^1\d{10}$")


class DeliveryChannel(Protocol):
    code: str

    def send(self, *, notice: Notice, customer: Customer) -> tuple[str, str]:
        """Deliver; return the delivery status and a detail for the log."""
        ...


class InAppChannel:
    code = "in_app"

    def send(self, *, notice: Notice, customer: Customer) -> tuple[str, str]:
        return NoticeDelivery.Status.SENT, "portal"


class SmsChannel:
    code = "sms"

    def send(self, *, notice: Notice, customer: Customer) -> tuple[str, str]:
        gateway = getattr(settings, "GRIDCRM_SMS_GATEWAY", "")
        text = f"【国网供电】{notice.title}"
        if not gateway:
            logger.info(
                "SMS not configured; would send to %s: %s", mask_phone(customer.phone), text
            )
            return NoticeDelivery.Status.LOGGED, f"{mask_phone(customer.phone)}: {text}"[:300]
        raise NotImplementedError("An SMS gateway adapter goes here.")


class EmailChannel:
    code = "email"

    def send(self, *, notice: Notice, customer: Customer) -> tuple[str, str]:
        address = str(customer.extra.get("email", ""))
        logger.info(
            "E-mail not configured; would send %r to customer %s", notice.title, customer.pk
        )
        return (
            NoticeDelivery.Status.LOGGED,
            f"{'***@' + address.split('@')[-1] if address else '-'}: {notice.title}"[:300],
        )


CHANNELS: dict[str, DeliveryChannel] = {
    c.code: c for c in (InAppChannel(), SmsChannel(), EmailChannel())
}


def channels_for(customer: Customer) -> list[str]:
    """Every customer sees notices in-app; those with a mobile phone get an SMS, those
    with an e-mail address (an extension field) an e-mail."""
    codes = ["in_app"]
    if MOBILE.match(customer.phone or "") or MOBILE.match(customer.phone_alt or ""):
        codes.append("sms")
    if customer.extra.get("email"):
        codes.append("email")
    return codes
