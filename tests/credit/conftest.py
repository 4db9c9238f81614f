"""A tiny lake per test, written from a few lines per customer, and the credit cast."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from pytest_django.fixtures import Settings

from gridcrm.lake.pipelines import months_before
from gridcrm.lake.schemas import BILLS, PAYMENTS, VIOLATIONS
from gridcrm.lake.services import facts_append
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_user

AS_OF = date(2025, 6, 15)

PayPlan = Callable[[date], list[tuple[int, float]]]
"""For a bill's period: (days after the due date, share of the bill) of each payment."""


def on_time(period: date) -> list[tuple[int, float]]:
    return [(-5, 1.0)]


def due_of(period: date) -> date:
    return months_before(period, -1) + timedelta(days=24)


class LakeWriter:
    """Collects bills, payments and violations, then writes them into the test's lake."""

    def __init__(self) -> None:
        self.bills: list[dict[str, object]] = []
        self.payments: list[dict[str, object]] = []
        self.violations: list[dict[str, object]] = []

    def customer(
        self,
        account_no: str,
        *,
        months: int = 24,
        pay: PayPlan = on_time,
        kwh: Callable[[date], float] = lambda period: 200.0,
        as_of: date = AS_OF,
    ) -> None:
        last = months_before(as_of, 1)
        last = date(last.year, last.month, 1)
        for i in range(months):
            period = months_before(last, months - 1 - i)
            amount = Decimal(f"{kwh(period) * 0.5:.2f}")
            bill_id = f"{account_no}{period:%Y%m}"
            due = due_of(period)
            self.bills.append(
                {
                    "bill_id": bill_id,
                    "account_no": account_no,
                    "period": period,
                    "tariff": "residential",
                    "kwh_sharp": 0.0,
                    "kwh_peak": kwh(period) * 0.4,
                    "kwh_flat": kwh(period) * 0.3,
                    "kwh_valley": kwh(period) * 0.3,
                    "amount": amount,
                    "due_on": due,
                }
            )
            paid = Decimal(0)
            plan = pay(period)
            for n, (days, share) in enumerate(plan):
                day = due + timedelta(days=days)
                if day > as_of:
                    break
                part = (
                    amount - paid
                    if n == len(plan) - 1
                    else (amount * Decimal(share)).quantize(Decimal("0.01"))
                )
                paid += part
                self.payments.append(
                    {
                        "payment_id": f"{bill_id}-{n}",
                        "bill_id": bill_id,
                        "account_no": account_no,
                        "paid_on": day,
                        "amount": part,
                        "channel": "app",
                    }
                )

    def violation(self, account_no: str, kind: str, detected_on: date) -> None:
        self.violations.append(
            {
                "violation_id": f"V{account_no}{detected_on:%Y%m%d}",
                "account_no": account_no,
                "kind": kind,
                "detected_on": detected_on,
                "kwh_recovered": None,
                "amount": None,
            }
        )

    def write(self) -> None:
        if self.bills:
            facts_append(table="bills", facts=pa.Table.from_pylist(self.bills, BILLS.arrow))
        if self.payments:
            facts_append(
                table="payments", facts=pa.Table.from_pylist(self.payments, PAYMENTS.arrow)
            )
        if self.violations:
            facts_append(
                table="violations", facts=pa.Table.from_pylist(self.violations, VIOLATIONS.arrow)
            )


@pytest.fixture
def lake(settings: Settings, tmp_path: Path) -> LakeWriter:
    """An empty lake for this test; write facts with the returned writer's ``write()``."""
    root = tmp_path / "lake"
    root.mkdir()
    settings.LAKE_URL = str(root)
    settings.VAR_DIR = tmp_path / "var"
    return LakeWriter()


@pytest.fixture
def manager(regions: Regions) -> User:
    return make_user("manager", Role.MARKETING_MANAGER)


@pytest.fixture
def manager2(regions: Regions) -> User:
    return make_user("manager2", Role.MARKETING_MANAGER)


@pytest.fixture
def kam(regions: Regions) -> User:
    return make_user("kam", Role.KEY_ACCOUNT_MANAGER)


@pytest.fixture(scope="session")
def spark_con() -> object:
    """One SparkSession for the test session (shared with the lake's tests)."""
    import os

    from gridcrm.lake import catalog

    os.environ.setdefault("GRIDCRM_SPARK_SHUFFLE", "1")
    return catalog.connect("spark")
