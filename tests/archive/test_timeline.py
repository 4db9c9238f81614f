"""The 360° page gathers every app's events of a customer into one timeline; the archive
contributes field changes, change requests and (for roles that see personal data) who
saw the customer's personal data."""

from __future__ import annotations

from django.test import Client

from gridcrm.archive.models import Customer, DisclosureEvent
from gridcrm.archive.services import (
    change_request_submit,
    customer_contact_reveal,
    customer_update,
)
from gridcrm.archive.timeline import archive_timeline
from gridcrm.core.extensions import TIMELINE_SOURCES, customer_timeline
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import make_user


def test_the_archive_is_a_source_of_the_timeline() -> None:
    assert dict(TIMELINE_SOURCES.items())["archive"] is archive_timeline


def test_the_timeline_shows_changes_requests_and_disclosures_newest_first(
    agent: User, customer_a: Customer, client: Client
) -> None:
    customer_update(
        customer=customer_a,
        changes={"transformer_area": "德胜街1号台区"},
        acting_user=agent,
        expected_version=customer_a.version,
    )
    change_request_submit(
        customer=customer_a,
        field="phone",
        new_value="13912345678",
        reason="换号",
        acting_user=agent,
    )
    customer_contact_reveal(
        customer=customer_a, acting_user=agent, channel=DisclosureEvent.Kind.WEB
    )
    entries = [e for e in customer_timeline(customer=customer_a, user=agent) if e.app == "archive"]
    assert [e.kind for e in entries[:3]] == ["disclosure", "change_requested", "field_entered"]
    assert all(e.acting_user == agent for e in entries[:3])
    client.force_login(agent)
    html = client.get(f"{customer_a.get_absolute_url()}timeline/").content.decode()
    assert "德胜街1号台区" in html
    assert "13834567890" not in html  # the first history row (creation) shows no phone


def test_disclosures_are_shown_only_to_roles_that_see_personal_data(
    agent: User, customer_a: Customer
) -> None:
    customer_contact_reveal(
        customer=customer_a, acting_user=agent, channel=DisclosureEvent.Kind.WEB
    )
    planner = make_user("planner", Role.DEMAND_PLANNER)
    kinds = {e.kind for e in archive_timeline(customer=customer_a, user=planner, limit=50)}
    assert "disclosure" not in kinds
    assert "field_created" in kinds


def test_a_customer_out_of_scope_has_no_timeline(
    collector_b: User, customer_a: Customer, client: Client
) -> None:
    assert archive_timeline(customer=customer_a, user=collector_b, limit=50) == []
    client.force_login(collector_b)
    assert client.get(f"{customer_a.get_absolute_url()}timeline/").status_code == 404
