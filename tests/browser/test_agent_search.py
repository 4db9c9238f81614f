"""A service agent logs in, finds customers, opens one, and switches language."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from gridcrm.archive.models import Customer
from gridcrm.users.models import User
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="概览")).to_be_visible()


def test_an_agent_searches_opens_a_customer_and_switches_language(
    page: Page,
    live_server: LiveServer,
    agent: User,
    customer_a: Customer,
    customer_b: Customer,
) -> None:
    _login(page, live_server, "agent")
    page.get_by_role("navigation").get_by_role("link", name="客户").click()
    search = page.get_by_role("searchbox")

    search.fill(customer_b.account_no)
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_test_id("result-count")).to_have_text("共 1 户")
    expect(page.get_by_role("link", name=customer_b.name)).to_be_visible()

    search.fill("建国")  # part of 王建国
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_test_id("result-count")).to_have_text("共 1 户")
    page.get_by_role("link", name="王建国").click()

    expect(page.get_by_role("heading", name="王建国")).to_be_visible()
    expect(page.get_by_text("138****7890")).to_be_visible()
    expect(page.get_by_text("用电类别")).to_be_visible()

    page.get_by_test_id("lang-en").click()
    expect(page.get_by_text("tariff category")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Customers")).to_be_visible()
    assert page.get_by_text("用电类别").count() == 0

    page.get_by_test_id("lang-zh-hans").click()
    expect(page.get_by_text("用电类别")).to_be_visible()
    expect(page.get_by_role("heading", name="王建国")).to_be_visible()


def test_an_agent_reveals_a_phone_in_the_browser(
    page: Page, live_server: LiveServer, agent: User, customer_a: Customer
) -> None:
    _login(page, live_server, "agent")
    page.goto(f"{live_server.url}{customer_a.get_absolute_url()}")
    page.get_by_test_id("reveal-phone").click()
    expect(page.get_by_test_id("phone")).to_have_text("13834567890")


def test_a_collector_is_told_404_for_another_regions_customer(
    page: Page, live_server: LiveServer, collector_a: User, customer_b: Customer
) -> None:
    _login(page, live_server, "collector_a")
    response = page.goto(f"{live_server.url}{customer_b.get_absolute_url()}")
    assert response is not None
    assert response.status == 404
