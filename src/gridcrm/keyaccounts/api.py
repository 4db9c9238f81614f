"""REST endpoints of the key-account platform: the portfolio, an account's needs and
visits, the needs pipeline. Same scoping as the pages: out of scope is 404. Refusals are
``DomainError``s raised by the selectors and services, answered by the API's one
exception handler (403 refused, 422 invalid, 409 conflict, 404 not found)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Router, Schema
from ninja.responses import Status

from gridcrm.core.formats import person
from gridcrm.keyaccounts import fastchannel, latent, selectors, services, topics
from gridcrm.keyaccounts.evidence import evidence_sentences
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
    manager_name: str | None
    backup_manager: str | None
    backup_manager_name: str | None
    group: str | None
    active: bool


class NeedOut(Schema):
    id: int
    account_no: str
    title: str
    origin: str
    origin_display: str
    stage: str
    stage_display: str
    owner: str
    owner_name: str
    rule: str
    evidence: dict[str, Any]
    evidence_text: list[str]
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
    evidence_text: list[str]


class MessageOut(Schema):
    id: int
    account_no: str
    request_id: int | None
    kind: str
    text: str
    at: dt.datetime
    read: bool


class FeedbackDueOut(Schema):
    request_id: int
    account_no: str
    request_type: str
    summary: str
    due_at: dt.datetime


class FeedbackIn(Schema):
    satisfaction: int | None = None
    notes: str = ""
    waive_reason: str = ""


class FeedbackOut(Schema):
    request_id: int
    satisfaction: int | None
    notes: str
    waived: bool
    waive_reason: str
    request_status: str


class ThemeOut(Schema):
    theme: str
    label: str
    visits: list[str]
    words: str
    recurring: bool


def _viewer(request: AuthedRequest) -> None:
    selectors.viewer_require(user=request.user)


def _account_out(a: KeyAccount) -> AccountOut:
    return AccountOut(
        account_no=a.customer.account_no,
        name=a.customer.name,
        tier=a.tier,
        basis=list(a.basis),
        nominated=a.nominated,
        manager=a.manager.username if a.manager else None,
        manager_name=person(a.manager) if a.manager else None,
        backup_manager=a.backup_manager.username if a.backup_manager else None,
        backup_manager_name=person(a.backup_manager) if a.backup_manager else None,
        group=a.group.name if a.group else None,
        active=a.active,
    )


def _need_out(n: Need) -> NeedOut:
    return NeedOut(
        id=n.pk,
        account_no=n.key_account.customer.account_no,
        title=n.title,
        origin=n.origin,
        origin_display=n.get_origin_display(),
        stage=n.stage,
        stage_display=n.get_stage_display(),
        owner=n.owner.username,
        owner_name=person(n.owner),
        rule=n.rule,
        evidence=n.evidence,
        evidence_text=evidence_sentences(n.evidence),
        outcome=n.outcome,
        stage_changed_at=n.stage_changed_at,
    )


def _account(request: AuthedRequest, account_no: str) -> KeyAccount:
    return selectors.keyaccount_get_visible(user=request.user, account_no=account_no)


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
    """Move a need on (proposed, confirmed, declined, fulfilled); a move the pipeline does not
    allow answers 409, a missing reason 422."""
    need = selectors.need_get_visible(user=request.user, need_id=need_id)
    services.need_transition(
        need=need, to_stage=payload.to_stage, outcome=payload.outcome, acting_user=request.user
    )
    return _need_out(need)


@router.get("/messages", response=list[MessageOut])
def message_list(request: AuthedRequest, unread: bool = False) -> list[MessageOut]:
    """The caller's messages about their accounts' fast-channel requests, newest first."""
    _viewer(request)
    rows = selectors.notifications_of(user=request.user)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return [
        MessageOut(
            id=n.pk,
            account_no=n.key_account.customer.account_no,
            request_id=n.request_id,
            kind=n.kind,
            text=n.text,
            at=n.at,
            read=n.read_at is not None,
        )
        for n in rows[:500]
    ]


@router.get("/feedback", response=list[FeedbackDueOut])
def feedback_due_list(request: AuthedRequest) -> list[FeedbackDueOut]:
    """Fast-channel requests waiting for their feedback call (managers, service staff)."""
    return [
        FeedbackDueOut(
            request_id=r.pk,
            account_no=r.customer.account_no,
            request_type=r.request_type.code,
            summary=r.summary,
            due_at=r.due_at,
        )
        for r in selectors.feedback_calls_due(user=request.user)[:500]
    ]


@router.post("/feedback/{request_id}", response={201: FeedbackOut})
def feedback_create(
    request: AuthedRequest, request_id: int, payload: FeedbackIn
) -> Status[FeedbackOut]:
    """Record (or waive) a feedback call; 404 when none is due for the caller, 422 without
    an answer or a waiver."""
    found = selectors.feedback_due_get(user=request.user, request_id=request_id)
    call = fastchannel.feedback_call_record(
        request=found,
        acting_user=request.user,
        satisfaction=payload.satisfaction,
        notes=payload.notes,
        waive_reason=payload.waive_reason,
    )
    found.refresh_from_db()
    return Status(
        201,
        FeedbackOut(
            request_id=found.pk,
            satisfaction=call.satisfaction,
            notes=call.notes,
            waived=call.waived,
            waive_reason=call.waive_reason,
            request_status=found.status,
        ),
    )


@router.get("/{account_no}", response=AccountOut)
def account_get(request: AuthedRequest, account_no: str) -> AccountOut:
    return _account_out(_account(request, account_no))


@router.get("/{account_no}/suggestions", response=list[SuggestionOut])
def suggestion_list(request: AuthedRequest, account_no: str) -> list[SuggestionOut]:
    """Latent-need suggestions with their evidence (business specialists)."""
    account = _account(request, account_no)
    selectors.screener_require(user=request.user)
    return [
        SuggestionOut(
            rule=s.rule,
            title=str(s.title),
            evidence=s.evidence,
            evidence_text=evidence_sentences(s.evidence),
        )
        for s in latent.suggestions_for(account=account)
    ]


@router.get("/{account_no}/topics", response=list[ThemeOut])
def topic_list(request: AuthedRequest, account_no: str) -> list[ThemeOut]:
    """The themes of the account's visit notes of the last 12 months, most visits first."""
    account = _account(request, account_no)
    visits = list(selectors.visits_of(account=account))
    summary = topics.mine(topics.recent(visits, today=timezone.localdate()))
    return [
        ThemeOut(
            theme=t.theme.code,
            label=str(t.theme.label),
            visits=[v.visited_on.isoformat() for v in t.visits],
            words=t.words_text,
            recurring=t.recurring,
        )
        for t in summary.themes
    ]


@router.post("/{account_no}/visits", response={201: VisitOut})
def visit_create(request: AuthedRequest, account_no: str, payload: VisitIn) -> Status[VisitOut]:
    account = _account(request, account_no)
    visit = services.visit_record(
        account=account,
        visited_on=payload.visited_on,
        people_met=payload.people_met,
        topics=payload.topics,
        notes=payload.notes,
        acting_user=request.user,
    )
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
