"""Reads of the channels: which are configured, a customer's preferences, and per notice
the delivery and read rates and the log of every try, for the staff who write notices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from gridcrm.service.channels import CHANNELS
from gridcrm.service.models import ChannelPreference, DeliveryAttempt, NoticeDelivery
from gridcrm.service.selectors import notice_deliveries_visible_to

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gridcrm.archive.models import Customer
    from gridcrm.service.models import Notice
    from gridcrm.users.models import User

Status = NoticeDelivery.Status


def channels_configured() -> dict[str, bool]:
    """Each channel and whether its transport has the configuration it needs."""
    return {code: channel.configured() for code, channel in CHANNELS.items()}


def channel_preferences_get(*, customer: Customer) -> ChannelPreference | None:
    """The customer's preferences, ``None`` for the defaults (the caller checked scope)."""
    return ChannelPreference.objects.filter(customer=customer).first()


@dataclass(frozen=True)
class ChannelRate:
    """One channel's deliveries of a notice. ``reached``: handed over (sent) or confirmed
    (delivered); in-app counts as reached when it is in the inbox. ``read`` only in-app."""

    channel: str
    total: int
    waiting: int
    reached: int
    delivered: int
    failed: int
    read: int

    @property
    def delivery_rate(self) -> float | None:
        done = self.reached + self.failed
        return self.reached / done if done else None

    @property
    def read_rate(self) -> float | None:
        return self.read / self.reached if self.channel == "in_app" and self.reached else None


def notice_delivery_rates(*, user: User | AnonymousUser, notice: Notice) -> list[ChannelRate]:
    """Per channel, how the notice's deliveries to the customers ``user`` may see went;
    roles that do not write notices are refused (``service.deliveries_refused``)."""
    rows = (
        notice_deliveries_visible_to(user=user, notice=notice)
        .exclude(status=Status.CANCELLED)
        .values("channel")
        .annotate(
            total=Count("pk"),
            waiting=Count("pk", filter=Q(status__in=[Status.SCHEDULED, Status.SENDING])),
            reached=Count("pk", filter=Q(status__in=[Status.SENT, Status.DELIVERED])),
            delivered=Count("pk", filter=Q(status=Status.DELIVERED)),
            failed=Count("pk", filter=Q(status__in=[Status.FAILED, Status.LOGGED])),
            read=Count("pk", filter=Q(read_at__isnull=False)),
        )
        .order_by("channel")
    )
    return [ChannelRate(**row) for row in rows]


def notice_attempts_visible_to(
    *, user: User | AnonymousUser, notice: Notice
) -> QuerySet[DeliveryAttempt]:
    """Every try to send the notice to the customers ``user`` may see, newest first."""
    deliveries = notice_deliveries_visible_to(user=user, notice=notice)
    return DeliveryAttempt.objects.filter(delivery__in=deliveries.values("pk")).order_by(
        "-started_at", "-pk"
    )
