"""The key-account audit trail: one named function per thing that happens.

Only the services of this app call them, inside their own transaction, so an event is
kept exactly when the change it records is. ``acting_user`` is ``None`` for the system
(the roster refresh job, the demo). Each writes one ``Event`` row; ``note`` is the short
text the timeline shows, ``details`` what a later reader needs beyond the columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from gridcrm.core.formats import person
from gridcrm.keyaccounts.models import (
    AccountGroup,
    Event,
    FeedbackCall,
    KeyAccount,
    Need,
    NeedsReport,
    Visit,
)

if TYPE_CHECKING:
    from gridcrm.service.models import ServiceRequest
    from gridcrm.users.models import User


def _write(
    account: KeyAccount,
    kind: str,
    acting_user: User | None,
    *,
    need: Need | None = None,
    note: str = "",
    details: dict[str, Any] | None = None,
    **columns: str,
) -> Event:
    return Event.objects.create(
        key_account=account,
        need=need,
        kind=kind,
        acting_user=acting_user,
        at=timezone.now(),
        note=note[:500],
        details=details or {},
        **columns,
    )


# The roster ----------------------------------------------------------------------------


def keyaccount_added(*, account: KeyAccount, acting_user: User | None) -> Event:
    """The roster rules put a customer on the roster."""
    return _write(
        account,
        Event.Kind.ADDED,
        acting_user,
        note=",".join(account.basis),
        details={"basis": list(account.basis), "tier": account.tier},
    )


def keyaccount_rules_changed(*, account: KeyAccount, acting_user: User | None) -> Event:
    """A roster refresh changed the rules an account meets, its tier, or put it back."""
    return _write(
        account,
        Event.Kind.RULES_CHANGED,
        acting_user,
        note=",".join(account.basis),
        details={"basis": list(account.basis), "tier": account.tier, "active": account.active},
    )


def keyaccount_removed(*, account: KeyAccount, acting_user: User | None) -> Event:
    """An account that meets no roster rule and was not nominated left the roster."""
    return _write(account, Event.Kind.REMOVED, acting_user)


def keyaccount_nominated(*, account: KeyAccount, reason: str, acting_user: User) -> Event:
    """A customer was put on the roster by hand, for ``reason``."""
    return _write(account, Event.Kind.NOMINATED, acting_user, note=reason)


def managers_assigned(*, account: KeyAccount, acting_user: User | None) -> Event:
    """The account's manager and backup were set (either may be none)."""
    names = [person(u) for u in (account.manager, account.backup_manager) if u is not None]
    return _write(
        account,
        Event.Kind.ASSIGNED,
        acting_user,
        note=" / ".join(names),
        details={"manager": account.manager_id, "backup_manager": account.backup_manager_id},
    )


def group_set(
    *, account: KeyAccount, group: AccountGroup | None, acting_user: User | None
) -> Event:
    """The account was put in a corporate group, or taken out of one (``group=None``)."""
    return _write(
        account,
        Event.Kind.GROUPED,
        acting_user,
        note=group.name if group is not None else "",
        details={"group": group.pk if group is not None else None},
    )


# Visits, reports and needs ---------------------------------------------------------------


def visit_recorded(*, visit: Visit, acting_user: User) -> Event:
    """A manager recorded a visit to the account."""
    return _write(
        visit.key_account,
        Event.Kind.VISIT,
        acting_user,
        note=visit.visited_on.isoformat(),
        details={"visit": visit.pk, "topics": list(visit.topics)},
    )


def report_sent(*, report: NeedsReport, needs: list[Need], acting_user: User) -> Event:
    """A manager handed a needs report (and its needs) to a business specialist."""
    return _write(
        report.key_account,
        Event.Kind.REPORT,
        acting_user,
        note=person(report.specialist),
        details={"report": report.pk, "needs": [n.pk for n in needs]},
    )


def need_moved(
    *, need: Need, from_stage: str, to_stage: str, note: str, acting_user: User
) -> Event:
    """A need moved along the pipeline (screening or the manager's work)."""
    return _write(
        need.key_account,
        Event.Kind.STAGE,
        acting_user,
        need=need,
        note=note,
        from_stage=from_stage,
        to_stage=to_stage,
    )


def latent_need_added(*, need: Need, acting_user: User) -> Event:
    """A specialist added a latent need (from a rule, ``need.rule``, or by hand)."""
    return _write(
        need.key_account,
        Event.Kind.LATENT,
        acting_user,
        need=need,
        note=need.rule,
        to_stage=need.stage,
        details={"evidence": need.evidence} if need.evidence else None,
    )


# The fast channel --------------------------------------------------------------------------


def fast_request_filed(*, account: KeyAccount, request: ServiceRequest, acting_user: User) -> Event:
    """A service request was filed for the account through the fast channel."""
    return _write(
        account,
        Event.Kind.FAST,
        acting_user,
        note=f"#{request.pk}",
        details={"request": request.pk},
    )


def feedback_call_recorded(*, call: FeedbackCall, summary: str, acting_user: User) -> Event:
    """The feedback call of a fast-channel request was recorded, or waived."""
    return _write(
        call.key_account,
        Event.Kind.FEEDBACK,
        acting_user,
        note=f"#{call.request_id} {summary}",
        details={
            "request": call.request_id,
            "satisfaction": call.satisfaction,
            "waived": call.waived,
        },
    )
