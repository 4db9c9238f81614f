"""The account on the 360° page, in the API and scoped: what an agent, a collector and a
manager see and may do."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from gridcrm.archive.choices import TariffCategory
from gridcrm.archive.models import Customer
from gridcrm.billing import selectors
from gridcrm.billing.models import BillingEvent, LateFeeRuleVersion
from gridcrm.service.credit import CreditTerms
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from gridcrm.users.services import api_token_issue
from tests.billing import facts
from tests.conftest import Regions, make_customer, make_user, uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(
    regions: Regions, accounts_lake: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Customer, Customer]:
    """R (a household of station A1) and N (a business of station B1), as of 2024-05-05,
    on billing's own terms (the credit policy moves no due date)."""
    monkeypatch.setattr(selectors, "today", lambda: facts.AS_OF)
    monkeypatch.setattr(selectors, "credit_terms", lambda: lambda grade, segment: CreditTerms())
    r = make_customer(regions.station_a1, facts.R, "李秀英")
    n = make_customer(
        regions.station_b1,
        facts.N,
        "阳泉市恒昌商贸有限公司",
        tariff_category=TariffCategory.GENERAL_CI,
        certificate_type="uscc",
        certificate_no=uscc(7),
        phone="0353-6123457",
        industry_code="F5212",
        tariff_structure="single_part",
    )
    return r, n


def test_the_panel_shows_bills_payments_arrears_and_late_fees(
    client: Client, agent: User, accounts: tuple[Customer, Customer]
) -> None:
    client.force_login(agent)
    client.cookies["django_language"] = "en"  # the words below are the English ones

    page = client.get(reverse("billing:customer_panel", args=[facts.R])).content.decode()

    assert 'data-testid="balance">300.00<' in page
    assert 'data-testid="arrears">350.00<' in page
    assert 'data-testid="late-fees">10.20<' in page
    assert 'data-bill="R202402"' in page
    assert "overdue 41 days" in page
    assert "reversal (冲正)" in page
    assert "advance payment (预存)" in page
    assert 'data-payment="P3" class="muted"' in page  # reversed


def test_the_360_page_carries_the_billing_card(
    client: Client, agent: User, accounts: tuple[Customer, Customer]
) -> None:
    client.force_login(agent)

    page = client.get(accounts[0].get_absolute_url()).content.decode()

    assert reverse("billing:customer_panel", args=[facts.R]) in page


