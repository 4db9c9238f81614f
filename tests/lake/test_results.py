"""Pipeline results land in the database in bulk, and a second run updates in place."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from gridcrm.archive.models import Customer
from gridcrm.lake.models import MonthlyLoadFeature, PaymentBehaviour
from gridcrm.lake.services import pipelines_run
from tests.lake import facts

pytestmark = pytest.mark.django_db


def test_a_run_upserts_features_and_behaviour_of_known_customers(
    small_lake: Path, customer_a: Customer, customer_b: Customer
) -> None:
    run = pipelines_run(engine="duckdb", as_of=facts.AS_OF)

    # A: 14 billed months; B: 8 billed months (2023-12 missing).
    assert run.feature_rows == 14 + 8
    assert MonthlyLoadFeature.objects.count() == 22
    feb = MonthlyLoadFeature.objects.get(customer=customer_a, month=date(2024, 2, 1))
    assert feb.max_demand_kw == pytest.approx(12.0)
    assert feb.kwh_total == pytest.approx(127.5)
    a = PaymentBehaviour.objects.get(customer=customer_a)
    assert (a.as_of, a.bills_12m, a.max_days_late_12m) == (facts.AS_OF, 12, 6)
    assert a.arrears == Decimal("0.00")


def test_a_second_run_updates_the_same_rows(
    small_lake: Path, customer_a: Customer, customer_b: Customer
) -> None:
    pipelines_run(engine="duckdb", as_of=facts.AS_OF)
    ids = set(MonthlyLoadFeature.objects.values_list("pk", flat=True))

    pipelines_run(engine="duckdb", as_of=date(2024, 4, 1))

    assert set(MonthlyLoadFeature.objects.values_list("pk", flat=True)) == ids
    a = PaymentBehaviour.objects.get(customer=customer_a)
    assert a.as_of == date(2024, 4, 1)
    assert a.overdue_bills == 1
    assert a.arrears == Decimal("66.30")


def test_facts_of_customers_not_in_the_database_are_skipped(
    small_lake: Path, customer_a: Customer
) -> None:
    run = pipelines_run(engine="duckdb", as_of=facts.AS_OF)

    assert run.behaviour_rows == 1
    assert not PaymentBehaviour.objects.exclude(customer=customer_a).exists()
