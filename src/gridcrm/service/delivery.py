"""Sending: the sweep that carries due notice deliveries out through their channels, with
retries, quiet hours and idempotency, and the one-off messages (login codes) that are not
notices.

How a delivery cannot go out twice:

1. the sweep *claims* a row with a conditional UPDATE (``scheduled`` → ``sending``, only
   if nobody changed it since it was read) and writes the attempt row, and commits that
   before it sends; a second sweep running at the same time finds nothing to claim;
2. every try of a delivery sends the same idempotency key, and the gateway drops a key
   it has already taken;
3. a crash between sending and recording leaves the row ``sending``; after
   ``CLAIM_LEASE`` the sweep claims it again and sends it again with the same key, so
   the provider keeps the first and the customer gets one message.

A failed try is retried with exponential backoff (``GRIDCRM_DELIVERY_BACKOFF_SECONDS``,
doubled each time) until ``GRIDCRM_DELIVERY_MAX_ATTEMPTS``; then the delivery is failed
with the last reason. A failure no retry can change (no configuration, a refused
recipient) fails at once."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.service import events
from gridcrm.service.channels import CHANNELS, DeliveryChannel
from gridcrm.service.errors import CallbackRefused, ChannelFailed, DeliveryNotFound, InvalidInput
from gridcrm.service.models import ChannelPreference, DeliveryAttempt, Notice, NoticeDelivery
from gridcrm.service.transports import NOT_CONFIGURED, Message, Outcome
from gridcrm.service.transports.gateway import gateway_config, verify

if TYPE_CHECKING:
    from gridcrm.users.models import User

# How long a claimed row may stay "sending" before a later sweep takes it for crashed.
CLAIM_LEASE = dt.timedelta(minutes=10)
QUIET_START = dt.time(22, 0)
QUIET_END = dt.time(8, 0)
# Runs of four or more digits in a one-off message are codes: the log never keeps them.
_CODE = re.compile(r"\d{4,}")

Status = NoticeDelivery.Status
# The channels whose provider reports back through the signed callback.
GATEWAY_CHANNELS = ("sms", "wechat")


def quiet_until(
    now: dt.datetime, *, start: dt.time = QUIET_START, end: dt.time = QUIET_END
) -> dt.datetime | None:
    """The end of the quiet hours ``now`` falls in (local time), or ``None`` outside them.
    Quiet hours may run over midnight (22:00–08:00); equal start and end mean none."""
    local = timezone.localtime(now)
    t = local.time()
    if start == end:
        return None
    if start > end:
        if t >= start:
            day = local.date() + dt.timedelta(days=1)
        elif t < end:
            day = local.date()
        else:
            return None
    elif start <= t < end:
        day = local.date()
    else:
        return None
    return dt.datetime.combine(day, end, tzinfo=local.tzinfo)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: the base, doubled each time."""
    base = int(getattr(settings, "GRIDCRM_DELIVERY_BACKOFF_SECONDS", 60))
    return dt.timedelta(seconds=base * 2 ** max(attempts - 1, 0))


def _max_attempts() -> int:
    return int(getattr(settings, "GRIDCRM_DELIVERY_MAX_ATTEMPTS", 5))


def deliveries_send_due(
    *,
    now: dt.datetime | None = None,
    notice: Notice | None = None,
    limit: int = 5000,
    channels: tuple[str, ...] | None = None,
) -> int:
    """Send the deliveries whose time (or next try) has come, and those a crashed sweep
    left claimed; returns how many were sent, failed or retried. Safe to run again at
    any time and beside another sweep."""
    now = now or timezone.now()
    waiting = Q(status=Status.SCHEDULED, send_at__lte=now) & (
        Q(next_try_at__isnull=True) | Q(next_try_at__lte=now)
    )
    stranded = Q(status=Status.SENDING, claimed_at__lte=now - CLAIM_LEASE)
    due = NoticeDelivery.objects.filter(
        waiting | stranded, notice__status=Notice.Status.PUBLISHED
    ).select_related("notice", "customer")
    if notice is not None:
        due = due.filter(notice=notice)
    if channels is not None:
        due = due.filter(channel__in=channels)
    rows = list(due.order_by("send_at", "pk")[:limit])
    inbox = [d for d in rows if d.channel == "in_app" and d.status == Status.SCHEDULED]
    handled = _deliver_to_inbox(inbox, now=now) if inbox else 0
    rest = [d for d in rows if not (d.channel == "in_app" and d.status == Status.SCHEDULED)]
    preferences = ChannelPreference.objects.in_bulk({d.customer_id for d in rest})
    for delivery in rest:
        handled += _deliver(delivery, preferences.get(delivery.customer_id), now=now)
    return handled


