"""The work-queue page reads a fixed number of queries, however many rows it shows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gridcrm.archive.models import Customer
from gridcrm.service.services import request_create
from gridcrm.users.models import User
from tests.conftest import Regions, make_customer
from tests.service.conftest import rtype

pytestmark = pytest.mark.django_db

# Session and user, the user's roles, the regions, the queue's count and rows, their
# customers, the stations to choose from, and the permission lookups: 9 today.
QUEUE_PAGE_QUERIES = 10


def _fill(regions: Regions, agent: User, count: int, start: int) -> None:
    for n in range(start, start + count):
        customer = make_customer(regions.station_a1, f"01{n:08d}", f"客户{n}")
        request_create(
            customer=customer,
            request_type=rtype("enquiry"),
            channel="phone",
            summary="咨询电价",
            acting_user=agent,
        )


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/service/")
    assert page.status_code == 200
    return len(captured.captured_queries)


def test_the_queue_page_reads_a_fixed_number_of_queries(
    client: Client,
    agent: User,
    regions: Regions,
    customer_a: Customer,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(agent)
    _fill(regions, agent, 2, start=100)
    few = _queries(client)
    _fill(regions, agent, 20, start=200)
    with django_assert_max_num_queries(QUEUE_PAGE_QUERIES):
        page = client.get("/service/")
    assert page.content.decode().count('data-testid="queue-row-') == 22
    assert _queries(client) == few
