"""Pages and API of orderly power use: who may see and do what; customer data in scope only."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from gridcrm.load.models import Plan, ProductionProfile
from gridcrm.users.models import User
from tests.conftest import PASSWORD, Regions
from tests.load.conftest import Site
from tests.load.test_plans import NOW, make_plan

pytestmark = pytest.mark.django_db


def login(client: Client, user: User) -> Client:
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_a_planner_creates_a_plan_from_a_target_reduction(
    client: Client, planner: User, regions: Regions, site: Site
) -> None:
    login(client, planner)
    response = client.post(
        "/load/plans/new/",
        {
            "name": "晚高峰",
            "region": regions.station_a1.pk,
            "first_day": "2030-07-16",
            "day_count": 1,
            "target_kw": 2500,
            "window_start": "18:00",
            "window_end": "21:00",
            "peak_demand_kw": 20000,
            "fairness_cap": 0.6,
        },
    )
    plan = Plan.objects.get()
    assert response.status_code == 302
    assert plan.warning_level == "II"
    assert plan.gap_kw[72] == 2500
    assert plan.gap_kw[84] == 0
    assert client.get(f"/load/plans/{plan.pk}/").status_code == 200


def test_the_plan_pages_are_closed_to_roles_without_plans(
    client: Client, collector_a: User, outsider: User, planner: User, regions: Regions
) -> None:
    plan = make_plan(planner, regions, 1000)
    for user in (collector_a, outsider):
        login(client, user)
        assert client.get("/load/").status_code == 403
        assert client.post(f"/load/plans/{plan.pk}/solve/").status_code == 403
        assert client.get(f"/load/plans/{plan.pk}/").status_code == 404
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFT


def test_the_customer_panel_is_in_scope_only(
    client: Client, collector_a: User, collector_b: User, site: Site
) -> None:
    login(client, collector_a)
    assert client.get(f"/load/customers/{site.steel.account_no}/").status_code == 200
    login(client, collector_b)
    assert client.get(f"/load/customers/{site.steel.account_no}/").status_code == 404
    assert client.get(f"/load/customers/{site.steel.account_no}/profile/").status_code == 404


def test_a_collector_declares_production_data_in_the_form(
    client: Client, collector_a: User, site: Site
) -> None:
    login(client, collector_a)
    profile = ProductionProfile.objects.get(customer=site.shop)
    response = client.post(
        f"/load/customers/{site.shop.account_no}/profile/",
        {
            "version": profile.version,
            "security_load_kw": "80",
            "typical_load_kw": "400",
            "shiftable_kw": "0",
            "shift_notice_hours": "24",
            "curtailable_kw": "200",
            "curtail_notice_hours": "2",
            "interruptible_kw": "0",
            "interrupt_notice_hours": "1",
            "protection": "auto",
        },
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert float(profile.curtailable_kw) == 200
    assert profile.version == 2


def test_the_api_builds_solves_and_publishes_a_plan(
    client: Client, planner: User, regions: Regions, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    login(client, planner)
    created = client.post(
        "/api/load/plans",
        json.dumps(
            {
                "name": "API",
                "region": regions.station_a1.code,
                "days": ["2030-07-16"],
                "target_kw": 2500,
                "window_start": "18:00",
                "window_end": "21:00",
                "peak_demand_kw": 20000,
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    plan_id = created.json()["id"]
    solved = client.post(f"/api/load/plans/{plan_id}/solve")
    assert solved.json()["status"] == "solved"
    schedules = client.get(f"/api/load/plans/{plan_id}/schedules").json()
    assert {s["account_no"] for s in schedules} == {
        site.chemicals.account_no,
        site.steel.account_no,
    }
    published = client.post(f"/api/load/plans/{plan_id}/publish")
    assert published.json()["status"] == "published"
    mine = client.get(f"/api/load/customers/{site.chemicals.account_no}/schedules").json()
    assert mine
    assert mine[0]["day"] == "2030-07-16"


def test_the_api_hides_customers_out_of_scope(
    client: Client, collector_b: User, site: Site
) -> None:
    login(client, collector_b)
    assert client.get(f"/api/load/customers/{site.steel.account_no}/production").status_code == 404
    assert client.post("/api/load/plans", "{}", content_type="application/json").status_code in (
        403,
        422,
    )


def test_the_composition_page_draws_without_readings(
    client: Client, planner: User, site: Site, lake_dir: object
) -> None:
    login(client, planner)
    assert client.get("/load/composition/?by=industry").status_code == 200
    assert client.get("/load/tou/").status_code == 200


def test_planner_sees_the_plan_in_the_navigation(client: Client, planner: User) -> None:
    login(client, planner)
    response = client.get("/load/")
    assert any(item["key"] == "load" for item in response.context["nav_items"])


def test_the_api_answers_refusals_with_their_codes(
    client: Client, planner: User, collector_a: User, regions: Regions, site: Site
) -> None:
    login(client, planner)
    unknown = client.post(
        "/api/load/plans",
        json.dumps({"name": "x", "region": "NOPE", "days": ["2030-07-16"], "target_kw": 1}),
        content_type="application/json",
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "load.unknown_region")
    no_gap = client.post(
        "/api/load/plans",
        json.dumps({"name": "x", "region": regions.station_a1.code, "days": ["2030-07-16"]}),
        content_type="application/json",
    )
    assert (no_gap.status_code, no_gap.json()["code"]) == (422, "load.invalid_plan")
    plan = make_plan(planner, regions, 1000)
    draft = client.post(f"/api/load/plans/{plan.pk}/publish")
    assert (draft.status_code, draft.json()["code"]) == (409, "load.plan_not_solved")

    login(client, collector_a)
    refused = client.post(f"/api/load/plans/{plan.pk}/solve")
    assert (refused.status_code, refused.json()["code"]) == (403, "load.may_not_plan")
    assert client.get("/api/load/plans").json()["code"] == "load.may_not_plan"
    stale = client.put(
        f"/api/load/customers/{site.shop.account_no}/production",
        json.dumps({"security_load_kw": "60", "version": 0}),
        content_type="application/json",
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "load.stale_profile")
    too_much = client.put(
        f"/api/load/customers/{site.shop.account_no}/production",
        json.dumps({"security_load_kw": "5000"}),
        content_type="application/json",
    )
    assert (too_much.status_code, too_much.json()["code"]) == (422, "load.invalid_profile")
    assert "security_load_kw" in too_much.json()["fields"]


def test_a_refused_plan_action_is_a_message_on_the_plan_page(
    client: Client, planner: User, regions: Regions
) -> None:
    plan = make_plan(planner, regions, 1000)
    login(client, planner)
    response = client.post(f"/load/plans/{plan.pk}/publish/", {"confirm": "publish"}, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
