"""Pages and API of the key-account platform: who may do what, and nothing happens otherwise."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client
from django.utils import timezone

from gridcrm.keyaccounts.fastchannel import fast_request_create
from gridcrm.keyaccounts.models import KeyAccount, Need, Stage, Visit
from gridcrm.keyaccounts.services import need_screen, report_send, visit_record
from gridcrm.lake.models import MonthlyLoadFeature
from gridcrm.service.models import RequestType
from gridcrm.service.services import request_create
from tests.conftest import Regions
from tests.keyaccounts.conftest import Cast, make_plant


def _report(cast: Cast) -> Need:
    report = report_send(
        account=cast.mine,
        specialist=cast.specialist,
        summary="走访",
        needs=["增容"],
        acting_user=cast.owner,
    )
    return report.needs.get()


def test_the_portfolio_lists_only_the_managers_accounts(cast: Cast, client: Client) -> None:
    client.force_login(cast.owner)
    response = client.get("/keyaccounts/")
    assert response.status_code == 200
    assert b'data-testid="account-0300000001"' in response.content
    assert b'data-testid="account-0300000002"' not in response.content


def test_a_manager_records_a_visit_from_the_form(cast: Cast, client: Client) -> None:
    client.force_login(cast.backup)
    response = client.post(
        "/keyaccounts/a/0300000001/visit/",
        {
            "visited_on": timezone.localdate().isoformat(),
            "people_met": "王厂长",
            "topics": ["supply_quality", "tariff_bill"],
            "notes": "反映上月两次晃电,影响生产线。",
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.recorded_by, visit.topics) == (cast.backup, ["supply_quality", "tariff_bill"])


def test_another_manager_cannot_record_a_visit(cast: Cast, client: Client) -> None:
    client.force_login(cast.colleague)
    response = client.post(
        "/keyaccounts/a/0300000001/visit/",
        {"visited_on": "2026-01-05", "people_met": "x", "topics": ["complaint"]},
    )
    assert response.status_code == 404
    assert not Visit.objects.exists()


def test_a_manager_sends_a_report_from_the_form(cast: Cast, client: Client) -> None:
    client.force_login(cast.owner)
    response = client.post(
        "/keyaccounts/a/0300000001/report/",
        {
            "specialist": str(cast.specialist.pk),
            "summary": "二期项目",
            "needs": "增容 1600 kVA\n双电源改造\n",
            "topic": "capacity_change",
        },
    )
    assert response.status_code == 302
    assert sorted(Need.objects.values_list("title", flat=True)) == ["双电源改造", "增容 1600 kVA"]


def test_the_wrong_specialist_cannot_screen_and_nothing_changes(cast: Cast, client: Client) -> None:
    need = _report(cast)
    client.force_login(cast.other_specialist)
    response = client.post(f"/keyaccounts/needs/{need.pk}/screen/", {"action": "accept"})
    assert response.status_code == 404
    client.force_login(cast.specialist)
    response = client.post(f"/keyaccounts/needs/{need.pk}/screen/", {"action": "reject"})
    need.refresh_from_db()
    assert need.stage == Stage.REPORTED  # a rejection without a reason is refused
    client.post(f"/keyaccounts/needs/{need.pk}/screen/", {"action": "accept"})
    need.refresh_from_db()
    assert need.stage == Stage.ANALYSED


def test_the_board_puts_each_need_in_its_column(cast: Cast, client: Client) -> None:
    need = _report(cast)
    need_screen(need=need, action="accept", acting_user=cast.specialist)
    client.force_login(cast.owner)
    body = client.get("/keyaccounts/board/").content.decode()
    analysed = body.index('data-testid="column-analysed"')
    proposed = body.index('data-testid="column-proposed"')
    assert analysed < body.index(f'data-testid="card-{need.pk}"') < proposed
    client.force_login(cast.colleague)
    assert f'data-testid="card-{need.pk}"' not in client.get("/keyaccounts/board/").content.decode()


def test_the_customer_page_shows_the_key_account_panel(cast: Cast, client: Client) -> None:
    client.force_login(cast.owner)
    page = client.get(cast.mine.customer.get_absolute_url())
    assert b'data-testid="keyaccount-panel"' in page.content
    fragment = client.get("/keyaccounts/customers/0300000001/panel/")
    assert fragment.status_code == 200
    assert b"/keyaccounts/a/0300000001/" in fragment.content


def test_the_api_lists_the_portfolio_and_refuses_a_wrong_move(cast: Cast, client: Client) -> None:
    need = _report(cast)
    client.force_login(cast.owner)
    accounts = client.get("/api/keyaccounts").json()
    assert [a["account_no"] for a in accounts] == ["0300000001"]
    response = client.post(
        f"/api/keyaccounts/needs/{need.pk}/move",
        json.dumps({"to_stage": "confirmed"}),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "keyaccounts.transition_refused"
    need.refresh_from_db()
    assert need.stage == Stage.REPORTED
    out_of_scope = client.get("/api/keyaccounts/0300000002")
    assert (out_of_scope.status_code, out_of_scope.json()["code"]) == (
        404,
        "keyaccounts.account_not_found",
    )
    client.force_login(cast.outsider)
    refused = client.get("/api/keyaccounts")
    assert (refused.status_code, refused.json()["code"]) == (403, "keyaccounts.not_a_viewer")


def test_the_api_records_a_visit(cast: Cast, client: Client) -> None:
    client.force_login(cast.owner)
    response = client.post(
        "/api/keyaccounts/0300000001/visits",
        json.dumps(
            {
                "visited_on": timezone.localdate().isoformat(),
                "people_met": "李总",
                "topics": ["energy_efficiency"],
                "notes": "探讨屋顶光伏",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Visit.objects.get().people_met == "李总"


def test_the_api_answers_a_refused_visit_by_its_kind_and_code(cast: Cast, client: Client) -> None:
    body = {"visited_on": "2020-01-05", "people_met": "", "topics": ["complaint"]}
    client.force_login(cast.owner)
    invalid = client.post(
        "/api/keyaccounts/0300000001/visits", json.dumps(body), content_type="application/json"
    )
    assert invalid.status_code == 422
    assert invalid.json()["code"] == "keyaccounts.people_met_missing"
    assert invalid.json()["fields"] == {"people_met": invalid.json()["detail"]}
    client.force_login(cast.specialist)  # sees the roster, is not its manager
    body["people_met"] = "李总"
    refused = client.post(
        "/api/keyaccounts/0300000001/visits", json.dumps(body), content_type="application/json"
    )
    assert (refused.status_code, refused.json()["code"]) == (
        403,
        "keyaccounts.not_account_manager",
    )
    assert not Visit.objects.exists()


def test_a_page_shows_a_refusal_as_a_message_and_changes_nothing(
    cast: Cast, client: Client
) -> None:
    client.force_login(cast.owner)  # a manager may not assign managers
    response = client.post(
        "/keyaccounts/a/0300000001/assign/",
        {"manager": str(cast.colleague.pk), "group": "集团"},
        follow=True,
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    cast.mine.refresh_from_db()
    assert (cast.mine.manager, cast.mine.group) == (cast.owner, None)


def test_a_marketing_manager_assigns_managers_and_a_group(cast: Cast, client: Client) -> None:
    client.force_login(cast.marketing)
    response = client.post(
        "/keyaccounts/a/0300000002/assign/",
        {
            "manager": str(cast.owner.pk),
            "backup_manager": str(cast.colleague.pk),
            "group": "冀中能源集团",
        },
    )
    assert response.status_code == 302
    cast.theirs.refresh_from_db()
    cast.theirs.customer.refresh_from_db()
    assert cast.theirs.manager == cast.owner == cast.theirs.customer.account_manager
    assert cast.theirs.backup_manager == cast.colleague
    assert cast.theirs.group is not None
    assert cast.theirs.group.name == "冀中能源集团"


def test_a_manager_cannot_reassign_accounts(cast: Cast, client: Client) -> None:
    client.force_login(cast.owner)
    client.post("/keyaccounts/a/0300000001/assign/", {"manager": str(cast.colleague.pk)})
    cast.mine.refresh_from_db()
    assert cast.mine.manager == cast.owner


def test_the_overview_counts_coverage_stages_and_latent_conversion(
    cast: Cast, client: Client
) -> None:
    need = _report(cast)
    client.force_login(cast.owner)
    response = client.get("/keyaccounts/overview/")
    assert response.status_code == 200
    report = response.context["report"]
    assert [(c.manager, c.accounts, c.visited_in_time) for c in report.coverage] == [
        ("kam_owner", 1, 0)
    ]
    stages = {s.stage: s.count for s in report.stages}
    assert stages["reported"] == 1
    assert need.stage == "reported"
    assert report.latent_total == 0


def test_the_refresh_command_applies_the_roster_rules(cast: Cast) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("keyaccounts_refresh", stdout=out)
    assert "0 added" in out.getvalue()


def test_list_pages_do_not_query_per_account(
    cast: Cast, client: Client, regions: Regions, django_assert_max_num_queries: Any
) -> None:
    from gridcrm.keyaccounts.services import keyaccount_assign, keyaccount_nominate
    from tests.keyaccounts.conftest import make_plant

    for i in range(10, 20):
        plant = make_plant(regions, f"03000000{i}", f"阳泉市第{i}机械厂")
        account = keyaccount_nominate(customer=plant, reason="重点", acting_user=cast.marketing)
        keyaccount_assign(
            account=account, manager=cast.owner, backup_manager=None, acting_user=cast.marketing
        )
        report_send(
            account=account,
            specialist=cast.specialist,
            summary="s",
            needs=["增容"],
            acting_user=cast.owner,
        )
    client.force_login(cast.owner)
    client.get("/keyaccounts/")  # warm the session and permission caches
    for url in ("/keyaccounts/", "/keyaccounts/board/", "/keyaccounts/reports/"):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200


def test_the_account_plan_shows_everything_in_one_place(
    cast: Cast, client: Client, agent: Any
) -> None:
    customer = cast.mine.customer
    for month in range(1, 13):
        MonthlyLoadFeature.objects.create(
            customer=customer,
            month=dt.date(2026, month, 1),
            kwh_total=500_000,
            kwh_sharp=50_000,
            kwh_peak=100_000,
            kwh_flat=150_000,
            kwh_valley=200_000,
            max_demand_kw=1500 + 10 * month,
        )
    visit_record(
        account=cast.mine,
        visited_on=timezone.localdate() - dt.timedelta(days=30),
        people_met="设备动力部张部长、财务部李科长",
        topics=["energy_efficiency"],
        notes="客户功率因数偏低,上月力调电费增加。",
        acting_user=cast.owner,
    )
    visit_record(
        account=cast.mine,
        visited_on=timezone.localdate(),
        people_met="设备动力部张部长",
        topics=["energy_efficiency"],
        notes="再次谈到功率因数考核,考虑加装无功补偿装置。",
        acting_user=cast.owner,
    )
    need = _report(cast)
    request_create(
        customer=customer,
        request_type=RequestType.objects.get(code="billing_dispute"),
        channel="phone",
        summary="基本电费有疑问",
        acting_user=agent,
    )
    client.force_login(cast.owner)
    response = client.get("/keyaccounts/a/0300000001/")
    assert response.status_code == 200
    body = response.content.decode()
    for section in (
        "summary",
        "credit",
        "capacity-chart",
        "open-requests",
        "needs",
        "visits",
        "topics",
        "contacts",
        "next-steps",
    ):
        assert f'data-testid="{section}"' in body, section
    assert 'id="load-panel"' in body  # the lake's load curve, loaded by htmx
    assert "基本电费有疑问" in body
    assert 'data-testid="theme-reactive_power"' in body
    assert "李科长" in body
    plan = response.context["plan"]
    assert [s.kind for s in plan.next_steps] == ["visit", "need"]
    assert plan.next_steps[1].owner == str(cast.specialist)  # the report awaits screening
    assert need.title in plan.next_steps[1].text
    assert plan.credit is not None
    assert len(plan.capacity_chart[0]["y"]) == 12


def test_the_plan_is_reachable_from_the_portfolio_and_scope_checked(
    cast: Cast, client: Client
) -> None:
    client.force_login(cast.backup)
    assert b"/keyaccounts/a/0300000001/" in client.get("/keyaccounts/").content
    assert client.get("/keyaccounts/a/0300000001/").status_code == 200
    assert client.get("/keyaccounts/a/0300000002/").status_code == 404
    client.force_login(cast.specialist)  # specialists see the roster to mine it
    assert client.get("/keyaccounts/a/0300000002/").status_code == 200


def test_the_overview_draws_charts_and_counts_fast_channel_limits(
    cast: Cast, client: Client
) -> None:
    fast_request_create(
        account=cast.mine,
        request_type=RequestType.objects.get(code="enquiry"),
        summary="电价咨询",
        acting_user=cast.owner,
    )
    client.force_login(cast.marketing)
    response = client.get("/keyaccounts/overview/")
    body = response.content.decode()
    for chart in ("coverage", "stages", "latent", "fast", "themes"):
        assert f'data-testid="{chart}-chart"' in body
        assert json.loads(response.context["charts"][chart])
    total = response.context["report"].fast_total
    assert (total.open_in_time, total.closed) == (1, 0)


def test_the_api_gives_the_topics_of_the_visit_notes(cast: Cast, client: Client) -> None:
    for days, notes in ((50, "客户功率因数偏低被考核。"), (5, "再次谈到力调电费。")):
        visit_record(
            account=cast.mine,
            visited_on=timezone.localdate() - dt.timedelta(days=days),
            people_met="张部长",
            topics=["energy_efficiency"],
            notes=notes,
            acting_user=cast.owner,
        )
    client.force_login(cast.owner)
    themes = client.get("/api/keyaccounts/0300000001/topics").json()
    assert [(t["theme"], t["recurring"]) for t in themes] == [("reactive_power", True)]
    client.force_login(cast.colleague)
    assert client.get("/api/keyaccounts/0300000001/topics").status_code == 404


def test_a_refused_nomination_shows_the_form_again_with_what_was_typed(
    cast: Cast, client: Client, regions: Regions
) -> None:
    make_plant(regions, "0300000003", "阳泉市新材料有限公司")
    client.force_login(cast.marketing)
    client.cookies["django_language"] = "en"
    unknown = client.post(
        "/keyaccounts/nominate/", {"account_no": "0399999999", "reason": "市重点"}
    )
    html = unknown.content.decode()
    assert unknown.status_code == 200
    assert 'value="0399999999"' in html
    assert 'value="市重点"' in html
    no_reason = client.post("/keyaccounts/nominate/", {"account_no": "0300000003", "reason": " "})
    html = no_reason.content.decode()
    assert "Say why this customer is nominated." in html
    assert 'value="0300000003"' in html
    assert not KeyAccount.objects.filter(customer__account_no="0300000003").exists()
