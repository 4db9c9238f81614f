"""Requests from the customer: the same workflow as an agent's, tracked with its deadline,
rated once done; the rating shows on the staff request page and in the satisfaction
report."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcrm.core.errors import DomainError
from gridcrm.portal.services import request_file, request_rate
from gridcrm.service.models import ServiceRequest
from gridcrm.service.selectors import work_queue
from gridcrm.users.models import User
from tests.conftest import PASSWORD
from tests.portal.conftest import Holder, close_request


def test_a_fault_repair_enters_the_queue_and_is_rated_once_done(
    holder_a: Holder, agent: User
) -> None:
    client = Client()
    client.login(username=holder_a.user.username, password=PASSWORD)
    account = holder_a.customer.account_no
    response = client.post(
        f"/portal/a/{account}/requests/new/?type=fault_repair",
        {"type": "fault_repair", "fault": "整栋楼停电", "address": "德胜街1号"},
    )
    assert response.status_code == 302
    filed = ServiceRequest.objects.get(customer=holder_a.customer)
    assert filed.channel == "portal"
    assert "整栋楼停电" in filed.summary
    assert filed.created_by == holder_a.user
    # The fault repair's first step belongs to the agents: it is in their queue.
    assert filed.pk in {r.pk for r in work_queue(user=agent)}
    page = client.get(f"/portal/a/{account}/requests/").content.decode()
    assert filed.due_at is not None
    assert 'data-testid="deadline"' in page
    # Not done yet: no rating.
    with pytest.raises(DomainError) as caught:
        request_rate(user=holder_a.user, request=filed, rating=5, comment="")
    assert caught.value.code == "service.not_done"
    close_request(filed)
    response = client.post(
        f"/portal/a/{account}/requests/{filed.pk}/", {"rating": "4", "comment": "来得很快"}
    )
    assert response.status_code == 302
    filed.refresh_from_db()
    assert (filed.rating, filed.rating_comment) == (4, "来得很快")
    with pytest.raises(DomainError) as caught:
        request_rate(user=holder_a.user, request=filed, rating=1, comment="")
    assert caught.value.code == "service.already_rated"
    staff = Client()
    staff.login(username=agent.username, password=PASSWORD)
    detail = staff.get(f"/service/{filed.pk}/").content.decode()
    assert 'data-testid="customer-rating"' in detail
    assert "4/5 来得很快" in detail
    report = staff.get("/service/satisfaction/").content.decode()
    assert "4.0" in report
    assert "来得很快" in report


def test_missing_answers_and_unknown_types_change_nothing(holder_a: Holder) -> None:
    for type_code, values, code in (
        ("fault_repair", {"fault": ""}, "portal.invalid"),
        ("credit_check", {}, "portal.invalid"),  # not a type customers start
    ):
        with pytest.raises(DomainError) as caught:
            request_file(
                user=holder_a.user, customer=holder_a.customer, type_code=type_code, values=values
            )
        assert caught.value.code == code
    assert not ServiceRequest.objects.exists()


def test_a_rating_out_of_range_is_refused(holder_a: Holder) -> None:
    filed = request_file(
        user=holder_a.user,
        customer=holder_a.customer,
        type_code="enquiry",
        values={"question": "?"},
    )
    filed = close_request(filed)
    with pytest.raises(DomainError) as caught:
        request_rate(user=holder_a.user, request=filed, rating=6, comment="")
    assert caught.value.code == "service.invalid_input"


def test_the_api_files_and_rates_with_a_bearer_token(holder_a: Holder) -> None:
    client = Client(enforce_csrf_checks=True)
    base = f"/api/portal/accounts/{holder_a.customer.account_no}/requests"
    response = client.post(
        base,
        {"type": "complaint", "values": {"subject": "抄表员态度", "details": "不耐烦"}},
        content_type="application/json",
        headers=holder_a.headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == "portal"
    assert body["steps"]
    close_request(ServiceRequest.objects.get(pk=body["id"]))
    response = client.post(
        f"{base}/{body['id']}/rating",
        {"rating": 5, "comment": "好"},
        content_type="application/json",
        headers=holder_a.headers,
    )
    assert response.status_code == 200
    assert response.json()["rating"] == 5
    response = client.post(
        f"{base}/{body['id']}/rating",
        {"rating": 5},
        content_type="application/json",
        headers=holder_a.headers,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "service.already_rated"
