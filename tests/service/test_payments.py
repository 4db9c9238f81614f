"""Payment terms by credit policy, and grace requests that move a due date."""

from __future__ import annotations

import datetime as dt

import pytest

from gridcrm.archive.models import Customer
from gridcrm.core.errors import DomainError
from gridcrm.credit.services import DEFAULT_POLICY, policy_publish
from gridcrm.service.matrix import decide
from gridcrm.service.models import GraceRequest
from gridcrm.service.payments import (
    grace_request_decide,
    grace_request_submit,
    payment_due_on,
    payment_terms,
)
from gridcrm.users.models import User

pytestmark = pytest.mark.django_db

DUE = dt.date(2025, 7, 15)


def _ask(customer: Customer, actor: User, days: int = 10) -> GraceRequest:
    return grace_request_submit(
        customer=customer,
        bill_id="B202506-0001",
        due_on=DUE,
        days=days,
        reason="疫情期间资金周转困难",
        acting_user=actor,
    )


def test_an_approved_grace_request_moves_the_due_date(
    customer_b: Customer, agent: User, manager: User, grades: dict[str, str]
) -> None:
    grades[customer_b.account_no] = "AAA"
    # The credit policy gives AAA 30 days to pay: billing's 25 and 5 more.
    term = DUE + dt.timedelta(days=5)
    grace = _ask(customer_b, agent)
    assert payment_due_on(customer=customer_b, bill_id="B202506-0001", billed_due_on=DUE) == term
    grace_request_decide(grace=grace, acting_user=manager, approve=True, note="同意")
    moved = payment_due_on(customer=customer_b, bill_id="B202506-0001", billed_due_on=DUE)
    assert moved == term + dt.timedelta(days=10)
    # Other bills keep their date.
    assert payment_due_on(customer=customer_b, bill_id="B202507-0001", billed_due_on=DUE) == term


def test_a_rejected_grace_request_moves_nothing(
    customer_b: Customer, agent: User, manager: User, grades: dict[str, str]
) -> None:
    grades[customer_b.account_no] = "A"  # billing's own term; grace up to 5 days
    grace = _ask(customer_b, agent, days=5)
    with pytest.raises(DomainError) as refused:
        grace_request_decide(grace=grace, acting_user=manager, approve=False, note="")
    assert refused.value.code == "service.invalid_input"
    grace_request_decide(grace=grace, acting_user=manager, approve=False, note="欠费记录")
    assert payment_due_on(customer=customer_b, bill_id="B202506-0001", billed_due_on=DUE) == DUE


def test_grace_is_limited_by_the_credit_policy(
    customer_a: Customer, customer_b: Customer, agent: User, grades: dict[str, str]
) -> None:
    grades[customer_a.account_no] = "B"
    with pytest.raises(DomainError) as none:
        _ask(customer_a, agent)  # grade B: no grace
    assert none.value.code == "service.no_grace"
    grades[customer_b.account_no] = "AA"
    with pytest.raises(DomainError) as too_long:
        _ask(customer_b, agent, days=11)  # AA: at most 10 days
    assert too_long.value.code == "service.no_grace"
    assert not GraceRequest.objects.exists()


def test_a_grace_request_needs_a_second_person_with_the_right(
    customer_b: Customer, agent: User, manager: User, grades: dict[str, str]
) -> None:
    grades[customer_b.account_no] = "AAA"
    with pytest.raises(DomainError) as asked:
        _ask(customer_b, manager)  # managers approve, they do not ask
    assert asked.value.code == "service.refused"
    grace = _ask(customer_b, agent)
    with pytest.raises(DomainError) as decided:
        grace_request_decide(grace=grace, acting_user=agent, approve=True)
    assert decided.value.code == "service.refused"
    grace.refresh_from_db()
    assert grace.status == "pending"


def test_poor_credit_shortens_the_term_and_adds_reminders(
    customer_a: Customer, grades: dict[str, str]
) -> None:
    grades[customer_a.account_no] = "B"
    terms = payment_terms(customer=customer_a)
    assert (terms.due_shift_days, terms.reminder_days) == (-5, [7, 3, 1])
    assert payment_due_on(
        customer=customer_a, bill_id="x", billed_due_on=DUE
    ) == DUE - dt.timedelta(days=5)


def test_terms_follow_the_credit_policy_in_force(
    customer_a: Customer, manager: User, grades: dict[str, str]
) -> None:
    grades[customer_a.account_no] = "B"
    rules = [dict(r) for r in DEFAULT_POLICY]
    for rule in rules:
        if rule["grade"] == "B" and not rule["segment"]:
            rule |= {"payment_term_days": 18, "grace_eligible": True, "grace_max_days": 3}
            rule["outage_notice_days"] = 12
    policy_publish(rules=rules, note="B: 18 days", acting_user=manager)

    decision = decide(customer=customer_a)

    assert (decision.due_shift_days, decision.grace_max_days) == (-7, 3)
    assert decision.notice_lead_days == 12
    assert payment_due_on(
        customer=customer_a, bill_id="x", billed_due_on=DUE
    ) == DUE - dt.timedelta(days=7)
