"""The customer list and the 360° page read the database a fixed number of times, however
many customers, history rows and events there are."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from gridcrm.archive.models import Customer, DisclosureEvent
from gridcrm.archive.services import (
    change_request_approve,
    change_request_submit,
    customer_contact_reveal,
    customer_update,
)
from gridcrm.core.extensions import TIMELINE_SOURCES, customer_panels
from gridcrm.users.models import User
from tests.conftest import Regions, make_customer

# Session, user, roles, permissions, the rows and the pager's count, with room to spare;
# the point is that they do not grow with the rows. (The 360° page's service panel reads
# the customer's channel preferences: one query.)
LIST_QUERIES = 10
DETAIL_QUERIES = 25  # 22, the channel preferences, the portal logins holding the account and
# the safety work's timeline
# The timeline: the page's own reads, then a few for each app's source of events.
TIMELINE_QUERIES = 6 + 5 * len(TIMELINE_SOURCES)


def many_customers(regions: Regions, count: int, start: int = 100) -> None:
    for i in range(start, start + count):
        make_customer(regions.station_a1, f"0100{i:06d}", f"客户{i}")


def busy(customer: Customer, agent: User, archivist: User, times: int) -> None:
    """History, change requests and disclosures for the customer, ``times`` over."""
    customer.refresh_from_db()
    for _time in range(times):
        customer = customer_update(
            customer=customer,
            changes={"transformer_area": f"台区{customer.version}"},
            acting_user=agent,
            expected_version=customer.version,
        )
        change = change_request_submit(
            customer=customer,
            field="contracted_kva",
            new_value=str(10 + customer.version),
            reason="增容",
            acting_user=agent,
        )
        change_request_approve(request=change, acting_user=archivist)
        customer.refresh_from_db()
        customer_contact_reveal(
            customer=customer, acting_user=agent, channel=DisclosureEvent.Kind.WEB
        )


@pytest.mark.parametrize("query", ["", "客户", "0100"])
def test_the_customer_list_reads_a_fixed_number_of_times(
    regions: Regions,
    agent: User,
    client: Client,
    django_assert_max_num_queries: Any,
    query: str,
) -> None:
    client.force_login(agent)
    many_customers(regions, 3)
    # The search is posted once and its page read by the id it gets (web.searches).
    url = client.post("/customers/", {"q": query})["Location"]
    with django_assert_max_num_queries(LIST_QUERIES):
        assert client.get(url).status_code == 200
    many_customers(regions, 30, start=200)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert "0100000221" in response.content.decode()  # the last row of the first page


def test_the_360_page_and_its_timeline_read_a_fixed_number_of_times(
    agent: User,
    archivist: User,
    customer_a: Customer,
    client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    assert customer_panels()  # the other apps' panels are on the page
    client.force_login(agent)
    url = customer_a.get_absolute_url()
    busy(customer_a, agent, archivist, 1)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(TIMELINE_QUERIES):
        assert client.get(f"{url}timeline/").status_code == 200
    busy(customer_a, agent, archivist, 6)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        page = client.get(url)
    with django_assert_max_num_queries(TIMELINE_QUERIES):
        timeline = client.get(f"{url}timeline/")
    assert page.status_code == timeline.status_code == 200
    assert 'id="timeline-panel"' in page.content.decode()
    assert timeline.content.decode().count('data-app="archive"') >= 20
