"""Inspections due by cycle per class, in the inspector's region only."""

from __future__ import annotations

import datetime as dt

from gridcrm.archive.models import Customer
from gridcrm.safety.rules import DEFAULT_DEADLINES
from gridcrm.safety.selectors import inspections_due
from gridcrm.safety.services import rules_publish
from gridcrm.users.models import User
from tests.safety.conftest import record, today


def _due(user: User) -> dict[str, tuple[str, dt.date]]:
    return {
        row.customer.account_no: (row.customer_class, row.due_on)
        for row in inspections_due(user=user)
    }


def test_each_class_is_due_by_its_cycle_in_the_inspectors_region(
    inspector_a: User,
    inspector_b: User,
    hospital: Customer,
    factory: Customer,
    customer_a: Customer,
    customer_b: Customer,
) -> None:
    # Never inspected: due today. The household (220 V, not important) is never listed.
    assert _due(inspector_a) == {
        hospital.account_no: ("class_1", today()),
        factory.account_no: ("high_voltage", today()),
    }
    record(inspector_a, hospital, days_ago=70)  # class I: every quarter → due in ~20 days
    record(inspector_a, factory, days_ago=200)  # 10 kV: yearly → not due for months
    due = _due(inspector_a)
    assert list(due) == [hospital.account_no]
    assert dt.timedelta(days=15) < due[hospital.account_no][1] - today() < dt.timedelta(days=25)
    # District B's inspector sees its steel works (35 kV), not district A's customers.
    assert _due(inspector_b) == {customer_b.account_no: ("high_voltage", today())}


def test_a_class_left_out_of_the_published_cycles_is_not_due(
    inspector_a: User, manager: User, hospital: Customer, factory: Customer
) -> None:
    rules_publish(
        cycles=[{"customer_class": "class_1", "months": 1}],
        deadlines=DEFAULT_DEADLINES,
        acting_user=manager,
    )
    record(inspector_a, hospital, days_ago=40)
    due = inspections_due(user=inspector_a)
    assert [(row.customer.account_no, row.overdue) for row in due] == [(hospital.account_no, True)]
