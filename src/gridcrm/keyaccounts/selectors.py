"""Reads of key accounts, always for a user: every list and page starts here.

- marketing managers, administrators and superusers see the whole roster and every need;
- a key-account manager sees the accounts they manage or back up, their reports and needs;
- a business specialist sees the roster (to mine latent needs), the needs reports sent to
  them, and the needs of those reports or that they added;
- anyone else sees nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customers_visible_to
from gridcrm.keyaccounts.errors import AccountNotFound, NotAllowed
from gridcrm.keyaccounts.models import (
    FeedbackCall,
    KeyAccount,
    Need,
    NeedsReport,
    Notification,
    Stage,
    Visit,
)
from gridcrm.keyaccounts.roster import VISIT_INTERVAL_DAYS
from gridcrm.service.selectors import fast_channel_requests_on_last_step
from gridcrm.users.roles import Role
from gridcrm.users.selectors import user_roles, users_with_role

if TYPE_CHECKING:
    from gridcrm.service.models import ServiceRequest
    from gridcrm.users.models import User

WHOLE_ROSTER_ROLES = frozenset({Role.MARKETING_MANAGER, Role.ADMINISTRATOR})
DUE_SOON_DAYS = 14


def _roles(user: User | AnonymousUser) -> frozenset[Role]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    return user_roles(user=user)


def _sees_all(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser) or bool(
        _roles(user) & WHOLE_ROSTER_ROLES
    )


def keyaccounts_visible_to(*, user: User | AnonymousUser) -> QuerySet[KeyAccount]:
    """The key accounts this user may open (including those no longer on the roster)."""
    accounts = KeyAccount.objects.select_related(
        "customer", "customer__region", "manager", "backup_manager", "group"
    )
    if _sees_all(user):
        return accounts
    roles = _roles(user)
    scope = Q(pk__in=[])
    if Role.KEY_ACCOUNT_MANAGER in roles:
        scope |= Q(manager=user) | Q(backup_manager=user)
    if Role.BUSINESS_SPECIALIST in roles:
        scope |= Q(active=True)
    return accounts.filter(scope)


def portfolio(*, user: User | AnonymousUser) -> QuerySet[KeyAccount]:
    """Active accounts a manager looks after (own and as backup); all for the roster roles."""
    accounts = keyaccounts_visible_to(user=user).filter(active=True)
    if _sees_all(user) or Role.KEY_ACCOUNT_MANAGER not in _roles(user):
        return accounts
    return accounts.filter(Q(manager=user) | Q(backup_manager=user))


def keyaccount_get(*, user: User | AnonymousUser, account_no: str) -> KeyAccount | None:
    """One visible key account by the customer's account number; ``None`` when out of scope."""
    return keyaccounts_visible_to(user=user).filter(customer__account_no=account_no).first()


def may_view_keyaccounts(*, user: User | AnonymousUser) -> bool:
    """Whether the user may open the key-account pages at all."""
    return user.is_active and user.has_perm("keyaccounts.view_keyaccount")


def viewer_require(*, user: User | AnonymousUser) -> None:
    """``NotAllowed`` (``keyaccounts.not_a_viewer``) unless the user may see key accounts."""
    if not may_view_keyaccounts(user=user):
        raise NotAllowed(_("Your role may not see key accounts."), code="keyaccounts.not_a_viewer")


def screener_require(*, user: User | AnonymousUser) -> None:
    """``NotAllowed`` unless the user may screen needs and mine latent ones."""
    if not user.has_perm("keyaccounts.screen_needs"):
        raise NotAllowed(
            _("Only business specialists see latent-need suggestions."),
            code="keyaccounts.specialists_only",
        )


def keyaccount_get_visible(*, user: User | AnonymousUser, account_no: str) -> KeyAccount:
    """One key account the user may open, by the customer's account number: ``NotAllowed``
    for a user who may see no key account, ``AccountNotFound`` when absent or out of scope
    (the two look alike)."""
    viewer_require(user=user)
    account = keyaccount_get(user=user, account_no=account_no)
    if account is None:
        raise AccountNotFound(
            _("No key account with account number %(account_no)s.") % {"account_no": account_no},
            code="keyaccounts.account_not_found",
        )
    return account


def need_get_visible(*, user: User | AnonymousUser, need_id: int) -> Need:
    """One need the user may see; ``NotAllowed`` / ``AccountNotFound`` as for accounts."""
    viewer_require(user=user)
    need = needs_visible_to(user=user).filter(pk=need_id).first()
    if need is None:
        raise AccountNotFound(_("No such need."), code="keyaccounts.need_not_found")
    return need


def reports_visible_to(*, user: User | AnonymousUser) -> QuerySet[NeedsReport]:
    reports = NeedsReport.objects.select_related(
        "key_account__customer", "author", "specialist", "visit"
    )
    if _sees_all(user):
        return reports
    roles = _roles(user)
    scope = Q(pk__in=[])
    if Role.KEY_ACCOUNT_MANAGER in roles:
        scope |= Q(key_account__manager=user) | Q(key_account__backup_manager=user)
    if Role.BUSINESS_SPECIALIST in roles:
        scope |= Q(specialist=user)
    return reports.filter(scope)


def needs_visible_to(*, user: User | AnonymousUser) -> QuerySet[Need]:
    needs = Need.objects.select_related("key_account__customer", "owner", "report")
    if _sees_all(user):
        return needs
    roles = _roles(user)
    scope = Q(pk__in=[])
    if Role.KEY_ACCOUNT_MANAGER in roles:
        scope |= Q(key_account__manager=user) | Q(key_account__backup_manager=user)
    if Role.BUSINESS_SPECIALIST in roles:
        scope |= Q(report__specialist=user) | Q(created_by=user) | Q(owner=user)
    return needs.filter(scope)


