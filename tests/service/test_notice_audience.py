"""A notice's audience is picked from lists (issue 16): the districts, supply stations and
transformer areas under the author's scope, not typed as ``station YQ0101``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from gridcrm.service.models import Notice
from gridcrm.users.models import User
from tests.conftest import Regions, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas(regions: Regions) -> None:
    make_customer(regions.station_a1, "0100000011", "张三", transformer_area="德胜街1号台区")
    make_customer(regions.station_b1, "0200000011", "李四", transformer_area="秀水2号台区")


def _outage(**audience: object) -> dict[str, object]:
    start = timezone.localtime(timezone.now() + dt.timedelta(days=10)).replace(microsecond=0)
    return {
        "kind": "outage",
        "title": "计划停电",
        "body": "线路检修",
        "outage_start": start.strftime("%Y-%m-%dT%H:%M"),
        "outage_end": (start + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
        **audience,
    }


def test_the_lists_offer_what_is_under_the_authors_scope(
    client: Client, manager: User, collector_a: User, regions: Regions, areas: None
) -> None:
    client.force_login(manager)
    form = client.get("/service/notices/new/").context["form"]
    assert {c for c, _ in form.fields["stations"].choices} == {"YQ0101", "YQ0102", "YQ0201"}
    assert {"YQ01", "YQ02"} <= {c for c, _ in form.fields["regions"].choices}
    page = client.get("/service/notices/new/").content.decode()
    for shown in ("北大街供电所", "德胜街1号台区", "秀水2号台区"):
        assert shown in page

    client.force_login(collector_a)
    form = client.get("/service/notices/new/").context["form"]
    assert [c for c, _ in form.fields["stations"].choices] == ["YQ0101"]
    assert form.fields["regions"].choices == []
    assert [a for _station, group in form.fields["areas"].choices for a, _ in group] == [
        "YQ0101|德胜街1号台区"
    ]


def test_a_notice_targets_the_picked_station_and_area(
    client: Client, manager: User, areas: None
) -> None:
    client.force_login(manager)
    response = client.post(
        "/service/notices/new/",
        _outage(stations=["YQ0102"], areas=["YQ0101|德胜街1号台区"]),
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    notice = Notice.objects.get()
    assert sorted(notice.targets.values_list("scope", "value", "station")) == [
        ("station", "YQ0102", ""),
        ("transformer_area", "德胜街1号台区", "YQ0101"),
    ]


def test_a_pick_outside_the_lists_is_refused_and_nothing_is_written(
    client: Client, collector_a: User, areas: None
) -> None:
    client.force_login(collector_a)
    response = client.post("/service/notices/new/", _outage(stations=["YQ0201"]))
    assert response.status_code == 200
    assert response.context["form"].errors["stations"]
    assert not Notice.objects.exists()
