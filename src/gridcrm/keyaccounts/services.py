"""Writes of the key-account domain. Each takes ``acting_user``, checks it, and writes its
audit event (``events.py``) in the same transaction; a refusal raises a ``DomainError``
(``errors.py``) before anything is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customers_matching
from gridcrm.archive.services import customer_account_manager_set
from gridcrm.keyaccounts import events, latent
from gridcrm.keyaccounts.errors import InvalidInput, NotAllowed, TransitionRefused
from gridcrm.keyaccounts.models import (
    AccountGroup,
    KeyAccount,
    Need,
    NeedsReport,
    Origin,
    Stage,
    Topic,
    Visit,
)
from gridcrm.keyaccounts.roster import qualifying_q, rules_met, tier_for
from gridcrm.users.roles import Role
from gridcrm.users.selectors import user_roles

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

# The pipeline. Leaving ``reported`` is screening (``need_screen``); the rest is the
# manager's work with the customer (``need_transition``).
SCREENING = {Stage.ANALYSED, Stage.MERGED, Stage.REJECTED}
TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.REPORTED: frozenset(SCREENING),
    Stage.ANALYSED: frozenset({Stage.PROPOSED}),
    Stage.PROPOSED: frozenset({Stage.CONFIRMED, Stage.DECLINED}),
    Stage.CONFIRMED: frozenset({Stage.FULFILLED}),
}
_STAMP: dict[str, str] = {
    Stage.ANALYSED: "analysed_at",
    Stage.PROPOSED: "proposed_at",
    Stage.CONFIRMED: "decided_at",
    Stage.DECLINED: "decided_at",
    Stage.FULFILLED: "fulfilled_at",
    Stage.MERGED: "analysed_at",
    Stage.REJECTED: "analysed_at",
}


def _require(allowed: bool, message: str, code: str) -> None:
    if not allowed:
        raise NotAllowed(message, code=code)


def _require_roster_role(acting_user: User | None) -> None:
    """``None`` is the system itself (the demo, a future import): always allowed."""
    if acting_user is not None:
        _require(
            acting_user.has_perm("keyaccounts.manage_roster"),
            _("Your role may not change the roster."),
            "keyaccounts.roster_not_allowed",
        )


def _invalid(field: str, message: str, code: str) -> InvalidInput:
    return InvalidInput(message, code=code, fields={field: message})


def _is_manager_of(account: KeyAccount, user: User) -> bool:
    return user.has_perm("keyaccounts.work_keyaccounts") and user.pk in (
        account.manager_id,
        account.backup_manager_id,
    )


# The roster ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshResult:
    added: int
    updated: int
    removed: int


@transaction.atomic
def roster_refresh(*, acting_user: User | None) -> RefreshResult:
    """Apply the roster rules to the archive: add customers who now qualify, update the
    rules and tier of those on the roster, and take off those who neither qualify nor were
    nominated. Re-runnable: a second run changes nothing (and records nothing)."""
    added = updated = removed = 0
    existing = {a.customer_id: a for a in KeyAccount.objects.select_related("customer")}
    for customer in customers_matching(condition=qualifying_q()).iterator(chunk_size=2000):
        basis, tier = rules_met(customer), tier_for(customer)
        account = existing.pop(customer.pk, None)
        if account is None:
            account = KeyAccount.objects.create(customer=customer, basis=basis, tier=tier)
            events.keyaccount_added(account=account, acting_user=acting_user)
            added += 1
        elif account.basis != basis or account.tier != tier or not account.active:
            account.basis, account.tier, account.active = basis, tier, True
            account.save(update_fields=["basis", "tier", "active", "updated_at"])
            events.keyaccount_rules_changed(account=account, acting_user=acting_user)
            updated += 1
    for account in existing.values():  # on the roster, no rule holds any more
        if account.basis or (account.active and not account.nominated):
            account.basis = []
            account.active = account.nominated
            account.save(update_fields=["basis", "active", "updated_at"])
            if account.active:
                events.keyaccount_rules_changed(account=account, acting_user=acting_user)
            else:
                events.keyaccount_removed(account=account, acting_user=acting_user)
                removed += 1
    return RefreshResult(added=added, updated=updated, removed=removed)


@transaction.atomic
def keyaccount_nominate(*, customer: Customer, reason: str, acting_user: User) -> KeyAccount:
    """Put a customer on the roster by hand, whatever the rules say; the reason is kept."""
    _require_roster_role(acting_user)
    if not reason.strip():
        raise _invalid(
            "reason", _("Say why this customer is nominated."), "keyaccounts.reason_missing"
        )
    account, _created = KeyAccount.objects.get_or_create(
        customer=customer,
        defaults={"basis": rules_met(customer), "tier": tier_for(customer)},
    )
    account.nominated, account.nomination_reason, account.active = True, reason.strip(), True
    account.save(update_fields=["nominated", "nomination_reason", "active", "updated_at"])
    events.keyaccount_nominated(account=account, reason=reason.strip(), acting_user=acting_user)
    return account


@transaction.atomic
def keyaccount_assign(
    *,
    account: KeyAccount,
    manager: User | None,
    backup_manager: User | None,
    acting_user: User | None,
) -> KeyAccount:
    """Set an account's manager and backup; the only writer of both ``KeyAccount.manager``
    and ``Customer.account_manager`` (the archive's scope for the manager), kept equal.
    ``acting_user=None`` is the system itself (the demo, a future import)."""
    _require_roster_role(acting_user)
    for field, user in (("manager", manager), ("backup_manager", backup_manager)):
        if user is not None and (
            not user.is_active or Role.KEY_ACCOUNT_MANAGER not in user_roles(user=user)
        ):
            raise _invalid(
                field,
                _("Only an active key-account manager can look after accounts."),
                "keyaccounts.not_a_key_account_manager",
            )
    if manager is not None and backup_manager is not None and manager.pk == backup_manager.pk:
        raise _invalid(
            "backup_manager",
            _("The backup manager must be another person."),
            "keyaccounts.backup_is_manager",
        )
    if backup_manager is not None and manager is None:
        raise _invalid(
            "manager", _("Name the manager before the backup."), "keyaccounts.manager_missing"
        )
    account.manager, account.backup_manager = manager, backup_manager
    account.save(update_fields=["manager", "backup_manager", "updated_at"])
    customer_account_manager_set(
        customer_id=account.customer_id, manager=manager, acting_user=acting_user
    )
    account.customer.account_manager = manager
    events.managers_assigned(account=account, acting_user=acting_user)
    return account


@transaction.atomic
def group_assign(
    *, account: KeyAccount, group_name: str, acting_user: User | None
) -> AccountGroup | None:
    """Put an account in a corporate group (created on first use); a blank name removes it.
    ``acting_user=None`` is the system itself. Setting the group it already has records
    nothing."""
    _require_roster_role(acting_user)
    group = None
    if group_name.strip():
        group, _created = AccountGroup.objects.get_or_create(name=group_name.strip())
    if account.group_id == (group.pk if group is not None else None):
        return group
    account.group = group
    account.save(update_fields=["group", "updated_at"])
    events.group_set(account=account, group=group, acting_user=acting_user)
    return group


# Visits and reports ----------------------------------------------------------------------


def _require_manager(account: KeyAccount, acting_user: User, message: str) -> None:
    _require(_is_manager_of(account, acting_user), message, "keyaccounts.not_account_manager")


@transaction.atomic
def visit_record(
    *,
    account: KeyAccount,
    visited_on: dt.date,
    people_met: str,
    topics: Sequence[str],
    notes: str,
    acting_user: User,
) -> Visit:
    """Record a visit by the account's manager or backup."""
    _require_manager(account, acting_user, _("Only the account's managers record its visits."))
    if visited_on > timezone.localdate():
        raise _invalid(
            "visited_on", _("A visit cannot be in the future."), "keyaccounts.visit_in_future"
        )
    if not people_met.strip():
        raise _invalid("people_met", _("Say whom you met."), "keyaccounts.people_met_missing")
    chosen = list(dict.fromkeys(topics))
    if not chosen or any(t not in Topic.values for t in chosen):
        raise _invalid(
            "topics", _("Choose at least one topic from the list."), "keyaccounts.topics_invalid"
        )
    visit = Visit.objects.create(
        key_account=account,
        visited_on=visited_on,
        people_met=people_met.strip(),
        topics=chosen,
        notes=notes.strip(),
        recorded_by=acting_user,
    )
    events.visit_recorded(visit=visit, acting_user=acting_user)
    return visit


@transaction.atomic
def report_send(
    *,
    account: KeyAccount,
    specialist: User,
    summary: str,
    needs: Sequence[str],
    acting_user: User,
    visit: Visit | None = None,
    topic: str = "",
) -> NeedsReport:
    """A manager hands a needs report to a business specialist; each line of ``needs``
    becomes a need in the *reported* stage, owned by the specialist until screened."""
    _require_manager(account, acting_user, _("Only the account's managers write its reports."))
    if not specialist.is_active or Role.BUSINESS_SPECIALIST not in user_roles(user=specialist):
        raise _invalid(
            "specialist",
            _("Send the report to a business specialist."),
            "keyaccounts.not_a_specialist",
        )
    titles = [line.strip() for line in needs if line.strip()]
    if not titles:
        raise _invalid("needs", _("Write at least one need."), "keyaccounts.needs_missing")
    if not summary.strip():
        raise _invalid(
            "summary", _("Summarise the report in a few words."), "keyaccounts.summary_missing"
        )
    if visit is not None and visit.key_account_id != account.pk:
        raise _invalid(
            "visit", _("The visit belongs to another account."), "keyaccounts.visit_elsewhere"
        )
    if topic and topic not in Topic.values:
        raise _invalid("topic", _("Choose a topic from the list."), "keyaccounts.topic_invalid")
    report = NeedsReport.objects.create(
        key_account=account,
        visit=visit,
        author=acting_user,
        specialist=specialist,
        summary=summary,
    )
    now = timezone.now()
    made = [
        Need.objects.create(
            key_account=account,
            report=report,
            origin=Origin.REPORTED,
            title=title[:200],
            topic=topic,
            stage=Stage.REPORTED,
            owner=specialist,
            created_by=acting_user,
            stage_changed_at=now,
        )
        for title in titles
    ]
    events.report_sent(report=report, needs=made, acting_user=acting_user)
    return report


# The pipeline ----------------------------------------------------------------------------


def _may_screen(need: Need, user: User) -> bool:
    if not user.has_perm("keyaccounts.screen_needs"):
        return False
    return need.owner_id == user.pk or (
        need.report is not None and need.report.specialist_id == user.pk
    )


def _move(need: Need, to_stage: str, acting_user: User, note: str = "", **changes: Any) -> Need:
    """Move a need with a conditional update: if it left its stage meanwhile, refuse."""
    from_stage = need.stage
    if to_stage not in TRANSITIONS.get(from_stage, frozenset()):
        raise TransitionRefused(
            _("A need in stage “%(from)s” cannot move to “%(to)s”.")
            % {"from": Stage(from_stage).label, "to": _stage_label(to_stage)}
        )
    now = timezone.now()
    changes |= {"stage": to_stage, "stage_changed_at": now, _STAMP[to_stage]: now}
    moved = Need.objects.filter(pk=need.pk, stage=from_stage).update(**changes)
    if not moved:
        raise TransitionRefused(
            _("Someone else moved this need first; reload the page."),
            code="keyaccounts.need_moved_meanwhile",
        )
    for name, value in changes.items():
        setattr(need, name, value)
    events.need_moved(
        need=need, from_stage=from_stage, to_stage=to_stage, note=note, acting_user=acting_user
    )
    return need


def _stage_label(stage: str) -> str:
    return str(Stage(stage).label) if stage in Stage.values else stage


@transaction.atomic
def need_screen(
    *,
    need: Need,
    action: str,
    acting_user: User,
    reason: str = "",
    merge_into: Need | None = None,
) -> Need:
    """A specialist screens a reported need: ``accept`` (→ analysed, the account's manager
    owns it next), ``merge`` into another need of the same account, or ``reject`` with a
    reason."""
    _require(
        _may_screen(need, acting_user),
        _("Only the specialist the report was sent to screens it."),
        "keyaccounts.not_the_screener",
    )
    if action == "accept":
        owner = need.key_account.manager or acting_user
        return _move(need, Stage.ANALYSED, acting_user, reason, owner=owner, screen_reason=reason)
    if action == "reject":
        if not reason.strip():
            raise _invalid(
                "reason",
                _("Give the reason for rejecting the need."),
                "keyaccounts.reason_missing",
            )
        return _move(need, Stage.REJECTED, acting_user, reason, screen_reason=reason.strip())
    if action == "merge":
        if (
            merge_into is None
            or merge_into.pk == need.pk
            or merge_into.key_account_id != need.key_account_id
            or merge_into.stage in (Stage.MERGED, Stage.REJECTED)
        ):
            raise _invalid(
                "merge_into",
                _("Merge into another open need of the same account."),
                "keyaccounts.merge_target_invalid",
            )
        return _move(
            need, Stage.MERGED, acting_user, reason, merged_into=merge_into, screen_reason=reason
        )
    raise _invalid("action", _("Accept, merge or reject."), "keyaccounts.screen_action_invalid")


@transaction.atomic
def need_transition(*, need: Need, to_stage: str, acting_user: User, outcome: str = "") -> Need:
    """The manager's part: propose an analysed need to the customer, record the customer's
    answer (confirmed / declined, a reason required for declined), mark it fulfilled."""
    _require_manager(
        need.key_account, acting_user, _("Only the account's managers move its needs.")
    )
    if to_stage in SCREENING:
        raise TransitionRefused(
            _("Screening is the business specialist's work."),
            code="keyaccounts.screening_is_specialists",
        )
    if to_stage == Stage.DECLINED and not outcome.strip():
        raise _invalid(
            "outcome", _("Say why the customer declined."), "keyaccounts.outcome_missing"
        )
    changes: dict[str, Any] = {"outcome": outcome.strip()[:500]} if outcome.strip() else {}
    return _move(need, to_stage, acting_user, outcome, **changes)


@transaction.atomic
def latent_need_add(
    *,
    account: KeyAccount,
    acting_user: User,
    rule: str = "",
    title: str = "",
    detail: str = "",
    data: latent.AccountData | None = None,
) -> Need:
    """A specialist adds a latent need, either from a rule that fires now (its evidence is
    kept) or written by hand. It starts *analysed*, owned by the account's manager.
    ``data`` is what the rules read, when the caller has already gathered it."""
    _require(
        acting_user.has_perm("keyaccounts.screen_needs"),
        _("Only business specialists add latent needs."),
        "keyaccounts.specialists_only",
    )
    evidence: dict[str, Any] = {}
    topic = ""
    if rule:
        found = {s.rule: s for s in latent.suggestions_for(account=account, data=data)}
        if rule not in found:
            raise _invalid(
                "rule",
                _("This rule does not suggest a new need for the account."),
                "keyaccounts.rule_not_suggesting",
            )
        suggestion = found[rule]
        title = title.strip() or str(suggestion.title)
        evidence, topic = suggestion.evidence, suggestion.topic
    if not title.strip():
        raise _invalid("title", _("Name the latent need."), "keyaccounts.title_missing")
    now = timezone.now()
    need = Need.objects.create(
        key_account=account,
        origin=Origin.LATENT,
        title=title.strip()[:200],
        detail=detail.strip(),
        topic=topic,
        rule=rule,
        evidence=evidence,
        stage=Stage.ANALYSED,
        owner=account.manager or acting_user,
        created_by=acting_user,
        analysed_at=now,
        stage_changed_at=now,
    )
    events.latent_need_added(need=need, acting_user=acting_user)
    return need
