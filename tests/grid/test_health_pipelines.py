"""The health pipelines on hand-made readings (DuckDB): load events count runs of 2 hours
and not of 1, bad data is left out by its rule, outages and scores add up."""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import pyarrow as pa
import pytest

from gridcrm.grid import pipelines as p
from gridcrm.grid.health import reasons_of
from tests.grid import health_facts as hf


@pytest.fixture
def con() -> ibis.BaseBackend:
    return ibis.duckdb.connect()


def rows(con: ibis.BaseBackend, expr: ibis.Table, key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in con.to_pyarrow(expr).to_pylist()}


def events(con: ibis.BaseBackend, readings: pa.Table) -> dict[Any, dict[str, Any]]:
    expr = p.load_events(
        ibis.memtable(readings),
        ibis.memtable(hf.placements()),
        ibis.memtable(hf.transformers()),
        start=hf.START,
        end=hf.END,
    )
    return rows(con, expr, "transformer")


def test_two_hours_over_the_line_count_and_one_hour_does_not(con: ibis.BaseBackend) -> None:
    t1 = events(con, hf.readings())["T1"]

    assert t1["month"] == date(2024, 3, 1)
    assert t1["intervals"] == 7 * 96
    assert t1["max_load_rate"] == pytest.approx(1.1)
    # 2024-03-04: 2 h at 110 % (overload and heavy); 03-05: 1 h at 110 % (nothing);
    # 03-06: 2 h at 90 % (heavy).
    assert (t1["overload_events"], t1["overload_hours"]) == (1, 2.0)
    assert (t1["heavy_events"], t1["heavy_hours"]) == (2, 4.0)
    assert t1["power_factor"] == pytest.approx(1.0)


def test_a_run_exactly_at_the_line_is_not_over_it(con: ibis.BaseBackend) -> None:
    readings = hf.readings_table(
        hf.day_of(hf.X, "MX", date(2024, 3, 4), high_kw=100.0, intervals=12)
        + hf.day_of(hf.X, "MX", date(2024, 3, 5), high_kw=80.0, intervals=12)
    )

    t1 = events(con, readings)["T1"]

    assert (t1["heavy_events"], t1["overload_events"]) == (1, 0)


def test_the_power_factor_of_the_readings_makes_the_apparent_power(
    con: ibis.BaseBackend,
) -> None:
    # 88 kW at power factor 0.8 is 110 kVA: an overload of a 100 kVA transformer.
    readings = hf.readings_table(
        hf.day_of(hf.X, "MX", date(2024, 3, 4), base_kw=32.0, high_kw=88.0, intervals=8, pf=0.8)
    )

    t1 = events(con, readings)["T1"]

    assert t1["max_load_rate"] == pytest.approx(1.1)
    assert t1["overload_events"] == 1
    assert t1["power_factor"] == pytest.approx(0.8)


def test_a_missing_interval_breaks_the_run(con: ibis.BaseBackend) -> None:
    # 2 hours at 110 % from 10:00 but the 10:45 interval never arrived: 3 + 4 intervals.
    readings = hf.readings_table(
        hf.day_of(hf.X, "MX", date(2024, 3, 4), high_kw=110.0, intervals=8, missing=(43,))
    )

    t1 = events(con, readings)["T1"]

    assert t1["intervals"] == 95
    assert (t1["heavy_events"], t1["overload_events"]) == (0, 0)


def test_readings_placed_nowhere_load_no_transformer(con: ibis.BaseBackend) -> None:
    found = events(con, hf.readings())

    # Y's known meter loads T2 (10 kW of 50 kVA); its unknown meter (500 kW) and Z's
    # (no metering point) load nothing, T3 has no readings at all.
    assert found["T2"]["max_load_rate"] == pytest.approx(0.2)
    assert found["T2"]["heavy_events"] == 0
    assert set(found) == {"T1", "T2"}


def test_a_run_across_midnight_belongs_to_the_month_it_starts_in(con: ibis.BaseBackend) -> None:
    readings = hf.readings_table(
        hf.day_of(hf.X, "MX", date(2024, 3, 31), high_kw=110.0, from_hour=23, intervals=4)
        + hf.day_of(hf.X, "MX", date(2024, 4, 1), high_kw=110.0, from_hour=0, intervals=4)
    )
    expr = p.load_events(
        ibis.memtable(readings),
        ibis.memtable(hf.placements()),
        ibis.memtable(hf.transformers()),
        start=hf.START,
        end=date(2024, 5, 1),
    )

    months = {r["month"]: r for r in con.to_pyarrow(expr).to_pylist()}

    assert months[date(2024, 3, 1)]["overload_events"] == 1
    assert months[date(2024, 4, 1)]["overload_events"] == 0


