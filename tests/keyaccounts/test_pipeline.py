"""Visits, needs reports and every transition of the needs pipeline, refused ones included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gridcrm.core.errors import Conflict, DomainError, Invalid, Refused
from gridcrm.keyaccounts.errors import TransitionRefused
from gridcrm.keyaccounts.models import Event, Need, Stage, Visit
from gridcrm.keyaccounts.selectors import visit_calendar
from gridcrm.keyaccounts.services import (
    TRANSITIONS,
    latent_need_add,
    need_screen,
    need_transition,
    report_send,
    visit_record,
)
from tests.keyaccounts.conftest import Cast


def _need(cast: Cast, *titles: str) -> list[Need]:
    report = report_send(
        account=cast.mine,
        specialist=cast.specialist,
        summary="三月走访",
        needs=list(titles or ["二期项目增容 1600 kVA"]),
        acting_user=cast.owner,
    )
    return list(report.needs.order_by("pk"))


def _at(cast: Cast, stage: str) -> Need:
    need = _need(cast)[0]
    path = {
        Stage.REPORTED: [],
        Stage.ANALYSED: [Stage.ANALYSED],
        Stage.PROPOSED: [Stage.ANALYSED, Stage.PROPOSED],
        Stage.CONFIRMED: [Stage.ANALYSED, Stage.PROPOSED, Stage.CONFIRMED],
        Stage.DECLINED: [Stage.ANALYSED, Stage.PROPOSED, Stage.DECLINED],
        Stage.FULFILLED: [Stage.ANALYSED, Stage.PROPOSED, Stage.CONFIRMED, Stage.FULFILLED],
        Stage.MERGED: [Stage.MERGED],
        Stage.REJECTED: [Stage.REJECTED],
    }[Stage(stage)]
    for step in path:
        if step == Stage.ANALYSED:
            need_screen(need=need, action="accept", acting_user=cast.specialist)
        elif step == Stage.REJECTED:
            need_screen(need=need, action="reject", reason="重复", acting_user=cast.specialist)
        elif step == Stage.MERGED:
            other = _need(cast, "另一需求")[0]
            need_screen(need=need, action="merge", merge_into=other, acting_user=cast.specialist)
        else:
            need_transition(need=need, to_stage=step, outcome="客户意见", acting_user=cast.owner)
    return need


def test_a_manager_records_a_visit_and_it_resets_the_calendar(cast: Cast) -> None:
    today = timezone.localdate()
    assert visit_calendar(user=cast.owner, today=today)[0].status == "due"
    visit_record(
        account=cast.mine,
        visited_on=today,
        people_met="设备部张部长",
        topics=["capacity_change", "new_project"],
        notes="客户计划明年上二期生产线,需增容。",
        acting_user=cast.owner,
    )
    row = visit_calendar(user=cast.owner, today=today)[0]
    assert (row.last_visit, row.status) == (today, "ok")
    assert row.due_on == today + dt.timedelta(days=90)
    assert visit_calendar(user=cast.owner, today=today + dt.timedelta(days=100))[0].status == (
        "overdue"
    )


def test_it_refuses_a_visit_by_another_manager_or_with_bad_topics(cast: Cast) -> None:
    with pytest.raises(Refused) as refused:
        visit_record(
            account=cast.mine,
            visited_on=timezone.localdate(),
            people_met="张部长",
            topics=["tariff_bill"],
            notes="",
            acting_user=cast.colleague,
        )
    assert refused.value.code == "keyaccounts.not_account_manager"
    with pytest.raises(Invalid) as invalid:
        visit_record(
            account=cast.mine,
            visited_on=timezone.localdate(),
            people_met="张部长",
            topics=["gossip"],
            notes="",
            acting_user=cast.owner,
        )
    assert invalid.value.code == "keyaccounts.topics_invalid"
    assert set(invalid.value.fields) == {"topics"}
    assert not Visit.objects.exists()


def test_a_report_creates_reported_needs_owned_by_the_specialist(cast: Cast) -> None:
    needs = _need(cast, "增容", "", "分时电价咨询")
    assert [(n.title, n.stage, n.owner) for n in needs] == [
        ("增容", Stage.REPORTED, cast.specialist),
        ("分时电价咨询", Stage.REPORTED, cast.specialist),
    ]


def test_it_refuses_a_report_to_someone_who_is_not_a_specialist(cast: Cast) -> None:
    with pytest.raises(Invalid) as invalid:
        report_send(
            account=cast.mine,
            specialist=cast.colleague,
            summary="x",
            needs=["y"],
            acting_user=cast.owner,
        )
    assert invalid.value.code == "keyaccounts.not_a_specialist"
    assert not Need.objects.exists()


def test_the_whole_pipeline_with_owner_and_dates(cast: Cast) -> None:
    need = _at(cast, Stage.FULFILLED)
    need.refresh_from_db()
    assert need.stage == Stage.FULFILLED
    assert need.owner == cast.owner
    assert need.analysed_at
    assert need.proposed_at
    assert need.decided_at
    assert need.fulfilled_at
    assert need.outcome == "客户意见"
    moves = list(need.events.order_by("pk").values_list("from_stage", "to_stage"))
    assert moves == [
        ("reported", "analysed"),
        ("analysed", "proposed"),
        ("proposed", "confirmed"),
        ("confirmed", "fulfilled"),
    ]


def _try(cast: Cast, need: Need, to_stage: str) -> None:
    if to_stage in (Stage.ANALYSED, Stage.MERGED, Stage.REJECTED):
        action = {"analysed": "accept", "merged": "merge", "rejected": "reject"}[to_stage]
        target = _need(cast, "合并目标")[0]
        need_screen(
            need=need, action=action, reason="理由", merge_into=target, acting_user=cast.specialist
        )
    else:
        need_transition(need=need, to_stage=to_stage, outcome="理由", acting_user=cast.owner)


@pytest.mark.parametrize("from_stage", Stage.values)
def test_each_transition_is_allowed_or_refused_changing_nothing(
    cast: Cast, from_stage: str
) -> None:
    for to_stage in Stage.values:
        if to_stage == from_stage:
            continue
        need = _at(cast, from_stage)
        if to_stage in TRANSITIONS.get(from_stage, frozenset()):
            _try(cast, need, to_stage)
            need.refresh_from_db()
            assert need.stage == to_stage, (from_stage, to_stage)
            continue
        before = Event.objects.filter(need=need).count()
        with pytest.raises(DomainError) as refused:
            _try(cast, need, to_stage)
        assert isinstance(refused.value, TransitionRefused | Invalid), (from_stage, to_stage)
        assert refused.value.code.startswith("keyaccounts."), refused.value.code
        need.refresh_from_db()
        assert need.stage == from_stage, (from_stage, to_stage)
        assert Event.objects.filter(need=need).count() == before


def test_a_rejection_needs_a_reason(cast: Cast) -> None:
    need = _need(cast)[0]
    with pytest.raises(Invalid) as invalid:
        need_screen(need=need, action="reject", reason=" ", acting_user=cast.specialist)
    assert invalid.value.code == "keyaccounts.reason_missing"
    need.refresh_from_db()
    assert need.stage == Stage.REPORTED


def test_only_the_addressed_specialist_screens(cast: Cast) -> None:
    need = _need(cast)[0]
    for intruder in (cast.other_specialist, cast.owner, cast.outsider):
        with pytest.raises(Refused) as refused:
            need_screen(need=need, action="accept", acting_user=intruder)
        assert refused.value.code == "keyaccounts.not_the_screener"
    need.refresh_from_db()
    assert need.stage == Stage.REPORTED


def test_only_the_accounts_managers_move_a_need(cast: Cast) -> None:
    need = _at(cast, Stage.ANALYSED)
    for intruder in (cast.colleague, cast.specialist, cast.outsider):
        with pytest.raises(Refused) as refused:
            need_transition(need=need, to_stage=Stage.PROPOSED, acting_user=intruder)
        assert refused.value.code == "keyaccounts.not_account_manager"
    need_transition(need=need, to_stage=Stage.PROPOSED, acting_user=cast.backup)
    need.refresh_from_db()
    assert need.stage == Stage.PROPOSED


def test_a_decline_needs_the_customers_reason(cast: Cast) -> None:
    need = _at(cast, Stage.PROPOSED)
    with pytest.raises(Invalid) as invalid:
        need_transition(need=need, to_stage=Stage.DECLINED, acting_user=cast.owner)
    assert invalid.value.code == "keyaccounts.outcome_missing"
    need.refresh_from_db()
    assert need.stage == Stage.PROPOSED


def test_a_stale_copy_cannot_move_a_need_twice(cast: Cast) -> None:
    need = _at(cast, Stage.ANALYSED)
    stale = Need.objects.get(pk=need.pk)
    need_transition(need=need, to_stage=Stage.PROPOSED, acting_user=cast.owner)
    need_transition(need=need, to_stage=Stage.CONFIRMED, acting_user=cast.owner)
    stale.stage = Stage.PROPOSED
    with pytest.raises(Conflict) as conflict:
        need_transition(
            need=stale, to_stage=Stage.DECLINED, outcome="不需要", acting_user=cast.owner
        )
    assert conflict.value.code == "keyaccounts.need_moved_meanwhile"
    need.refresh_from_db()
    assert need.stage == Stage.CONFIRMED


def test_a_specialist_adds_a_latent_need_by_hand(cast: Cast) -> None:
    need = latent_need_add(
        account=cast.mine, title="屋顶光伏", detail="厂房屋顶面积大", acting_user=cast.specialist
    )
    assert (need.stage, need.origin, need.owner) == (Stage.ANALYSED, "latent", cast.owner)
    with pytest.raises(Refused) as refused:
        latent_need_add(account=cast.mine, title="储能", acting_user=cast.owner)
    assert refused.value.code == "keyaccounts.specialists_only"
