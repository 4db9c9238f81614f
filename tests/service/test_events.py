"""Every state change of the service app writes its audit event in the same transaction;
a refused one writes none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group

from gridcrm.archive.models import Customer
from gridcrm.core.errors import Conflict, DomainError
from gridcrm.core.extensions import REQUEST_OBSERVERS, customer_timeline
from gridcrm.service.matrix import matrix_current, matrix_publish, rule_as_dict
from gridcrm.service.models import (
    GraceRequest,
    RequestEvent,
    ServiceEvent,
    ServiceRequest,
)
from gridcrm.service.notices import Target, notice_create, notice_publish, notice_withdraw
from gridcrm.service.payments import grace_request_decide, grace_request_submit
from gridcrm.service.services import (
    request_cancel,
    request_create,
    request_note_add,
    request_step_complete,
    request_take,
    timers_sweep,
)
from gridcrm.users.models import User
from tests.service.conftest import local, rtype

pytestmark = pytest.mark.django_db

MONDAY = local(2025, 6, 9, 9, 0)


def _open(customer: Customer, agent: User, code: str = "enquiry") -> ServiceRequest:
    return request_create(
        customer=customer,
        request_type=rtype(code),
        channel="phone",
        summary="咨询",
        acting_user=agent,
        now=MONDAY,
    )


def _kinds(request: ServiceRequest) -> list[str]:
    return list(request.events.order_by("pk").values_list("kind", flat=True))


def test_request_services_write_their_events_with_the_acting_user(
    customer_a: Customer, agent: User
) -> None:
    request = _open(customer_a, agent)
    request_take(request=request, acting_user=agent)
    request_note_add(request=request, acting_user=agent, text="已电话联系")
    request_step_complete(request=request, step_code="answer", acting_user=agent)
    assert _kinds(request)[:4] == ["created", "taken", "note", "step_done"]
    assert set(request.events.values_list("acting_user", flat=True)) == {agent.pk}
    other = _open(customer_a, agent)
    request_cancel(request=other, acting_user=agent, reason="客户撤回")
    assert _kinds(other) == ["created", "cancelled"]


def test_escalations_are_recorded_by_nobody(customer_a: Customer, agent: User) -> None:
    repair = _open(customer_a, agent, "fault_repair")
    timers_sweep(now=MONDAY + dt.timedelta(minutes=6))
    escalated = repair.events.filter(kind__in=["breached", "escalated"])
    assert sorted(escalated.values_list("kind", flat=True)) == ["breached", "escalated"]
    assert not escalated.exclude(acting_user=None).exists()


def test_a_refused_step_writes_no_event(customer_a: Customer, agent: User) -> None:
    request = _open(customer_a, agent, "new_lv_residential")
    with pytest.raises(DomainError):
        request_step_complete(request=request, step_code="follow_up", acting_user=agent)
    assert _kinds(request) == ["created"]


@pytest.fixture
def refusing_observer() -> Iterator[None]:
    def refuse(request: ServiceRequest, event: RequestEvent) -> None:
        if event.kind == RequestEvent.Kind.CREATED:
            raise Conflict("held", code="test.held")

    REQUEST_OBSERVERS.register("test.refuse", refuse)
    yield
    REQUEST_OBSERVERS.unregister("test.refuse")


@pytest.mark.usefixtures("refusing_observer")
def test_an_observer_refusing_a_write_keeps_nothing_of_it(
    customer_a: Customer, agent: User
) -> None:
    with pytest.raises(DomainError) as refused:
        _open(customer_a, agent)
    assert refused.value.code == "test.held"
    assert not ServiceRequest.objects.exists()
    assert not RequestEvent.objects.exists()


def test_publishing_the_matrix_is_recorded(manager: User, agent: User) -> None:
    current = matrix_current()
    assert current is not None
    rules = [rule_as_dict(r) for r in current.rules.all()]
    version = matrix_publish(rules=rules, note="复核", acting_user=manager)
    event = ServiceEvent.objects.get(kind="matrix_published", acting_user=manager)
    assert event.matrix_version == version
    assert version.published_by == manager
    with pytest.raises(DomainError):
        matrix_publish(rules=rules, note="越权", acting_user=agent)
    assert not ServiceEvent.objects.filter(acting_user=agent).exists()


def test_notices_record_writing_publishing_and_withdrawing(
    planner: User, agent: User, customer_a: Customer, regions: object
) -> None:
    start = local(2025, 7, 1, 8, 0)
    notice = notice_create(
        kind="outage",
        topic="outage",
        title="计划停电",
        body="线路检修",
        acting_user=planner,
        targets=[Target("station", customer_a.region.code)],
        outage_start=start,
        outage_end=start + dt.timedelta(hours=4),
    )
    notice_publish(notice=notice, acting_user=planner, now=MONDAY)
    notice_withdraw(notice=notice, acting_user=planner)
    kinds = list(notice.events.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["notice_created", "notice_published", "notice_withdrawn"]
    with pytest.raises(DomainError):
        notice_withdraw(notice=notice, acting_user=planner)  # already withdrawn
    assert notice.events.count() == 3


def test_grace_requests_and_decisions_are_recorded_for_the_customer(
    customer_b: Customer, agent: User, manager: User, grades: dict[str, str]
) -> None:
    grades[customer_b.account_no] = "AAA"
    grace = grace_request_submit(
        customer=customer_b,
        bill_id="B1",
        due_on=dt.date(2025, 7, 15),
        days=5,
        reason="资金周转",
        acting_user=agent,
    )
    grace_request_decide(grace=grace, acting_user=manager, approve=True)
    kinds = list(grace.events.order_by("pk").values_list("kind", "acting_user", "customer"))
    assert kinds == [
        ("grace_requested", agent.pk, customer_b.pk),
        ("grace_approved", manager.pk, customer_b.pk),
    ]


def test_who_asked_for_grace_may_not_decide_it(
    customer_b: Customer, grades: dict[str, str], regions: object
) -> None:
    # One person holding a role that requests grace and one that approves it (a superuser
    # holds neither: business permissions come from roles only).
    both = User.objects.create_user("both", password="x")
    both.groups.add(*Group.objects.filter(name__in=["service_agent", "marketing_manager"]))
    grades[customer_b.account_no] = "AAA"
    grace = grace_request_submit(
        customer=customer_b,
        bill_id="B1",
        due_on=dt.date(2025, 7, 15),
        days=5,
        reason="资金周转",
        acting_user=both,
    )
    with pytest.raises(DomainError) as refused:
        grace_request_decide(grace=grace, acting_user=both, approve=True)
    assert refused.value.code == "service.second_person_needed"
    assert GraceRequest.objects.get().status == "pending"
    assert list(grace.events.values_list("kind", flat=True)) == ["grace_requested"]


def test_request_events_join_the_customer_timeline_for_those_who_may_see_them(
    customer_a: Customer, agent: User, outsider: User
) -> None:
    request = _open(customer_a, agent)
    entries = [e for e in customer_timeline(customer=customer_a, user=agent) if e.app == "service"]
    assert [(e.kind, e.acting_user) for e in entries] == [("created", agent)]
    assert entries[0].url == request.get_absolute_url()
    assert not [
        e for e in customer_timeline(customer=customer_a, user=outsider) if e.app == "service"
    ]
