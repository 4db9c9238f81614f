"""Time-of-use configuration: Shanxi defaults, and the lake's pipelines classify readings
by the configured clock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import ibis
import pyarrow as pa
import pytest

from gridcrm.lake import pipelines
from gridcrm.lake.schemas import READINGS
from gridcrm.load import tou
from gridcrm.load.models import TouSchedule
from tests.conftest import Regions

pytestmark = pytest.mark.django_db


def test_the_shanxi_defaults_set_the_price_ratios_and_the_summer_critical_peak(
    regions: Regions,
) -> None:
    schedules = tou.tou_defaults_install(region=regions.company)
    summer = next(s for s in schedules if 7 in s.months)

    assert tou.price_ratio(schedule=summer, period="peak", tariff_category="general_ci") == Decimal(
        "1.60"
    )
    assert tou.price_ratio(
        schedule=summer, period="valley", tariff_category="general_ci"
    ) == Decimal("0.45")
    assert tou.price_ratio(
        schedule=summer, period="sharp", tariff_category="large_industry"
    ) == Decimal("1.60") * Decimal("1.20")
    # Without a critical peak in its tariff a commercial customer pays the peak price.
    assert tou.price_ratio(
        schedule=summer, period="sharp", tariff_category="general_ci"
    ) == Decimal("1.60")
    assert tou.period_at(schedules=schedules, day=dt.date(2025, 7, 1), hour=18) == "sharp"
    assert tou.period_at(schedules=schedules, day=dt.date(2025, 4, 1), hour=18) == "peak"
    assert tou.period_at(schedules=schedules, day=dt.date(2025, 4, 1), hour=12) == "valley"


def test_a_district_uses_the_schedules_of_the_company_above_it(regions: Regions) -> None:
    tou.tou_defaults_install(region=regions.company)
    assert len(tou.schedules_for(region=regions.station_b1)) == 2


def _one_day() -> pa.Table:
    start = dt.datetime(2025, 4, 1, tzinfo=dt.UTC) - dt.timedelta(hours=8)
    ts = [start + dt.timedelta(minutes=15 * q) for q in range(96)]
    return pa.table(
        {
            "account_no": ["0100000001"] * 96,
            "meter_no": ["M"] * 96,
            "ts": ts,
            "kwh": [1.0] * 96,
            "kw": [4.0] * 96,
            "power_factor": [None] * 96,
        },
        schema=READINGS.arrow,
    )


def _kwh_by_period(clock: pipelines.TouClock | None) -> dict[str, float]:
    con = ibis.duckdb.connect()
    daily = pipelines.daily_periods(ibis.memtable(_one_day()), clock)
    rows = con.to_pyarrow(daily).to_pylist()
    return {r["period"]: r["kwh"] for r in rows}


def test_the_lake_classifies_readings_by_the_configured_clock(regions: Regions) -> None:
    assert _kwh_by_period(tou.company_clock() or None)["peak"] == pytest.approx(9 * 4)

    spring = TouSchedule.objects.create(
        region=regions.company,
        name="2025 春秋季（新）",
        months=[3, 4, 5],
        effective_from=dt.date(2025, 3, 1),
        hours=["valley"] * 8 + ["peak"] * 4 + ["flat"] * 12,
    )
    clock = tou.company_clock()

    assert clock[0].start == spring.effective_from
    assert pipelines.current_tou_clock() == clock  # what pipelines_run passes the lake
    by_period = _kwh_by_period(clock)
    assert by_period["peak"] == pytest.approx(4 * 4)
    assert by_period["valley"] == pytest.approx(8 * 4)
    assert by_period["flat"] == pytest.approx(12 * 4)
