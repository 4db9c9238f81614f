"""Tier-1 data changes only with a second person: an agent asks, an archive officer decides."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from gridcrm.archive.models import ChangeRequest, Customer
from gridcrm.users.models import User
from tests.browser.test_agent_search import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_requests_and_an_archive_officer_approves_a_tier1_change(
    page: Page,
    live_server: LiveServer,
    agent: User,
    archivist: User,
    customer_a: Customer,
) -> None:
    _login(page, live_server, "agent")
    page.goto(f"{live_server.url}{customer_a.get_absolute_url()}")
    page.get_by_role("link", name="申请变更一级信息").first.click()
    page.get_by_label("字段").select_option("contracted_kva")
    page.get_by_label("新值").fill("16")
    page.get_by_label("原因").fill("居民增容至16kVA,已现场勘查")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("变更申请已提交档案管理员。")).to_be_visible()
    expect(page.get_by_text("待审批的变更申请")).to_be_visible()

    # The agent cannot approve: no button, and a forged POST is refused.
    page.goto(f"{live_server.url}/customers/changes/")
    expect(page.get_by_test_id("mine")).to_contain_text("待审批")
    assert page.get_by_role("button", name="批准").count() == 0
    change = ChangeRequest.objects.get()
    page.evaluate(
        """async (url) => {
            const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
            await fetch(url, {method: "POST", headers: {"X-CSRFToken": token}});
        }""",
        f"{live_server.url}/customers/changes/{change.pk}/approve/",
    )
    change.refresh_from_db()
    assert change.status == "pending"

    page.get_by_role("button", name="退出").click()
    _login(page, live_server, "archivist")
    page.get_by_role("navigation").get_by_role("link", name="档案变更").click()
    page.get_by_test_id(f"approve-{change.pk}").click()
    expect(page.get_by_text("已批准并生效。")).to_be_visible()

    page.goto(f"{live_server.url}{customer_a.get_absolute_url()}")
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("合同容量（千伏安）")  # the unit named in Chinese (words.tsv)
    expect(history).to_contain_text("居民增容至16kVA")
    expect(history).to_contain_text("agent")
    expect(page.locator('[data-field="contracted_kva"]')).to_contain_text("16")
