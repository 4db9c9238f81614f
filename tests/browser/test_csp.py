"""Issue 15: the Content-Security-Policy forbids inline scripts, and the pages still work
under it — the manager's overview chart draws, a customer page opens, the API docs render."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from gridcrm.archive.models import Customer
from gridcrm.users.roles import Role
from tests.browser.test_agent_search import _login
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_work_under_the_content_security_policy(
    page: Page, live_server: LiveServer, customer_a: Customer
) -> None:
    # The manager's home draws the segment chart (other roles' homes are their to-dos).
    make_user("manager", Role.MARKETING_MANAGER)
    violations: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", watch)
    _login(page, live_server, "manager")
    expect(page.locator(".chart .main-svg").first).to_be_attached()
    page.goto(f"{live_server.url}/customers/{customer_a.account_no}/")
    expect(page.get_by_role("heading", name=customer_a.name)).to_be_visible()
    page.goto(f"{live_server.url}/api/docs")
    expect(page.locator(".swagger-ui").first).to_be_visible()
    assert violations == []
