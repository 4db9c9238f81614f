from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.users.models import ApiToken, User
from gridcrm.users.services import api_token_issue


def test_a_bearer_token_authenticates_the_api_with_the_users_scope(
    collector_a: User, customer_a: Customer, customer_b: Customer, client: Client
) -> None:
    token = api_token_issue(user=collector_a, name="test")
    headers = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/me", headers=headers).json()
    assert me == {
        "username": "collector_a",
        "full_name": "collector_a",
        "roles": ["regional_collector"],
        "region": "YQ0101",
    }
    assert client.get(f"/api/customers/{customer_a.account_no}", headers=headers).status_code == 200
    assert client.get(f"/api/customers/{customer_b.account_no}", headers=headers).status_code == 404
    assert ApiToken.objects.get().last_used_at is not None


def test_only_the_digest_of_a_token_is_stored(collector_a: User) -> None:
    token = api_token_issue(user=collector_a, name="test")
    assert token not in ApiToken.objects.get().digest


def test_a_wrong_or_revoked_token_is_refused(collector_a: User, client: Client) -> None:
    token = api_token_issue(user=collector_a, name="test")
    assert client.get("/api/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    collector_a.is_active = False
    collector_a.save()
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_cli_issues_a_working_token(collector_a: User, client: Client, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("issue_token", "collector_a", "--name", "etl")
    token = capsys.readouterr().out.strip()
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_openapi_describes_the_customer_endpoints(client: Client, db: None) -> None:
    spec = client.get("/api/openapi.json").json()
    assert "/api/customers" in spec["paths"]
    assert "/api/customers/{account_no}" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


def test_session_api_writes_need_the_csrf_token(agent: User, customer_a: Customer) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(f"/api/customers/{customer_a.account_no}/contact")
    assert response.status_code == 403


def test_a_token_records_its_use_to_the_minute(collector_a: User, client: Client) -> None:
    token = api_token_issue(user=collector_a, name="test")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    assert client.get("/api/me", headers=headers).status_code == 200
    assert ApiToken.objects.get().last_used_at == first  # read again within the minute
    ApiToken.objects.update(last_used_at=first - dt.timedelta(minutes=2))
    assert client.get("/api/me", headers=headers).status_code == 200
    later = ApiToken.objects.get().last_used_at
    assert later is not None
    assert later > first
