"""The demo's facts pass the lake's own checks and hide risks that the pipelines can find."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from gridcrm.archive.models import Customer
from gridcrm.lake import catalog
from gridcrm.lake.demo_facts import SHAPES, generate_demo_facts, shape_of
from gridcrm.lake.imports import import_file
from gridcrm.lake.services import pipelines_run
from gridcrm.users.models import User
from tests.conftest import Regions, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(regions: Regions, customer_b: Customer, agent: User) -> list[Customer]:
    """Forty households and the steel works (a key account at 35 kV)."""
    made = [make_customer(regions.station_a1, f"01{i:08d}", f"户{i}") for i in range(40)]
    Customer.objects.filter(pk=customer_b.pk).update(account_manager=agent)
    return [*made, customer_b]


def test_shapes_follow_segment_and_industry() -> None:
    assert shape_of("industrial", "C3120") == "three_shift"
    assert shape_of("public_utility", "D4610") == "water_works"
    assert shape_of("residential", "") == "residential"
    weekday = SHAPES["residential"][0]
    assert np.argmax(weekday) // 4 in {19, 20, 21}  # the evening peak
    assert SHAPES["three_shift"][0].max() / SHAPES["three_shift"][0].min() < 1.15


def test_demo_facts_are_valid_facts_and_give_features(
    lake: Path, tmp_path: Path, customers: list[Customer]
) -> None:
    report = generate_demo_facts(seed=3, months=13, reading_days=35, end=date(2024, 3, 1))

    assert report.bills == 41 * 13
    assert report.metered == 1  # the key account
    assert report.readings == 35 * 96
    assert sum(report.risk_counts.values()) == 41
    # Re-importing what the generator wrote passes every check and adds nothing.
    for table in ("bills", "payments", "readings"):
        copy = tmp_path / f"{table}.parquet"
        pq.write_table(pq.read_table(catalog.partition_files(table)[0]), copy)
        again = import_file(
            table=table, path=copy, known_accounts=[c.account_no for c in customers]
        )
        assert (again.rejected, again.accepted) == (0, 0), again.reasons
    run = pipelines_run(engine="duckdb", as_of=report.as_of)
    assert run.feature_rows == 41 * 13
    assert run.behaviour_rows == 41
