"""The pipelines compute what their docstrings promise (on DuckDB, over the small lake)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import ibis
import pytest

from gridcrm.lake import catalog, pipelines
from tests.lake import facts


def rows(con: ibis.BaseBackend, expr: ibis.Table, **where: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = con.to_pyarrow(expr).to_pylist()
    return [r for r in result if all(r[k] == v for k, v in where.items())]


def one(con: ibis.BaseBackend, expr: ibis.Table, **where: Any) -> dict[str, Any]:
    found = rows(con, expr, **where)
    assert len(found) == 1, found
    return found[0]


def features(con: ibis.BaseBackend) -> ibis.Table:
    return pipelines.customer_month_features(
        catalog.table(con, "bills"), catalog.table(con, "readings")
    )


def behaviour(con: ibis.BaseBackend) -> ibis.Table:
    return pipelines.payment_behaviour(
        catalog.table(con, "bills"), catalog.table(con, "payments"), as_of=facts.AS_OF
    )


def test_months_before_clamps_to_the_end_of_a_short_month() -> None:
    assert pipelines.months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert pipelines.months_before(date(2024, 3, 15), 24) == date(2022, 3, 15)
    assert pipelines.months_before(date(2024, 12, 1), -1) == date(2025, 1, 1)


def test_the_load_shape_splits_a_day_by_time_of_use_and_measures_demand(
    duck: ibis.BaseBackend,
) -> None:
    # Local days 2024-01-30 and -31 (January has a critical peak 18:00-20:00).
    shape = pipelines.load_shape(pipelines.daily_load(catalog.table(duck, "readings")))
    jan = one(duck, shape, account_no=facts.A, month=date(2024, 1, 1))

    # Per day: 14 hours at 3 kWh × 4 intervals, 10 hours at 1 kWh × 4.
    assert jan["kwh_total"] == pytest.approx(2 * (14 * 12 + 10 * 4))
    assert jan["kwh_sharp"] == pytest.approx(2 * 2 * 12)  # 18-20
    assert jan["kwh_peak"] == pytest.approx(2 * (6 * 12 + 4))  # 08-11, 17-18, 20-22; 22-23 at 1
    assert jan["max_demand_kw"] == pytest.approx(12.0)
    assert jan["peak_valley_diff_kw"] == pytest.approx(8.0)
    assert jan["load_factor"] == pytest.approx((2 * 208) / (2 * 24) / 12.0)
    assert jan["volatility"] == pytest.approx(0.0)


def test_features_take_consumption_from_bills_and_shape_from_readings(
    duck: ibis.BaseBackend,
) -> None:
    feats = features(duck)
    feb_a = one(duck, feats, account_no=facts.A, month=date(2024, 2, 1))
    b = one(duck, feats, account_no=facts.B, month=date(2024, 2, 1))

    assert feb_a["kwh_total"] == pytest.approx(100 + 20 + 7.5)  # the bill, not 2 metered days
    assert feb_a["max_demand_kw"] == pytest.approx(12.0)
    assert b["max_demand_kw"] is None  # B is not metered
    assert feb_a["yoy_change"] == pytest.approx((127.5 - 120) / 120)
    assert feb_a["mom_change"] == pytest.approx((127.5 - 117.5) / 117.5)


def test_a_missing_or_empty_previous_month_gives_no_trend(duck: ibis.BaseBackend) -> None:
    feats = features(duck)

    after_gap = one(duck, feats, account_no=facts.B, month=date(2024, 1, 1))
    after_zero = one(duck, feats, account_no=facts.B, month=date(2023, 8, 1))

    assert after_gap["mom_change"] is None  # 2023-12 was not billed
    assert after_zero["mom_change"] is None  # 2023-07 had 0 kWh
    assert after_zero["yoy_change"] is None


def test_payment_behaviour_counts_lateness_arrears_and_parts(duck: ibis.BaseBackend) -> None:
    result = behaviour(duck)
    a = one(duck, result, account_no=facts.A)
    b = one(duck, result, account_no=facts.B)

    # A: bills 2023-01..2024-01 are due before 2024-03-15 (2024-02 is due 2024-03-16).
    # Due in the last 12 months (from 2023-03-15): 2023-02 (due 03-17) .. 2024-01.
    assert a["bills_12m"] == 12
    assert a["bills_24m"] == 13
    # Only 2023-12 was late: settled 6 days after its due date by its second part.
    assert a["on_time_share_12m"] == pytest.approx(11 / 12)
    assert a["max_days_late_12m"] == 6
    assert a["mean_days_late_12m"] == pytest.approx(6 / 12)
    assert a["partial_payments_24m"] == 1
    assert a["arrears"] == 0  # 2024-02 is not yet due
    assert a["overdue_bills"] == 0

    assert b["on_time_share_24m"] == 0.0
    assert b["max_days_late_24m"] == 10
    assert b["partial_payments_24m"] == 0


def test_an_unpaid_bill_is_late_until_the_day_and_in_arrears(duck: ibis.BaseBackend) -> None:
    later = date(2024, 4, 1)  # 16 days after A's 2024-02 bill fell due
    result = pipelines.payment_behaviour(
        catalog.table(duck, "bills"), catalog.table(duck, "payments"), as_of=later
    )

    a = one(duck, result, account_no=facts.A)

    assert a["overdue_bills"] == 1
    assert a["arrears"] == Decimal(f"{(100 + 20 + 7.5) * 0.52:.2f}")
    assert a["max_days_late_12m"] == 16


def test_a_clock_rule_that_starts_mid_month_applies_from_its_first_local_day(
    duck: ibis.BaseBackend,
) -> None:
    # Local days 2024-01-30 to 2024-02-02; from Feb 1 a rule makes 08:00-12:00 the only
    # peak, and no rule covers January except one that ends on Jan 31: flat all day.
    morning = tuple("peak" if 8 <= h < 12 else "valley" for h in range(24))
    clock = (
        pipelines.TouRule(morning, start=date(2024, 2, 1)),
        pipelines.TouRule(("sharp",) * 24, months=(1,), start=date(2024, 1, 31)),
    )
    daily = pipelines.daily_load(catalog.table(duck, "readings"), clock)

    jan_30 = one(duck, daily, account_no=facts.A, day=date(2024, 1, 30))
    jan_31 = one(duck, daily, account_no=facts.A, day=date(2024, 1, 31))
    feb_1 = one(duck, daily, account_no=facts.A, day=date(2024, 2, 1))

    assert jan_30["kwh_flat"] == pytest.approx(jan_30["kwh"])  # no rule covers the day
    assert jan_31["kwh_sharp"] == pytest.approx(jan_31["kwh"])
    assert feb_1["kwh_peak"] == pytest.approx(4 * 12)  # 08-12 at 3 kWh × 4 intervals
    assert feb_1["kwh_valley"] == pytest.approx(feb_1["kwh"] - 4 * 12)
    assert feb_1["intervals"] == 96


def test_a_clock_of_many_classes_of_hours_splits_each_reading_by_its_days_rule(
    duck: ibis.BaseBackend,
) -> None:
    # Three rules that cut the day differently give more than four classes of hours
    # (each hour's periods under every rule), beyond what 2 bits an hour can name.
    periods = pipelines.TOU_PERIODS
    clock = (
        pipelines.TouRule(tuple(periods[h % 4] for h in range(24)), months=(1,)),
        pipelines.TouRule(tuple(periods[h // 2 % 4] for h in range(24)), months=(2,)),
        pipelines.TouRule(tuple(periods[h // 3 % 4] for h in range(24)), months=(3, 4)),
    )
    readings = duck.to_pyarrow(catalog.table(duck, "readings")).to_pylist()
    expected: dict[tuple[str, date, str], float] = {}
    for r in readings:
        local = r["ts"] + timedelta(hours=8)
        rule = next((rule for rule in clock if local.month in rule.months), None)
        period = rule.hours[local.hour] if rule else "flat"
        key = (r["account_no"], local.date(), period)
        expected[key] = expected.get(key, 0.0) + r["kwh"]

    daily = rows(duck, pipelines.daily_load(catalog.table(duck, "readings"), clock))

    assert len(pipelines._hour_classes(clock)) > 8
    assert len(daily) == len({(a, d) for a, d, _ in expected})
    for day in daily:
        for period in periods:
            want = expected.get((day["account_no"], day["day"], period), 0.0)
            assert day[f"kwh_{period}"] == pytest.approx(want), (day, period)
