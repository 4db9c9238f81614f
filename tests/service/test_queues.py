"""Regional work queues: a collector's queue holds the open requests of the customers
they see, counted the same on the page and in the API, and a customer who moves to
another station takes their open requests to that station's queue."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.archive.services import change_request_approve, change_request_submit
from gridcrm.service.models import ServiceRequest
from gridcrm.service.selectors import work_queue, work_queue_size
from gridcrm.service.services import request_cancel, request_create, request_step_complete
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_customer, make_user
from tests.service.conftest import rtype

pytestmark = pytest.mark.django_db


def at_site(customer: Customer, agent: User) -> ServiceRequest:
    """A 暂停 request accepted by the agent: its on-site step is the collector's."""
    request = request_create(
        customer=customer,
        request_type=rtype("suspend"),
        channel="counter",
        summary="暂停两台变压器",
        actor=agent,
    )
    return request_step_complete(request=request, step_code="accept", actor=agent)


def queue_of(client: Client, user: User) -> tuple[set[int], int, set[int], int]:
    """Rows and count of the user's queue, from the page and from the API."""
    client.force_login(user)
    page = client.get("/service/")
    assert page.status_code == 200
    html = page.content.decode()
    count = re.search(r'data-testid="queue-count" data-count="(\d+)"', html)
    assert count is not None
    api = client.get("/api/service/requests").json()
    return (
        {int(pk) for pk in re.findall(r'data-testid="queue-row-(\d+)"', html)},
        int(count.group(1)),
        {item["id"] for item in api["items"]},
        api["count"],
    )


def test_a_collector_queue_holds_their_stations_requests(
    client: Client,
    agent: User,
    collector_a: User,
    customer_a: Customer,
    customer_b: Customer,
) -> None:
    mine = at_site(customer_a, agent)
    at_site(customer_b, agent)  # station B1: another collector's
    assert queue_of(client, collector_a) == ({mine.pk}, 1, {mine.pk}, 1)


def test_a_district_collector_sees_the_stations_below(
    client: Client, agent: User, regions: Regions, customer_a: Customer, customer_b: Customer
) -> None:
    district = make_user("collector_district", Role.REGIONAL_COLLECTOR, regions.district_a)
    neighbour = make_customer(regions.station_a2, "0100000002", "李秀英")
    expected = {at_site(customer_a, agent).pk, at_site(neighbour, agent).pk}
    at_site(customer_b, agent)
    assert queue_of(client, district) == (expected, 2, expected, 2)


def test_a_customer_who_moves_takes_open_requests_to_the_new_station(
    client: Client,
    agent: User,
    archivist: User,
    collector_a: User,
    collector_b: User,
    regions: Regions,
    customer_a: Customer,
) -> None:
    moving = at_site(customer_a, agent)
    closed = at_site(customer_a, agent)
    request_cancel(request=closed, actor=agent, reason="客户撤回")
    change = change_request_submit(
        customer=customer_a,
        field="region",
        new_value=regions.station_b1.code,
        reason="户籍迁移",
        acting_user=agent,
    )
    change_request_approve(request=change, acting_user=archivist)

    assert queue_of(client, collector_a) == (set(), 0, set(), 0)
    assert queue_of(client, collector_b) == ({moving.pk}, 1, {moving.pk}, 1)
    closed.refresh_from_db()
    assert closed.region == regions.station_a1  # worked there; stays there


def test_a_bulk_move_of_customers_moves_their_requests_too(
    agent: User, collector_b: User, regions: Regions, customer_a: Customer
) -> None:
    moving = at_site(customer_a, agent)
    # An import updates customers in bulk, without model saves or signals.
    Customer.objects.filter(pk=customer_a.pk).update(region=regions.station_b1)
    assert list(work_queue(user=collector_b)) == [moving]
    assert work_queue_size(user=collector_b) == 1


def test_a_collector_who_also_manages_key_accounts_sees_both(
    client: Client,
    agent: User,
    regions: Regions,
    customer_a: Customer,
    customer_b: Customer,
) -> None:
    both = make_user("collector_kam", Role.REGIONAL_COLLECTOR, regions.station_a1)
    both.groups.add(Group.objects.get(name=Role.KEY_ACCOUNT_MANAGER.value))
    customer_b.account_manager = both
    customer_b.save(update_fields=["account_manager"])
    expected = {at_site(customer_a, agent).pk, at_site(customer_b, agent).pk}
    assert queue_of(client, both) == (expected, 2, expected, 2)


def test_the_count_stops_above_the_cap(
    agent: User, collector_a: User, customer_a: Customer
) -> None:
    for _ in range(4):
        at_site(customer_a, agent)
    assert work_queue_size(user=collector_a, cap=2) == 3
    assert work_queue_size(user=collector_a) == 4


def test_a_queue_item_says_what_the_request_itself_says(
    client: Client, agent: User, collector_a: User, customer_a: Customer
) -> None:
    request = at_site(customer_a, agent)
    client.force_login(collector_a)
    client.post(f"/api/service/requests/{request.pk}/take")
    (item,) = client.get("/api/service/requests").json()["items"]
    detail = client.get(f"/api/service/requests/{request.pk}").json()
    assert item == {key: detail[key] for key in item}
    assert item["current_step"] == "site"
    assert item["assignee"] == "collector_a"
    assert item["number"] == request.number
