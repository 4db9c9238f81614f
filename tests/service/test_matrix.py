"""The service matrix: priorities, limit factors, packages and extra steps by segment,
credit grade and important class; versioned; shown on every request."""

from __future__ import annotations

from typing import Any

import pytest

from gridcrm.archive.models import Customer
from gridcrm.core.errors import DomainError
from gridcrm.service.matrix import decide, matrix_current, matrix_publish, rule_as_dict
from gridcrm.service.models import ServiceRequest
from gridcrm.service.selectors import work_queue
from gridcrm.service.services import request_create
from gridcrm.users.models import User
from tests.conftest import make_customer
from tests.service.conftest import local, rtype

pytestmark = pytest.mark.django_db

MONDAY = local(2025, 6, 9, 9, 0)


def _new(customer: Customer, code: str, actor: User, minutes: int = 0) -> ServiceRequest:
    import datetime as dt

    return request_create(
        customer=customer,
        request_type=rtype(code),
        channel="counter",
        summary=code,
        acting_user=actor,
        now=MONDAY + dt.timedelta(minutes=minutes),
    )


def test_residents_get_the_standard_package_and_enterprises_the_professional(
    customer_a: Customer, customer_b: Customer
) -> None:
    assert decide(customer=customer_a).package == "standard"
    assert decide(customer=customer_b).package == "professional"
    assert "居民" in decide(customer=customer_a).reasons[0]


def test_excellent_credit_jumps_the_queue_for_new_connections(
    customer_a: Customer, regions: Any, agent: User, grades: dict[str, str]
) -> None:
    excellent = make_customer(regions.station_a1, "0100000002", "李优秀")
    grades[excellent.account_no] = "AAA"
    ordinary = _new(customer_a, "new_lv_residential", agent, minutes=0)
    first_come = _new(customer_a, "enquiry", agent, minutes=1)
    jumper = _new(excellent, "new_lv_residential", agent, minutes=30)
    assert jumper.priority == 1
    assert ordinary.priority == 3
    assert "信用优秀" in " ".join(jumper.decision["reasons"])
    # AAA limits are 20 % shorter: 5 working days become 4.
    assert (jumper.due_at - ordinary.due_at).days < 0
    queue = list(work_queue(user=agent).values_list("pk", flat=True))
    # The same step limit (1 working day from the same day): arrival order breaks the tie.
    assert queue == [jumper.pk, ordinary.pk, first_come.pk]


def test_poor_credit_adds_a_check_before_a_capacity_increase(
    customer_a: Customer, agent: User, grades: dict[str, str]
) -> None:
    grades[customer_a.account_no] = "B"
    request = _new(customer_a, "increase_lv", agent)
    codes = list(request.steps.values_list("code", flat=True))
    assert codes == ["accept", "credit_check", "survey", "connect", "follow_up"]
    assert request.steps.get(code="credit_check").from_matrix
    grades[customer_a.account_no] = "A"
    assert "credit_check" not in _new(customer_a, "increase_lv", agent).steps.values_list(
        "code", flat=True
    )


def test_important_customers_come_first(customer_a: Customer, regions: Any, agent: User) -> None:
    hospital = make_customer(
        regions.station_a1, "0100000003", "阳泉市第一人民医院", importance_class="class_1"
    )
    later = _new(hospital, "complaint", agent, minutes=60)
    earlier = _new(customer_a, "complaint", agent)
    assert later.priority == 2
    assert list(work_queue(user=agent).values_list("pk", flat=True)) == [later.pk, earlier.pk]


def test_a_manager_publishes_a_new_version_and_old_requests_keep_theirs(
    customer_a: Customer, agent: User, manager: User
) -> None:
    before = _new(customer_a, "enquiry", agent)
    old = matrix_current()
    assert old is not None
    rules = [rule_as_dict(r) for r in old.rules.all()]
    rules.append({"segment": "residential", "priority": 2, "note": "迎峰度夏：居民优先"})
    new = matrix_publish(rules=rules, note="夏季居民优先", acting_user=manager)
    assert new.number == old.number + 1
    after = _new(customer_a, "enquiry", agent)
    assert (before.priority, after.priority) == (3, 2)
    assert before.matrix_version == old
    assert after.matrix_version == new


@pytest.mark.parametrize(
    "bad",
    [
        {"priority": 0, "note": "x"},
        {"limit_factor": "0", "note": "x"},
        {"request_types": ["no_such_type"], "note": "x"},
        {"segment": "aliens", "note": "x"},
        {"notice_lead_days": 3, "note": "x"},
        {
            "extra_steps": [
                {
                    "code": "c",
                    "name_zh": "c",
                    "name_en": "c",
                    "owner_role": "service_agent",
                    "limit_unit": "working_days",
                    "limit_value": 0,
                }
            ],
            "note": "x",
        },  # noqa: E501
        {"priority": 1},
    ],
)
def test_bad_matrix_rules_are_refused_and_change_nothing(
    manager: User, bad: dict[str, Any]
) -> None:
    number = matrix_current().number  # type: ignore[union-attr]
    with pytest.raises(DomainError) as refused:
        matrix_publish(rules=[bad], note="坏规则", acting_user=manager)
    assert refused.value.code == "service.invalid_configuration"
    assert refused.value.fields
    assert matrix_current().number == number  # type: ignore[union-attr]


def test_only_a_marketing_manager_edits_the_matrix(agent: User) -> None:
    with pytest.raises(DomainError) as refused:
        matrix_publish(rules=[], note="x", acting_user=agent)
    assert refused.value.code == "service.refused"
