"""SMS and WeChat template messages through an HTTP gateway (the provider's, or a small
relay in front of it).

The request: ``POST <url>`` with a JSON body ``{"channel", "to", "text", "sign_name",
"template_id", "fields", "idempotency_key"}`` and the headers ``X-GridCRM-Timestamp``
(Unix seconds), ``X-GridCRM-Signature`` (hex HMAC-SHA256 of ``"<timestamp>." + body``
with the shared secret) and ``Idempotency-Key``. A 2xx answer is taken; its JSON may
name the provider's ``id``. A 4xx answer (other than 408 and 429) is a refusal that no
retry will change; anything else — 5xx, a timeout, no connection — may pass later.

The provider reports the fate of each message to the delivery callback, signed the same
way (``verify``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from gridcrm.service.transports import Message, Outcome

TIMESTAMP_HEADER = "X-GridCRM-Timestamp"
SIGNATURE_HEADER = "X-GridCRM-Signature"


@dataclass(frozen=True)
class GatewayConfig:
    url: str
    secret: str
    sign_name: str = ""
    template_id: str = ""
    timeout: float = 10.0


def gateway_config(channel: str) -> GatewayConfig:
    """The gateway settings of ``sms`` or ``wechat`` (``GRIDCRM_SMS_GATEWAY_URL`` …)."""
    prefix = f"GRIDCRM_{channel.upper()}_"
    return GatewayConfig(
        url=getattr(settings, f"{prefix}GATEWAY_URL", ""),
        secret=getattr(settings, f"{prefix}GATEWAY_SECRET", ""),
        sign_name=getattr(settings, f"{prefix}SIGN_NAME", ""),
        template_id=getattr(settings, f"{prefix}TEMPLATE_ID", ""),
        timeout=float(getattr(settings, "GRIDCRM_GATEWAY_TIMEOUT", 10)),
    )


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>." + body``."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(*, secret: str, timestamp: str, body: bytes, signature: str, window: int) -> bool:
    """Whether a signed request is genuine and fresh: the signature matches (compared in
    constant time) and the timestamp is within ``window`` seconds of now, so a captured
    request cannot be replayed later."""
    if not secret or not timestamp.isdigit():
        return False
    if abs(time.time() - int(timestamp)) > window:
        return False
    return hmac.compare_digest(sign(secret=secret, timestamp=timestamp, body=body), signature)


class GatewayTransport:
    def __init__(self, channel: str) -> None:
        self.channel = channel

    def configured(self) -> bool:
        config = gateway_config(self.channel)
        return bool(config.url and config.secret)

    def send(self, message: Message) -> Outcome:
        config = gateway_config(self.channel)
        body = json.dumps(
            {
                "channel": self.channel,
                "to": message.to,
                "text": message.text,
                "sign_name": config.sign_name,
                "template_id": config.template_id,
                "fields": message.fields,
                "idempotency_key": message.idempotency_key,
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            config.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(secret=config.secret, timestamp=timestamp, body=body),
                "Idempotency-Key": message.idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=config.timeout) as response:  # noqa: S310
                answer = response.read()
        except urllib.error.HTTPError as exc:
            permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
            return Outcome(ok=False, reason=f"gateway answered {exc.code}", retry=not permanent)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            return Outcome(ok=False, reason=f"gateway unreachable: {reason}"[:300])
        return Outcome(ok=True, provider_ref=_provider_id(answer))


def _provider_id(answer: bytes) -> str:
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        return ""
    return str(data.get("id", ""))[:120] if isinstance(data, dict) else ""
