"""Notices: an outage notice reaches exactly the customers under the chosen transformer
areas, earlier for AAA than for B; bad notices are refused and send nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gridcrm.archive.models import Customer
from gridcrm.core.errors import DomainError
from gridcrm.service.models import Notice, NoticeDelivery
from gridcrm.service.notices import (
    Target,
    deliveries_send_due,
    notice_create,
    notice_publish,
    notice_withdraw,
)
from gridcrm.service.selectors import customer_timeline, notices_for_customer
from gridcrm.service.transports import NOT_CONFIGURED
from gridcrm.users.models import User
from tests.conftest import make_customer
from tests.service.conftest import local

pytestmark = pytest.mark.django_db

NOW = local(2025, 6, 2, 9, 0)
OUTAGE = local(2025, 6, 16, 8, 0)  # fourteen days ahead


@pytest.fixture
def street(regions: Any, grades: dict[str, str]) -> dict[str, Customer]:
    """Five households: two under area 1 (one AAA, one B), one under area 2, one under a
    same-named area of another station, one under area 3."""
    a1, b1 = regions.station_a1, regions.station_b1
    made = {
        "aaa": make_customer(a1, "0100000011", "张一", transformer_area="德胜街1号台区"),
        "b": make_customer(a1, "0100000012", "张二", transformer_area="德胜街1号台区"),
        "two": make_customer(a1, "0100000013", "张三", transformer_area="德胜街2号台区"),
        "elsewhere": make_customer(b1, "0200000014", "张四", transformer_area="德胜街1号台区"),
        "three": make_customer(a1, "0100000015", "张五", transformer_area="德胜街3号台区"),
    }
    grades["0100000011"] = "AAA"
    grades["0100000012"] = "B"
    return made


def _outage(actor: User, targets: list[Target], start: dt.datetime = OUTAGE) -> Notice:
    return notice_create(
        kind="outage",
        topic="outage",
        title="德胜街计划停电",
        body="因线路检修，计划停电。",
        acting_user=actor,
        targets=targets,
        outage_start=start,
        outage_end=start + dt.timedelta(hours=6),
    )


def test_an_outage_notice_reaches_exactly_the_chosen_areas_earlier_for_aaa(
    planner: User, regions: Any, street: dict[str, Customer]
) -> None:
    code = regions.station_a1.code
    notice = _outage(
        planner,
        [
            Target("transformer_area", "德胜街1号台区", station=code),
            Target("transformer_area", "德胜街2号台区", station=code),
        ],
    )
    notice_publish(notice=notice, acting_user=planner, now=NOW)
    reached = set(
        NoticeDelivery.objects.filter(notice=notice).values_list("customer__account_no", flat=True)
    )
    assert reached == {"0100000011", "0100000012", "0100000013"}
    in_app = {
        d.customer.account_no: d
        for d in NoticeDelivery.objects.filter(notice=notice, channel="in_app").select_related(
            "customer"
        )
    }
    assert in_app["0100000011"].lead_days == 10
    assert in_app["0100000012"].lead_days == 7
    assert in_app["0100000011"].send_at == OUTAGE - dt.timedelta(days=10)
    assert in_app["0100000012"].send_at == OUTAGE - dt.timedelta(days=7)
    assert in_app["0100000011"].send_at < in_app["0100000012"].send_at
    # Nothing is due yet; on its day the AAA customer's notices go out, the B's not yet.
    assert NoticeDelivery.objects.filter(notice=notice, status="scheduled").count() == 6
    deliveries_send_due(now=OUTAGE - dt.timedelta(days=9))
    handled = NoticeDelivery.objects.filter(notice=notice).exclude(status="scheduled")
    assert {d.customer.account_no for d in handled.select_related("customer")} == {"0100000011"}
    # No SMS gateway is configured here: the SMS fails and says why, nothing pretends.
    assert {d.channel: d.status for d in handled} == {"in_app": "sent", "sms": "failed"}
    assert handled.get(channel="sms").detail == str(NOT_CONFIGURED)
    assert notice in notices_for_customer(customer=street["aaa"])
    assert notice not in notices_for_customer(customer=street["b"])
    assert any(e.title == notice.title for e in customer_timeline(customer=street["aaa"]))


def test_an_area_without_a_station_covers_every_station(
    planner: User, street: dict[str, Customer]
) -> None:
    notice = _outage(planner, [Target("transformer_area", "德胜街1号台区")])
    notice_publish(notice=notice, acting_user=planner, now=NOW)
    reached = set(
        NoticeDelivery.objects.filter(notice=notice).values_list("customer__account_no", flat=True)
    )
    assert reached == {"0100000011", "0100000012", "0200000014"}


def test_a_lead_already_begun_is_sent_at_once_and_logged_as_late(
    planner: User, street: dict[str, Customer]
) -> None:
    notice = _outage(
        planner, [Target("transformer_area", "德胜街1号台区")], NOW + dt.timedelta(days=8)
    )
    notice_publish(notice=notice, acting_user=planner, now=NOW)
    aaa = NoticeDelivery.objects.get(notice=notice, customer=street["aaa"], channel="in_app")
    assert aaa.status == "sent"
    assert aaa.sent_at == NOW
    assert aaa.detail
    b = NoticeDelivery.objects.get(notice=notice, customer=street["b"], channel="in_app")
    assert b.status == "scheduled"


def test_a_notice_with_no_audience_is_refused_and_sends_nothing(
    planner: User, street: dict[str, Customer]
) -> None:
    notice = _outage(planner, [Target("transformer_area", "不存在的台区")])
    with pytest.raises(DomainError) as refused:
        notice_publish(notice=notice, acting_user=planner, now=NOW)
    assert refused.value.code == "service.no_audience"
    notice.refresh_from_db()
    assert notice.status == "draft"
    assert not NoticeDelivery.objects.exists()
    untargeted = _outage(planner, [])
    with pytest.raises(DomainError) as untargeted_refused:
        notice_publish(notice=untargeted, acting_user=planner, now=NOW)
    assert untargeted_refused.value.code == "service.no_audience"


def test_an_outage_announced_less_than_seven_days_ahead_is_refused(
    planner: User, street: dict[str, Customer]
) -> None:
    notice = _outage(
        planner, [Target("transformer_area", "德胜街1号台区")], NOW + dt.timedelta(days=6)
    )
    with pytest.raises(DomainError) as refused:
        notice_publish(notice=notice, acting_user=planner, now=NOW)
    assert refused.value.code == "service.outage_too_soon"
    assert not NoticeDelivery.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"title": " "},
        {"outage_end": OUTAGE - dt.timedelta(hours=1)},
        {"targets": [Target("station", "NOPE")]},
        {"targets": [Target("feeder", "10kV 1号线")]},
    ],
)
def test_bad_notices_are_refused(planner: User, change: dict[str, Any]) -> None:
    data: dict[str, Any] = {
        "kind": "outage",
        "topic": "outage",
        "title": "停电",
        "body": "检修",
        "acting_user": planner,
        "targets": [],
        "outage_start": OUTAGE,
        "outage_end": OUTAGE + dt.timedelta(hours=2),
    } | change
    with pytest.raises(DomainError) as refused:
        notice_create(**data)
    assert refused.value.code == "service.invalid_configuration"
    assert not Notice.objects.exists()


def test_a_policy_notice_is_read_by_every_customer(
    manager: User, street: dict[str, Customer]
) -> None:
    notice = notice_create(
        kind="policy",
        topic="tariff",
        title="关于调整居民阶梯电价的通知",
        body="……",
        acting_user=manager,
        effective_on=dt.date(2025, 7, 1),
    )
    notice_publish(notice=notice, acting_user=manager, now=NOW)
    assert all(notice in notices_for_customer(customer=c) for c in street.values())


def test_only_publishers_write_notices_and_withdrawal_cancels_what_is_unsent(
    agent: User, planner: User, street: dict[str, Customer]
) -> None:
    with pytest.raises(DomainError) as refused:
        _outage(agent, [Target("transformer_area", "德胜街1号台区")])
    assert refused.value.code == "service.refused"
    notice = _outage(planner, [Target("transformer_area", "德胜街1号台区")])
    notice_publish(notice=notice, acting_user=planner, now=NOW)
    notice_withdraw(notice=notice, acting_user=planner)
    assert set(NoticeDelivery.objects.values_list("status", flat=True)) == {"cancelled"}