def test_customer_power_factor_is_weighted_by_energy(con: ibis.BaseBackend) -> None:
    readings = hf.readings_table(
        hf.day_of(hf.X, "MX", date(2024, 3, 4), pf=0.8)
        + hf.day_of(hf.X, "MX", date(2024, 3, 5), pf=None)
    )

    found = rows(
        con,
        p.customer_power_factor(ibis.memtable(readings), start=hf.START, end=hf.END),
        "account_no",
    )

    # Equal energy at 0.8 and (assumed) 0.9: kvarh 0.75 and 0.4843 per kWh.
    tan_09 = (1 / 0.81 - 1) ** 0.5
    expected = 2 / ((2**2 + (0.75 + tan_09) ** 2) ** 0.5)
    assert found[hf.X]["power_factor"] == pytest.approx(expected)


def outage_rows(con: ibis.BaseBackend) -> dict[tuple[str, str], dict[str, Any]]:
    expr = p.outage_stats(
        ibis.memtable(hf.outages()),
        ibis.memtable(hf.transformers()),
        ibis.memtable(hf.links()),
        start=hf.START,
        end=hf.END,
    )
    return {(r["element"], r["code"]): r for r in con.to_pyarrow(expr).to_pylist()}


def test_outages_count_what_cut_each_supply_inside_the_window(con: ibis.BaseBackend) -> None:
    found = outage_rows(con)

    # T1: the line's hour and its own outage still going at the window's end (its last
    # hour); T2: the line's hour; T3: its own half hour.
    assert (found["transformer", "T1"]["outages"], found["transformer", "T1"]["minutes"]) == (
        2,
        120.0,
    )
    assert found["transformer", "T2"]["customer_minutes"] == 60.0
    assert found["transformer", "T3"]["minutes"] == 30.0
    # F1: 60 min × 2 customers + 60 min × T1's one customer.
    assert (found["feeder", "F1"]["outages"], found["feeder", "F1"]["customer_minutes"]) == (
        2,
        180.0,
    )
    assert found["customer", hf.Y]["outages"] == 2
    assert found["customer", hf.Y]["minutes"] == 90.0
    # Z is not in the registry; the outage before the window counts nowhere.
    assert ("customer", hf.Z) not in found


def test_scores_and_reasons_on_hand_made_figures(con: ibis.BaseBackend) -> None:
    events = ibis.memtable(
        pa.table(
            {
                "transformer": ["T1"],
                "month": [date(2024, 3, 1)],
                "intervals": pa.array([672], pa.int64()),
                "max_load_rate": [1.1],
                "power_factor": [0.85],
                "heavy_events": pa.array([2], pa.int64()),
                "heavy_hours": [4.0],
                "overload_events": pa.array([1], pa.int64()),
                "overload_hours": [2.0],
            }
        )
    )
    outages = p.outage_stats(
        ibis.memtable(hf.outages()),
        ibis.memtable(hf.transformers()),
        ibis.memtable(hf.links()),
        start=hf.START,
        end=hf.END,
    )
    ts = p.transformer_health(events, outages, ibis.memtable(hf.transformers()), as_of=hf.AS_OF)
    scored = rows(con, ts, "transformer")

    # T1: overload 25, heavy 2 × 10, power factor 10, outages 2 × 5, never tested 15.
    assert scored["T1"]["score"] == 100 - 25 - 20 - 10 - 10 - 15
    assert reasons_of("transformer", scored["T1"]) == [
        ["overload", 25],
        ["heavy_load", 20],
        ["test_overdue", 15],
        ["low_power_factor", 10],
        ["outages", 10],
    ]
    # T2: no readings 10, one outage 5, one meter past verification 5; tested in time.
    assert reasons_of("transformer", scored["T2"]) == [
        ["no_readings", 10],
        ["outages", 5],
        ["meter_overdue", 5],
    ]
    assert scored["T2"]["score"] == 80

    feeders = rows(
        con,
        p.feeder_health(ts, outages, ibis.memtable(hf.links()), ibis.memtable(hf.customers())),
        "feeder",
    )
    # F1: T1 overloaded 10 and heavy 5, 2 outages 10, T1 untested 3, Y (gaps) on T2 10.
    assert feeders["F1"]["score"] == 100 - 10 - 5 - 10 - 3 - 10
    assert feeders["F2"]["important_gaps"] == 1

    pf = p.customer_power_factor(ibis.memtable(hf.readings()), start=hf.START, end=hf.END)
    customers = rows(
        con,
        p.customer_health(
            ibis.memtable(hf.customers()), pf, outages, ibis.memtable(hf.links()), ts
        ),
        "account_no",
    )
    # X: its transformer overloaded 10, 2 outages 10. Y: gaps 30, a meter 10, 2 outages
    # 10, its dedicated T3 never tested 10.
    assert customers[hf.X]["score"] == 80
    assert [code for code, _ in reasons_of("customer", customers[hf.Y])] == [
        "important_gap",
        "outages",
        "meter_overdue",
        "test_overdue",
    ]
    assert customers[hf.Y]["score"] == 40
