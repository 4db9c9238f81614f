"""Change requests carry personal values: roles without the reveal right read them masked
(and nothing is logged); roles with it read them in full and each look is logged."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcrm.archive.masking import mask_certificate
from gridcrm.archive.models import ChangeRequest, Customer, DisclosureEvent
from gridcrm.archive.services import change_request_submit
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import make_user, resident_id

pytestmark = pytest.mark.django_db

OLD_PHONE, NEW_PHONE = "13834567890", "13912345678"
NEW_ID = resident_id(777)


@pytest.fixture
def changes(agent: User, customer_a: Customer) -> list[ChangeRequest]:
    """An agent asks to change customer A's phone and ID number."""
    return [
        change_request_submit(
            customer=customer_a, field=field, new_value=value, reason="客户来电", acting_user=agent
        )
        for field, value in (("phone", NEW_PHONE), ("certificate_no", NEW_ID))
    ]


def _full_values_in(text: str, customer: Customer) -> list[str]:
    return [v for v in (OLD_PHONE, NEW_PHONE, NEW_ID, customer.certificate_no) if v in text]


@pytest.mark.parametrize("role", [Role.MARKETING_MANAGER, Role.DEMAND_PLANNER])
def test_roles_without_the_reveal_right_read_masked_values_and_nothing_is_logged(
    client: Client, changes: list[ChangeRequest], customer_a: Customer, role: Role
) -> None:
    client.force_login(make_user("reader", role))
    rows = client.get("/api/change-requests", {"status": "pending"}).json()
    by_field = {row["field"]: row for row in rows}
    assert by_field["phone"]["old_value"] == "138****7890"
    assert by_field["phone"]["new_value"] == "139****5678"
    assert by_field["certificate_no"]["new_value"] == mask_certificate(NEW_ID)
    assert by_field["certificate_no"]["old_value"] == mask_certificate(customer_a.certificate_no)
    page = client.get(customer_a.get_absolute_url()).content.decode()
    assert "139****5678" in page  # the pending-change line
    for text in (str(rows), page):
        assert _full_values_in(text, customer_a) == []
    assert not DisclosureEvent.objects.exists()


def test_the_archive_officer_reads_full_values_and_each_look_is_logged(
    client: Client, changes: list[ChangeRequest], customer_a: Customer, archivist: User
) -> None:
    client.force_login(archivist)
    rows = client.get("/api/change-requests", {"status": "pending"}).json()
    by_field = {row["field"]: row for row in rows}
    assert by_field["phone"]["new_value"] == NEW_PHONE
    assert by_field["certificate_no"]["new_value"] == NEW_ID
    page = client.get("/customers/changes/").content.decode()
    assert NEW_PHONE in page
    assert NEW_ID in page
    seen = list(
        DisclosureEvent.objects.order_by("pk").values_list(
            "acting_user__username", "customer__account_no", "kind", "fields"
        )
    )
    assert seen == [
        ("archivist", customer_a.account_no, "api", "certificate_no,phone"),
        ("archivist", customer_a.account_no, "web", "certificate_no,phone"),
    ]


def test_the_agent_reads_their_request_in_full_on_the_customer_page_and_it_is_logged(
    client: Client, changes: list[ChangeRequest], customer_a: Customer, agent: User
) -> None:
    client.force_login(agent)
    page = client.get(customer_a.get_absolute_url()).content.decode()
    assert NEW_PHONE in page
    rows = client.get("/api/change-requests", {"status": "pending"}).json()
    assert {row["new_value"] for row in rows} == {NEW_PHONE, NEW_ID}
    assert list(DisclosureEvent.objects.order_by("pk").values_list("kind", flat=True)) == [
        "web",
        "api",
    ]


def test_out_of_scope_or_without_a_login_nothing_is_shown_or_logged(
    client: Client,
    changes: list[ChangeRequest],
    customer_a: Customer,
    collector_b: User,
    outsider: User,
) -> None:
    assert client.get("/api/change-requests").status_code == 401
    for user in (collector_b, outsider):
        client.force_login(user)
        assert client.get("/api/change-requests", {"status": "pending"}).json() == []
    portal = make_user("portal_a", Role.CUSTOMER)
    Customer.objects.filter(pk=customer_a.pk).update(portal_user=portal)
    client.force_login(portal)  # their own requests, but the customer role holds no reveal
    rows = client.get("/api/change-requests", {"status": "pending"}).json()
    assert _full_values_in(str(rows), customer_a) == []
    assert not DisclosureEvent.objects.exists()


def test_a_decision_answers_with_the_values_the_decider_may_read(
    client: Client, changes: list[ChangeRequest], archivist: User
) -> None:
    client.force_login(archivist)
    decided = client.post(
        f"/api/change-requests/{changes[0].pk}/reject",
        {"note": "号码有误"},
        content_type="application/json",
    )
    assert decided.json()["new_value"] == NEW_PHONE
    assert DisclosureEvent.objects.filter(acting_user=archivist, fields="phone").count() == 1
