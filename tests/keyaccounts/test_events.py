"""Every state change of the key-account app writes its event in the service's own
transaction, naming the acting user; a refused call writes none. The customer timeline
shows the account's work to those who may see the account."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from gridcrm.core.errors import DomainError
from gridcrm.core.extensions import customer_timeline
from gridcrm.keyaccounts import services
from gridcrm.keyaccounts.fastchannel import fast_request_create, feedback_call_record
from gridcrm.keyaccounts.models import Event, KeyAccount, Need, Stage
from gridcrm.keyaccounts.timeline import keyaccount_timeline
from gridcrm.service.models import RequestType, ServiceRequest
from gridcrm.service.services import request_step_complete
from gridcrm.users.models import User
from tests.keyaccounts.conftest import Cast

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _events(account: KeyAccount, kind: str) -> list[Event]:
    return list(Event.objects.filter(key_account=account, kind=kind).order_by("pk"))


def _visit(cast: Cast, acting_user: User) -> Any:
    return services.visit_record(
        account=cast.mine,
        visited_on=timezone.localdate(),
        people_met="王厂长",
        topics=["supply_quality"],
        notes="",
        acting_user=acting_user,
    )


def _report(cast: Cast) -> Need:
    report = services.report_send(
        account=cast.mine,
        specialist=cast.specialist,
        summary="二期项目",
        needs=["增容 1600 kVA"],
        acting_user=cast.owner,
    )
    need: Need = report.needs.get()
    return need


def test_a_visit_writes_its_event_and_a_refused_one_writes_none(cast: Cast) -> None:
    with pytest.raises(DomainError):
        _visit(cast, cast.colleague)
    assert _events(cast.mine, Event.Kind.VISIT) == []
    visit = _visit(cast, cast.backup)
    [event] = _events(cast.mine, Event.Kind.VISIT)
    assert (event.acting_user, event.details["visit"]) == (cast.backup, visit.pk)


def test_a_needs_report_and_each_move_of_a_need_write_their_events(cast: Cast) -> None:
    need = _report(cast)
    [sent] = _events(cast.mine, Event.Kind.REPORT)
    assert (sent.acting_user, sent.details["needs"]) == (cast.owner, [need.pk])
    services.need_screen(need=need, action="accept", acting_user=cast.specialist)
    with pytest.raises(DomainError):  # the specialist does not propose
        services.need_transition(need=need, to_stage=Stage.PROPOSED, acting_user=cast.specialist)
    services.need_transition(need=need, to_stage=Stage.PROPOSED, acting_user=cast.owner)
    moves = [
        (e.from_stage, e.to_stage, e.acting_user) for e in _events(cast.mine, Event.Kind.STAGE)
    ]
    assert moves == [
        (Stage.REPORTED, Stage.ANALYSED, cast.specialist),
        (Stage.ANALYSED, Stage.PROPOSED, cast.owner),
    ]


def test_a_latent_need_writes_its_event(cast: Cast) -> None:
    need = services.latent_need_add(
        account=cast.mine, title="屋顶光伏", acting_user=cast.specialist
    )
    [event] = _events(cast.mine, Event.Kind.LATENT)
    assert (event.need, event.to_stage, event.acting_user) == (
        need,
        Stage.ANALYSED,
        cast.specialist,
    )


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        (
            lambda cast, user: services.keyaccount_assign(
                account=cast.mine, manager=cast.backup, backup_manager=None, acting_user=user
            ),
            Event.Kind.ASSIGNED,
        ),
        (
            lambda cast, user: services.group_assign(
                account=cast.mine, group_name="晋能控股集团", acting_user=user
            ),
            Event.Kind.GROUPED,
        ),
    ],
    ids=["managers", "group"],
)
def test_roster_changes_write_their_events_and_refused_ones_none(
    cast: Cast, change: Callable[[Cast, User], object], kind: str
) -> None:
    before = len(_events(cast.mine, kind))
    with pytest.raises(DomainError):
        change(cast, cast.owner)  # a manager may not change the roster
    assert len(_events(cast.mine, kind)) == before
    change(cast, cast.marketing)
    latest = _events(cast.mine, kind)[-1]
    assert len(_events(cast.mine, kind)) == before + 1
    assert latest.acting_user == cast.marketing


def test_the_roster_refresh_records_what_it_changed_as_the_system(cast: Cast) -> None:
    KeyAccount.objects.filter(pk=cast.mine.pk).update(basis=[], tier=3)
    result = services.roster_refresh(acting_user=None)
    assert result.updated >= 1
    [event] = _events(cast.mine, Event.Kind.RULES_CHANGED)
    assert (event.acting_user, event.details["basis"]) == (None, ["high_voltage_capacity"])
    services.roster_refresh(acting_user=None)  # nothing changed: nothing recorded
    assert len(_events(cast.mine, Event.Kind.RULES_CHANGED)) == 1


def test_the_fast_channel_and_the_feedback_call_write_their_events(cast: Cast, agent: User) -> None:
    fast = fast_request_create(
        account=cast.mine,
        request_type=RequestType.objects.get(code="fault_repair"),
        summary="10kV进线跳闸",
        acting_user=cast.owner,
        now=NOW,
    )
    [filed] = _events(cast.mine, Event.Kind.FAST)
    assert (filed.acting_user, filed.details["request"]) == (cast.owner, fast.pk)
    for n, code in enumerate(("dispatch", "on_site", "restore"), start=1):
        request_step_complete(
            request=fast,
            step_code=code,
            acting_user=agent,
            now=NOW + dt.timedelta(minutes=10 * n),
        )
    with pytest.raises(DomainError):  # no answer, no waiver
        feedback_call_record(request=fast, acting_user=cast.owner, now=NOW)
    assert _events(cast.mine, Event.Kind.FEEDBACK) == []
    call = feedback_call_record(request=fast, acting_user=cast.owner, satisfaction=5, now=NOW)
    [recorded] = _events(cast.mine, Event.Kind.FEEDBACK)
    assert (recorded.acting_user, recorded.details["request"]) == (cast.owner, fast.pk)
    assert recorded.details["satisfaction"] == call.satisfaction == 5


def test_a_refused_close_rolls_back_with_the_request(cast: Cast, agent: User) -> None:
    fast = fast_request_create(
        account=cast.mine,
        request_type=RequestType.objects.get(code="fault_repair"),
        summary="10kV进线跳闸",
        acting_user=cast.owner,
        now=NOW,
    )
    for code in ("dispatch", "on_site", "restore"):
        request_step_complete(request=fast, step_code=code, acting_user=agent, now=NOW)
    events_before = Event.objects.count()
    with pytest.raises(DomainError) as refused:
        request_step_complete(request=fast, step_code="follow_up", acting_user=agent, now=NOW)
    assert refused.value.code == "keyaccounts.feedback_call_missing"
    fast.refresh_from_db()
    assert fast.status == ServiceRequest.Status.OPEN
    assert Event.objects.count() == events_before


def test_the_timeline_shows_the_accounts_work_to_those_who_may_see_it(cast: Cast) -> None:
    _visit(cast, cast.owner)
    need = _report(cast)
    entries = keyaccount_timeline(customer=cast.mine.customer, user=cast.owner, limit=10)
    assert [e.kind for e in entries] == [Event.Kind.REPORT, Event.Kind.VISIT]
    assert {e.app for e in entries} == {"keyaccounts"}
    assert entries[0].url == "/keyaccounts/a/0300000001/"
    assert keyaccount_timeline(customer=cast.mine.customer, user=cast.colleague, limit=10) == []
    assert keyaccount_timeline(customer=cast.mine.customer, user=cast.outsider, limit=10) == []
    services.need_screen(need=need, action="accept", acting_user=cast.specialist)
    gathered = customer_timeline(customer=cast.mine.customer, user=cast.owner, limit=50)
    assert Event.Kind.STAGE in [e.kind for e in gathered if e.app == "keyaccounts"]
