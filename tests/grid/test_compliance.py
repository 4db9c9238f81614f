"""Important customers checked against the published rules (GB/Z 29328)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gridcrm.core.errors import Invalid, Refused
from gridcrm.grid.models import EmergencyPower, ImportanceRules, SupplySource
from gridcrm.grid.rules import DEFAULT_RULES
from gridcrm.grid.selectors import important_customers_checked
from gridcrm.grid.services import rules_publish
from gridcrm.users.models import User
from tests.grid.conftest import Grid


def gaps(user: User) -> dict[str, tuple[str, ...]]:
    return {row.account_no: row.gaps for row in important_customers_checked(user=user)}


def test_a_class_ii_customer_with_one_source_and_no_emergency_power_is_listed(
    grid: Grid, manager: User
) -> None:
    found = gaps(manager)
    assert found[grid.school.account_no] == ("sources", "no_emergency")
    assert found[grid.hospital.account_no] == ()


def test_emergency_power_below_the_security_load_times_the_factor_is_a_gap(
    grid: Grid, manager: User
) -> None:
    # 300 kW security load × 120 % = 360 kW; 350 kW is short, 400 kW was enough.
    EmergencyPower.objects.filter(customer=grid.hospital).update(kw=Decimal("350"))
    assert gaps(manager)[grid.hospital.account_no] == ("emergency_short",)


def test_a_class_i_customer_with_two_sources_from_one_substation_is_listed(
    grid: Grid, manager: User
) -> None:
    SupplySource.objects.filter(customer=grid.hospital, feeder=grid.f_a3).delete()
    SupplySource.objects.create(customer=grid.hospital, feeder=grid.f_a2)
    assert gaps(manager)[grid.hospital.account_no] == ("substations",)


def test_published_rules_change_the_check_and_bad_rules_are_refused(
    grid: Grid, manager: User, archivist: User
) -> None:
    rows = [dict(row) for row in DEFAULT_RULES]
    rows[1]["emergency_percent"] = 150  # class_1: 300 kW × 150 % = 450 kW > 400 kW
    with pytest.raises(Refused) as refused:
        rules_publish(rows=rows, acting_user=manager)
    assert refused.value.code == "grid.may_not_edit"
    rules_publish(rows=rows, acting_user=archivist)
    assert gaps(manager)[grid.hospital.account_no] == ("emergency_short",)
    with pytest.raises(Invalid) as invalid:
        rules_publish(rows=rows[:3], acting_user=archivist)
    assert invalid.value.code == "grid.invalid_rules"
    bad = [*rows[:3], {**rows[3], "min_substations": 3}]
    with pytest.raises(Invalid):
        rules_publish(rows=bad, acting_user=archivist)
    assert ImportanceRules.objects.count() == 1


def test_a_collector_sees_only_the_important_customers_of_their_region(
    grid: Grid, collector_a: User
) -> None:
    assert set(gaps(collector_a)) == {grid.school.account_no}
