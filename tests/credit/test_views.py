"""Pages and API of credit: who may see what; out of scope is 404; writes that are
refused leave nothing behind."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from gridcrm.archive.models import Customer
from gridcrm.credit.models import GradeOverride, PolicyVersion, ReviewRequest, ScorecardVersion
from gridcrm.credit.services import credit_rate_all
from gridcrm.jobs.models import Job
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import make_user
from tests.credit.conftest import AS_OF, LakeWriter

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(lake: LakeWriter, customer_a: Customer, customer_b: Customer) -> None:
    lake.customer(customer_a.account_no)
    lake.customer(customer_b.account_no, pay=lambda p: [(25, 1.0)])
    lake.write()
    credit_rate_all(as_of=AS_OF, engine="duckdb")


def test_the_customer_panel_shows_grade_reasons_and_policy(
    client: Client, rated: None, customer_b: Customer, agent: User
) -> None:
    client.force_login(agent)

    response = client.get(reverse("credit:customer_panel", args=[customer_b.account_no]))

    assert response.status_code == 200
    assert b'data-testid="credit-grade"' in response.content
    assert b'data-testid="credit-reasons"' in response.content
    assert b'data-testid="credit-policy"' in response.content


def test_the_360_page_carries_the_credit_panel(
    client: Client, customer_a: Customer, agent: User
) -> None:
    client.force_login(agent)

    response = client.get(customer_a.get_absolute_url())

    assert reverse("credit:customer_panel", args=[customer_a.account_no]).encode() in (
        response.content
    )


def test_a_collector_of_another_region_gets_404(
    client: Client, rated: None, customer_b: Customer, collector_a: User
) -> None:
    client.force_login(collector_a)

    page = client.get(reverse("credit:customer_panel", args=[customer_b.account_no]))
    api = client.get(f"/api/credit/customers/{customer_b.account_no}")
    post = client.post(
        reverse("credit:override_request", args=[customer_b.account_no]),
        {"grade": "AAA", "reason": "x"},
    )

    assert (page.status_code, api.status_code, post.status_code) == (404, 404, 404)
    assert not GradeOverride.objects.exists()


def test_an_outsider_sees_nothing(client: Client, rated: None, outsider: User) -> None:
    client.force_login(outsider)

    assert client.get(reverse("credit:overview")).status_code == 403
    assert client.get("/api/credit/customers/0100000001").status_code == 403


def test_anonymous_is_sent_to_log_in(client: Client) -> None:
    assert client.get(reverse("credit:overview")).status_code == 302
    assert client.get("/api/credit/grades").status_code == 401


def test_a_customer_sees_their_own_credit_and_asks_for_a_review(
    client: Client, rated: None, customer_a: Customer, customer_b: Customer
) -> None:
    me = make_user("portal", Role.CUSTOMER)
    Customer.objects.filter(pk=customer_a.pk).update(portal_user=me)
    client.force_login(me)

    # The customer reads the grade and asks for a review on the portal (docs/portal.md);
    # the staff credit API and pages know nothing of a customer login.
    own = client.get(f"/api/portal/accounts/{customer_a.account_no}")
    other = client.get(f"/api/portal/accounts/{customer_b.account_no}")
    review = client.post(
        f"/portal/a/{customer_a.account_no}/data/",
        {"action": "review", "kind": "explanation", "message": "为什么？"},
    )

    assert own.status_code == 200
    assert own.json()["grade"] in {"AAA", "AA", "A", "B", "C"}
    assert own.json()["grade_meaning"]["payment_term_days"] > 0
    assert other.status_code == 404
    assert review.status_code == 302
    assert ReviewRequest.objects.get().submitted_by == me
    assert client.get(f"/api/credit/customers/{customer_a.account_no}").status_code == 401
    assert client.get(reverse("credit:overview")).status_code == 404


def test_the_api_gives_reasons_and_history(
    client: Client, rated: None, customer_b: Customer, agent: User
) -> None:
    client.force_login(agent)

    data = client.get(f"/api/credit/customers/{customer_b.account_no}").json()

    assert data["rated"] is True
    assert 1 <= len(data["reasons"]) <= 3
    assert data["history"][0]["as_of"] == AS_OF.isoformat()


def test_the_overview_and_model_pages_open_for_a_manager(
    client: Client, rated: None, manager: User
) -> None:
    client.force_login(manager)

    for name in ("credit:overview", "credit:models", "credit:policies"):
        assert client.get(reverse(name)).status_code == 200


def test_an_inconsistent_ahp_form_publishes_nothing(client: Client, manager: User) -> None:
    client.force_login(manager)
    data = {f"m_{i}_{j}": "1" for i in range(5) for j in range(i + 1, 5)}
    data |= {"m_0_1": "9", "m_1_2": "9", "m_0_2": "1/9"}
    data |= {"cut_AAA": "90", "cut_AA": "80", "cut_A": "70", "cut_B": "60", "note": "x"}

    response = client.post(reverse("credit:expert_publish"), data)

    assert response.status_code == 302
    assert not ScorecardVersion.objects.exists()


def test_the_batch_runs_as_a_job_for_a_manager_only(
    client: Client, manager: User, agent: User
) -> None:
    client.force_login(agent)
    assert client.post(reverse("credit:batch_start")).status_code == 403
    assert not Job.objects.exists()

    client.force_login(manager)
    response = client.post(reverse("credit:batch_start"))

    assert response.status_code == 302
    assert Job.objects.get().kind == "credit_rating"


def test_the_api_publishes_policies_and_answers_refusals_with_codes(
    client: Client, manager: User, agent: User
) -> None:
    from gridcrm.credit.services import DEFAULT_POLICY

    rules = [dict(r) for r in DEFAULT_POLICY]
    client.force_login(agent)
    refused = client.post(
        "/api/credit/policies", {"rules": rules, "note": "x"}, content_type="application/json"
    )
    client.force_login(manager)
    incomplete = client.post(
        "/api/credit/policies",
        {"rules": [r for r in rules if r["grade"] != "AAA"], "note": "x"},
        content_type="application/json",
    )
    published = client.post(
        "/api/credit/policies", {"rules": rules, "note": "v1"}, content_type="application/json"
    )

    assert (refused.status_code, refused.json()["code"]) == (403, "credit.not_allowed")
    assert (incomplete.status_code, incomplete.json()["code"]) == (
        422,
        "credit.policy_grade_missing",
    )
    assert (published.status_code, published.json()["version"]) == (201, 1)
    assert client.get("/api/credit/policies").json()["version"] == 1


def test_a_policy_page_post_with_a_bad_row_publishes_nothing(client: Client, manager: User) -> None:
    client.force_login(manager)

    response = client.post(
        reverse("credit:policies"),
        {"r0_grade": "AAA", "r0_payment_term_days": "200", "note": "x"},
    )

    assert response.status_code == 200
    assert not PolicyVersion.objects.exists()