# Needs that wait for a role's move: a specialist screens reported needs; a manager
# proposes analysed ones to the customer and records the customer's answer.
_WAITING_STAGES: dict[Role, tuple[str, ...]] = {
    Role.BUSINESS_SPECIALIST: (Stage.REPORTED,),
    Role.KEY_ACCOUNT_MANAGER: (Stage.ANALYSED, Stage.PROPOSED),
}


def reports_waiting_for(*, user: User | AnonymousUser) -> QuerySet[NeedsReport]:
    """The visible needs reports with a need waiting for this user's move: for a business
    specialist a reported need to assess, for a key-account manager an analysed or
    proposed need to raise with the customer or to record the answer of."""
    roles = _roles(user)
    stages = sorted({s for role in roles for s in _WAITING_STAGES.get(role, ())})
    waiting = Need.objects.filter(report=OuterRef("pk"), stage__in=stages)
    return reports_visible_to(user=user).filter(Exists(waiting))


def notifications_unread(*, user: User | AnonymousUser) -> QuerySet[Notification]:
    """The user's fast-channel messages not yet read, newest first."""
    return notifications_of(user=user).filter(read_at__isnull=True)


@dataclass(frozen=True)
class VisitDue:
    account: KeyAccount
    last_visit: dt.date | None
    due_on: dt.date
    status: str  # "overdue", "due" (within DUE_SOON_DAYS) or "ok"


def interval_days(account: KeyAccount) -> int:
    return account.visit_interval_days or VISIT_INTERVAL_DAYS[account.tier]


def _due(account: KeyAccount, last: dt.date | None, today: dt.date) -> VisitDue:
    start = last or timezone.localtime(account.created_at).date()
    due_on = start + dt.timedelta(days=interval_days(account)) if last else start
    if due_on < today:
        status = "overdue"
    elif due_on <= today + dt.timedelta(days=DUE_SOON_DAYS):
        status = "due"
    else:
        status = "ok"
    return VisitDue(account=account, last_visit=last, due_on=due_on, status=status)


def visit_calendar(*, user: User | AnonymousUser, today: dt.date) -> list[VisitDue]:
    """Each account of the user's portfolio with its next visit date, most urgent first.

    An account never visited is due on the day it joined the roster.
    """
    rows = [
        _due(account, account.last, today)
        for account in portfolio(user=user).annotate(last=Max("visits__visited_on"))
    ]
    return sorted(rows, key=lambda r: (r.due_on, r.account.customer.account_no))


def visits_due(*, user: User | AnonymousUser, today: dt.date) -> list[VisitDue]:
    """The accounts of ``visit_calendar`` whose visit is overdue or due within
    ``DUE_SOON_DAYS``, most urgent first."""
    return [r for r in visit_calendar(user=user, today=today) if r.status != "ok"]


def visit_due(*, account: KeyAccount, today: dt.date) -> VisitDue:
    """One account's next visit."""
    last = account.visits.aggregate(last=Max("visited_on"))["last"]
    return _due(account, last, today)


def visits_of(*, account: KeyAccount) -> QuerySet[Visit]:
    return account.visits.select_related("recorded_by")


def specialists() -> QuerySet[User]:
    """Active users holding the business-specialist role, to hand a report to."""
    return users_with_role(role=Role.BUSINESS_SPECIALIST)


def key_account_managers() -> QuerySet[User]:
    """Active users holding the key-account-manager role, to assign accounts to."""
    return users_with_role(role=Role.KEY_ACCOUNT_MANAGER)


def notifications_of(*, user: User | AnonymousUser) -> QuerySet[Notification]:
    """The user's own messages about their accounts, newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).select_related(
        "key_account__customer", "request"
    )


def feedback_calls_due(*, user: User | AnonymousUser) -> QuerySet[ServiceRequest]:
    """Open fast-channel requests on their last step without a feedback call: for a manager
    those of their accounts, for service staff those of the customers they may see."""
    requests = fast_channel_requests_on_last_step()
    if not user.is_authenticated or not user.is_active:
        return requests.none()
    scope = Q(pk__in=[])
    if user.has_perm("keyaccounts.work_keyaccounts"):
        managed = KeyAccount.objects.filter(Q(manager=user) | Q(backup_manager=user))
        scope |= Q(customer_id__in=managed.values("customer_id"))
    if user.has_perm("service.work_servicerequest"):
        scope |= Q(customer_id__in=customers_visible_to(user=user).values("pk"))
    return (
        requests.filter(scope)
        .exclude(pk__in=FeedbackCall.objects.values("request_id"))
        .order_by("due_at", "pk")
    )


def account_manager_require(*, account: KeyAccount, user: User | AnonymousUser) -> None:
    """``NotAllowed`` unless the user is the account's manager or backup (the forms for a
    visit and a needs report are theirs)."""
    if user.pk is None or user.pk not in (account.manager_id, account.backup_manager_id):
        raise NotAllowed(
            _("Only the account's managers record its visits and reports."),
            code="keyaccounts.not_account_manager",
        )


def feedback_due_get(*, user: User | AnonymousUser, request_id: int) -> ServiceRequest:
    """One request whose feedback call the user may record now; ``AccountNotFound`` when
    none is due (absent, not yet on its last step, already called back or out of scope)."""
    found = feedback_calls_due(user=user).filter(pk=request_id).first()
    if found is None:
        raise AccountNotFound(
            _("No feedback call is due for this request."),
            code="keyaccounts.feedback_call_not_found",
        )
    return found


def is_on_roster(*, customer_id: int) -> bool:
    """Whether the customer is an active key account (its requests use the fast channel)."""
    return KeyAccount.objects.filter(customer_id=customer_id, active=True).exists()