def test_a_grace_request_starts_from_the_bill(
    client: Client,
    agent: User,
    accounts: tuple[Customer, Customer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        selectors, "credit_terms", lambda: lambda grade, segment: CreditTerms(grace_max_days=10)
    )
    client.force_login(agent)
    page = client.get(reverse("billing:customer_panel", args=[facts.R])).content.decode()
    row = page[page.index('data-bill="R202402"') :].split("</tr>")[0]

    assert 'name="bill_id" value="R202402"' in row
    assert 'name="due_on" value="2024-03-25"' in row


def test_a_collector_sees_their_region_only(
    client: Client, collector_a: User, accounts: tuple[Customer, Customer]
) -> None:
    client.force_login(collector_a)
    token = api_token_issue(user=collector_a, name="etl")
    bearer = {"Authorization": f"Bearer {token}"}

    own = client.get(f"/api/billing/customers/{facts.R}/account", headers=bearer)
    other = client.get(f"/api/billing/customers/{facts.N}/account", headers=bearer)
    other_page = client.get(reverse("billing:customer_panel", args=[facts.N]))

    assert own.status_code == 200
    body = own.json()
    assert (body["balance"], body["arrears"], body["late_fees"]) == ("300.00", "350.00", "10.20")
    assert body["ageing"] == {"0_30": "150.00", "31_90": "200.00", "over_90": "0.00"}
    assert [p["kind"] for p in body["payments"]][:2] == ["reversal", "payment"]
    assert other.status_code == 404
    assert other_page.status_code == 404


def test_one_bill_in_the_api_and_a_bill_of_another_customer_is_404(
    client: Client, agent: User, accounts: tuple[Customer, Customer]
) -> None:
    bearer = {"Authorization": f"Bearer {api_token_issue(user=agent, name='t')}"}

    bill = client.get(f"/api/billing/customers/{facts.N}/bills/N202311", headers=bearer)
    foreign = client.get(f"/api/billing/customers/{facts.R}/bills/N202311", headers=bearer)

    assert bill.json()["late_fee"] == "1950.00"
    assert (foreign.status_code, foreign.json()["code"]) == (404, "billing.bill_not_found")


def test_the_late_fee_rule_is_published_by_a_manager_with_a_token(
    client: Client, agent: User, regions: Regions
) -> None:
    manager = make_user("manager", Role.MARKETING_MANAGER)
    rule = {
        "residential_per_mille": "1",
        "current_year_per_mille": "2",
        "across_years_per_mille": "3",
        "minimum_yuan": "1.00",
        "source": "供电营业规则 第九十八条",
    }

    def post(user: User, body: dict[str, str]) -> tuple[int, str]:
        token = api_token_issue(user=user, name="t")
        response = client.post(
            "/api/billing/late-fee-rules",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.status_code, response.json().get("code", "")

    assert post(agent, rule) == (403, "billing.not_allowed")
    assert post(manager, {**rule, "residential_per_mille": "-1"}) == (422, "billing.invalid")
    assert LateFeeRuleVersion.objects.count() == 0
    assert post(manager, rule)[0] == 201
    assert selectors.late_fee_rates_current().residential_per_mille == Decimal("1")
    assert BillingEvent.objects.filter(kind="rules_published").count() == 1


def test_the_daily_run_stores_what_the_panel_shows(
    accounts: tuple[Customer, Customer], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gridcrm.billing import services
    from gridcrm.billing.models import AccountBalance

    monkeypatch.setattr(services, "credit_terms", lambda: lambda grade, segment: CreditTerms())
    count = services.balances_run(engine="duckdb", as_of=facts.AS_OF)
    stored = {b.customer.account_no: b for b in AccountBalance.objects.select_related("customer")}
    view = selectors.account_view(customer=accounts[1])

    assert count == 2
    n = stored[facts.N]
    assert (n.balance, n.arrears, n.arrears_over_90, n.late_fees) == (
        view.balance,
        view.arrears,
        view.ageing["over_90"],
        view.late_fees,
    )
    assert (stored[facts.R].arrears, stored[facts.R].late_fees) == (Decimal("350"), Decimal("10.2"))


def test_the_demo_shows_a_reversal_a_part_and_an_advance_payment_and_arrears(
    regions: Regions, accounts_lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from io import StringIO

    from gridcrm.billing import demo
    from gridcrm.billing.models import AccountBalance

    household = make_customer(regions.station_a1, facts.R, "李秀英")
    monkeypatch.setattr(selectors, "today", lambda: facts.AS_OF)
    monkeypatch.setattr("gridcrm.billing.demo.timezone.localdate", lambda: facts.AS_OF)

    demo.demo_billing_data(seed=1, stdout=StringIO())
    view = selectors.account_view(customer=household)

    kinds = {p.kind for p in view.payments}
    assert {"reversal", "advance", "payment"} <= kinds
    assert view.advance == Decimal("150.00")  # the lake's 50 and the demo's 100
    assert view.arrears > 0
    assert view.late_fees > 0
    assert AccountBalance.objects.filter(customer=household).exists()


def test_the_customer_sees_their_bills_in_the_portal(
    client: Client, accounts: tuple[Customer, Customer]
) -> None:
    from gridcrm.portal.services import account_bind

    customer = make_user("13900000009", Role.CUSTOMER)
    household = accounts[0]
    account_bind(
        user=customer, account_no=household.account_no, proof=household.certificate_no[-6:]
    )
    client.force_login(customer)
    client.cookies["django_language"] = "en"

    page = client.get(reverse("portal:bills", args=[facts.R])).content.decode()
    other = client.get(reverse("portal:bills", args=[facts.N]))

    assert 'data-testid="tab-bills"' in page
    assert "<strong>350.00</strong>" in page
    assert "advance payment (预存)" in page
    assert other.status_code == 404
