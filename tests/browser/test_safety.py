"""An inspector on a phone (390×844) records an inspection of a hospital with a hazard;
the hospital's contact finds the hazard notice (隐患告知书) in the portal inbox; the
inspector records the rectification the customer reports and re-inspects: closed."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from gridcrm.portal.services import account_bind
from gridcrm.safety.models import Hazard
from gridcrm.users.roles import Role
from tests.conftest import PASSWORD, Regions, make_user
from tests.safety.conftest import business

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _phone(browser: Browser, live_server: LiveServer, username: str) -> Page:
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.locator('[name="username"]').fill(username)
    page.locator('[name="password"]').fill(PASSWORD)
    page.locator('main button[type="submit"]').click()
    page.wait_for_load_state()
    return page


def _fits(page: Page, testid: str) -> None:
    box = page.get_by_test_id(testid).bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]


def test_an_inspector_records_a_hazard_the_customer_is_told_and_it_is_closed(
    browser: Browser, live_server: LiveServer, regions: Regions, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_user("inspector", Role.INSPECTOR, regions.district_a)
    hospital = business(
        regions.station_a2, "0100000101", "阳泉市第一人民医院", 101, importance_class="class_1"
    )
    contact = make_user("13900000101", Role.CUSTOMER)
    account_bind(user=contact, account_no=hospital.account_no, proof=hospital.name)

    page = _phone(browser, live_server, "inspector")
    page.goto(f"{live_server.url}/safety/")
    page.get_by_test_id("due").locator(f'[data-account="{hospital.account_no}"] a').click()
    form = page.get_by_test_id("inspection-form")
    _fits(page, "inspection-form")
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    form.locator('[name="check_grounding"][value="problem"]').check()
    form.locator('[name="hazards-0-description"]').fill("自备发电机未按期试运行")
    form.locator('[name="hazards-0-severity"]').select_option("major")
    form.locator('[name="result"][value="hazards"]').check()
    form.locator('[name="notes"]').fill("配电室整洁，发电机无试验记录")
    form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("inspection-hazards")).to_contain_text("自备发电机未按期试运行")
    expect(page.get_by_test_id("notice-sent")).to_be_visible()
    hazard = Hazard.objects.get()
    assert (hazard.severity, hazard.status) == ("major", Hazard.Status.OPEN)

    customer = _phone(browser, live_server, contact.username)
    customer.goto(f"{live_server.url}/portal/a/{hospital.account_no}/notices/")
    inbox = customer.get_by_test_id("inbox").locator("a").first
    inbox.click()
    expect(customer.get_by_test_id("notice")).to_contain_text("自备发电机未按期试运行")
    expect(customer.get_by_test_id("notice")).to_contain_text(hazard.deadline.isoformat())
    customer.context.close()

    page.get_by_test_id("inspection-hazards").get_by_text("自备发电机未按期试运行").click()
    page.get_by_test_id("report-form").locator('[name="note"]').fill("已完成发电机带载试验")
    page.get_by_test_id("report-form").locator('button[type="submit"]').click()
    reinspect = page.get_by_test_id("reinspect-form")
    _fits(page, "reinspect-form")
    reinspect.locator('[name="rectified"][value="1"]').check()
    reinspect.locator('[name="notes"]').fill("复查合格")
    reinspect.locator('button[type="submit"]').click()
    with translation.override("zh-hans"):
        closed = str(Hazard.Status.CLOSED.label)
    expect(page.get_by_test_id("hazard-status")).to_have_text(closed)
    hazard.refresh_from_db()
    assert (hazard.status, hazard.report_note) == (Hazard.Status.CLOSED, "已完成发电机带载试验")
    assert hazard.reinspections.count() == 1
    page.context.close()
