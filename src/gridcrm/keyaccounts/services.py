"""Writes of the key-account domain. Each takes ``actor``, checks it, and writes its audit
event in the same transaction; a refusal raises before anything is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive.models import Customer
from gridcrm.keyaccounts import latent
from gridcrm.keyaccounts.errors import KeyAccountError, TransitionRefused
from gridcrm.keyaccounts.models import (
    AccountGroup,
    Event,
    KeyAccount,
    Need,
    NeedsReport,
    Origin,
    Stage,
    Topic,
    Visit,
)
from gridcrm.keyaccounts.roster import qualifying_q, rules_met, tier_for
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from gridcrm.users.selectors import user_roles

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


def _event(
    account: KeyAccount, kind: str, actor: User | None, *, need: Need | None = None, **kw: Any
) -> None:
    Event.objects.create(key_account=account, need=need, kind=kind, actor=actor, **kw)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


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
def roster_refresh(*, actor: User | None) -> RefreshResult:
    """Apply the roster rules to the archive: add customers who now qualify, update the
    rules and tier of those on the roster, and take off those who neither qualify nor were
    nominated. Re-runnable: a second run changes nothing."""
    added = updated = removed = 0
    existing = {a.customer_id: a for a in KeyAccount.objects.select_related("customer")}
    for customer in Customer.objects.filter(qualifying_q()).iterator(chunk_size=2000):
        basis, tier = rules_met(customer), tier_for(customer)
        account = existing.pop(customer.pk, None)
        if account is None:
            account = KeyAccount.objects.create(customer=customer, basis=basis, tier=tier)
            _event(account, Event.Kind.ADDED, actor, note=",".join(basis))
            added += 1
        elif account.basis != basis or account.tier != tier or not account.active:
            account.basis, account.tier, account.active = basis, tier, True
            account.save(update_fields=["basis", "tier", "active", "updated_at"])
            updated += 1
    for account in existing.values():  # on the roster, no rule holds any more
        if account.basis or (account.active and not account.nominated):
            account.basis = []
            account.active = account.nominated
            account.save(update_fields=["basis", "active", "updated_at"])
            if not account.active:
                _event(account, Event.Kind.REMOVED, actor)
                removed += 1
    return RefreshResult(added=added, updated=updated, removed=removed)


@transaction.atomic
def keyaccount_nominate(*, customer: Customer, reason: str, actor: User) -> KeyAccount:
    """Put a customer on the roster by hand, whatever the rules say; the reason is kept."""
    _require(actor.has_perm("keyaccounts.manage_roster"), _("Your role may not change the roster."))
    if not reason.strip():
        raise KeyAccountError(_("Say why this customer is nominated."))
    account, _created = KeyAccount.objects.get_or_create(
        customer=customer,
        defaults={"basis": rules_met(customer), "tier": tier_for(customer)},
    )
    account.nominated, account.nomination_reason, account.active = True, reason.strip(), True
    account.save(update_fields=["nominated", "nomination_reason", "active", "updated_at"])
    _event(account, Event.Kind.NOMINATED, actor, note=reason.strip()[:500])
    return account


@transaction.atomic
def keyaccount_assign(
    *, account: KeyAccount, manager: User | None, backup_manager: User | None, actor: User | None
) -> KeyAccount:
    """Set an account's manager and backup; the only writer of both ``KeyAccount.manager``
    and ``Customer.account_manager`` (the archive's scope for the manager), kept equal.
    ``actor=None`` is the system itself (the demo, a future import)."""
    if actor is not None:
        _require(
            actor.has_perm("keyaccounts.manage_roster"), _("Your role may not change the roster.")
        )
    for user in (manager, backup_manager):
        if user is not None and (
            not user.is_active or Role.KEY_ACCOUNT_MANAGER not in user_roles(user=user)
        ):
            raise KeyAccountError(_("Only an active key-account manager can look after accounts."))
    if manager is not None and backup_manager is not None and manager.pk == backup_manager.pk:
        raise KeyAccountError(_("The backup manager must be another person."))
    if backup_manager is not None and manager is None:
        raise KeyAccountError(_("Name the manager before the backup."))
    account.manager, account.backup_manager = manager, backup_manager
    account.save(update_fields=["manager", "backup_manager", "updated_at"])
    Customer.objects.filter(pk=account.customer_id).update(account_manager=manager)
    account.customer.account_manager = manager
    names = [u.username for u in (manager, backup_manager) if u is not None]
    _event(account, Event.Kind.ASSIGNED, actor, note=" / ".join(names))
    return account


@transaction.atomic
def group_assign(
    *, account: KeyAccount, group_name: str, actor: User | None
) -> AccountGroup | None:
    """Put an account in a corporate group (created on first use); a blank name removes it.
    ``actor=None`` is the system itself."""
    if actor is not None:
        _require(
            actor.has_perm("keyaccounts.manage_roster"), _("Your role may not change the roster.")
        )
    group = None
    if group_name.strip():
        group, _created = AccountGroup.objects.get_or_create(name=group_name.strip())
    account.group = group
    account.save(update_fields=["group", "updated_at"])
    return group


# Visits and reports ----------------------------------------------------------------------


@transaction.atomic
def visit_record(
    *,
    account: KeyAccount,
    visited_on: dt.date,
    people_met: str,
    topics: Sequence[str],
    notes: str,
    actor: User,
) -> Visit:
    """Record a visit by the account's manager or backup."""
    _require(_is_manager_of(account, actor), _("Only the account's managers record its visits."))
    if visited_on > timezone.localdate():
        raise KeyAccountError(_("A visit cannot be in the future."))
    if not people_met.strip():
        raise KeyAccountError(_("Say whom you met."))
    chosen = list(dict.fromkeys(topics))
    if not chosen or any(t not in Topic.values for t in chosen):
        raise KeyAccountError(_("Choose at least one topic from the list."))
    visit = Visit.objects.create(
        key_account=account,
        visited_on=visited_on,
        people_met=people_met.strip(),
        topics=chosen,
        notes=notes.strip(),
        recorded_by=actor,
    )
    _event(account, Event.Kind.VISIT, actor, note=visited_on.isoformat())
    return visit


@transaction.atomic
def report_send(
    *,
    account: KeyAccount,
    specialist: User,
    summary: str,
    needs: Sequence[str],
    actor: User,
    visit: Visit | None = None,
    topic: str = "",
) -> NeedsReport:
    """A manager hands a needs report to a business specialist; each line of ``needs``
    becomes a need in the *reported* stage, owned by the specialist until screened."""
    _require(_is_manager_of(account, actor), _("Only the account's managers write its reports."))
    if not specialist.is_active or Role.BUSINESS_SPECIALIST not in user_roles(user=specialist):
        raise KeyAccountError(_("Send the report to a business specialist."))
    titles = [line.strip() for line in needs if line.strip()]
    if not titles:
        raise KeyAccountError(_("Write at least one need."))
    if not summary.strip():
        raise KeyAccountError(_("Summarise the report in a few words."))
    if visit is not None and visit.key_account_id != account.pk:
        raise KeyAccountError(_("The visit belongs to another account."))
    if topic and topic not in Topic.values:
        raise KeyAccountError(_("Choose a topic from the list."))
    report = NeedsReport.objects.create(
        key_account=account, visit=visit, author=actor, specialist=specialist, summary=summary
    )
    now = timezone.now()
    for title in titles:
        Need.objects.create(
            key_account=account,
            report=report,
            origin=Origin.REPORTED,
            title=title[:200],
            topic=topic,
            stage=Stage.REPORTED,
            owner=specialist,
            created_by=actor,
            stage_changed_at=now,
        )
    _event(account, Event.Kind.REPORT, actor, note=specialist.username)
    return report


# The pipeline ----------------------------------------------------------------------------


def _may_screen(need: Need, user: User) -> bool:
    if not user.has_perm("keyaccounts.screen_needs"):
        return False
    return need.owner_id == user.pk or (
        need.report is not None and need.report.specialist_id == user.pk
    )


def _move(need: Need, to_stage: str, actor: User, note: str = "", **changes: Any) -> Need:
    """Move a need with a conditional update: if it left its stage meanwhile, refuse."""
    from_stage = need.stage
    if to_stage not in TRANSITIONS.get(from_stage, frozenset()):
        raise TransitionRefused(
            _("A need in stage “%(from)s” cannot move to “%(to)s”.")
            % {"from": Stage(from_stage).label, "to": Stage(to_stage).label}
        )
    now = timezone.now()
    changes |= {"stage": to_stage, "stage_changed_at": now, _STAMP[to_stage]: now}
    moved = Need.objects.filter(pk=need.pk, stage=from_stage).update(**changes)
    if not moved:
        raise TransitionRefused(_("Someone else moved this need first; reload the page."))
    for name, value in changes.items():
        setattr(need, name, value)
    _event(
        need.key_account,
        Event.Kind.STAGE,
        actor,
        need=need,
        from_stage=from_stage,
        to_stage=to_stage,
        note=note[:500],
    )
    return need


@transaction.atomic
def need_screen(
    *,
    need: Need,
    action: str,
    actor: User,
    reason: str = "",
    merge_into: Need | None = None,
) -> Need:
    """A specialist screens a reported need: ``accept`` (→ analysed, the account's manager
    owns it next), ``merge`` into another need of the same account, or ``reject`` with a
    reason."""
    _require(_may_screen(need, actor), _("Only the specialist the report was sent to screens it."))
    if action == "accept":
        owner = need.key_account.manager or actor
        return _move(need, Stage.ANALYSED, actor, reason, owner=owner, screen_reason=reason)
    if action == "reject":
        if not reason.strip():
            raise KeyAccountError(_("Give the reason for rejecting the need."))
        return _move(need, Stage.REJECTED, actor, reason, screen_reason=reason.strip())
    if action == "merge":
        if (
            merge_into is None
            or merge_into.pk == need.pk
            or merge_into.key_account_id != need.key_account_id
            or merge_into.stage in (Stage.MERGED, Stage.REJECTED)
        ):
            raise KeyAccountError(_("Merge into another open need of the same account."))
        return _move(
            need, Stage.MERGED, actor, reason, merged_into=merge_into, screen_reason=reason
        )
    raise KeyAccountError(_("Accept, merge or reject."))


@transaction.atomic
def need_transition(*, need: Need, to_stage: str, actor: User, outcome: str = "") -> Need:
    """The manager's part: propose an analysed need to the customer, record the customer's
    answer (confirmed / declined, a reason required for declined), mark it fulfilled."""
    _require(
        _is_manager_of(need.key_account, actor), _("Only the account's managers move its needs.")
    )
    if to_stage in SCREENING:
        raise TransitionRefused(_("Screening is the business specialist's work."))
    if to_stage == Stage.DECLINED and not outcome.strip():
        raise KeyAccountError(_("Say why the customer declined."))
    changes: dict[str, Any] = {"outcome": outcome.strip()[:500]} if outcome.strip() else {}
    return _move(need, to_stage, actor, outcome, **changes)


@transaction.atomic
def latent_need_add(
    *,
    account: KeyAccount,
    actor: User,
    rule: str = "",
    title: str = "",
    detail: str = "",
    data: latent.AccountData | None = None,
) -> Need:
    """A specialist adds a latent need, either from a rule that fires now (its evidence is
    kept) or written by hand. It starts *analysed*, owned by the account's manager.
    ``data`` is what the rules read, when the caller has already gathered it."""
    _require(
        actor.has_perm("keyaccounts.screen_needs"),
        _("Only business specialists add latent needs."),
    )
    evidence: dict[str, Any] = {}
    topic = ""
    if rule:
        found = {s.rule: s for s in latent.suggestions_for(account=account, data=data)}
        if rule not in found:
            raise KeyAccountError(_("This rule does not suggest a new need for the account."))
        suggestion = found[rule]
        title = title.strip() or str(suggestion.title)
        evidence, topic = suggestion.evidence, suggestion.topic
    if not title.strip():
        raise KeyAccountError(_("Name the latent need."))
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
        owner=account.manager or actor,
        created_by=actor,
        analysed_at=now,
        stage_changed_at=now,
    )
    _event(account, Event.Kind.LATENT, actor, need=need, to_stage=Stage.ANALYSED, note=rule)
    return need
