"""What the work-queue page shows of each request, prepared in one pass.

An agent keeps the queue open all day and reloads it after every request, so its rows are
read as plain values (no model instances) and turned into the strings the page prints
here, once per row: the template then only places them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from gridcrm.service.models import RequestType, ServiceRequest, request_number
from gridcrm.service.selectors import COUNT_CAP
from gridcrm.service.templatetags.service_tags import duration, role_label, urgency

QUEUE_SIZE = 50

# Any number the URL patterns accept: it marks where a row's id goes.
_PLACEHOLDER = 2**31 - 1


@dataclass
class QueuePage:
    """One page of a queue; the total is exact up to COUNT_CAP, then "more than"."""

    object_list: list[dict[str, Any]]
    number: int
    total: int
    more: bool

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP


def _url_for_rows(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for many rows: the pattern is resolved once."""
    head, _, tail = reverse(name, args=[_PLACEHOLDER]).rpartition(str(_PLACEHOLDER))
    return lambda pk: f"{head}{pk}{tail}"


def queue_rows(
    rows: QuerySet[ServiceRequest], *, now: dt.datetime, offset: int, limit: int
) -> list[dict[str, Any]]:
    """One page of ``rows`` (a ``work_queue``) as the strings the queue page prints."""
    type_name = f"request_type__{RequestType.name_field()}"
    values = rows.values(
        "pk",
        "priority",
        "escalation_level",
        "decision",
        "current_role",
        "step_due_at",
        "customer__account_no",
        "customer__name",
        "region__name",
        "assignee__username",
        "assignee__full_name",
        type_name,
    )[offset : offset + limit]
    detail_url = _url_for_rows("service:request_detail")
    take_url = _url_for_rows("service:request_take")
    roles: dict[str, str] = {}
    page = []
    for v in values:
        pk = v["pk"]
        left = v["step_due_at"] - now if v["step_due_at"] else None
        role = v["current_role"]
        if role not in roles:
            roles[role] = role_label(role)
        taken_by = v["assignee__full_name"] or v["assignee__username"] or ""
        page.append(
            {
                "pk": pk,
                "number": request_number(pk),
                "url": detail_url(pk),
                "take_url": "" if taken_by else take_url(pk),
                "priority": v["priority"],
                "escalation_level": v["escalation_level"],
                "reasons": "; ".join(str(r) for r in (v["decision"] or {}).get("reasons", [])),
                "type": v[type_name],
                "account_no": v["customer__account_no"],
                "customer": v["customer__name"],
                "region": v["region__name"],
                "role": roles[role],
                "left": duration(left),
                "urgency": urgency(left),
                "taken_by": taken_by,
            }
        )
    return page
