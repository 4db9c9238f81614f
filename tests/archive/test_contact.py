"""Phones are masked everywhere; roles that need them can reveal one, and it is logged."""

from __future__ import annotations

from django.test import Client

from gridcrm.archive.masking import mask_phone
from gridcrm.archive.models import Customer, DisclosureEvent
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import make_user


def test_it_masks_mobiles_and_landlines() -> None:
    assert mask_phone("13834567890") == "138****7890"
    assert mask_phone("0353-6123456") == "0353-***3456"
    assert mask_phone("") == ""


def test_pages_and_api_show_only_the_masked_phone(
    agent: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(agent)
    page = client.get(customer_a.get_absolute_url()).content.decode()
    listing = client.get("/customers/").content.decode()
    api = client.get(f"/api/customers/{customer_a.account_no}").json()
    for text in (page, listing, str(api)):
        assert "13834567890" not in text
    assert "138****7890" in page
    assert api["phone_masked"] == "138****7890"
    assert not DisclosureEvent.objects.exists()


def test_an_agent_reveals_a_phone_and_the_disclosure_is_logged(
    agent: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(agent)
    response = client.post(f"/customers/{customer_a.account_no}/contact/")
    assert response.status_code == 200
    assert "13834567890" in response.content.decode()
    api = client.post(f"/api/customers/{customer_a.account_no}/contact")
    assert api.json()["phone"] == "13834567890"
    events = list(
        DisclosureEvent.objects.order_by("pk").values_list("acting_user__username", "kind")
    )
    assert events == [("agent", "web"), ("agent", "api")]


def test_a_marketing_manager_may_not_reveal_and_nothing_is_logged(
    customer_a: Customer, client: Client
) -> None:
    manager = make_user("manager", Role.MARKETING_MANAGER)
    client.force_login(manager)
    assert client.post(f"/customers/{customer_a.account_no}/contact/").status_code == 403
    assert client.post(f"/api/customers/{customer_a.account_no}/contact").status_code == 403
    assert "Show (logged)" not in client.get(customer_a.get_absolute_url()).content.decode()
    assert not DisclosureEvent.objects.exists()


def test_a_collector_cannot_reveal_a_customer_outside_their_region(
    collector_a: User, customer_b: Customer, client: Client
) -> None:
    client.force_login(collector_a)
    assert client.post(f"/customers/{customer_b.account_no}/contact/").status_code == 404
    assert not DisclosureEvent.objects.exists()
