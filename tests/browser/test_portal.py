"""A new person registers on the portal at phone size, in Chinese and in English: the code
arrives through the SMS gateway the test starts; they bind an account, see usage, the
time-of-use periods and a targeted outage notice (the read receipt is recorded), file a
fault repair and see its deadline; an agent closes it; the customer rates it; the rating
shows on the request, to staff and in the satisfaction report."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer
from pytest_httpserver import HTTPServer

from gridcrm.archive.models import Customer
from gridcrm.lake.models import MonthlyLoadFeature
from gridcrm.load.tou import tou_defaults_install
from gridcrm.service.models import NoticeDelivery, ServiceRequest
from gridcrm.service.notices import Target, deliveries_send_due, notice_create, notice_publish
from gridcrm.users.models import User
from tests.conftest import PASSWORD, Regions, make_customer
from tests.portal.conftest import close_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sms_code(gateway: HTTPServer, phone: str) -> str:
    for request, _response in reversed(gateway.log):
        body = json.loads(request.get_data())
        if body.get("to") == phone:
            found = re.search(r"\d{6}", body["text"])
            assert found is not None
            return found.group(0)
    raise AssertionError(f"no SMS to {phone}")


def _usage(customer: Customer) -> None:
    """Thirteen months of consumption, so that the latest month has last year's beside it."""
    month = timezone.localdate().replace(day=1)
    for n in range(13):
        first = (month - dt.timedelta(days=31 * n)).replace(day=1)
        MonthlyLoadFeature.objects.create(
            customer=customer,
            month=first,
            kwh_total=300.0 + n,
            kwh_sharp=0.0,
            kwh_peak=120.0,
            kwh_flat=100.0,
            kwh_valley=80.0 + n,
        )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_new_customer_registers_binds_reads_files_and_rates(
    language: str,
    browser: Browser,
    live_server: LiveServer,
    httpserver: HTTPServer,
    settings: Any,
    regions: Regions,
    collector_a: User,
    agent: User,
) -> None:
    settings.GRIDCRM_SMS_GATEWAY_URL = httpserver.url_for("/sms")
    settings.GRIDCRM_SMS_GATEWAY_SECRET = "test-secret"
    httpserver.expect_request("/sms", method="POST").respond_with_json({"id": "m1"})
    customer = make_customer(regions.station_a1, "0100000077", "赵丽")
    _usage(customer)
    tou_defaults_install(region=regions.company)
    start = timezone.now() + dt.timedelta(days=10)
    outage = notice_create(
        kind="outage",
        topic="outage",
        title="北大街供电所计划停电",
        body="更换配电变压器。",
        targets=[Target(scope="station", value=regions.station_a1.code)],
        outage_start=start,
        outage_end=start + dt.timedelta(hours=6),
        acting_user=collector_a,
    )
    notice_publish(notice=outage, acting_user=collector_a)
    deliveries_send_due(now=start)

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/portal/register/")
    if language == "en":
        page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", language)

    phone = "13955550077"
    page.get_by_test_id("phone").fill(phone)
    page.get_by_test_id("send-code").click()
    page.get_by_test_id("code").fill(_sms_code(httpserver, phone))
    page.get_by_test_id("full-name").fill("赵丽")
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("register").click()

    page.get_by_test_id("account-no").fill(customer.account_no)
    page.get_by_test_id("proof").fill(customer.certificate_no[-6:])
    page.get_by_test_id("bind").click()
    expect(page.get_by_test_id("usage-summary")).to_contain_text("kWh")
    expect(page.get_by_test_id("tariff").locator("tr")).not_to_have_count(0)
    expect(page.get_by_test_id("tip")).to_be_visible()
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_test_id("tab-usage").click()
    expect(page.get_by_test_id("usage-table").locator("tbody tr")).to_have_count(12)

    page.get_by_test_id("tab-notices").click()
    page.get_by_test_id("inbox").get_by_text(outage.title).click()
    expect(page.get_by_test_id("notice")).to_contain_text(outage.title)
    receipt = NoticeDelivery.objects.get(notice=outage, customer=customer, channel="in_app")
    assert receipt.read_at is not None

    page.get_by_test_id("tab-requests").click()
    page.get_by_test_id("new-request").click()
    page.get_by_test_id("type-fault_repair").click()
    page.locator('[name="fault"]').fill("家里整屋停电，邻居有电")
    page.locator('[name="address"]').fill("德胜街77号")
    page.get_by_test_id("file-request").click()
    filed = ServiceRequest.objects.get(customer=customer)
    expect(page.get_by_test_id("deadline")).to_have_text(
        timezone.localtime(filed.due_at).strftime("%Y-%m-%d %H:%M")
    )
    page.get_by_test_id("tab-requests").click()
    expect(page.get_by_test_id("request-list")).to_contain_text(filed.number)
    expect(page.get_by_test_id("deadline")).to_be_visible()

    assert filed.channel == "portal"
    close_request(filed)  # the agents work it through its steps

    page.get_by_test_id("request-list").get_by_text(filed.number).click()
    page.get_by_test_id("rating-form").locator('input[value="5"]').check()
    page.locator('[name="comment"]').fill("半小时就修好了")
    page.get_by_test_id("rate").click()
    expect(page.get_by_test_id("rating")).to_contain_text("5★")
    context.close()

    staff = Client()
    staff.login(username=agent.username, password=PASSWORD)
    assert "5/5 半小时就修好了" in staff.get(f"/service/{filed.pk}/").content.decode()
    assert "半小时就修好了" in staff.get("/service/satisfaction/").content.decode()
