"""A planner builds an orderly-use plan for one supply station, adjusts it (excludes a
customer and solves again) and publishes it; the 360° page of an affected customer then
shows its schedule and the notice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from gridcrm.load.models import Plan, ScheduleNotice
from gridcrm.users.models import User
from tests.browser.test_agent_search import _login
from tests.conftest import Regions
from tests.load.conftest import Site, planner, site  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_planner_builds_adjusts_and_publishes_a_plan_for_one_station(
    page: Page,
    live_server: LiveServer,
    planner: User,  # noqa: F811
    site: Site,  # noqa: F811
    regions: Regions,
) -> None:
    day = timezone.localdate() + dt.timedelta(days=3)
    _login(page, live_server, "planner")
    page.goto(f"{live_server.url}/load/")
    form = page.get_by_test_id("plan-form")
    form.locator("[name=name]").fill("北大街供电所 晚高峰错峰")
    form.locator("[name=region]").select_option(str(regions.station_a1.pk))
    form.locator("[name=first_day]").fill(day.isoformat())
    form.locator("[name=target_kw]").fill("2400")
    form.locator("[name=window_start]").fill("18:00")
    form.locator("[name=window_end]").fill("21:00")
    form.locator("[name=peak_demand_kw]").fill("20000")
    page.get_by_test_id("plan-create").click()

    expect(page.get_by_test_id("warning-level")).to_have_attribute("data-level", "II")
    page.get_by_test_id("solve").click()
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "solved")
    expect(page.get_by_test_id(f"schedule-{site.steel.account_no}")).to_be_visible()
    expect(page.locator("[data-testid=gap-chart] .main-svg").first).to_be_visible()

    # Adjust: keep the steel works out, solve again; the gap is closed without it.
    page.get_by_test_id(f"exclude-{site.steel.account_no}").click()
    expect(page.get_by_test_id("excluded")).to_contain_text(site.steel.account_no)
    page.get_by_test_id("solve").click()
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "solved")
    expect(page.get_by_test_id(f"schedule-{site.steel.account_no}")).to_have_count(0)
    expect(page.get_by_test_id(f"schedule-{site.chemicals.account_no}")).to_be_visible()

    scheduled = page.get_by_test_id("customers-scheduled").inner_text()
    page.get_by_test_id("publish").click()
    # Publishing asks first: nothing is sent until the planner confirms.
    expect(page.get_by_test_id("confirm-customers")).to_have_text(scheduled)
    assert not ScheduleNotice.objects.exists()
    page.get_by_test_id("confirm-publish").click()
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "published")
    plan = Plan.objects.get()
    assert ScheduleNotice.objects.filter(plan=plan, customer=site.chemicals).exists()

    page.get_by_test_id(f"schedule-{site.chemicals.account_no}").get_by_role("link").first.click()
    panel = page.get_by_test_id("orderly-use-panel")
    expect(panel.get_by_test_id("customer-schedules")).to_contain_text(day.isoformat())
    expect(panel.get_by_test_id("customer-load-notices")).to_contain_text("北大街供电所 晚高峰错峰")
