"""The alerts inbox: a condition raises one alert while it holds, an unacknowledged alert is
escalated once to the next level, an acknowledged one never; each person sees the alerts
of their roles in their region. Time is passed in (a fake clock), never waited for."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from gridcrm.alerts.errors import AlertClosed, AlertNotFound, InvalidAlert
from gridcrm.alerts.models import Alert, AlertEvent
from gridcrm.alerts.selectors import alerts_inbox, alerts_unacknowledged_count
from gridcrm.alerts.services import (
    alert_acknowledge,
    alert_close,
    alert_raise,
    alerts_close_cleared,
    alerts_escalate_sweep,
)
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from gridcrm.users.services import api_token_issue
from tests.conftest import Regions, make_user

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def manager(regions: Regions) -> User:
    user = make_user("manager", Role.MARKETING_MANAGER)
    User.objects.filter(pk=user.pk).update(email="manager@example.cn")
    user.refresh_from_db()
    return user


@pytest.fixture
def collector(regions: Regions) -> User:
    user = make_user("collector_a", Role.REGIONAL_COLLECTOR, regions.station_a1)
    User.objects.filter(pk=user.pk).update(email="collector@example.cn")
    user.refresh_from_db()
    return user


def raise_gap(regions: Regions, *, at: dt.datetime = T0, key: str = "gap:0100000102") -> Alert:
    return alert_raise(
        kind="grid.important_gap",
        dedupe_key=key,
        subject_type="customer",
        subject_ref="0100000102",
        subject_label="阳泉市第二中学",
        severity="critical",
        region_id=regions.station_a1.pk,
        role=Role.REGIONAL_COLLECTOR,
        escalation_role=Role.MARKETING_MANAGER,
        escalate_after_hours=4,
        text="Too few supply sources",
        link="/customers/0100000102/",
        now=at,
    ).alert


def test_a_condition_that_holds_is_raised_once_and_again_after_it_was_closed(
    regions: Regions, collector: User
) -> None:
    first = raise_gap(regions)
    again = alert_raise(
        kind="grid.important_gap",
        dedupe_key="gap:0100000102",
        subject_type="customer",
        subject_ref="0100000102",
        role=Role.REGIONAL_COLLECTOR,
        region_id=regions.station_a1.pk,
        now=T0 + dt.timedelta(hours=1),
    )
    assert (again.created, again.alert.pk) == (False, first.pk)
    assert Alert.objects.count() == 1
    assert again.alert.last_seen_at == T0 + dt.timedelta(hours=1)
    assert AlertEvent.objects.filter(kind="raised").count() == 1
    alert_close(alert_id=first.pk, acting_user=collector, now=T0 + dt.timedelta(hours=2))
    third = raise_gap(regions, at=T0 + dt.timedelta(hours=3))
    assert third.pk != first.pk
    assert Alert.objects.filter(status="closed").count() == 1


def test_the_responsible_people_are_told_by_email_and_in_the_inbox(
    regions: Regions, collector: User, manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        raise_gap(regions)
    assert [m.to for m in mail.outbox] == [["collector@example.cn"]]
    assert alerts_unacknowledged_count(user=collector) == 1
    # The manager's inbox holds it only once escalated.
    assert alerts_unacknowledged_count(user=manager) == 0


def test_an_unacknowledged_alert_is_escalated_once_when_its_time_is_up(
    regions: Regions, collector: User, manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    alert = raise_gap(regions)
    assert alerts_escalate_sweep(now=T0 + dt.timedelta(hours=3, minutes=59)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_escalate_sweep(now=T0 + dt.timedelta(hours=4)) == 1
    alert.refresh_from_db()
    assert (alert.level, alert.escalated_at) == (1, T0 + dt.timedelta(hours=4))
    assert [m.to for m in mail.outbox] == [["manager@example.cn"]]
    assert [a.pk for a in alerts_inbox(user=manager)] == [alert.pk]
    assert [a.pk for a in alerts_inbox(user=collector)] == [alert.pk]
    assert alerts_escalate_sweep(now=T0 + dt.timedelta(hours=30)) == 0
    assert AlertEvent.objects.filter(kind="escalated").count() == 1


def test_an_acknowledged_alert_is_not_escalated(
    regions: Regions, collector: User, manager: User
) -> None:
    alert = raise_gap(regions)
    alert_acknowledge(alert_id=alert.pk, acting_user=collector, now=T0 + dt.timedelta(hours=1))
    assert alerts_escalate_sweep(now=T0 + dt.timedelta(hours=48)) == 0
    alert.refresh_from_db()
    assert (alert.status, alert.level, alert.acknowledged_by) == ("acknowledged", 0, collector)
    assert list(alerts_inbox(user=manager)) == []
    with pytest.raises(AlertClosed):
        alert_acknowledge(alert_id=alert.pk, acting_user=collector)


def test_a_cleared_condition_closes_its_alert(regions: Regions) -> None:
    kept = raise_gap(regions)
    gone = raise_gap(regions, key="gap:0100000103")
    assert alerts_close_cleared(kind="grid.important_gap", holding=[kept.dedupe_key]) == 1
    gone.refresh_from_db()
    kept.refresh_from_db()
    assert (gone.status, kept.status) == ("closed", "open")


def test_another_region_or_role_neither_sees_nor_acts_on_an_alert(
    regions: Regions, collector: User, outsider: User
) -> None:
    alert = raise_gap(regions)
    other = make_user("collector_b", Role.REGIONAL_COLLECTOR, regions.station_b1)
    agent = make_user("agent", Role.SERVICE_AGENT)
    for user in (other, agent, outsider):
        assert list(alerts_inbox(user=user)) == []
        with pytest.raises(AlertNotFound):
            alert_acknowledge(alert_id=alert.pk, acting_user=user)
    alert.refresh_from_db()
    assert alert.status == "open"


def test_a_bad_alert_is_refused_and_nothing_is_written(regions: Regions) -> None:
    with pytest.raises(InvalidAlert) as refused:
        alert_raise(
            kind="grid.important_gap",
            dedupe_key="",
            subject_type="customer",
            subject_ref="x",
            role="nobody",
        )
    assert refused.value.code == "alerts.invalid"
    assert set(refused.value.fields) == {"dedupe_key", "role"}
    assert not Alert.objects.exists()


def test_the_api_lists_acknowledges_and_closes_with_a_bearer_token(
    regions: Regions, collector: User
) -> None:
    alert = raise_gap(regions)
    client = Client(enforce_csrf_checks=True)
    headers = {"Authorization": f"Bearer {api_token_issue(user=collector, name='t')}"}
    listed = client.get("/api/alerts", headers=headers).json()
    assert [(a["id"], a["kind"], a["region"]) for a in listed] == [
        (alert.pk, "grid.important_gap", "YQ0101")
    ]
    done = client.post(f"/api/alerts/{alert.pk}/acknowledge", headers=headers)
    assert (done.status_code, done.json()["status"]) == (200, "acknowledged")
    twice = client.post(f"/api/alerts/{alert.pk}/acknowledge", headers=headers)
    assert (twice.status_code, twice.json()["code"]) == (409, "alerts.not_open")
    closed = client.post(
        f"/api/alerts/{alert.pk}/close",
        {"reason": "fixed"},
        content_type="application/json",
        headers=headers,
    )
    assert closed.json()["status"] == "closed"
    assert client.get("/api/alerts?status=closed", headers=headers).json()[0]["id"] == alert.pk
    other = make_user("collector_b", Role.REGIONAL_COLLECTOR, regions.station_b1)
    theirs = {"Authorization": f"Bearer {api_token_issue(user=other, name='t')}"}
    answer = client.post(
        f"/api/alerts/{alert.pk}/close", {}, content_type="application/json", headers=theirs
    )
    assert (answer.status_code, answer.json()["code"]) == (404, "alerts.not_found")


def test_the_inbox_page_counts_in_the_navigation_and_acknowledges(
    regions: Regions, collector: User, client: Client
) -> None:
    alert = raise_gap(regions)
    client.force_login(collector)
    page = client.get("/alerts/").content.decode()
    assert f'data-alert="{alert.pk}"' in page
    assert 'data-testid="unacknowledged">1<' in page
    assert re.search(r'<a href="/alerts/" class="active">[^<]* \(1\)</a>', page)
    response = client.post(f"/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    other = make_user("collector_b", Role.REGIONAL_COLLECTOR, regions.station_b1)
    client.force_login(other)
    assert f'data-alert="{alert.pk}"' not in client.get("/alerts/").content.decode()
    client.post(f"/alerts/{alert.pk}/close/")
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
