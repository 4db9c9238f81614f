"""Outage impact: exactly the customers behind the equipment, important ones first, each
with its backup status; scoped like every list of customers."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.core.errors import NotFound
from gridcrm.grid.impact import outage_impact
from gridcrm.users.models import User
from tests.grid.conftest import Grid


def accounts(user: User, element: str, code: str) -> list[str]:
    return [c.account_no for c in outage_impact(user=user, element=element, code=code).customers]


def test_a_feeder_outage_lists_exactly_the_customers_behind_it_and_its_branches(
    grid: Grid, manager: User, customer_a: Customer
) -> None:
    # F-A1 feeds customer_a directly and the hospital through its branch line F-A1B.
    assert accounts(manager, "feeder", "F-A1") == [grid.hospital.account_no, customer_a.account_no]
    assert accounts(manager, "feeder", "F-A2") == [grid.school.account_no, grid.shop.account_no]
    assert accounts(manager, "feeder", "F-A1B") == [grid.hospital.account_no]


def test_backup_status_says_whether_another_source_or_emergency_power_holds(
    grid: Grid, manager: User
) -> None:
    hospital = outage_impact(user=manager, element="feeder", code="F-A1").customers[0]
    assert (hospital.backup, hospital.other_sources) == ("other_source", 1)
    both = outage_impact(user=manager, element="substation", code="S-A").customers
    assert {c.account_no: c.backup for c in both}[grid.hospital.account_no] == "other_source"
    lines_of_both = outage_impact(user=manager, element="feeder", code="F-A3").customers
    assert lines_of_both[0].backup == "other_source"
    school = outage_impact(user=manager, element="feeder", code="F-A2").customers[0]
    assert (school.importance_class, school.backup) == ("class_2", "none")


def test_a_transformer_outage_lists_the_customers_metered_on_it(grid: Grid, manager: User) -> None:
    assert accounts(manager, "transformer", "T-A2") == [
        grid.school.account_no,
        grid.shop.account_no,
    ]


def test_a_collector_sees_only_their_region(
    grid: Grid, collector_a: User, collector_b: User, customer_a: Customer, client: Client
) -> None:
    # The hospital is in station A2, outside collector A's station A1.
    assert accounts(collector_a, "feeder", "F-A1") == [customer_a.account_no]
    with pytest.raises(NotFound):
        outage_impact(user=collector_a, element="feeder", code="F-B1")
    client.force_login(collector_a)
    assert client.get("/grid/feeders/F-B1/").status_code == 404
    assert client.get("/api/grid/impact/feeder/F-B1").status_code == 404
    assert client.get("/api/grid/impact/feeder/F-A1").status_code == 200
    client.force_login(collector_b)
    assert client.get("/grid/feeders/F-A1/").status_code == 404


def test_roles_without_the_registry_see_nothing(grid: Grid, outsider: User, client: Client) -> None:
    client.force_login(outsider)
    assert client.get("/api/grid/impact/feeder/F-A1").status_code == 403
    assert client.get("/grid/").status_code == 403
