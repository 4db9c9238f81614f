"""Each request type's workflow, its deadlines, and the refusals that change nothing."""

from __future__ import annotations

import pytest

from gridcrm.archive.models import Customer
from gridcrm.core.errors import DomainError
from gridcrm.service.defaults import REQUEST_TYPES
from gridcrm.service.errors import MissingData
from gridcrm.service.models import RequestEvent, RequestStep, RequestType, ServiceRequest
from gridcrm.service.services import (
    request_create,
    request_step_complete,
    request_take,
)
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.service.conftest import local, rtype

pytestmark = pytest.mark.django_db

MONDAY = local(2025, 6, 9, 9, 0)


@pytest.fixture
def workers(agent: User, collector_a: User, archivist: User, manager: User) -> dict[str, User]:
    return {
        Role.SERVICE_AGENT: agent,
        Role.REGIONAL_COLLECTOR: collector_a,
        Role.ARCHIVE_OFFICER: archivist,
        Role.MARKETING_MANAGER: manager,
    }


@pytest.mark.parametrize("code", [spec["code"] for spec in REQUEST_TYPES])
def test_every_request_type_runs_through_its_steps_to_the_end(
    code: str, customer_a: Customer, workers: dict[str, User], agent: User
) -> None:
    request_type = rtype(code)
    request = request_create(
        customer=customer_a,
        request_type=request_type,
        channel="counter",
        summary="测试",
        acting_user=agent,
        now=MONDAY,
    )
    planned = list(request_type.steps.values_list("code", flat=True))
    assert list(request.steps.values_list("code", flat=True)) == planned
    for n, step in enumerate(request.steps.order_by("position"), start=1):
        request.refresh_from_db()
        assert request.current_position == n
        assert request.current_role == step.owner_role
        request = request_step_complete(
            request=request,
            step_code=step.code,
            acting_user=workers[step.owner_role],
            note=f"第{n}步完成",
            now=MONDAY,
        )
    request.refresh_from_db()
    assert request.status == ServiceRequest.Status.DONE
    assert request.current_position is None
    assert set(request.steps.values_list("status", flat=True)) == {RequestStep.Status.DONE}
    kinds = list(request.events.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["created", *["step_done"] * len(planned), "closed"]


def test_deadlines_follow_the_configured_limits_across_a_weekend(
    customer_a: Customer, agent: User
) -> None:
    friday = local(2025, 6, 6, 15, 0)
    request = request_create(
        customer=customer_a,
        request_type=rtype("new_lv_residential"),
        channel="phone",
        summary="新装",
        acting_user=agent,
        now=friday,
    )
    assert request.due_at == local(2025, 6, 14)  # 5 working days: Mon–Fri
    assert request.step_due_at == local(2025, 6, 10)  # acceptance: 1 working day
    request = request_step_complete(
        request=request, step_code="accept", acting_user=agent, now=local(2025, 6, 9, 10, 0)
    )
    # The connection step (3 working days) starts when acceptance ends.
    assert request.step_due_at == local(2025, 6, 13)


def test_fault_repair_limits_are_minutes_and_longer_in_rural_areas(
    customer_a: Customer, customer_b: Customer, agent: User, regions: object
) -> None:
    from gridcrm.service.models import RegionArea

    district = customer_b.region.parent
    assert district is not None
    RegionArea.objects.create(region=district, area="rural")
    city = request_create(
        customer=customer_a,
        request_type=rtype("fault_repair"),
        channel="phone",
        summary="停电",
        acting_user=agent,
        now=MONDAY,
    )
    rural = request_create(
        customer=customer_b,
        request_type=rtype("fault_repair"),
        channel="phone",
        summary="停电",
        acting_user=agent,
        now=MONDAY,
    )
    assert (city.area, rural.area) == ("city", "rural")
    assert city.due_at == local(2025, 6, 9, 12, 0)  # supply back within 3 hours
    assert rural.due_at == local(2025, 6, 9, 13, 0)  # … 4 hours in rural areas
    on_site = {r.area: r.steps.get(code="on_site").limit_value for r in (city, rural)}
    assert on_site == {"city": 40, "rural": 85}  # with 5 minutes of dispatch: 45 / 90


def test_a_step_out_of_order_is_refused_and_changes_nothing(
    customer_a: Customer, agent: User
) -> None:
    request = request_create(
        customer=customer_a,
        request_type=rtype("new_lv_residential"),
        channel="counter",
        summary="新装",
        acting_user=agent,
        now=MONDAY,
    )
    with pytest.raises(DomainError) as refused:
        request_step_complete(request=request, step_code="follow_up", acting_user=agent)
    assert refused.value.code == "service.step_out_of_order"
    assert refused.value.status == 409
    request.refresh_from_db()
    assert request.current_position == 1
    assert request.version == 1
    assert request.events.count() == 1
    assert not request.steps.filter(status="done").exists()


def test_a_step_of_another_role_is_refused(
    customer_a: Customer, agent: User, archivist: User
) -> None:
    request = request_create(
        customer=customer_a,
        request_type=rtype("transfer"),
        channel="counter",
        summary="过户",
        acting_user=agent,
        now=MONDAY,
    )
    with pytest.raises(DomainError) as refused:
        request_step_complete(request=request, step_code="accept", acting_user=archivist)
    assert refused.value.code == "service.refused"
    request.refresh_from_db()
    assert request.current_position == 1


def test_a_request_taken_by_one_agent_cannot_be_worked_by_another(
    customer_a: Customer, agent: User
) -> None:
    from tests.conftest import make_user

    other = make_user("agent2", Role.SERVICE_AGENT)
    request = request_create(
        customer=customer_a,
        request_type=rtype("enquiry"),
        channel="phone",
        summary="咨询电价",
        acting_user=agent,
        now=MONDAY,
    )
    request_take(request=request, acting_user=agent)
    with pytest.raises(DomainError) as taken:
        request_take(request=request, acting_user=other)
    assert taken.value.code == "service.request_taken"
    with pytest.raises(DomainError) as worked:
        request_step_complete(request=request, step_code="answer", acting_user=other)
    assert worked.value.code == "service.request_taken"
    assert ServiceRequest.objects.get(pk=request.pk).assignee == agent


def test_a_request_needing_missing_tier1_data_names_the_fields(
    customer_a: Customer, agent: User
) -> None:
    Customer.objects.filter(pk=customer_a.pk).update(certificate_no="")
    customer_a.refresh_from_db()
    with pytest.raises(MissingData) as caught:
        request_create(
            customer=customer_a,
            request_type=rtype("transfer"),
            channel="counter",
            summary="过户",
            acting_user=agent,
        )
    assert caught.value.code == "service.missing_data"
    assert caught.value.labels  # names the missing field(s)
    assert ServiceRequest.objects.count() == 0
    assert RequestEvent.objects.count() == 0


def test_a_request_for_a_customer_outside_the_scope_is_refused(
    customer_b: Customer, collector_a: User
) -> None:
    with pytest.raises(DomainError) as refused:
        request_create(
            customer=customer_b,
            request_type=rtype("fault_repair"),
            channel="phone",
            summary="停电",
            acting_user=collector_a,
        )
    assert refused.value.code == "service.customer_not_found"
    assert ServiceRequest.objects.count() == 0


def test_a_request_without_summary_or_with_a_bad_channel_is_refused(
    customer_a: Customer, agent: User
) -> None:
    for channel, summary in (("counter", "  "), ("fax", "新装")):
        with pytest.raises(DomainError) as refused:
            request_create(
                customer=customer_a,
                request_type=rtype("new_lv_residential"),
                channel=channel,
                summary=summary,
                acting_user=agent,
            )
        assert refused.value.code == "service.invalid_input"
    assert ServiceRequest.objects.count() == 0


def test_an_outsider_cannot_open_requests(customer_a: Customer, outsider: User) -> None:
    with pytest.raises(DomainError) as refused:
        request_create(
            customer=customer_a,
            request_type=RequestType.objects.first(),  # type: ignore[arg-type]
            channel="counter",
            summary="x",
            acting_user=outsider,
        )
    assert refused.value.code == "service.refused"
