"""The queue's views for a supervisor and its deadline filters: a marketing manager lands
on every open request of the company (their own roles hold few steps), which an agent
cannot ask for; requests near or past their step's time limit are listed apart."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from gridcrm.archive.models import Customer
from gridcrm.service.models import ServiceRequest
from gridcrm.service.selectors import DUE_SOON_HOURS, work_queue_size
from gridcrm.service.services import request_create
from gridcrm.users.models import User
from tests.service.conftest import rtype

pytestmark = pytest.mark.django_db


def opened(customer: Customer, agent: User, summary: str) -> ServiceRequest:
    return request_create(
        customer=customer,
        request_type=rtype("suspend"),
        channel="counter",
        summary=summary,
        acting_user=agent,
    )


def rows(client: Client, query: str = "") -> tuple[set[int], int]:
    html = client.get(f"/service/{query}").content.decode()
    count = re.search(r'data-testid="queue-count" data-count="(\d+)"', html)
    assert count is not None
    return {int(pk) for pk in re.findall(r'data-testid="queue-row-(\d+)"', html)}, int(
        count.group(1)
    )


def test_the_manager_lands_on_every_open_request(
    client: Client, manager: User, agent: User, customer_a: Customer, customer_b: Customer
) -> None:
    first = opened(customer_a, agent, "暂停")
    second = opened(customer_b, agent, "暂停")
    client.force_login(manager)
    # The manager's own roles hold none of these steps: the old default was empty.
    assert rows(client, "?view=queue") == (set(), 0)
    assert rows(client) == ({first.pk, second.pk}, 2)
    assert rows(client, "?view=open") == ({first.pk, second.pk}, 2)
    assert work_queue_size(user=manager, all_open=True) == 2


def test_an_agent_cannot_ask_for_all_open_requests(
    client: Client, agent: User, collector_a: User, customer_a: Customer
) -> None:
    request = opened(customer_a, agent, "暂停")
    ServiceRequest.objects.filter(pk=request.pk).update(current_role="regional_collector")
    client.force_login(agent)
    assert rows(client, "?view=open") == (set(), 0)  # their own roles' queue instead
    assert 'value="open"' not in client.get("/service/").content.decode()


def test_requests_near_and_past_their_limit_are_listed_apart(
    client: Client, manager: User, agent: User, customer_a: Customer, customer_b: Customer
) -> None:
    now = timezone.now()
    late = opened(customer_a, agent, "过期")
    soon = opened(customer_b, agent, "将到期")
    later = opened(customer_b, agent, "不急")
    for request, due in (
        (late, now - dt.timedelta(hours=1)),
        (soon, now + dt.timedelta(hours=DUE_SOON_HOURS - 1)),
        (later, now + dt.timedelta(hours=DUE_SOON_HOURS + 5)),
    ):
        ServiceRequest.objects.filter(pk=request.pk).update(step_due_at=due)
    client.force_login(manager)
    assert rows(client, "?view=open&due=late") == ({late.pk}, 1)
    assert rows(client, "?view=open&due=soon") == ({soon.pk}, 1)
    assert rows(client, "?view=open&due=nonsense") == ({late.pk, soon.pk, later.pk}, 3)
    client.force_login(agent)
    assert rows(client, "?due=late") == ({late.pk}, 1)


def test_the_api_answers_the_same_views_and_filters(
    client: Client, manager: User, agent: User, customer_a: Customer
) -> None:
    late = opened(customer_a, agent, "过期")
    ServiceRequest.objects.filter(pk=late.pk).update(
        step_due_at=timezone.now() - dt.timedelta(hours=1)
    )
    opened(customer_a, agent, "不急")
    client.force_login(manager)
    every = client.get("/api/service/requests", {"view": "open"}).json()
    assert every["count"] == 2
    past = client.get("/api/service/requests", {"view": "open", "due": "late"}).json()
    assert [item["id"] for item in past["items"]] == [late.pk]
