"""An unplanned outage entered by staff tells exactly the customers behind the equipment
at once and opens one fault-repair request; a refusal keeps nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gridcrm.archive.models import Customer
from gridcrm.core.errors import Invalid, NotFound, Refused
from gridcrm.grid.models import GridEvent, Outage
from gridcrm.grid.services import outage_enter
from gridcrm.service.models import Notice, NoticeDelivery, ServiceRequest
from gridcrm.users.models import User
from tests.grid.conftest import Grid


def told(notice_id: int | None) -> set[str]:
    assert notice_id is not None
    return set(
        NoticeDelivery.objects.filter(notice_id=notice_id).values_list(
            "customer__account_no", flat=True
        )
    )


def test_an_unplanned_feeder_outage_notifies_exactly_its_customers_and_opens_the_repair(
    grid: Grid, collector_a: User, customer_a: Customer, regions: object
) -> None:
    now = timezone.now()
    outage = outage_enter(
        element="feeder",
        code="F-A2",
        started_at=now - dt.timedelta(minutes=5),
        description="电缆头击穿",
        acting_user=collector_a,
        now=now,
    )
    assert told(outage.notice_id) == {grid.school.account_no, grid.shop.account_no}
    notice = Notice.objects.get(pk=outage.notice_id or 0)
    assert (notice.kind, notice.status) == ("fault", "published")
    # Told now, not days ahead like a planned outage: in-app at once, SMS and e-mail due now
    # for the next sweep, quiet hours or not.
    deliveries = NoticeDelivery.objects.filter(notice=notice)
    assert notice.emergency
    assert all(d.send_at <= now for d in deliveries)
    assert {d.status for d in deliveries if d.channel == "in_app"} == {"sent"}
    request = ServiceRequest.objects.get()
    assert request.request_type.code == "fault_repair"
    assert request.customer == grid.school  # the most important customer behind the line
    assert outage.request_no == request.number
    assert outage.customers == 2
    assert GridEvent.objects.filter(kind="outage_entered", acting_user=collector_a).count() == 1


def test_a_trunk_outage_reaches_the_customers_of_its_branch_lines(
    grid: Grid, collector_a: User, customer_a: Customer
) -> None:
    # The hospital (station A2) is behind F-A1's branch but outside collector A's region:
    # the collector may not tell it, so nothing is sent at all.
    with pytest.raises(Refused):
        outage_enter(
            element="feeder",
            code="F-A1",
            started_at=timezone.now(),
            description="断线",
            acting_user=collector_a,
        )
    assert not Notice.objects.exists()
    assert not ServiceRequest.objects.exists()
    assert not Outage.objects.exists()


def test_a_transformer_outage_tells_only_the_customers_metered_on_it(
    grid: Grid, collector_a: User, customer_a: Customer
) -> None:
    outage = outage_enter(
        element="transformer",
        code="T-A1",
        started_at=timezone.now(),
        description="熔断器熔断",
        acting_user=collector_a,
    )
    assert told(outage.notice_id) == {customer_a.account_no}


def test_who_may_enter_an_outage_and_what_it_needs(
    grid: Grid, manager: User, collector_a: User, collector_b: User
) -> None:
    with pytest.raises(Refused) as refused:
        outage_enter(
            element="feeder",
            code="F-A2",
            started_at=timezone.now(),
            description="x",
            acting_user=manager,
        )
    assert refused.value.code == "grid.may_not_enter_outage"
    with pytest.raises(NotFound):
        outage_enter(
            element="feeder",
            code="F-A2",
            started_at=timezone.now(),
            description="x",
            acting_user=collector_b,
        )
    with pytest.raises(Invalid) as invalid:
        outage_enter(
            element="feeder",
            code="F-A2",
            started_at=timezone.now() + dt.timedelta(hours=1),
            description="",
            acting_user=collector_a,
        )
    assert invalid.value.code == "grid.invalid_outage"
    assert set(invalid.value.fields) == {"started_at", "description"}
    assert not Notice.objects.exists()
