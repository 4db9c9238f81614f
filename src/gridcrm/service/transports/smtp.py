"""E-mail through Django's SMTP backend, configured by the usual Django settings
(``EMAIL_HOST``, ``EMAIL_PORT``, ``EMAIL_HOST_USER``, ``EMAIL_HOST_PASSWORD``,
``EMAIL_USE_TLS``, ``DEFAULT_FROM_EMAIL``), each from the environment.

The SMTP backend is named here rather than taken from ``EMAIL_BACKEND``: the notices must
go out by SMTP even where the test runner swaps ``EMAIL_BACKEND`` for an in-memory box.
SMTP has no idempotency key; the message's ``Message-ID`` is derived from the key, so a
re-send after a crash carries the same id and mail clients show it once."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from gridcrm.service.transports import Message, Outcome

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


class SmtpTransport:
    def configured(self) -> bool:
        return bool(getattr(settings, "EMAIL_HOST", ""))

    def send(self, message: Message) -> Outcome:
        connection = get_connection(
            backend=SMTP_BACKEND,
            fail_silently=False,
            timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 10,
        )
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "gridcrm"
        message_id = f"<{message.idempotency_key}@{domain}>"
        mail = EmailMessage(
            subject=message.subject,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={"Message-ID": message_id, "X-Idempotency-Key": message.idempotency_key},
            connection=connection,
        )
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as exc:
            return Outcome(ok=False, reason=f"SMTP refused the recipient: {exc}"[:300], retry=False)
        except (smtplib.SMTPException, OSError) as exc:
            return Outcome(ok=False, reason=f"SMTP: {exc}"[:300])
        return Outcome(ok=True, provider_ref=message_id)
