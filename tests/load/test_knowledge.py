"""Load knowledge from the lake: typical curves per season and day type, named patterns,
and the regional composition by group."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from gridcrm.archive.models import Customer
from gridcrm.lake.schemas import READINGS
from gridcrm.lake.services import facts_append
from gridcrm.load import clustering, selectors, services
from gridcrm.load.models import TypicalCurve
from gridcrm.users.models import User
from tests.conftest import Regions
from tests.load.conftest import Site

pytestmark = pytest.mark.django_db

HOURS = np.arange(96) / 4
FLAT = np.full(96, 100.0)
DAYTIME = np.where((HOURS >= 8) & (HOURS < 17), 300.0, 30.0)
EVENING = np.where((HOURS >= 18) & (HOURS < 22), 5.0, 1.5)


def readings(customer: Customer, kw: np.ndarray, first: dt.date, days: int) -> pa.Table:
    start = dt.datetime.combine(first, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(hours=8)
    ts = [start + dt.timedelta(minutes=15 * q) for q in range(96 * days)]
    values = np.tile(kw, days)
    return pa.table(
        {
            "account_no": [customer.account_no] * len(ts),
            "meter_no": ["M"] * len(ts),
            "ts": ts,
            "kwh": values / 4,
            "kw": values,
            "power_factor": [None] * len(ts),
        },
        schema=READINGS.arrow,
    )


def test_curves_are_clustered_into_named_patterns() -> None:
    rng = np.random.default_rng(0)
    curves = np.vstack(
        [
            base * rng.uniform(0.5, 3) * rng.lognormal(0, 0.03, 96)
            for base in (FLAT, DAYTIME, EVENING)
            for _ in range(10)
        ]
    )
    result = clustering.cluster(curves)

    assert result.k == 3
    assert result.labels[:10] == ["continuous"] * 10
    assert result.labels[10:20] == ["one_shift"] * 10
    assert result.labels[20:] == ["evening_business"] * 10


def test_typical_curves_and_the_composition_come_from_the_readings(
    site: Site, planner: User, regions: Regions, lake_dir: Path
) -> None:
    monday = dt.date(2025, 7, 7)
    facts_append(table="readings", facts=readings(site.steel, FLAT * 50, monday, 7))
    facts_append(table="readings", facts=readings(site.shop, DAYTIME, monday, 7))
    facts_append(table="readings", facts=readings(site.household, EVENING, monday, 7))

    run = services.typical_curves_refresh()

    assert run.customers == 3
    steel = TypicalCurve.objects.get(customer=site.steel, season="summer", day_type="workday")
    assert steel.kw[0] == pytest.approx(5000)
    assert steel.days == 5
    assert steel.pattern == "continuous"
    by_segment = selectors.composition(
        user=planner,
        region=regions.station_a1,
        grouping="segment",
        start=monday,
        end=monday + dt.timedelta(days=7),
    )
    assert sum(by_segment.kw[g][40] for g in by_segment.groups) == pytest.approx(5000 + 300 + 1.5)
    assert selectors.peak_demand_estimate(region=regions.station_a1, day=monday) > 5000
