"""The grade rules end to end (lake → indicators → score → grade → stored): every
automatic C trigger, every promotion lock, overrides, demerits that expire, and the audit
event of every grade change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from gridcrm.archive.models import Customer
from gridcrm.credit.models import CustomerCredit, EventKind, GradeChange
from gridcrm.credit.services import credit_event_record, credit_rate_all, hazard_rectified
from gridcrm.users.models import User
from tests.conftest import Regions, make_customer
from tests.credit.conftest import AS_OF, LakeWriter

pytestmark = pytest.mark.django_db

NO = "0100000009"


@pytest.fixture
def household(regions: Regions) -> Customer:
    customer = make_customer(regions.station_a1, NO, "李四")
    # an old customer: the archive knew them long before the lake's bills
    Customer.objects.filter(pk=customer.pk).update(created_at=timezone.now() - timedelta(days=3000))
    return customer


def rate(lake: LakeWriter, as_of: date = AS_OF) -> CustomerCredit:
    lake.write()
    lake.__init__()  # type: ignore[misc]  # facts written once
    credit_rate_all(as_of=as_of, engine="duckdb")
    return CustomerCredit.objects.get(customer__account_no=NO)


def test_a_punctual_household_is_rated_aaa_with_a_first_rating_event(
    lake: LakeWriter, household: Customer
) -> None:
    lake.customer(NO)

    credit = rate(lake)

    assert credit.grade == "AAA"
    assert credit.rule == ""
    change = GradeChange.objects.get(customer=household)
    assert (change.old_grade, change.new_grade, change.reason_code) == ("", "AAA", "first_rating")


@pytest.mark.parametrize(
    ("kind", "months_ago", "expected"),
    [
        ("theft", 10, "C"),
        ("theft", 23, "C"),  # no promotion for two years
        ("theft", 25, "AAA"),
        ("illegal_use", 6, "C"),
        ("illegal_use", 13, "AAA"),
    ],
)
def test_violations_in_the_lake_force_c_for_their_period(
    lake: LakeWriter, household: Customer, kind: str, months_ago: int, expected: str
) -> None:
    lake.customer(NO)
    lake.violation(NO, kind, AS_OF - timedelta(days=int(months_ago * 30.5)))

    credit = rate(lake)

    assert credit.grade == expected
    assert credit.rule == (kind if expected == "C" else "")


def test_an_accident_forces_c(lake: LakeWriter, household: Customer) -> None:
    lake.customer(NO)
    credit_event_record(
        customer=household, kind=EventKind.ACCIDENT, occurred_on=date(2025, 3, 1), acting_user=None
    )

    credit = rate(lake)

    assert (credit.grade, credit.rule) == ("C", "accident")
    change = GradeChange.objects.get(customer=household)
    assert change.reason_code == "accident"


def test_an_ignored_hazard_notice_forces_c_until_it_is_rectified(
    lake: LakeWriter, household: Customer, manager: User
) -> None:
    lake.customer(NO)
    event = credit_event_record(
        customer=household,
        kind=EventKind.HAZARD_IGNORED,
        occurred_on=date(2025, 1, 10),
        acting_user=manager,
    )
    assert (rate(lake).grade, rate(lake).rule) == ("C", "hazard_ignored")

    hazard_rectified(event=event, on=date(2025, 6, 1), acting_user=manager)
    credit = rate(lake, as_of=date(2025, 6, 16))

    # rectified: the score says AAA, but a C cannot jump straight to A
    assert (credit.grade, credit.rule) == ("B", "after_c")
    change = GradeChange.objects.filter(customer=household).first()
    assert change is not None
    assert (change.old_grade, change.new_grade, change.reason_code) == ("C", "B", "after_c")


def test_a_customer_who_left_c_stays_at_b_until_next_month_however_often_it_is_rerun(
    lake: LakeWriter, household: Customer, manager: User
) -> None:
    lake.customer(NO, as_of=date(2025, 8, 1))  # bills paid on time into July
    event = credit_event_record(
        customer=household,
        kind=EventKind.HAZARD_IGNORED,
        occurred_on=date(2025, 1, 10),
        acting_user=manager,
    )
    assert rate(lake).grade == "C"
    hazard_rectified(event=event, on=date(2025, 6, 1), acting_user=manager)
    assert rate(lake, as_of=date(2025, 6, 16)).grade == "B"

    rerun = rate(lake, as_of=date(2025, 6, 16))
    days_later = rate(lake, as_of=date(2025, 7, 10))
    next_month = rate(lake, as_of=date(2025, 7, 16))

    assert (rerun.grade, rerun.rule) == ("B", "after_c")
    assert (days_later.grade, days_later.rule) == ("B", "after_c")
    assert (next_month.grade, next_month.rule) == ("AAA", "")
    trail = GradeChange.objects.filter(customer=household).order_by("pk")
    assert [(c.old_grade, c.new_grade) for c in trail] == [("", "C"), ("C", "B"), ("B", "AAA")]


def test_three_months_of_arrears_force_c(lake: LakeWriter, household: Customer) -> None:
    unpaid = {date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)}
    lake.customer(NO, pay=lambda p: [] if p in unpaid else [(-5, 1.0)])

    credit = rate(lake)

    assert (credit.grade, credit.rule) == ("C", "arrears_3m")


def test_open_arrears_keep_a_customer_below_a(lake: LakeWriter, household: Customer) -> None:
    # one bill of the last month paid late but still open on the rating day
    lake.customer(NO, pay=lambda p: [] if p == date(2025, 4, 1) else [(-5, 1.0)])

    credit = rate(lake)

    assert credit.score_grade in {"A", "AA", "AAA"}
    assert (credit.grade, credit.rule) == ("B", "open_arrears")


def test_a_new_customer_starts_at_b_for_a_year(regions: Regions, lake: LakeWriter) -> None:
    make_customer(regions.station_a1, NO, "新户")  # created today
    lake.customer(NO, months=6)

    credit = rate(lake)

    assert credit.score_grade in {"A", "AA", "AAA"}
    assert (credit.grade, credit.rule) == ("B", "new_customer")


def test_demerits_count_until_they_expire(lake: LakeWriter, household: Customer) -> None:
    lake.customer(NO)
    lake.write()
    credit_rate_all(as_of=AS_OF, engine="duckdb")
    clean = CustomerCredit.objects.get(customer=household).score
    credit_event_record(
        customer=household,
        kind=EventKind.BROKEN_PLAN,
        occurred_on=AS_OF - timedelta(days=30),
        expires_on=AS_OF + timedelta(days=1),
        acting_user=None,
    )

    credit_rate_all(as_of=AS_OF, engine="duckdb")
    with_demerit = CustomerCredit.objects.get(customer=household).score
    credit_rate_all(as_of=AS_OF + timedelta(days=2), engine="duckdb")
    expired = CustomerCredit.objects.get(customer=household).score

    assert with_demerit == pytest.approx(clean - 15)
    assert expired == pytest.approx(clean)


def test_reason_codes_name_the_indicators_that_cost_most(
    lake: LakeWriter, household: Customer
) -> None:
    lake.customer(NO, pay=lambda p: [(20, 1.0)])  # always 20 days late

    credit = rate(lake)

    names = [r[0] for r in credit.reasons]
    assert 1 <= len(names) <= 3
    assert "on_time_share_12m" in names
    assert all(r[2] > 0 for r in credit.reasons)


def test_a_monthly_rerun_audits_only_the_grades_that_moved(
    regions: Regions, lake: LakeWriter, household: Customer, manager: User
) -> None:
    steady = make_customer(regions.station_a1, "0100000008", "王五")
    Customer.objects.filter(pk=steady.pk).update(created_at=timezone.now() - timedelta(days=3000))
    lake.customer(NO)
    lake.customer(steady.account_no)
    event = credit_event_record(
        customer=household,
        kind=EventKind.HAZARD_IGNORED,
        occurred_on=date(2025, 1, 10),
        acting_user=manager,
    )
    rate(lake)
    hazard_rectified(event=event, on=date(2025, 6, 1), acting_user=manager)
    later = date(2025, 6, 16)
    credit_rate_all(as_of=later, engine="duckdb")

    kept = CustomerCredit.objects.get(customer=steady)
    assert (kept.grade, kept.as_of, kept.since) == ("AAA", later, AS_OF)
    assert list(GradeChange.objects.filter(customer=steady).values_list("reason_code")) == [
        ("first_rating",)
    ]
    moved = CustomerCredit.objects.get(customer=household)
    assert (moved.grade, moved.since) == ("B", later)
    trail = GradeChange.objects.filter(customer=household).order_by("pk")
    assert [(c.old_grade, c.new_grade, c.reason_code) for c in trail] == [
        ("", "C", "hazard_ignored"),
        ("C", "B", "after_c"),
    ]
    assert trail.last().reason  # type: ignore[union-attr]
    history = household.credit_ratings.order_by("as_of").values_list("as_of", "grade")
    assert list(history) == [(AS_OF, "C"), (later, "B")]
