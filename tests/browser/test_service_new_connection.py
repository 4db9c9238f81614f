"""An agent takes a 新装 request from the queue, advances it through its steps with the
keyboard, and the customer's 360° page shows the timeline."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from gridcrm.archive.models import Customer
from gridcrm.service.models import RequestType, ServiceRequest
from gridcrm.service.services import request_create
from gridcrm.users.models import User
from tests.browser.test_agent_search import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_takes_a_new_connection_through_its_steps(
    page: Page, live_server: LiveServer, agent: User, customer_a: Customer
) -> None:
    request = request_create(
        customer=customer_a,
        request_type=RequestType.objects.get(code="new_lv_residential"),
        channel="counter",
        summary="新建住宅一户一表接电",
        acting_user=agent,
    )
    _login(page, live_server, "agent")
    page.goto(f"{live_server.url}/service/")
    expect(page.get_by_test_id(f"queue-row-{request.pk}")).to_be_visible()

    # The take-next button has the focus: Enter takes the most urgent request and opens it.
    expect(page.get_by_test_id("take-next")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("assignee")).to_have_text(agent.full_name or agent.username)

    def complete(code: str) -> None:
        note = page.get_by_test_id("step-note")
        expect(note).to_be_focused()  # the note field has the focus on every step
        page.keyboard.type(f"{code} 已完成")
        page.keyboard.press("Enter")
        expect(page.get_by_test_id(f"step-{code}")).to_have_attribute("data-status", "done")

    complete("accept")
    # The connection is the collectors' step: it waits in their queue, not with the agent,
    # who may only record the crew's report taken on the phone.
    expect(page.get_by_test_id("assignee")).to_have_text("—")
    expect(page.get_by_test_id("step-note")).to_have_count(0)
    expect(page.get_by_test_id("take")).to_have_count(0)
    page.get_by_test_id("record-form").locator("summary").click()
    page.get_by_test_id("record-note").fill("connect 已完成")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("step-connect")).to_have_attribute("data-status", "done")
    complete("follow_up")

    expect(page.get_by_test_id("request-status")).to_have_attribute("data-status", "done")
    assert ServiceRequest.objects.get(pk=request.pk).status == "done"

    page.get_by_test_id("customer-link").click()
    timeline = page.get_by_test_id("customer-timeline")
    expect(timeline).to_contain_text(request.number)
    expect(timeline.locator('[data-kind="closed"]')).to_have_count(1)
    expect(timeline.locator('[data-kind="step_done"]')).to_have_count(3)
    expect(timeline).to_contain_text("connect 已完成")
