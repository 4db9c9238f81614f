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

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max, Q, QuerySet

from gridcrm.keyaccounts.models import KeyAccount, Need, NeedsReport, Stage, Visit
from gridcrm.keyaccounts.roster import VISIT_INTERVAL_DAYS
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from gridcrm.users.selectors import user_roles

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


def need_board(*, user: User | AnonymousUser) -> dict[str, list[Need]]:
    """Visible needs by stage, every stage present, most recently moved first."""
    board: dict[str, list[Need]] = {stage: [] for stage in Stage.values}
    for need in needs_visible_to(user=user).order_by("-stage_changed_at", "-pk")[:2000]:
        board[need.stage].append(need)
    return board


@dataclass(frozen=True)
class VisitDue:
    account: KeyAccount
    last_visit: dt.date | None
    due_on: dt.date
    status: str  # "overdue", "due" (within DUE_SOON_DAYS) or "ok"


def interval_days(account: KeyAccount) -> int:
    return account.visit_interval_days or VISIT_INTERVAL_DAYS[account.tier]


def visit_calendar(*, user: User | AnonymousUser, today: dt.date) -> list[VisitDue]:
    """Each account of the user's portfolio with its next visit date, most urgent first.

    An account never visited is due on the day it joined the roster.
    """
    rows = []
    for account in portfolio(user=user).annotate(last=Max("visits__visited_on")):
        last: dt.date | None = account.last
        start = last or account.created_at.date()
        due_on = start + dt.timedelta(days=interval_days(account)) if last else start
        if due_on < today:
            status = "overdue"
        elif due_on <= today + dt.timedelta(days=DUE_SOON_DAYS):
            status = "due"
        else:
            status = "ok"
        rows.append(VisitDue(account=account, last_visit=last, due_on=due_on, status=status))
    return sorted(rows, key=lambda r: (r.due_on, r.account.customer.account_no))


def visits_of(*, account: KeyAccount) -> QuerySet[Visit]:
    return account.visits.select_related("recorded_by")


def specialists() -> QuerySet[User]:
    """Active users holding the business-specialist role, to hand a report to."""
    return User.objects.filter(
        is_active=True, groups__name=Role.BUSINESS_SPECIALIST.value
    ).order_by("username")


def key_account_managers() -> QuerySet[User]:
    """Active users holding the key-account-manager role, to assign accounts to."""
    return User.objects.filter(
        is_active=True, groups__name=Role.KEY_ACCOUNT_MANAGER.value
    ).order_by("username")


@dataclass(frozen=True)
class Coverage:
    manager: str
    accounts: int
    visited_in_time: int

    @property
    def percent(self) -> int:
        return round(100 * self.visited_in_time / self.accounts) if self.accounts else 0


@dataclass(frozen=True)
class StageAge:
    stage: str
    label: str
    count: int
    avg_days: float | None


@dataclass(frozen=True)
class KeyAccountReport:
    coverage: list[Coverage]
    stages: list[StageAge]
    latent_total: int
    latent_confirmed: int
    latent_declined: int


def keyaccount_report(*, user: User | AnonymousUser, today: dt.date) -> KeyAccountReport:
    """Visit coverage per manager, needs by stage and age, conversion of latent needs —
    over what the user may see."""
    by_manager: dict[str, list[int]] = {}
    for row in visit_calendar(user=user, today=today):
        name = row.account.manager.username if row.account.manager else "—"
        counts = by_manager.setdefault(name, [0, 0])
        counts[0] += 1
        counts[1] += row.status != "overdue" and row.last_visit is not None
    coverage = [Coverage(m, c[0], c[1]) for m, c in sorted(by_manager.items())]
    now = dt.datetime.combine(today, dt.time(23, 59), tzinfo=dt.UTC)
    ages: dict[str, list[float]] = {s: [] for s in Stage.values}
    needs = needs_visible_to(user=user)
    for stage, changed in needs.values_list("stage", "stage_changed_at"):
        ages[stage].append((now - changed).total_seconds() / 86400)
    stages = [
        StageAge(
            stage=s,
            label=str(Stage(s).label),
            count=len(ages[s]),
            avg_days=round(sum(ages[s]) / len(ages[s]), 1) if ages[s] else None,
        )
        for s in Stage.values
    ]
    latent = needs.filter(origin="latent")
    return KeyAccountReport(
        coverage=coverage,
        stages=stages,
        latent_total=latent.count(),
        latent_confirmed=latent.filter(stage__in=[Stage.CONFIRMED, Stage.FULFILLED]).count(),
        latent_declined=latent.filter(stage=Stage.DECLINED).count(),
    )
