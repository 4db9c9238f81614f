"""The new-request form keeps everything typed on every refusal, shows the refusal on the
field it concerns, confirms the customer's name, and defaults a 95598 agent to the phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.service.models import ServiceRequest
from gridcrm.users.models import User
from gridcrm.users.services import api_token_issue
from tests.service.conftest import rtype

pytestmark = pytest.mark.django_db

URL = "/service/new/"


def _typed(account_no: str, **extra: str) -> dict[str, Any]:
    return {
        "account_no": account_no,
        "request_type": str(rtype("fault_repair").pk),
        "channel": "phone",
        "summary": "整栋楼停电，闻到焦味",
        "address": "德胜街12号楼下配电箱",
        "callback_phone": "13912345678",
        **extra,
    }


def _row(html: str, name: str) -> str:
    start = html.index(f'data-testid="row-{name}"')
    return html[html.rindex("<div", 0, start) : html.index("</div>", start)]


def test_a_mistyped_account_number_is_an_error_on_that_field_and_keeps_the_rest(
    client: Client, agent: User, customer_a: Customer
) -> None:
    client.force_login(agent)
    response = client.post(URL, _typed("0100000099"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "has-error" in _row(html, "account_no")
    assert "0100000099" in _row(html, "account_no")
    for kept in ("整栋楼停电，闻到焦味", "德胜街12号楼下配电箱", "13912345678"):
        assert kept in html
    assert f'value="{rtype("fault_repair").pk}" selected' in html
    assert not ServiceRequest.objects.exists()


def test_a_bad_callback_number_is_an_error_on_that_field_and_keeps_the_rest(
    client: Client, agent: User, customer_a: Customer
) -> None:
    client.force_login(agent)
    response = client.post(URL, _typed(customer_a.account_no, callback_phone="12345"))
    html = response.content.decode()
    assert "has-error" in _row(html, "callback_phone")
    assert "has-error" not in _row(html, "account_no")
    assert "整栋楼停电，闻到焦味" in html
    # The account was right: its customer is confirmed by name.
    assert customer_a.name in html
    assert not ServiceRequest.objects.exists()


def test_a_request_keeps_its_address_and_callback_number(
    client: Client, agent: User, customer_a: Customer
) -> None:
    client.force_login(agent)
    response = client.post(URL, _typed(customer_a.account_no))
    created = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert (created.address, created.callback_phone) == ("德胜街12号楼下配电箱", "13912345678")
    html = client.get(created.get_absolute_url()).content.decode()
    assert "德胜街12号楼下配电箱" in html
    assert "13912345678" in html  # the agent calls back


def test_the_customers_name_confirms_the_account_as_it_is_typed(
    client: Client, agent: User, customer_a: Customer
) -> None:
    client.force_login(agent)
    found = client.get(f"{URL}customer/", {"account_no": customer_a.account_no})
    assert customer_a.name in found.content.decode()
    missing = client.get(f"{URL}customer/", {"account_no": "0100000099"}).content.decode()
    assert 'data-account=""' in missing
    assert customer_a.name not in missing


def test_a_customer_out_of_scope_is_not_confirmed(
    client: Client, collector_a: User, customer_b: Customer, outsider: User
) -> None:
    client.force_login(outsider)
    assert client.get(f"{URL}customer/", {"account_no": customer_b.account_no}).status_code == 403


def test_an_agent_starts_on_the_95598_phone_channel(client: Client, agent: User) -> None:
    client.force_login(agent)
    html = client.get(URL).content.decode()
    assert 'value="phone" selected' in html


def test_the_api_refuses_a_bad_callback_number_with_its_code(
    agent: User, customer_a: Customer
) -> None:
    client = Client(enforce_csrf_checks=True)
    headers = {"Authorization": f"Bearer {api_token_issue(user=agent, name='t')}"}
    payload = {
        "account_no": customer_a.account_no,
        "type": "fault_repair",
        "channel": "phone",
        "summary": "停电",
        "address": "德胜街12号",
        "callback_phone": "12345",
    }
    refused = client.post(
        "/api/service/requests", payload, content_type="application/json", headers=headers
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "service.invalid_input")
    assert not ServiceRequest.objects.exists()
    payload["callback_phone"] = "13912345678"
    created = client.post(
        "/api/service/requests", payload, content_type="application/json", headers=headers
    )
    assert created.status_code == 201
    assert created.json()["address"] == "德胜街12号"
    assert created.json()["callback_phone_masked"] == "139****5678"
