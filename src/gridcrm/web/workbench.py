"""What waits for a person: the counts of their home page, by role.

Each role has a section of counts; each count is read through the owning app's
selectors (scoped to the user: ``customers_visible_to``, their region, their portfolio)
and links to the list that shows exactly the records counted. Counts stop at
``COUNT_CAP`` ("more than 1,000"): a home page must answer fast on a million customers.
A user holding several roles gets one section per role.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gridcrm.archive import selectors as archive
from gridcrm.credit import selectors as credit
from gridcrm.jobs import selectors as jobs
from gridcrm.keyaccounts import selectors as keyaccounts
from gridcrm.load import selectors as load
from gridcrm.service import selectors as service
from gridcrm.users.roles import Role
from gridcrm.users.selectors import user_roles
from gridcrm.web.paging import COUNT_CAP, capped_count

if TYPE_CHECKING:
    from gridcrm.users.models import User


@dataclass(frozen=True)
class Count:
    """One number on the home page and the list behind it. ``key`` names it for tests
    and styles; ``tone`` is "late" (past a limit), "soon" (near one) or ""."""

    key: str
    label: str | Promise
    n: int
    url: str
    tone: str = ""

    @property
    def capped(self) -> bool:
        return self.n > COUNT_CAP


@dataclass(frozen=True)
class Section:
    role: Role
    title: str | Promise
    counts: list[Count] = field(default_factory=list)


def _url(name: str, **query: str) -> str:
    base = reverse(name)
    return f"{base}?{urlencode(query)}" if query else base


def _queue(user: User, role: Role | None = None, **which: Any) -> int:
    return service.work_queue_size(user=user, role=role.value if role else None, **which)


def _queue_counts(user: User, role: Role) -> list[Count]:
    """The requests whose current step waits for ``role``: all, near the limit, late."""
    hours = service.DUE_SOON_HOURS
    return [
        Count(
            f"queue-{role.value}",
            _("Waiting in the queue"),
            _queue(user, role),
            _url("service:queue", role=role.value),
        ),
        Count(
            f"queue-{role.value}-soon",
            _("Time limit runs out within %(hours)s hours") % {"hours": hours},
            _queue(user, role, due="soon"),
            _url("service:queue", role=role.value, due="soon"),
            "soon",
        ),
        Count(
            f"queue-{role.value}-late",
            _("Past the time limit"),
            _queue(user, role, due="late"),
            _url("service:queue", role=role.value, due="late"),
            "late",
        ),
    ]


def _n(rows: QuerySet[Any] | list[Any]) -> int:
    return capped_count(rows)


def _agent(user: User, today: dt.date) -> Section:
    return Section(
        Role.SERVICE_AGENT,
        _("Service requests"),
        [
            *_queue_counts(user, Role.SERVICE_AGENT),
            Count(
                "queue-mine",
                _("Taken by me"),
                _queue(user, mine=True),
                _url("service:queue", view="mine"),
            ),
            Count(
                "feedback-due",
                _("Feedback calls due"),
                _n(keyaccounts.feedback_calls_due(user=user)),
                _url("keyaccounts:feedback"),
            ),
        ],
    )


def _collector(user: User, today: dt.date) -> Section:
    region = user.region.name if user.region is not None else ""
    return Section(
        Role.REGIONAL_COLLECTOR,
        _("Supply station %(region)s") % {"region": region} if region else _("Supply station"),
        [
            *_queue_counts(user, Role.REGIONAL_COLLECTOR),
            Count(
                "worklist",
                _("Customers missing tier-2 information"),
                _n(archive.tier2_worklist(user=user)),
                _url("archive:worklist"),
            ),
            Count(
                "customers",
                _("Customers of the station"),
                _n(archive.customers_visible_to(user=user)),
                _url("archive:customer_list"),
            ),
        ],
    )


def _key_account_manager(user: User, today: dt.date) -> Section:
    return Section(
        Role.KEY_ACCOUNT_MANAGER,
        _("Key accounts"),
        [
            Count(
                "visits-due",
                _("Visits overdue or due within 14 days"),
                _n(keyaccounts.visits_due(user=user, today=today)),
                _url("keyaccounts:portfolio", due="1"),
            ),
            Count(
                "reports-to-answer",
                _("Needs reports to answer"),
                _n(keyaccounts.reports_waiting_for(user=user)),
                _url("keyaccounts:reports", waiting="1"),
            ),
            Count(
                "account-plans",
                _("Account plans"),
                _n(keyaccounts.portfolio(user=user)),
                _url("keyaccounts:portfolio"),
            ),
            Count(
                "messages-unread",
                _("Unread fast-channel messages"),
                _n(keyaccounts.notifications_unread(user=user)),
                _url("keyaccounts:messages", unread="1"),
            ),
            Count(
                "feedback-due",
                _("Feedback calls due"),
                _n(keyaccounts.feedback_calls_due(user=user)),
                _url("keyaccounts:feedback"),
            ),
            *_queue_counts(user, Role.KEY_ACCOUNT_MANAGER)[:1],
        ],
    )


def _specialist(user: User, today: dt.date) -> Section:
    return Section(
        Role.BUSINESS_SPECIALIST,
        _("Needs to assess"),
        [
            Count(
                "reports-to-assess",
                _("Needs reports with needs to assess"),
                _n(keyaccounts.reports_waiting_for(user=user)),
                _url("keyaccounts:reports", waiting="1"),
            )
        ],
    )


def _archive_officer(user: User, today: dt.date) -> Section:
    return Section(
        Role.ARCHIVE_OFFICER,
        _("Customer archive"),
        [
            Count(
                "changes-to-decide",
                _("Change requests to approve"),
                _n(archive.change_requests_to_decide(user=user)),
                _url("archive:change_requests"),
            ),
            Count(
                "overrides-pending",
                _("Credit-grade overrides to approve"),
                _n(credit.overrides_pending(user=user)),
                _url("credit:overview") + "#overrides",
            ),
            Count(
                "jobs-unfinished",
                _("Imports and other jobs still running"),
                _n(jobs.jobs_unfinished(user=user)),
                _url("jobs:job_list", active="1"),
            ),
            Count(
                "worklist",
                _("Customers missing tier-2 information"),
                _n(archive.tier2_worklist(user=user)),
                _url("archive:worklist"),
            ),
        ],
    )


def _planner(user: User, today: dt.date) -> Section:
    return Section(
        Role.DEMAND_PLANNER,
        _("Orderly power use"),
        [
            Count(
                "plans-to-publish",
                _("Solved plans to publish"),
                _n(load.plans_to_publish(user=user)),
                _url("load:plans", show="to_publish"),
            ),
            Count(
                "plans-today",
                _("Plans with schedules today"),
                _n(load.plans_in_force(user=user, day=today)),
                _url("load:plans", show="today"),
            ),
        ],
    )


def _manager(user: User, today: dt.date) -> Section:
    return Section(
        Role.MARKETING_MANAGER,
        _("Decisions and the company's service"),
        [
            Count(
                "grace-pending",
                _("Payment grace requests to approve"),
                _n(service.grace_pending()),
                _url("service:grace"),
            ),
            Count(
                "overrides-pending",
                _("Credit-grade overrides to approve"),
                _n(credit.overrides_pending(user=user)),
                _url("credit:overview") + "#overrides",
            ),
            Count(
                "reviews-open",
                _("Credit review requests to answer"),
                _n(credit.reviews_open(user=user)),
                _url("credit:overview") + "#reviews",
            ),
            Count(
                "open-late",
                _("Open requests past the time limit, whole company"),
                _queue(user, all_open=True, due="late"),
                _url("service:queue", view="open", due="late"),
                "late",
            ),
            Count(
                "open-soon",
                _("Open requests near the time limit, whole company"),
                _queue(user, all_open=True, due="soon"),
                _url("service:queue", view="open", due="soon"),
                "soon",
            ),
            Count(
                "open-all",
                _("All open requests"),
                _queue(user, all_open=True),
                _url("service:queue", view="open"),
            ),
        ],
    )


_SECTIONS: dict[Role, Callable[[User, dt.date], Section]] = {
    Role.MARKETING_MANAGER: _manager,
    Role.SERVICE_AGENT: _agent,
    Role.REGIONAL_COLLECTOR: _collector,
    Role.KEY_ACCOUNT_MANAGER: _key_account_manager,
    Role.BUSINESS_SPECIALIST: _specialist,
    Role.ARCHIVE_OFFICER: _archive_officer,
    Role.DEMAND_PLANNER: _planner,
}


def workbench(*, user: User, today: dt.date | None = None) -> list[Section]:
    """The sections of the user's home page, one per role that has one, in the order of
    ``Role``; the counts within are scoped to the user."""
    today = today or timezone.localdate()
    roles = user_roles(user=user)
    return [_SECTIONS[role](user, today) for role in Role if role in roles and role in _SECTIONS]


def shows_segment_chart(*, user: User) -> bool:
    """The segment chart stays on the home page of managers and of users without a
    workbench section (administrators); the decision cockpit will replace it."""
    roles = user_roles(user=user)
    return Role.MARKETING_MANAGER in roles or not roles & set(_SECTIONS)
