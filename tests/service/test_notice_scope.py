"""Notices through the one door: delivery logs only for roles that write notices and only to
customers they may see; a regional author's notices stay inside their region (refused with a
code, nothing written or sent); a portal customer reads only the notices meant for them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gridcrm.archive.models import Customer
from gridcrm.service.models import Notice, NoticeDelivery
from gridcrm.service.notices import Target, notice_create, notice_publish
from gridcrm.service.selectors import notices_visible_to
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_customer, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(regions: Regions, customer_a: Customer) -> User:
    """The portal login of customer A (station A1)."""
    user = make_user("portal_a", Role.CUSTOMER)
    Customer.objects.filter(pk=customer_a.pk).update(portal_user=user)
    return user


@pytest.fixture
def both_stations(regions: Regions, customer_a: Customer, customer_b: Customer) -> Customer:
    """A second household in station B1, so a notice for B1 reaches two customers."""
    return make_customer(regions.station_b1, "0200000099", "李四")


def _outage(actor: User, *targets: Target) -> Notice:
    start = timezone.now() + dt.timedelta(days=14)
    return notice_create(
        kind="outage",
        topic="outage",
        title="计划停电",
        body="因线路检修，计划停电。",
        acting_user=actor,
        targets=list(targets),
        outage_start=start,
        outage_end=start + dt.timedelta(hours=6),
    )


@pytest.fixture
def published(planner: User, regions: Regions, both_stations: Customer) -> Notice:
    """An outage notice for stations A1 and B1, published by the (company-wide) planner."""
    notice = _outage(
        planner,
        Target("station", regions.station_a1.code),
        Target("station", regions.station_b1.code),
    )
    return notice_publish(notice=notice, acting_user=planner)


def _accounts(response: Any) -> set[str]:
    return {row["account_no"] for row in response.json()["items"]}


# --- the delivery log ---------------------------------------------------------------------


def test_the_delivery_log_answers_by_role_and_scope(
    client: Client,
    published: Notice,
    portal: User,
    agent: User,
    collector_a: User,
    collector_b: User,
    planner: User,
) -> None:
    url = f"/api/service/notices/{published.pk}/deliveries"
    assert client.get(url).status_code == 401
    client.force_login(portal)  # customers use the portal API only (docs/portal.md)
    assert client.get(url).status_code == 401
    client.force_login(agent)  # a role that writes no notices
    response = client.get(url)
    assert response.status_code == 403
    assert response.json()["code"] == "service.deliveries_refused"
    client.force_login(collector_b)  # the right role, scoped to B1
    assert _accounts(client.get(url)) == {"0200000001", "0200000099"}
    client.force_login(collector_a)  # the right role, scoped to A1
    assert _accounts(client.get(url)) == {"0100000001"}
    client.force_login(planner)  # company-wide
    assert _accounts(client.get(url)) == {"0100000001", "0200000001", "0200000099"}


def test_the_notice_page_shows_deliveries_only_within_scope(
    client: Client, published: Notice, agent: User, collector_a: User, planner: User
) -> None:
    url = f"/service/notices/{published.pk}/"
    client.force_login(agent)
    page = client.get(url).content.decode()
    assert 'data-testid="deliveries"' not in page
    assert "0100000001" not in page
    assert "0200000001" not in page
    assert 'data-testid="withdraw"' not in page
    client.force_login(collector_a)
    page = client.get(url).content.decode()
    assert "0100000001" in page
    assert "0200000001" not in page
    assert "0200000099" not in page
    client.force_login(planner)
    page = client.get(url).content.decode()
    assert "0100000001" in page
    assert "0200000001" in page


# --- writes stay inside the author's region ------------------------------------------------


def test_a_collector_writes_notices_only_for_their_own_region(
    client: Client, regions: Regions, collector_a: User, both_stations: Customer
) -> None:
    client.force_login(collector_a)
    start = (timezone.now() + dt.timedelta(days=14)).isoformat()
    end = (timezone.now() + dt.timedelta(days=14, hours=6)).isoformat()

    def post(*targets: dict[str, str]) -> Any:
        return client.post(
            "/api/service/notices",
            {
                "kind": "outage",
                "title": "停电",
                "body": "检修",
                "targets": list(targets),
                "outage_start": start,
                "outage_end": end,
            },
            content_type="application/json",
        )

    outside = [
        ({"scope": "station", "value": regions.station_b1.code},),
        ({"scope": "region", "value": regions.district_a.code},),  # above their station
        ({"scope": "region", "value": regions.company.code},),
        ({"scope": "transformer_area", "value": "德胜街1号台区"},),  # every station's area
        ({"scope": "transformer_area", "value": "1号台区", "station": regions.station_b1.code},),
        (
            {"scope": "station", "value": regions.station_a1.code},
            {"scope": "station", "value": regions.station_b1.code},
        ),
    ]
    for targets in outside:
        response = post(*targets)
        assert response.status_code == 403, targets
        assert response.json()["code"] == "service.notice_out_of_scope"
    assert not Notice.objects.exists()
    inside = post(
        {"scope": "station", "value": regions.station_a1.code},
        {"scope": "transformer_area", "value": "1号台区", "station": regions.station_a1.code},
    )
    assert inside.status_code == 201
    assert Notice.objects.count() == 1


def test_a_collector_cannot_publish_or_withdraw_another_regions_notice(
    client: Client, regions: Regions, manager: User, collector_a: User, both_stations: Customer
) -> None:
    # The district holds the collector's station: they see the notice, but it reaches
    # beyond their region.
    draft = _outage(manager, Target("region", regions.district_a.code))
    client.force_login(collector_a)
    response = client.post(f"/api/service/notices/{draft.pk}/publish")
    assert response.status_code == 403
    assert response.json()["code"] == "service.notice_out_of_scope"
    client.post(f"/service/notices/{draft.pk}/publish/")  # the page: refused the same way
    draft.refresh_from_db()
    assert draft.status == Notice.Status.DRAFT
    assert not NoticeDelivery.objects.exists()

    notice_publish(notice=draft, acting_user=manager)
    scheduled = NoticeDelivery.objects.filter(status=NoticeDelivery.Status.SCHEDULED).count()
    assert scheduled > 0
    client.post(f"/service/notices/{draft.pk}/withdraw/")
    draft.refresh_from_db()
    assert draft.status == Notice.Status.PUBLISHED
    assert NoticeDelivery.objects.filter(status=NoticeDelivery.Status.SCHEDULED).count() == (
        scheduled
    )


def test_a_collector_publishes_their_own_stations_notice(
    client: Client, regions: Regions, collector_a: User, customer_a: Customer
) -> None:
    draft = _outage(collector_a, Target("station", regions.station_a1.code))
    client.force_login(collector_a)
    assert client.post(f"/api/service/notices/{draft.pk}/publish").status_code == 200
    assert set(NoticeDelivery.objects.values_list("customer__account_no", flat=True)) == {
        "0100000001"
    }


# --- what a customer reads -------------------------------------------------------------------


def test_a_customer_reads_only_the_notices_meant_for_them(
    client: Client,
    regions: Regions,
    manager: User,
    portal: User,
    outsider: User,
    customer_a: Customer,
    customer_b: Customer,
) -> None:
    mine = notice_publish(
        notice=_outage(manager, Target("station", regions.station_a1.code)), acting_user=manager
    )
    other = notice_publish(
        notice=_outage(manager, Target("station", regions.station_b1.code)), acting_user=manager
    )
    _outage(manager, Target("station", regions.station_a1.code))  # a draft

    def policy(*targets: Target) -> Notice:
        notice = notice_create(
            kind="policy",
            topic="tariff",
            title="电价调整",
            body="自七月起执行。",
            acting_user=manager,
            targets=list(targets),
        )
        return notice_publish(notice=notice, acting_user=manager)

    everyone = policy()
    my_district = policy(Target("region", regions.district_a.code))
    their_district = policy(Target("region", regions.district_b.code))

    assert client.get("/api/service/notices").status_code == 401
    client.force_login(outsider)
    assert client.get("/api/service/notices").json()["items"] == []
    client.force_login(portal)
    # The staff list knows nothing of a customer login; the portal's selector shows them
    # their own notices (the portal inbox, tests/portal).
    assert client.get("/api/service/notices").status_code == 401
    seen = {notice.pk for notice in notices_visible_to(user=portal)}
    assert seen == {mine.pk, everyone.pk, my_district.pk}
    assert other.pk not in seen
    assert their_district.pk not in seen
    response = client.get(f"/api/service/notices/{other.pk}/deliveries")
    assert response.status_code == 401


# --- the notice list -------------------------------------------------------------------------


def _rows(page: str) -> dict[str, int]:
    """Title → delivery count of each row of the notice list page."""
    rows = re.findall(
        r'<a href="/service/notices/\d+/">([^<]+)</a>.*?<td class="num">(\d+)</td>', page, re.S
    )
    return {title: int(count) for title, count in rows}


def test_the_notice_list_shows_a_collector_only_notices_reaching_their_region(
    client: Client,
    regions: Regions,
    published: Notice,
    manager: User,
    planner: User,
    collector_a: User,
) -> None:
    b1_only = _outage(planner, Target("station", regions.station_b1.code))
    b1_only.title = "秀水线路检修"
    b1_only.save()
    notice_publish(notice=b1_only, acting_user=planner)
    b1_draft = _outage(manager, Target("station", regions.station_b1.code))
    b1_draft.title = "秀水草稿"
    b1_draft.save()
    district = _outage(manager, Target("region", regions.district_a.code))
    district.title = "城区检修"
    district.save()

    deliveries = NoticeDelivery.objects.filter(notice=published)
    in_a1 = deliveries.filter(customer__account_no="0100000001").count()
    assert 0 < in_a1 < deliveries.count()

    client.force_login(collector_a)
    rows = _rows(client.get("/service/notices/").content.decode())
    # The A1 + B1 notice counts only its deliveries to A1's household, not B1's two.
    assert rows == {"计划停电": in_a1, "城区检修": 0}
    listed = client.get("/api/service/notices").json()["items"]
    assert {n["title"] for n in listed} == {"计划停电", "城区检修"}
    assert client.get(f"/service/notices/{b1_only.pk}/").status_code == 404
    assert client.get(f"/api/service/notices/{b1_only.pk}/deliveries").status_code == 404

    client.force_login(planner)
    rows = _rows(client.get("/service/notices/").content.decode())
    assert rows == {
        "计划停电": deliveries.count(),
        "秀水线路检修": b1_only.deliveries.count(),
        "秀水草稿": 0,
        "城区检修": 0,
    }
