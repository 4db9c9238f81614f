"""The hand-off between steps, for every request type configured: completing a step hands
the request to the next step's owner role, unheld in their queue (or keeps it with its
holder when the same role goes on); only that role may take and complete it, a role that
may also complete it records it without taking it, and everyone else is refused with
nothing changed. Walked through the services, the pages and the API with bearer tokens."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from gridcrm.archive.models import Customer
from gridcrm.service.defaults import REQUEST_TYPES
from gridcrm.service.errors import RequestTaken, ServiceRefused
from gridcrm.service.models import RequestStep, ServiceRequest
from gridcrm.service.selectors import work_queue
from gridcrm.service.services import (
    request_create,
    request_step_complete,
    request_take,
)
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from gridcrm.users.services import api_token_issue
from tests.conftest import Regions, make_user
from tests.service.conftest import local, rtype

pytestmark = pytest.mark.django_db

MONDAY = local(2025, 6, 9, 9, 0)
TYPES = [spec["code"] for spec in REQUEST_TYPES]


@dataclass
class Cast:
    """Two people of each working role (an owner and a colleague), all able to see
    customer A."""

    people: dict[str, list[User]]

    def everyone(self) -> list[User]:
        return [u for pair in self.people.values() for u in pair]

    def of(self, role: str) -> list[User]:
        return self.people[role]


@pytest.fixture
def cast(regions: Regions, agent: User, collector_a: User, archivist: User, manager: User) -> Cast:
    return Cast(
        {
            Role.SERVICE_AGENT: [agent, make_user("agent2", Role.SERVICE_AGENT)],
            Role.REGIONAL_COLLECTOR: [
                collector_a,
                make_user("collector_a2", Role.REGIONAL_COLLECTOR, regions.station_a1),
            ],
            Role.ARCHIVE_OFFICER: [archivist, make_user("archivist2", Role.ARCHIVE_OFFICER)],
            Role.MARKETING_MANAGER: [manager, make_user("manager2", Role.MARKETING_MANAGER)],
        }
    )


def _open(code: str, customer: Customer, agent: User) -> ServiceRequest:
    return request_create(
        customer=customer,
        request_type=rtype(code),
        channel="counter",
        summary="测试",
        acting_user=agent,
        now=MONDAY,
    )


def _expected_holder(previous: RequestStep | None, step: RequestStep, by: User | None) -> Any:
    """Nobody, unless the same role goes on: then whoever completed the previous step."""
    if previous is not None and previous.owner_role == step.owner_role:
        return by
    return None


def _roles(step: RequestStep) -> tuple[set[str], set[str]]:
    owners = {step.owner_role}
    return owners, set(step.also_roles) - owners


# --- services ------------------------------------------------------------------------


@pytest.mark.parametrize("code", TYPES)
def test_each_step_is_held_taken_and_completed_by_its_owner_role_only(
    code: str, cast: Cast, customer_a: Customer, agent: User
) -> None:
    request = _open(code, customer_a, agent)
    previous: RequestStep | None = None
    by: User | None = None
    for step in list(request.steps.order_by("position")):
        request.refresh_from_db()
        assert request.current_position == step.position
        assert request.current_role == step.owner_role
        holder = _expected_holder(previous, step, by)
        assert request.assignee == holder, (code, step.code)
        owners, recorders = _roles(step)
        owner, colleague = cast.of(step.owner_role)
        if holder is not None:
            owner, colleague = holder, next(u for u in cast.of(step.owner_role) if u != holder)
        version = request.version
        for user in cast.everyone():
            role = next(r for r, pair in cast.people.items() if user in pair)
            if role in owners:
                continue
            # Neither another role nor one allowed to record the step may take it.
            with pytest.raises(ServiceRefused):
                request_take(request=request, acting_user=user, now=MONDAY)
            if role not in recorders:
                with pytest.raises(ServiceRefused):
                    request_step_complete(
                        request=request, step_code=step.code, acting_user=user, now=MONDAY
                    )
        if holder is None:
            request = request_take(request=request, acting_user=owner, now=MONDAY)
            assert request.assignee == owner
        # Once one owner holds it, the colleague and the recorders are refused.
        with pytest.raises(RequestTaken):
            request_take(request=request, acting_user=colleague, now=MONDAY)
        for user in [colleague, *(u for r in recorders for u in cast.of(r))]:
            with pytest.raises(RequestTaken):
                request_step_complete(
                    request=request, step_code=step.code, acting_user=user, now=MONDAY
                )
        request.refresh_from_db()
        assert request.assignee == owner
        assert request.version == version + (1 if holder is None else 0)
        request = request_step_complete(
            request=request, step_code=step.code, acting_user=owner, now=MONDAY
        )
        previous, by = step, owner
    request.refresh_from_db()
    assert request.status == ServiceRequest.Status.DONE
    assert request.assignee is None


def test_a_fault_repair_goes_from_the_agent_to_the_collectors_queue_after_dispatch(
    cast: Cast, customer_a: Customer, agent: User, collector_a: User
) -> None:
    request = _open("fault_repair", customer_a, agent)
    request_take(request=request, acting_user=agent, now=MONDAY)
    request = request_step_complete(
        request=request, step_code="dispatch", acting_user=agent, now=MONDAY
    )
    assert request.current_role == Role.REGIONAL_COLLECTOR
    assert request.assignee is None
    assert request in work_queue(user=collector_a)
    assert request not in work_queue(user=agent)
    assert request not in work_queue(user=agent, mine=True)
    with pytest.raises(ServiceRefused):
        request_take(request=request, acting_user=agent, now=MONDAY)
    request = request_take(request=request, acting_user=collector_a, now=MONDAY)
    assert request.assignee == collector_a


def test_an_agent_records_a_crews_report_without_keeping_the_request(
    cast: Cast, customer_a: Customer, agent: User, collector_a: User
) -> None:
    request = _open("fault_repair", customer_a, agent)
    request = request_step_complete(
        request=request, step_code="dispatch", acting_user=agent, now=MONDAY
    )
    # The crew phones the agent: the agent records "on site" for the collectors.
    request = request_step_complete(
        request=request, step_code="on_site", acting_user=agent, note="班组电话回报", now=MONDAY
    )
    assert request.steps.get(code="on_site").completed_by == agent
    assert request.current_role == Role.REGIONAL_COLLECTOR
    assert request.assignee is None
    assert request in work_queue(user=collector_a)


def test_a_step_added_by_the_matrix_is_handed_over_like_the_others(
    cast: Cast, customer_a: Customer, agent: User, collector_a: User, grades: dict[str, str]
) -> None:
    grades[customer_a.account_no] = "C"
    request = _open("increase_lv", customer_a, agent)
    codes = list(request.steps.order_by("position").values_list("code", flat=True))
    assert codes[:2] == ["accept", "credit_check"]
    request = request_step_complete(
        request=request, step_code="accept", acting_user=agent, now=MONDAY
    )
    assert (request.current_role, request.assignee) == (Role.REGIONAL_COLLECTOR, None)
    request = request_take(request=request, acting_user=collector_a, now=MONDAY)
    request = request_step_complete(
        request=request, step_code="credit_check", acting_user=collector_a, now=MONDAY
    )
    # The survey that follows is the same role's: the collector goes on with it.
    assert request.assignee == collector_a


# --- pages ---------------------------------------------------------------------------


def _page(client: Client, user: User, request: ServiceRequest) -> str:
    client.force_login(user)
    response = client.get(request.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("code", TYPES)
def test_the_request_page_offers_each_step_to_its_owner_role_only(
    code: str, cast: Cast, customer_a: Customer, agent: User, client: Client
) -> None:
    request = _open(code, customer_a, agent)
    previous: RequestStep | None = None
    by: User | None = None
    for step in list(request.steps.order_by("position")):
        request.refresh_from_db()
        holder = _expected_holder(previous, step, by)
        assert request.assignee == holder
        owners, recorders = _roles(step)
        owner = holder or cast.of(step.owner_role)[0]
        # Both people of the owner role, one of each other role.
        looking = [
            *cast.of(step.owner_role),
            *(p[0] for r, p in cast.people.items() if r not in owners),
        ]
        for user in looking:
            html = _page(client, user, request)
            role = next(r for r, pair in cast.people.items() if user in pair)
            offered_take = 'data-testid="take"' in html
            offered_step = 'data-testid="complete-step"' in html
            if user == owner:
                assert offered_step, (code, step.code, user)
                assert offered_take == (holder is None)
            elif role in owners:  # a colleague: offered only while nobody holds it
                assert offered_take == offered_step == (holder is None)
            else:
                assert (offered_take, offered_step) == (False, False), (code, step.code, user)
                assert ('data-testid="record-form"' in html) == (
                    role in recorders and holder is None
                )
        client.force_login(owner)
        if holder is None:
            client.post(f"{request.get_absolute_url()}take/")
            request.refresh_from_db()
            assert request.assignee == owner
            # Held: the colleague sees who works on it, and no buttons.
            colleague = next(u for u in cast.of(step.owner_role) if u != owner)
            html = _page(client, colleague, request)
            assert 'data-testid="take"' not in html
            assert 'data-testid="complete-step"' not in html
            assert owner.get_full_name() in html or owner.username in html
            client.force_login(owner)
        response = client.post(
            f"{request.get_absolute_url()}step/",
            {"code": step.code, "version": request.version, "note": "完成"},
        )
        assert response.status_code == 302
        assert request.steps.get(pk=step.pk).status == RequestStep.Status.DONE
        previous, by = step, owner
    request.refresh_from_db()
    assert request.status == ServiceRequest.Status.DONE


def test_a_collector_sees_a_dispatched_fault_repair_as_theirs_to_take(
    cast: Cast, customer_a: Customer, agent: User, collector_a: User, client: Client
) -> None:
    request = _open("fault_repair", customer_a, agent)
    request_take(request=request, acting_user=agent, now=MONDAY)
    request_step_complete(request=request, step_code="dispatch", acting_user=agent, now=MONDAY)
    collector_page = _page(client, collector_a, request)
    assert 'data-testid="take"' in collector_page
    assert 'data-testid="complete-step"' in collector_page
    agent_page = _page(client, agent, request)
    assert 'data-testid="take"' not in agent_page
    assert 'data-testid="complete-step"' not in agent_page
    assert 'data-testid="release"' not in agent_page
    assert 'data-testid="record-form"' in agent_page  # the crew's report on the phone
    client.force_login(collector_a)
    queue = client.get("/service/").content.decode()
    assert f'data-testid="take-{request.pk}"' in queue


def test_release_reads_as_putting_back_into_the_queue_in_chinese(
    customer_a: Customer, agent: User, client: Client
) -> None:
    request = _open("enquiry", customer_a, agent)
    request_take(request=request, acting_user=agent, now=MONDAY)
    html = _page(client, agent, request)
    with translation.override("zh-hans"):
        assert gettext("Release to the queue") in html
    assert "退回" not in html


# --- API with bearer tokens ------------------------------------------------------------


@pytest.mark.parametrize("code", TYPES)
def test_the_api_hands_each_step_to_its_owner_role_only(
    code: str, cast: Cast, customer_a: Customer, agent: User
) -> None:
    client = Client(enforce_csrf_checks=True)
    tokens = {
        u.pk: {"Authorization": f"Bearer {api_token_issue(user=u, name='t')}"}
        for u in cast.everyone()
    }
    request = _open(code, customer_a, agent)
    base = f"/api/service/requests/{request.pk}"
    previous: RequestStep | None = None
    by: User | None = None
    for step in list(request.steps.order_by("position")):
        holder = _expected_holder(previous, step, by)
        state = client.get(base, headers=tokens[agent.pk]).json()
        assert state["current_step"] == step.code
        assert state["current_role"] == step.owner_role
        assert state["assignee"] == (holder.username if holder else None)
        owners, recorders = _roles(step)
        owner = holder or cast.of(step.owner_role)[0]
        colleague = next(u for u in cast.of(step.owner_role) if u != owner)
        done = f"{base}/steps/{step.code}/complete"
        for user in cast.everyone():
            role = next(r for r, pair in cast.people.items() if user in pair)
            if role in owners:
                continue
            refused = client.post(f"{base}/take", headers=tokens[user.pk])
            assert (refused.status_code, refused.json()["code"]) == (403, "service.refused")
            if role not in recorders:
                refused = client.post(
                    done, {}, content_type="application/json", headers=tokens[user.pk]
                )
                assert (refused.status_code, refused.json()["code"]) == (403, "service.refused")
        if holder is None:
            taken = client.post(f"{base}/take", headers=tokens[owner.pk])
            assert (taken.status_code, taken.json()["assignee"]) == (200, owner.username)
        other = client.post(f"{base}/take", headers=tokens[colleague.pk])
        assert (other.status_code, other.json()["code"]) == (409, "service.request_taken")
        released = client.post(f"{base}/release", headers=tokens[colleague.pk])
        assert (released.status_code, released.json()["code"]) == (403, "service.not_holder")
        answer = client.post(
            done, {"note": "完成"}, content_type="application/json", headers=tokens[owner.pk]
        )
        assert answer.status_code == 200, answer.content
        previous, by = step, owner
    assert client.get(base, headers=tokens[agent.pk]).json()["status"] == "done"


def test_the_api_releases_a_request_to_its_queue(
    cast: Cast, customer_a: Customer, agent: User, collector_a: User
) -> None:
    client = Client(enforce_csrf_checks=True)
    headers = {"Authorization": f"Bearer {api_token_issue(user=collector_a, name='t')}"}
    request = _open("fault_repair", customer_a, agent)
    request_step_complete(request=request, step_code="dispatch", acting_user=agent, now=MONDAY)
    base = f"/api/service/requests/{request.pk}"
    assert client.post(f"{base}/take", headers=headers).json()["assignee"] == "collector_a"
    released = client.post(f"{base}/release", headers=headers)
    assert (released.status_code, released.json()["assignee"]) == (200, None)
    assert request.events.filter(kind="released").count() == 1


# --- requests left with the wrong holder before the fix --------------------------------


def test_the_migration_puts_misheld_requests_back_into_their_queue(
    cast: Cast, customer_a: Customer, agent: User, collector_a: User
) -> None:
    from django.apps import apps

    migration = importlib.import_module(
        "gridcrm.service.migrations.0013_release_requests_held_past_their_step"
    )
    misheld = _open("fault_repair", customer_a, agent)
    request_step_complete(request=misheld, step_code="dispatch", acting_user=agent, now=MONDAY)
    # What the old hand-off left behind: the agent still holding the collector's step.
    ServiceRequest.objects.filter(pk=misheld.pk).update(assignee=agent)
    rightly = _open("enquiry", customer_a, agent)
    request_take(request=rightly, acting_user=agent, now=MONDAY)
    migration.release_misheld(apps, None)
    migration.release_misheld(apps, None)  # re-runnable: nothing more to do
    misheld.refresh_from_db()
    assert misheld.assignee is None
    assert misheld.events.filter(kind="released").count() == 1
    assert ServiceRequest.objects.get(pk=rightly.pk).assignee == agent