def _deliver_to_inbox(rows: list[NoticeDelivery], *, now: dt.datetime) -> int:
    """In-app deliveries need no transport: a batch is claimed, marked sent and logged in
    one transaction (an outage notice for a whole station is thousands of rows). Rows
    another sweep changed meanwhile are left to it."""
    with transaction.atomic():
        claimed = set(
            NoticeDelivery.objects.select_for_update()
            .filter(pk__in=[d.pk for d in rows], status=Status.SCHEDULED)
            .values_list("pk", flat=True)
        )
        NoticeDelivery.objects.filter(pk__in=claimed).update(
            status=Status.SENT, sent_at=now, claimed_at=now, attempts=F("attempts") + 1
        )
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(
                delivery=d,
                channel=d.channel,
                purpose="notice",
                recipient="portal",
                text=d.notice.title[:500],
                idempotency_key=d.idempotency_key,
                number=d.attempts + 1,
                status=DeliveryAttempt.Status.SENT,
                reason="portal",
                started_at=now,
                finished_at=now,
            )
            for d in rows
            if d.pk in claimed
        )
    return len(claimed)


def _deliver(
    delivery: NoticeDelivery, preference: ChannelPreference | None, *, now: dt.datetime
) -> int:
    channel = CHANNELS[delivery.channel]
    if channel.keeps_quiet_hours and not delivery.notice.emergency:
        start = preference.quiet_start if preference else QUIET_START
        end = preference.quiet_end if preference else QUIET_END
        until = quiet_until(now, start=start, end=end)
        if until is not None and delivery.status == Status.SCHEDULED:
            # Postponed, not tried: the log shows the next try and no attempt is used up.
            NoticeDelivery.objects.filter(pk=delivery.pk, status=Status.SCHEDULED).update(
                next_try_at=until
            )
            return 0
    address = channel.address(customer=delivery.customer, preference=preference)
    attempt = _claim(delivery, channel, address, now=now)
    if attempt is None:
        return 0
    if not channel.configured():
        outcome = Outcome(ok=False, reason=str(NOT_CONFIGURED), retry=False)
    elif not address:
        outcome = Outcome(ok=False, reason=_("no address for this channel"), retry=False)
    else:
        message = channel.compose(notice=delivery.notice, to=address, key=delivery.idempotency_key)
        try:
            outcome = channel.send(message)
        except Exception as exc:  # a broken transport must not stop the other deliveries
            outcome = Outcome(ok=False, reason=f"{type(exc).__name__}: {exc}"[:300])
    _record(delivery, attempt, outcome, now=now)
    return 1


def _claim(
    delivery: NoticeDelivery, channel: DeliveryChannel, address: str, *, now: dt.datetime
) -> DeliveryAttempt | None:
    """Take the row for this sweep and log the try, committed before anything is sent;
    ``None`` when another sweep took it first."""
    with transaction.atomic():
        claimed = NoticeDelivery.objects.filter(
            pk=delivery.pk,
            status=delivery.status,
            attempts=delivery.attempts,
            claimed_at=delivery.claimed_at,
        ).update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        if not claimed:
            return None
        delivery.attempts += 1
        delivery.claimed_at = now
        return DeliveryAttempt.objects.create(
            delivery=delivery,
            channel=delivery.channel,
            purpose="notice",
            recipient=channel.masked(address),
            text=delivery.notice.title[:500],
            idempotency_key=delivery.idempotency_key,
            number=delivery.attempts,
            started_at=now,
        )


def _record(
    delivery: NoticeDelivery, attempt: DeliveryAttempt, outcome: Outcome, *, now: dt.datetime
) -> None:
    """Write what the try did: sent, retry later, or failed for good."""
    fields: dict[str, object]
    if outcome.ok:
        fields = {"status": Status.SENT, "sent_at": now, "next_try_at": None}
    elif outcome.retry and delivery.attempts < _max_attempts():
        fields = {"status": Status.SCHEDULED, "next_try_at": now + backoff(delivery.attempts)}
    else:
        fields = {"status": Status.FAILED, "next_try_at": None}
    reason = outcome.reason
    # The first try keeps the note written when the delivery was scheduled (late, …).
    note = delivery.detail if delivery.attempts == 1 else ""
    with transaction.atomic():
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(
            status=DeliveryAttempt.Status.SENT if outcome.ok else DeliveryAttempt.Status.FAILED,
            reason=reason[:300],
            provider_ref=outcome.provider_ref,
            finished_at=now,
        )
        detail = " · ".join(d for d in (note, reason) if d)
        NoticeDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING, claimed_at=now).update(
            detail=detail[:300], **fields
        )


def redact(text: str) -> str:
    """The text as the log keeps it: every run of four or more digits starred."""
    return _CODE.sub(lambda m: "*" * len(m.group()), text)


