"""R9 end to end: a manager records a visit and writes a needs report, a specialist
screens it and adds a latent need the data suggests, the manager has it confirmed, and
the board shows it in the right column."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from gridcrm.archive.models import Customer
from gridcrm.keyaccounts.models import Need, Stage, Visit
from gridcrm.users.models import User
from tests.browser.test_agent_search import _login
from tests.conftest import Regions
from tests.keyaccounts.conftest import Cast, build_cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ka_cast(regions: Regions, outsider: User) -> Cast:
    cast = build_cast(regions, outsider)
    # The archive's maximum demand is 90 % of the contracted 2000 kVA: a latent need.
    Customer.objects.filter(pk=cast.mine.customer_id).update(max_demand_kw=Decimal("1800"))
    return cast


def _relogin(page: Page, live_server: LiveServer, username: str) -> None:
    page.context.clear_cookies()
    _login(page, live_server, username)


def test_a_need_goes_from_a_visit_to_confirmed_on_the_board(
    page: Page, live_server: LiveServer, ka_cast: Cast
) -> None:
    account_url = f"{live_server.url}/keyaccounts/a/0300000001/"

    # The manager records a visit from a phone-sized page …
    _login(page, live_server, "kam_owner")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(account_url)
    page.get_by_test_id("record-visit").click()
    page.get_by_test_id("people-met").fill("设备动力部 张部长、财务科 李科长")
    page.get_by_test_id("topic-capacity_change").check()
    page.get_by_test_id("topic-new_project").check()
    page.get_by_test_id("notes").fill(
        "客户计划明年投产二期生产线,新增负荷约800千瓦,需提前办理增容。"
    )
    page.get_by_test_id("save-visit").click()
    expect(page.get_by_test_id("visits")).to_contain_text("张部长")
    # The notes are mined for topics at once: 增容 and 生产线 belong to "capacity".
    expect(page.get_by_test_id("theme-capacity")).to_contain_text("增容")
    visit = Visit.objects.get()
    assert visit.topics == ["capacity_change", "new_project"]

    # … and hands a needs report to the specialist.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_test_id("write-report").click()
    page.get_by_test_id("specialist").select_option(label="specialist")
    page.get_by_test_id("summary").fill("二期项目增容需求")
    page.get_by_test_id("needs").fill("二期生产线增容800千瓦")
    page.get_by_test_id("send-report").click()
    reported = Need.objects.get(origin="reported")
    expect(page.get_by_test_id(f"need-{reported.pk}")).to_have_attribute("data-stage", "reported")
    assert reported.report is not None
    assert reported.report.visit == visit

    # The specialist accepts it and adds the latent need the data suggests.
    _relogin(page, live_server, "specialist")
    page.goto(account_url)
    page.get_by_test_id(f"accept-{reported.pk}").click()
    expect(page.get_by_test_id(f"need-{reported.pk}")).to_have_attribute("data-stage", "analysed")
    page.get_by_test_id("add-latent-capacity_headroom").click()
    found = Need.objects.get(origin="latent")
    # The evidence in words, the ratio as a percentage.
    expect(page.get_by_test_id(f"evidence-{found.pk}")).to_contain_text("90.0 %")

    # The manager raises it with the customer, who confirms.
    _relogin(page, live_server, "kam_owner")
    page.goto(account_url)
    page.get_by_test_id(f"move-{found.pk}-proposed").click()
    expect(page.get_by_test_id(f"need-{found.pk}")).to_have_attribute("data-stage", "proposed")
    page.get_by_test_id(f"outcome-{found.pk}").fill("客户同意年内实施需量管理")
    page.get_by_test_id(f"move-{found.pk}-confirmed").click()
    expect(page.get_by_test_id(f"need-{found.pk}")).to_have_attribute("data-stage", "confirmed")

    page.goto(f"{live_server.url}/keyaccounts/board/")
    expect(
        page.get_by_test_id("column-confirmed").get_by_test_id(f"card-{found.pk}")
    ).to_be_visible()
    expect(
        page.get_by_test_id("column-analysed").get_by_test_id(f"card-{reported.pk}")
    ).to_be_visible()
    found.refresh_from_db()
    assert (found.stage, found.outcome) == (Stage.CONFIRMED, "客户同意年内实施需量管理")
