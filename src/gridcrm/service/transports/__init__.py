"""The transports behind the delivery channels: what actually carries a message out of
GridCRM. ``smtp`` sends e-mail through Django's SMTP backend; ``gateway`` posts SMS and
WeChat template messages to an HTTP gateway, signed with HMAC-SHA256.

A transport takes one ``Message`` and answers one ``Outcome``; it never raises for a
failure of the far side (the sweep records the outcome and decides on a retry). Its
configuration is read from Django settings at send time, so each comes from the
environment like every other setting (see ``gridcrm.settings``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.utils.translation import gettext_lazy as _

# The reason a delivery through a channel without configuration fails, as the log says.
NOT_CONFIGURED = _("channel not configured")


@dataclass(frozen=True)
class Message:
    """One message to one recipient. ``idempotency_key`` is the same for every try of the
    same message: the provider keeps the first and drops a repeat."""

    channel: str
    to: str
    text: str
    idempotency_key: str
    subject: str = ""
    # WeChat template messages fill named fields instead of free text.
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What a transport could do. ``retry`` says whether a later try might succeed (a
    gateway that is down) or not (a rejected recipient, a channel without configuration).
    """

    ok: bool
    reason: str = ""
    provider_ref: str = ""
    retry: bool = True


class Transport(Protocol):
    def configured(self) -> bool:
        """Whether the settings this transport needs are present."""
        ...

    def send(self, message: Message) -> Outcome:
        """Hand the message to the far side; a failure is an ``Outcome``, not an error."""
        ...
