"""Grid safety: the registry's risks (important customers out of compliance, overdue tests)
and those contributed by other apps become alerts once, close when they clear, and are
ranked by station on the safety overview, scoped like the rest of the grid."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import Client

from gridcrm.alerts.models import Alert
from gridcrm.alerts.services import alert_acknowledge, alerts_sweep
from gridcrm.core.extensions import GRID_RISKS, GridRisk
from gridcrm.grid.alerts import grid_alerts_check
from gridcrm.grid.models import EmergencyPower, Meter, SupplySource
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from gridcrm.users.services import api_token_issue
from tests.conftest import Regions, make_user
from tests.grid.conftest import Grid

NOW = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)


def open_alerts() -> dict[str, str]:
    return dict(
        Alert.objects.exclude(status="closed").values_list("dedupe_key", "kind").order_by("pk")
    )


@pytest.fixture
def hazard(grid: Grid, regions: Regions) -> Iterator[list[GridRisk]]:
    """A stand-in for the safety app's contribution: the risks it reports now."""
    reported: list[GridRisk] = []
    GRID_RISKS.register("test_hazards", lambda today: list(reported))
    yield reported
    GRID_RISKS.unregister("test_hazards")


def hazard_risk(regions: Regions, severity: str) -> GridRisk:
    return GridRisk(
        kind="grid.hazard",
        severity=severity,
        region_id=regions.station_a1.pk,
        subject_type="hazard",
        subject_ref="H1",
        subject_label="德胜街超市",
        text="配电室漏水",
        link="/safety/hazards/1/",
    )


def test_an_important_customer_out_of_compliance_raises_one_alert_until_it_complies(
    grid: Grid, regions: Regions
) -> None:
    grid_alerts_check(NOW)
    assert open_alerts() == {"grid.important_gap:customer:0100000102": "grid.important_gap"}
    alert = Alert.objects.get()
    assert (alert.role, alert.escalation_role, alert.region) == (
        Role.REGIONAL_COLLECTOR,
        Role.MARKETING_MANAGER,
        regions.station_a1,
    )
    grid_alerts_check(NOW + dt.timedelta(hours=1))
    assert Alert.objects.count() == 1
    # The school gets its dual circuit and emergency power: the next check closes it.
    SupplySource.objects.create(customer=grid.school, feeder=grid.f_a1)
    EmergencyPower.objects.create(
        code="EP-0102", customer=grid.school, kind="generator", kw=Decimal("80")
    )
    grid_alerts_check(NOW + dt.timedelta(hours=2))
    alert.refresh_from_db()
    assert alert.status == "closed"
    assert open_alerts() == {}


def test_overdue_tests_raise_alerts_on_the_equipment(grid: Grid) -> None:
    grid.t_a2.last_test_on = dt.date(2022, 1, 10)
    grid.t_a2.save()
    grid.t_a1.last_test_on = dt.date(2025, 1, 10)  # within three years: not overdue
    grid.t_a1.save()
    Meter.objects.filter(serial="M0301").update(verification_due=dt.date(2026, 11, 30))
    EmergencyPower.objects.filter(code="EP-0101").update(last_test_on=dt.date(2025, 6, 1))
    grid_alerts_check(NOW)
    assert {k for k, kind in open_alerts().items() if kind == "grid.test_overdue"} == {
        "grid.test_overdue:transformer:T-A2",
        "grid.test_overdue:meter:M0301",
        "grid.test_overdue:emergency_power:EP-0101",
    }


def test_contributed_risks_are_alerted_from_warning_up_and_escalated_by_the_sweep(
    grid: Grid, regions: Regions, hazard: list[GridRisk]
) -> None:
    hazard.append(hazard_risk(regions, "info"))  # within its deadline: overview only
    grid_alerts_check(NOW)
    assert "grid.hazard:hazard:H1" not in open_alerts()
    hazard[0] = hazard_risk(regions, "critical")  # past its deadline
    collector = make_user("collector_a1", Role.REGIONAL_COLLECTOR, regions.station_a1)
    alerts_sweep(now=NOW)
    raised = Alert.objects.get(dedupe_key="grid.hazard:hazard:H1")
    alert_acknowledge(alert_id=raised.pk, acting_user=collector, now=NOW)
    later = alerts_sweep(now=NOW + dt.timedelta(days=2))
    assert later["escalated"] == 1  # the school's gap, not the acknowledged hazard
    raised.refresh_from_db()
    assert raised.level == 0
    assert Alert.objects.get(dedupe_key="grid.important_gap:customer:0100000102").level == 1


def test_the_safety_overview_ranks_stations_and_links_the_records(
    grid: Grid, manager: User, regions: Regions, hazard: list[GridRisk], client: Client
) -> None:
    hazard.append(hazard_risk(regions, "critical"))
    grid.t_a3.last_test_on = dt.date(2020, 1, 1)
    grid.t_a3.save()
    client.force_login(manager)
    page = client.get("/grid/safety/").content.decode()
    ranked = re.findall(r'<tr data-station="([^"]*)"', page)
    # A1: the school's gap (warning, 1) and the hazard (critical, 3); district A: T-A3's
    # overdue test (warning, 1).
    assert ranked == ["YQ0101", "YQ01"]
    series = re.search(r'data-series="([^"]*)"', page)
    assert series is not None
    chart = json.loads(html.unescape(series.group(1)))
    # One trace per kind, important customers first; each bar opens its records.
    assert (chart[0]["y"], chart[0]["customdata"][0]) == (
        [1, 0],
        "/grid/safety/?station=YQ0101&kind=grid.important_gap#risks",
    )
    listed = client.get("/grid/safety/?station=YQ0101&kind=grid.important_gap").content.decode()
    assert re.findall(r'data-subject="([^"]*)"', listed) == ["0100000102"]
    assert 'href="/customers/0100000102/"' in listed


def test_a_collector_sees_the_risks_of_their_region_only(
    grid: Grid, regions: Regions, collector_a: User, collector_b: User, client: Client
) -> None:
    grid.t_a3.last_test_on = dt.date(2020, 1, 1)  # on a substation of district A
    grid.t_a3.save()
    EmergencyPower.objects.filter(code="EP-0101").update(last_test_on=dt.date(2024, 1, 1))
    client.force_login(collector_a)
    page = client.get("/grid/safety/").content.decode()
    # The school (A1) and district A's transformer; not the hospital's unit (station A2).
    assert set(re.findall(r'data-subject="([^"]*)"', page)) == {"0100000102", "T-A3"}
    headers = {"Authorization": f"Bearer {api_token_issue(user=collector_b, name='t')}"}
    theirs = Client().get("/api/grid/safety", headers=headers).json()
    assert theirs == []
    assert client.get("/grid/feeders/F-B1/").status_code == 404


def test_the_feeder_page_is_a_tree_of_transformers_and_customers(
    grid: Grid, manager: User, client: Client
) -> None:
    client.force_login(manager)
    page = client.get("/grid/feeders/F-A2/").content.decode()
    assert re.search(r'<details id="t-T-A2" data-transformer="T-A2" open>', page)
    assert re.findall(r'data-account="([^"]*)"', page) == ["0100000102", "0100000103"]
    trunk = client.get("/grid/feeders/F-A1/").content.decode()
    assert 'data-branch="F-A1B"' in trunk