def message_send_now(
    *,
    channel: str,
    to: str,
    text: str,
    purpose: str,
    idempotency_key: str,
    acting_user: User | None = None,
) -> DeliveryAttempt:
    """Send a one-off message that is not a notice (a login or registration code) at
    once, quiet hours or not, and log it with the code starred and the recipient masked.

    A key already sent is not sent again: its attempt is returned. A failure is logged
    and raised as ``ChannelFailed`` (``service.channel_failed``); call this outside a
    transaction that the failure would roll back, or the log of the try goes with it."""
    chosen = CHANNELS.get(channel)
    if chosen is None or channel == "in_app":
        raise InvalidInput(fields={"channel": _("Choose SMS, WeChat or e-mail.")})
    if not to.strip() or not idempotency_key.strip():
        raise InvalidInput(fields={"to": _("Say whom to send the message to.")})
    done = DeliveryAttempt.objects.filter(
        delivery__isnull=True,
        idempotency_key=idempotency_key,
        status__in=[DeliveryAttempt.Status.SENT, DeliveryAttempt.Status.DELIVERED],
    ).first()
    if done is not None:
        return done
    now = timezone.now()
    attempt = DeliveryAttempt.objects.create(
        channel=channel,
        purpose=purpose[:40],
        recipient=chosen.masked(to),
        text=redact(text)[:500],
        idempotency_key=idempotency_key[:120],
        number=DeliveryAttempt.objects.filter(idempotency_key=idempotency_key).count() + 1,
        started_at=now,
    )
    if not chosen.configured():
        outcome = Outcome(ok=False, reason=str(NOT_CONFIGURED), retry=False)
    else:
        message = Message(
            channel=channel, to=to, text=text, subject=text[:60], idempotency_key=idempotency_key
        )
        try:
            outcome = chosen.send(message)
        except Exception as exc:  # reported to the caller as the domain error below
            outcome = Outcome(ok=False, reason=f"{type(exc).__name__}: {exc}"[:300])
    with transaction.atomic():
        attempt.status = (
            DeliveryAttempt.Status.SENT if outcome.ok else DeliveryAttempt.Status.FAILED
        )
        attempt.reason = outcome.reason[:300]
        attempt.provider_ref = outcome.provider_ref
        attempt.finished_at = timezone.now()
        attempt.save(update_fields=["status", "reason", "provider_ref", "finished_at"])
        events.message_sent(attempt=attempt, acting_user=acting_user)
    if not outcome.ok:
        raise ChannelFailed(
            _("The message could not be sent: %(reason)s") % {"reason": outcome.reason}
        )
    return attempt


_REPORTED = {"delivered": DeliveryAttempt.Status.DELIVERED, "failed": DeliveryAttempt.Status.FAILED}


def delivery_callback(
    *, channel: str, body: bytes, timestamp: str, signature: str
) -> DeliveryAttempt:
    """The provider's report on a message it took: ``{"idempotency_key", "status":
    "delivered" | "failed", "reason"}``, signed with the channel's shared secret like the
    messages we send. Marks the last try of that key, and the notice delivery it belongs
    to, delivered or failed (a provider's failure is final: a wrong number stays wrong).

    Refused (``service.callback_refused``, changing nothing) without a valid signature or
    with a timestamp outside ``GRIDCRM_CALLBACK_WINDOW``; ``service.delivery_not_found``
    for a key never sent; ``service.invalid_input`` for a body that says nothing known."""
    config = gateway_config(channel) if channel in GATEWAY_CHANNELS else None
    window = int(getattr(settings, "GRIDCRM_CALLBACK_WINDOW", 300))
    if config is None or not verify(
        secret=config.secret, timestamp=timestamp, body=body, signature=signature, window=window
    ):
        raise CallbackRefused(_("The callback's signature is missing, wrong or too old."))
    try:
        report = json.loads(body.decode("utf-8"))
        key = str(report["idempotency_key"])
        status = _REPORTED[str(report["status"])]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(
            fields={"status": _("Say which message and whether it was delivered or failed.")}
        ) from exc
    reason = str(report.get("reason", "") or "")[:300]
    now = timezone.now()
    with transaction.atomic():
        attempt = (
            DeliveryAttempt.objects.select_for_update()
            .filter(channel=channel, idempotency_key=key)
            .order_by("-number", "-pk")
            .first()
        )
        if attempt is None:
            raise DeliveryNotFound(_("No message was sent with this key."))
        attempt.status = status
        attempt.reason = reason or attempt.reason
        attempt.finished_at = attempt.finished_at or now
        attempt.save(update_fields=["status", "reason", "finished_at"])
        if attempt.delivery_id is not None:
            delivered = status == DeliveryAttempt.Status.DELIVERED
            NoticeDelivery.objects.filter(
                pk=attempt.delivery_id, status__in=[Status.SENT, Status.SENDING, Status.DELIVERED]
            ).update(
                status=Status.DELIVERED if delivered else Status.FAILED,
                delivered_at=now if delivered else None,
                detail=reason[:300],
            )
    return attempt
