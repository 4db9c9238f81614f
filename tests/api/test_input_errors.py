"""Input that used to answer 500: each is now a clear 4xx with a code (or a page)."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client

from gridcrm.archive.errors import InvalidFields
from gridcrm.archive.forms import rule_rows_from_post
from gridcrm.archive.models import ChangeRequest, Customer, RuleSetVersion
from gridcrm.archive.services import change_request_submit
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_customer, make_user

HUGE = str(2**63)


@pytest.mark.parametrize("role", list(Role))
def test_completeness_answers_every_role(
    role: Role, regions: Regions, customer_a: Customer, customer_b: Customer
) -> None:
    client = Client()
    client.force_login(make_user("someone", role, regions.station_a1))
    page = client.get("/customers/completeness/")
    # A customer login never reaches a staff page (docs/portal.md).
    assert page.status_code in ((404,) if role == Role.CUSTOMER else (200, 403))
    api = client.get("/api/fields/completeness")
    assert api.status_code in ((401,) if role == Role.CUSTOMER else (200, 403))
    if api.status_code == 200:
        assert "by_station" in str(api.json()) or api.json()


def test_completeness_counts_the_visible_customers(
    regions: Regions, customer_a: Customer, customer_b: Customer, collector_a: User
) -> None:
    client = Client()
    client.force_login(collector_a)
    body = client.get("/api/fields/completeness").json()
    assert regions.station_a1.name in str(body)
    assert regions.station_b1.name not in str(body)


def test_approving_an_account_number_taken_meanwhile_refuses_the_request(
    agent: User, archivist: User, customer_a: Customer, regions: Regions
) -> None:
    change = change_request_submit(
        customer=customer_a,
        field="account_no",
        new_value="0100000099",
        reason="合户",
        acting_user=agent,
    )
    make_customer(regions.station_a2, "0100000099", "李四")
    client = Client()
    client.force_login(archivist)
    response = client.post(f"/api/change-requests/{change.pk}/approve", {}, "application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "archive.account_no_taken"
    change.refresh_from_db()
    assert change.status == ChangeRequest.Status.REJECTED
    assert change.decided_by == archivist
    customer_a.refresh_from_db()
    assert customer_a.account_no == "0100000001"
    again = client.post(f"/api/change-requests/{change.pk}/approve", {}, "application/json")
    assert again.json()["code"] == "archive.change_request_decided"


def test_the_page_refuses_an_account_number_taken_meanwhile(
    agent: User, archivist: User, customer_a: Customer, regions: Regions
) -> None:
    change = change_request_submit(
        customer=customer_a,
        field="account_no",
        new_value="0100000098",
        reason="合户",
        acting_user=agent,
    )
    make_customer(regions.station_a2, "0100000098", "李四")
    client = Client()
    client.force_login(archivist)
    response = client.post(f"/customers/changes/{change.pk}/approve/", follow=True)
    assert response.status_code == 200
    change.refresh_from_db()
    assert change.status == ChangeRequest.Status.REJECTED


@pytest.mark.parametrize("url", ["/api/customers", "/api/service/requests"])
def test_a_page_number_past_64_bits_is_422_on_api_lists(
    url: str, agent: User, customer_a: Customer
) -> None:
    client = Client()
    client.force_login(agent)
    response = client.get(url, {"page": HUGE})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("url", ["/customers/", "/service/", "/service/notices/"])
@pytest.mark.parametrize("page", [HUGE, "²", "-1", "x"])
def test_any_page_number_shows_a_list_page(
    url: str, page: str, agent: User, customer_a: Customer
) -> None:
    client = Client()
    client.force_login(agent)
    assert client.get(url, {"page": page}).status_code == 200


@pytest.mark.parametrize("year", ["0", "-5", "99999", HUGE])
def test_a_calendar_year_out_of_range_is_422(year: str, agent: User) -> None:
    client = Client()
    client.force_login(agent)
    response = client.get("/api/service/calendar", {"year": year})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("year", ["0", "²", HUGE])
def test_the_calendar_page_shows_this_year_for_a_year_out_of_range(
    year: str, regions: Regions
) -> None:
    client = Client()
    client.force_login(make_user("admin", Role.ADMINISTRATOR))
    assert client.get("/service/calendar/", {"year": year}).status_code == 200


def test_a_lone_surrogate_in_a_json_body_is_400(agent: User, customer_a: Customer) -> None:
    client = Client()
    client.force_login(agent)
    response = client.post(
        "/api/service/requests",
        '{"account_no": "0100000001", "type": "new_lv_residential", "channel": "app",'
        ' "summary": "\\ud800"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "api.body_unreadable"


def test_a_json_body_that_is_not_utf8_is_400(agent: User) -> None:
    client = Client()
    client.force_login(agent)
    response = client.post("/api/service/requests", b"\xff\xfe{", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "api.body_unreadable")


def test_multipart_posted_to_a_json_endpoint_is_415(agent: User, customer_a: Customer) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    client.get("/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/service/requests", {"account_no": "0100000001"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 415
    assert response.json()["code"] == "api.body_not_json"


@pytest.mark.parametrize("count", ["x", "²", "-1", HUGE])
def test_a_rule_count_that_is_not_a_number_publishes_nothing(count: str, regions: Regions) -> None:
    client = Client()
    client.force_login(make_user("manager", Role.MARKETING_MANAGER))
    before = RuleSetVersion.objects.count()
    response = client.post("/customers/rules/", {"rule_count": count})
    assert response.status_code == 200
    assert RuleSetVersion.objects.count() == before


class _CountingPost(QueryDict):
    """A posted form that fails the test once it has been read more often than a form of
    its size can need: a count in the post must not drive a loop of its own length."""

    reads = 0

    def get(self, key: str, default: Any = None) -> Any:
        self.reads += 1
        assert self.reads < 1000, "the form is read in a loop the post does not bound"
        return super().get(key, default)


def test_a_condition_count_in_the_rules_form_never_drives_an_unbounded_loop() -> None:
    post = "rule_count=1&r0-code=hospital&r0-condition_count=1000000000000&r0-c0-field=industry"
    with pytest.raises(InvalidFields) as caught:
        rule_rows_from_post(_CountingPost(post))
    assert caught.value.code == "archive.rule_rows_lost"
