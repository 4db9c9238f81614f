"""Overrides with four eyes, review requests (PIPL art. 24), credit policies (R7)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from gridcrm.archive.models import Customer
from gridcrm.core.errors import Conflict, Invalid, Refused
from gridcrm.credit.models import CustomerCredit, Decision, GradeChange, ReviewRequest
from gridcrm.credit.selectors import credit_grade_for, credit_policy_for
from gridcrm.credit.services import (
    DEFAULT_POLICY,
    credit_rate_all,
    override_decide,
    override_request,
    policy_publish,
    review_request_answer,
    review_request_submit,
)
from gridcrm.users.models import User
from tests.credit.conftest import AS_OF, LakeWriter

pytestmark = pytest.mark.django_db


def until() -> date:
    return timezone.localdate() + timedelta(days=90)


def test_an_override_needs_a_second_person(customer_a: Customer, manager: User) -> None:
    override = override_request(
        customer=customer_a,
        grade="AA",
        reason="临时困难已解决",
        valid_until=until(),
        acting_user=manager,
    )

    with pytest.raises(Refused) as refused:
        override_decide(override=override, approve=True, note="", acting_user=manager)

    assert refused.value.code == "credit.four_eyes"
    override.refresh_from_db()
    assert override.status == Decision.PENDING
    assert not GradeChange.objects.exists()


def test_an_approved_override_sets_the_grade_and_holds_in_the_batch(
    lake: LakeWriter, customer_a: Customer, manager: User, manager2: User
) -> None:
    lake.customer(customer_a.account_no, pay=lambda p: [(20, 1.0)])
    lake.write()
    credit_rate_all(as_of=AS_OF, engine="duckdb")
    before = credit_grade_for(customer_a)
    override = override_request(
        customer=customer_a,
        grade="AAA",
        reason="复核后上调",
        valid_until=until(),
        acting_user=manager,
    )

    override_decide(override=override, approve=True, note="同意", acting_user=manager2)
    credit_rate_all(as_of=AS_OF + timedelta(days=1), engine="duckdb")

    assert before != "AAA"
    assert credit_grade_for(customer_a) == "AAA"
    assert CustomerCredit.objects.get(customer=customer_a).rule == "override"
    change = GradeChange.objects.filter(kind="override").get()
    assert (change.old_grade, change.new_grade, change.acting_user) == (before, "AAA", manager2)


def test_a_rejected_override_changes_nothing(
    customer_a: Customer, manager: User, manager2: User
) -> None:
    override = override_request(
        customer=customer_a,
        grade="C",
        reason="x",
        valid_until=until(),
        acting_user=manager,
    )
    override_decide(override=override, approve=False, note="no", acting_user=manager2)

    assert credit_grade_for(customer_a) == "B"  # not rated yet: B
    assert not GradeChange.objects.exists()


def test_a_collector_cannot_approve_overrides(
    customer_a: Customer, manager: User, collector_a: User
) -> None:
    override = override_request(
        customer=customer_a,
        grade="A",
        reason="x",
        valid_until=until(),
        acting_user=manager,
    )
    with pytest.raises(Refused) as refused:
        override_decide(override=override, approve=True, note="", acting_user=collector_a)

    assert refused.value.code == "credit.not_allowed"


def test_a_review_request_is_tracked_to_its_answer(
    customer_a: Customer, manager: User, agent: User
) -> None:
    review = review_request_submit(
        customer=customer_a, kind="human_review", message="请人工复核", acting_user=agent
    )
    assert review.status == ReviewRequest.Status.OPEN
    assert review.due_on == timezone.localdate() + timedelta(days=15)

    review_request_answer(
        review=review, answer="已复核，等级维持。", outcome="confirmed", acting_user=agent
    )
    with pytest.raises(Conflict) as refused:
        review_request_answer(review=review, answer="again", outcome="confirmed", acting_user=agent)

    assert refused.value.code == "credit.review_answered"
    review.refresh_from_db()
    assert (review.status, review.outcome, review.handled_by) == ("answered", "confirmed", agent)


def test_the_built_in_policy_differentiates_grades_and_segments(customer_a: Customer) -> None:
    policy = credit_policy_for(customer_a)  # unrated: B

    assert (policy.grade, policy.version) == ("B", 0)
    assert policy.payment_term_days == 20
    assert not policy.grace_eligible
    CustomerCredit.objects.create(
        customer=customer_a,
        grade="C",
        score=0,
        score_grade="C",
        model="",
        as_of=AS_OF,
        since=AS_OF,
    )
    c = credit_policy_for(customer_a)
    assert c.deposit == "prepaid"  # the residential row for C
    assert "field_check" not in c.watch_actions


def test_a_manager_publishes_a_new_policy_version(customer_a: Customer, manager: User) -> None:
    rules = [dict(r) for r in DEFAULT_POLICY]
    for r in rules:
        if r["grade"] == "B" and not r["segment"]:
            r["payment_term_days"] = 18

    version = policy_publish(rules=rules, note="B 缩短", acting_user=manager)

    assert version.number == 1
    assert credit_policy_for(customer_a).payment_term_days == 18


def test_a_policy_without_every_grade_is_refused(manager: User, kam: User) -> None:
    rules = [r for r in DEFAULT_POLICY if r["grade"] != "AAA"]
    with pytest.raises(Invalid) as invalid:
        policy_publish(rules=rules, note="x", acting_user=manager)
    with pytest.raises(Refused) as refused:
        policy_publish(rules=DEFAULT_POLICY, note="x", acting_user=kam)

    assert invalid.value.code == "credit.policy_grade_missing"
    assert refused.value.code == "credit.not_allowed"


def test_the_migration_matrix_counts_moves_between_two_rating_days(
    lake: LakeWriter, customer_a: Customer, customer_b: Customer, manager: User
) -> None:
    from io import StringIO

    from django.core.management import call_command

    from gridcrm.credit.selectors import migration_matrix, rating_days

    lake.customer(customer_a.account_no)
    lake.customer(customer_b.account_no)
    lake.write()
    out = StringIO()
    call_command("credit_rate", "--as-of", AS_OF.isoformat(), "--engine", "duckdb", stdout=out)
    # customer B is caught stealing: automatic C on the next rating
    services_event(customer_b)
    call_command(
        "credit_rate",
        "--as-of",
        (AS_OF + timedelta(days=1)).isoformat(),
        "--engine",
        "duckdb",
        stdout=out,
        verbosity=0,
    )

    days = rating_days()
    matrix = migration_matrix(user=manager, before=days[1], after=days[0])

    assert "Rated 2 customers" in out.getvalue()
    assert matrix["AAA"]["AAA"] == 1
    assert matrix["AAA"]["C"] == 1


def services_event(customer: Customer) -> None:
    from gridcrm.credit.services import credit_event_record

    credit_event_record(
        customer=customer, kind="theft", occurred_on=AS_OF, acting_user=None, note="用电检查"
    )
