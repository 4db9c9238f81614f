"""The satisfaction report: customers' ratings of their closed requests (回访 from the
portal), by request type and channel, over the requests the reader may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Avg, Count, QuerySet
from django.utils.translation import get_language

from gridcrm.service.models import ServiceRequest
from gridcrm.service.selectors import requests_visible_to

if TYPE_CHECKING:
    from gridcrm.users.models import User


@dataclass(frozen=True)
class RatingRow:
    type_name: str
    channel: str
    done: int
    rated: int
    average: float | None


def satisfaction_report(*, user: User, since: dt.datetime) -> list[RatingRow]:
    """Per request type and channel: requests done since ``since``, how many the customer
    rated, and the average rating."""
    rows = (
        requests_visible_to(user=user)
        .filter(status=ServiceRequest.Status.DONE, closed_at__gte=since)
        .values("request_type__name_zh", "request_type__name_en", "channel")
        .annotate(done=Count("pk"), rated=Count("rating"), average=Avg("rating"))
        .order_by("request_type__name_zh", "channel")
    )

    zh = (get_language() or "zh").startswith("zh")
    return [
        RatingRow(
            type_name=r["request_type__name_zh"] if zh else r["request_type__name_en"],
            channel=r["channel"],
            done=r["done"],
            rated=r["rated"],
            average=r["average"],
        )
        for r in rows
    ]


def ratings_recent(*, user: User, limit: int = 50) -> QuerySet[ServiceRequest]:
    """The latest rated requests the reader may see, with their comments."""
    return (
        requests_visible_to(user=user)
        .filter(rating__isnull=False)
        .select_related("request_type", "customer")
        .order_by("-rated_at")[:limit]
    )
