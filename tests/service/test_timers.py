"""Warnings before a limit, breaches and escalation when it passes, once each."""

from __future__ import annotations

import datetime as dt

import pytest

from gridcrm.archive.models import Customer
from gridcrm.service.models import Breach, ServiceRequest
from gridcrm.service.services import request_create, timers_sweep
from gridcrm.users.models import User
from tests.service.conftest import local, rtype

pytestmark = pytest.mark.django_db

MONDAY = local(2025, 6, 9, 9, 0)


@pytest.fixture
def repair(customer_a: Customer, agent: User) -> ServiceRequest:
    return request_create(
        customer=customer_a,
        request_type=rtype("fault_repair"),
        channel="phone",
        summary="整栋楼停电",
        acting_user=agent,
        now=MONDAY,
    )


def _kinds(request: ServiceRequest) -> list[str]:
    return list(request.events.order_by("pk").values_list("kind", flat=True))


def test_a_step_near_its_limit_is_warned_once(repair: ServiceRequest) -> None:
    # Dispatch has 5 minutes; the warning comes at 75 % of them.
    assert timers_sweep(now=MONDAY + dt.timedelta(minutes=3)).warned == 0
    assert timers_sweep(now=MONDAY + dt.timedelta(minutes=4)).warned == 1
    assert timers_sweep(now=MONDAY + dt.timedelta(minutes=4, seconds=30)).warned == 0
    assert _kinds(repair) == ["created", "warned"]


def test_an_overdue_request_is_escalated_and_its_breach_recorded(repair: ServiceRequest) -> None:
    result = timers_sweep(now=MONDAY + dt.timedelta(minutes=6))
    assert (result.breached, result.escalated) == (1, 1)
    repair.refresh_from_db()
    assert repair.escalation_level == 1
    breach = Breach.objects.get(request=repair)
    assert breach.step is not None
    assert breach.step.code == "dispatch"
    assert breach.owner_role == "service_agent"
    assert breach.escalated_to == "marketing_manager"
    assert breach.due_at == MONDAY + dt.timedelta(minutes=5)
    # Running again records nothing twice.
    assert timers_sweep(now=MONDAY + dt.timedelta(minutes=7)).breached == 0
    assert Breach.objects.count() == 1
    assert _kinds(repair).count("escalated") == 1


def test_passing_the_total_limit_escalates_a_second_level(repair: ServiceRequest) -> None:
    timers_sweep(now=MONDAY + dt.timedelta(hours=3, minutes=1))
    repair.refresh_from_db()
    assert repair.escalation_level == 2
    assert Breach.objects.filter(request=repair, step__isnull=True).count() == 1
    assert Breach.objects.filter(request=repair, step__isnull=False).count() == 1


def test_closed_requests_are_never_breached(repair: ServiceRequest) -> None:
    ServiceRequest.objects.filter(pk=repair.pk).update(status="done")
    repair.steps.update(status="done")
    assert timers_sweep(now=MONDAY + dt.timedelta(days=2)).breached == 0


def test_the_timers_job_runs_the_sweep(repair: ServiceRequest, administrator: User) -> None:
    from gridcrm.jobs.models import Job, JobStatus
    from gridcrm.jobs.services import job_execute
    from gridcrm.service.tasks import SERVICE_TIMERS

    ServiceRequest.objects.filter(pk=repair.pk).update(
        step_due_at=MONDAY, due_at=MONDAY + dt.timedelta(hours=3)
    )
    repair.steps.filter(code="dispatch").update(due_at=MONDAY, warn_at=MONDAY)
    job = Job.objects.create(kind=SERVICE_TIMERS, created_by=administrator)
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert "breached 2" in job.message  # the step and the whole request, long ago
