"""Planned-outage notices can target a 10 kV line (with its branch lines) or a
transformer of the registry: exactly the customers behind it are told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gridcrm.archive.models import Customer
from gridcrm.core.errors import DomainError
from gridcrm.service.models import NoticeDelivery
from gridcrm.service.notices import Target, notice_create, notice_publish
from gridcrm.users.models import User
from tests.grid.conftest import Grid


def planned(user: User, *targets: Target) -> int:
    start = timezone.now() + dt.timedelta(days=10)
    notice = notice_create(
        kind="outage",
        topic="outage",
        title="线路检修",
        body="计划停电检修。",
        targets=targets,
        outage_start=start,
        outage_end=start + dt.timedelta(hours=6),
        acting_user=user,
    )
    notice_publish(notice=notice, acting_user=user)
    return notice.pk


def audience(notice_id: int) -> set[str]:
    return set(
        NoticeDelivery.objects.filter(notice_id=notice_id).values_list(
            "customer__account_no", flat=True
        )
    )


def test_a_planned_outage_on_a_line_reaches_exactly_the_customers_behind_it(
    grid: Grid, collector_a: User, customer_a: Customer
) -> None:
    pk = planned(collector_a, Target("feeder", "F-A2"))
    assert audience(pk) == {grid.school.account_no, grid.shop.account_no}
    pk = planned(collector_a, Target("transformer", "T-A1"))
    assert audience(pk) == {customer_a.account_no}


def test_a_line_reaching_outside_the_authors_region_or_unknown_is_refused(
    grid: Grid, collector_a: User
) -> None:
    # F-A1's branch line feeds the hospital, in station A2: outside collector A's region.
    with pytest.raises(DomainError) as outside:
        planned(collector_a, Target("feeder", "F-A1"))
    assert outside.value.code == "service.notice_out_of_scope"
    with pytest.raises(DomainError) as unknown:
        planned(collector_a, Target("feeder", "NOWHERE"))
    assert unknown.value.code == "service.invalid_configuration"
    assert not NoticeDelivery.objects.exists()
