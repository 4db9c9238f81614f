"""REST endpoints of the key-account platform: the portfolio, an account's needs and
visits, the needs pipeline. Same scoping as the pages: out of scope is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from gridcrm.keyaccounts import latent, selectors, services
from gridcrm.keyaccounts.errors import KeyAccountError
from gridcrm.keyaccounts.models import KeyAccount, Need
from gridcrm.web.http import AuthedRequest

router = Router(tags=["key accounts"])


class AccountOut(Schema):
    account_no: str
    name: str
    tier: int
    basis: list[str]
    nominated: bool
    manager: str | None
    backup_manager: str | None
    group: str | None
    active: bool


class NeedOut(Schema):
    id: int
    account_no: str
    title: str
    origin: str
    stage: str
    owner: str
    rule: str
    evidence: dict[str, Any]
    outcome: str
    stage_changed_at: dt.datetime


class VisitIn(Schema):
    visited_on: dt.date
    people_met: str
    topics: list[str]
    notes: str = ""


class VisitOut(Schema):
    id: int
    visited_on: dt.date
    people_met: str
    topics: list[str]
    notes: str


class MoveIn(Schema):
    to_stage: str
    outcome: str = ""


class SuggestionOut(Schema):
    rule: str
    title: str
    evidence: dict[str, Any]


def _viewer(request: AuthedRequest) -> None:
    if not request.user.has_perm("keyaccounts.view_keyaccount"):
        raise HttpError(403, "forbidden")


def _account_out(a: KeyAccount) -> AccountOut:
    return AccountOut(
        account_no=a.customer.account_no,
        name=a.customer.name,
        tier=a.tier,
        basis=list(a.basis),
        nominated=a.nominated,
        manager=a.manager.username if a.manager else None,
        backup_manager=a.backup_manager.username if a.backup_manager else None,
        group=a.group.name if a.group else None,
        active=a.active,
    )


def _need_out(n: Need) -> NeedOut:
    return NeedOut(
        id=n.pk,
        account_no=n.key_account.customer.account_no,
        title=n.title,
        origin=n.origin,
        stage=n.stage,
        owner=n.owner.username,
        rule=n.rule,
        evidence=n.evidence,
        outcome=n.outcome,
        stage_changed_at=n.stage_changed_at,
    )


def _account(request: AuthedRequest, account_no: str) -> KeyAccount:
    _viewer(request)
    account = selectors.keyaccount_get(user=request.user, account_no=account_no)
    if account is None:
        raise Http404
    return account


@router.get("", response=list[AccountOut])
def portfolio_list(request: AuthedRequest) -> list[AccountOut]:
    """The caller's portfolio (a manager: own and backed-up accounts; roster roles: all)."""
    _viewer(request)
    return [_account_out(a) for a in selectors.portfolio(user=request.user)[:1000]]


@router.get("/needs", response=list[NeedOut])
def need_list(request: AuthedRequest, stage: str = "") -> list[NeedOut]:
    _viewer(request)
    needs = selectors.needs_visible_to(user=request.user)
    if stage:
        needs = needs.filter(stage=stage)
    return [_need_out(n) for n in needs[:1000]]


@router.post("/needs/{need_id}/move", response=NeedOut)
def need_move(request: AuthedRequest, need_id: int, payload: MoveIn) -> NeedOut:
    """Move a need on (proposed, confirmed, declined, fulfilled); refused moves answer 400."""
    _viewer(request)
    need = selectors.needs_visible_to(user=request.user).filter(pk=need_id).first()
    if need is None:
        raise Http404
    try:
        services.need_transition(
            need=need, to_stage=payload.to_stage, outcome=payload.outcome, actor=request.user
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    except KeyAccountError as exc:
        raise HttpError(400, str(exc)) from exc
    return _need_out(need)


@router.get("/{account_no}", response=AccountOut)
def account_get(request: AuthedRequest, account_no: str) -> AccountOut:
    return _account_out(_account(request, account_no))


@router.get("/{account_no}/suggestions", response=list[SuggestionOut])
def suggestion_list(request: AuthedRequest, account_no: str) -> list[SuggestionOut]:
    """Latent-need suggestions with their evidence (business specialists)."""
    account = _account(request, account_no)
    if not request.user.has_perm("keyaccounts.screen_needs"):
        raise HttpError(403, "forbidden")
    return [
        SuggestionOut(rule=s.rule, title=str(s.title), evidence=s.evidence)
        for s in latent.suggestions_for(account=account)
    ]


@router.post("/{account_no}/visits", response={201: VisitOut})
def visit_create(request: AuthedRequest, account_no: str, payload: VisitIn) -> Status[VisitOut]:
    account = _account(request, account_no)
    try:
        visit = services.visit_record(
            account=account,
            visited_on=payload.visited_on,
            people_met=payload.people_met,
            topics=payload.topics,
            notes=payload.notes,
            actor=request.user,
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    except KeyAccountError as exc:
        raise HttpError(400, str(exc)) from exc
    return Status(
        201,
        VisitOut(
            id=visit.pk,
            visited_on=visit.visited_on,
            people_met=visit.people_met,
            topics=visit.topics,
            notes=visit.notes,
        ),
    )
