"""The rows of the work-queue page, formatted in one pass.

An agent keeps the queue open all day and reloads it after every request: it is the most
read page of the application. Its rows are read as plain values (no model instances) and
each row is formatted from one string, every value escaped with the standard library's
``html.escape`` (which is what Django's ``escape`` calls): fifty rows then cost about a
tenth of what the template engine (or ``format_html``) spends resolving and escaping some
eighteen values per row. The rest of the page is the template ``service/queue.html``.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gridcrm.service.matrix import reasons_in
from gridcrm.service.models import RequestType, ServiceRequest, request_number
from gridcrm.service.selectors import COUNT_CAP, queue_customers
from gridcrm.service.templatetags.service_tags import duration, role_label, urgency

if TYPE_CHECKING:
    from gridcrm.users.models import User

QUEUE_SIZE = 50

# Any number the URL patterns accept: it marks where a row's id goes.
_PLACEHOLDER = 2**31 - 1


@dataclass
class QueuePage:
    """One page of a queue; the total is exact up to COUNT_CAP, then "more than"."""

    object_list: list[SafeString]
    number: int
    total: int
    more: bool

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP


def _url_for_rows(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for many rows: the pattern is resolved once."""
    head, _sep, tail = reverse(name, args=[_PLACEHOLDER]).rpartition(str(_PLACEHOLDER))
    return lambda pk: f"{head}{pk}{tail}"


# Every {field} is filled with an int or an escaped string (see queue_rows).
_ROW = (
    '<tr data-testid="queue-row-{pk}">'
    '<td><span class="prio prio-{priority}" title="{reasons}">P{priority}</span>{escalation}</td>'
    '<td><a href="{url}">{number}</a><br>{type}</td>'
    '<td>{account_no}<br>{customer}<br><span class="muted">{region}</span></td>'
    "<td>{role}</td>"
    '<td class="{urgency}">{left}</td>'
    "<td>{taken_by}</td>"
    "<td>{take}</td>"
    "</tr>"
)
_ESCALATION = ' <span class="badge" title="{}">↑{}</span>'
# Inside the page's one form (its CSRF token): each button posts to its request's URL.
_TAKE = '<button type="submit" formaction="{}" class="small" data-testid="take-{}">{}</button>'


def _e(value: object) -> str:
    return html.escape(str(value))


def queue_rows(
    rows: QuerySet[ServiceRequest],
    *,
    user: User,
    now: dt.datetime,
    offset: int,
    limit: int,
) -> list[SafeString]:
    """One page of ``rows`` (the ``work_queue`` of ``user``) as the table rows of the
    queue page."""
    type_name = f"request_type__{RequestType.name_field()}"
    values = list(
        rows.values(
            "pk",
            "priority",
            "escalation_level",
            "decision",
            "current_role",
            "step_due_at",
            "customer_id",
            "region__name",
            "assignee__username",
            "assignee__full_name",
            type_name,
        )[offset : offset + limit]
    )
    customers = queue_customers(user=user, ids=(v["customer_id"] for v in values))
    detail_url = _url_for_rows("service:request_detail")
    take_url = _url_for_rows("service:request_take")
    escalated, take = _e(_("Escalated")), _e(_("Take"))
    roles: dict[str, str] = {}
    page = []
    for v in values:
        pk = int(v["pk"])
        left = v["step_due_at"] - now if v["step_due_at"] else None
        role = v["current_role"]
        if role not in roles:
            roles[role] = _e(role_label(role))
        taken_by = v["assignee__full_name"] or v["assignee__username"]
        level = int(v["escalation_level"])
        account_no, customer = customers.get(v["customer_id"], ("", ""))
        row = _ROW.format(
            pk=pk,
            priority=int(v["priority"]),
            reasons=_e(pgettext("sentence separator", "; ").join(reasons_in(v["decision"]))),
            escalation=_ESCALATION.format(escalated, level) if level else "",
            url=_e(detail_url(pk)),
            number=_e(request_number(pk)),
            type=_e(v[type_name]),
            account_no=_e(account_no),
            customer=_e(customer),
            region=_e(v["region__name"]),
            role=roles[role],
            urgency=_e(urgency(left)),
            left=_e(duration(left)),
            taken_by=_e(taken_by or "—"),
            take="" if taken_by else _TAKE.format(_e(take_url(pk)), pk, take),
        )
        page.append(mark_safe(row))  # noqa: S308 - every value above is an int or escaped
    return page
