"""One authentication order for the API: a bearer token alone, or a session with CSRF."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from gridcrm.api import api
from gridcrm.archive.models import Customer
from gridcrm.service.models import HolidayDay, ServiceRequest
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from gridcrm.users.services import api_token_issue
from tests.conftest import Regions, make_user


def _write_operations() -> list[tuple[str, str]]:
    schema: dict[str, Any] = api.get_openapi_schema()
    return [
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method != "get"
    ]


WRITES = _write_operations()


def _filled(path: str) -> str:
    """The path with every ``{parameter}`` filled by an id that does not exist."""
    return re.sub(r"\{[^}]+\}", "999999", path)


def test_the_schema_has_write_operations() -> None:
    assert len(WRITES) > 20


@pytest.fixture
def admin_headers(regions: Regions) -> dict[str, str]:
    admin = make_user("admin", Role.ADMINISTRATOR)
    return {"Authorization": f"Bearer {api_token_issue(user=admin, name='etl')}"}


@pytest.mark.parametrize(("method", "path"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_no_write_operation_asks_a_bearer_token_for_csrf(
    method: str, path: str, admin_headers: dict[str, str]
) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.generic(
        method, _filled(path), data="{}", content_type="application/json", headers=admin_headers
    )
    assert b"CSRF" not in response.content
    assert response.status_code != 401
    assert response.status_code < 500, response.content


def _token_client(user: User) -> tuple[Client, dict[str, str]]:
    # The strict client: a write that falls back to the session would need CSRF and fail.
    return Client(enforce_csrf_checks=True), {
        "Authorization": f"Bearer {api_token_issue(user=user, name='etl')}"
    }


def test_a_token_opens_a_service_request_and_adds_a_note(agent: User, customer_a: Customer) -> None:
    client, headers = _token_client(agent)
    created = client.post(
        "/api/service/requests",
        {
            "account_no": customer_a.account_no,
            "type": "new_lv_residential",
            "channel": "app",
            "summary": "新装",
        },
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert ServiceRequest.objects.filter(pk=pk, customer=customer_a).exists()
    note = client.post(
        f"/api/service/requests/{pk}/notes",
        {"text": "客户来电催办"},
        content_type="application/json",
        headers=headers,
    )
    assert note.status_code == 201, note.content
    detail = client.get(f"/api/service/requests/{pk}", headers=headers).json()
    assert "客户来电催办" in str(detail)


def test_a_token_updates_a_customer(agent: User, customer_a: Customer) -> None:
    client, headers = _token_client(agent)
    response = client.patch(
        f"/api/customers/{customer_a.account_no}",
        {"version": customer_a.version, "fields": {"payment_method": "app"}},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    customer_a.refresh_from_db()
    assert customer_a.payment_method == "app"


def test_a_token_sets_and_deletes_a_calendar_day(regions: Regions) -> None:
    client, headers = _token_client(make_user("admin", Role.ADMINISTRATOR))
    put = client.put(
        "/api/service/calendar",
        {"day": "2031-10-11", "kind": "workday", "name": "调休上班"},
        content_type="application/json",
        headers=headers,
    )
    assert put.status_code == 200, put.content
    assert HolidayDay.objects.filter(day="2031-10-11").exists()
    deleted = client.delete("/api/service/calendar/2031-10-11", headers=headers)
    assert deleted.status_code == 204
    assert not HolidayDay.objects.filter(day="2031-10-11").exists()


def test_a_token_is_still_held_to_its_role(collector_a: User, customer_a: Customer) -> None:
    client, headers = _token_client(collector_a)
    response = client.put(
        "/api/service/calendar",
        {"day": "2031-10-11", "kind": "workday"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 403
    assert b"CSRF" not in response.content


def test_a_wrong_token_is_401_even_with_a_session(agent: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.get("/api/me", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401


def test_a_session_without_the_csrf_token_still_cannot_write(
    agent: User, customer_a: Customer
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.patch(
        f"/api/customers/{customer_a.account_no}",
        {"version": customer_a.version, "fields": {"payment_method": "app"}},
        content_type="application/json",
    )
    assert response.status_code == 403
    customer_a.refresh_from_db()
    assert customer_a.payment_method != "app"
    # With the token from the cookie, the same session may write.
    client.get("/")
    token = client.cookies["csrftoken"].value
    response = client.patch(
        f"/api/customers/{customer_a.account_no}",
        {"version": customer_a.version, "fields": {"payment_method": "app"}},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200, response.content
