"""Throughput of every lake pipeline on DuckDB and on a Spark standalone cluster of 1 and
2 workers, as ratios against a DuckDB baseline run in the same process.

    .venv/bin/python bench/spark_scaling.py                    # 2,000 meters (5.9 M readings)
    .venv/bin/python bench/spark_scaling.py --customers 300    # a quick run (CI-sized)

The lake (``bench/lake_bench.py``'s generators: a month of 15-minute readings and 24
months of bills and payments per customer) is written once under ``--dir``. Each
pipeline runs once to warm up, then ``--repeat`` times; the best wall time counts.
DuckDB runs with one thread (``SET threads = 1``), so its figure is per core; each Spark
worker has one core, and the driver (this process) only plans and collects. The
machine's load average is printed with the figures: on a shared machine the ratios are
the portable part, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT / "src"))
sys.path.insert(0, str(CHECKOUT))

AS_OF = date(2026, 1, 15)


def _pipelines() -> dict[str, tuple[str, Callable[[Any], Any]]]:
    """name → (the fact table whose rows count as its input, the expression on a con)."""
    import ibis

    from gridcrm.credit import pipelines as cp
    from gridcrm.credit.services.sources import EVENT_SCHEMA
    from gridcrm.lake import catalog
    from gridcrm.lake import pipelines as lp
    from gridcrm.load import pipelines as ld

    def t(con: Any, name: str) -> Any:
        return catalog.table(con, name)

    def customers(con: Any) -> Any:
        accounts = t(con, "bills").select("account_no").distinct()
        return accounts.mutate(
            segment=ibis.literal("residential"),
            industry_code=ibis.literal("", "string"),
            contracted_kva=ibis.literal(8.0),
            credit_blacklisted=ibis.literal(False),
            created_on=ibis.literal(date(2020, 1, 1)),
        )

    events = ibis.memtable(EVENT_SCHEMA.empty_table())
    return {
        "daily_load": ("readings", lambda c: lp.daily_load(t(c, "readings"))),
        "daily_periods": ("readings", lambda c: lp.daily_periods(t(c, "readings"))),
        "load_shape": ("readings", lambda c: lp.load_shape(lp.daily_load(t(c, "readings")))),
        "customer_month_features (load features)": (
            "readings",
            lambda c: lp.customer_month_features(t(c, "bills"), t(c, "readings")),
        ),
        "typical_curves": ("readings", lambda c: ld.typical_curves(t(c, "readings"))),
        "billed_consumption": ("bills", lambda c: lp.billed_consumption(t(c, "bills"))),
        "with_trend": ("bills", lambda c: lp.with_trend(lp.billed_consumption(t(c, "bills")))),
        "bill_settlement": (
            "bills",
            lambda c: lp.bill_settlement(t(c, "bills"), t(c, "payments"), as_of=AS_OF),
        ),
        "payment_behaviour (punctuality)": (
            "bills",
            lambda c: lp.payment_behaviour(t(c, "bills"), t(c, "payments"), as_of=AS_OF),
        ),
        "credit_indicators": (
            "bills",
            lambda c: cp.credit_indicators(
                t(c, "bills"),
                t(c, "payments"),
                t(c, "violations"),
                customers(c),
                events,
                as_of=AS_OF,
            ),
        ),
        "serious_arrears_outcome": (
            "bills",
            lambda c: cp.serious_arrears_outcome(
                t(c, "bills"), t(c, "payments"), as_of=date(2025, 1, 1), until=AS_OF
            ),
        ),
    }


def _run(con: Any, expr: Any) -> int:
    from gridcrm.lake import spark

    if con.name == "pyspark":
        with spark.spark_run(spark.spark_session(), label="bench"):
            return int(con.to_pyarrow(expr).num_rows)
    return int(con.to_pyarrow(expr).num_rows)


def measure(con: Any, repeat: int) -> dict[str, float]:
    """Best wall seconds of each pipeline on ``con`` (after one warm-up run)."""
    seconds = {}
    for name, (_table, build) in _pipelines().items():
        _run(con, build(con))
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            _run(con, build(con))
            best = min(best, time.perf_counter() - started)
        seconds[name] = best
        print(f"    {name}: {best:.2f} s", flush=True)
    return seconds


def input_rows(lake: Path, table: str) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for p in (lake / table).rglob("*.parquet"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=CHECKOUT / "var" / "bench_spark")
    args = parser.parse_args()

    from bench.lake_bench import generate_bills, generate_readings

    lake = args.dir / f"lake-{args.customers}x{args.days}"
    generate_readings(lake, args.customers, args.days)
    generate_bills(lake, args.customers, 24)
    os.environ["GRIDCRM_LAKE"] = str(lake)
    os.environ.setdefault("GRIDCRM_VAR", str(args.dir / "var"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcrm.settings")
    os.environ.update(
        GRIDCRM_SPARK_DRIVER_HOST="127.0.0.1",
        GRIDCRM_SPARK_EXECUTOR_MEMORY="768m",
        GRIDCRM_SPARK_MEMORY="1g",
        GRIDCRM_SPARK_SHUFFLE="4",
    )
    import django

    django.setup()
    from gridcrm.lake import catalog, spark
    from gridcrm.lake.standalone import StandaloneCluster

    load = [os.getloadavg()[0]]
    print(f"DuckDB, 1 thread (baseline) — load {load[-1]:.1f}", flush=True)
    duck_con = catalog.connect("duckdb")
    duck_con.raw_sql("SET threads = 1")
    results: dict[str, dict[str, float]] = {"duckdb": measure(duck_con, args.repeat)}
    for workers in (1, 2):
        with StandaloneCluster(workers=workers, cores=1, memory="1g") as cluster:
            os.environ["GRIDCRM_SPARK_MASTER"] = cluster.url
            load.append(os.getloadavg()[0])
            print(f"Spark, {workers} worker(s) of 1 core — load {load[-1]:.1f}", flush=True)
            try:
                con = catalog.connect("spark")
                # Splits of about a row group, so that a small lake's scan is several
                # tasks that the workers can share (the default 128 MB makes one).
                spark.spark_session().conf.set("spark.sql.files.maxPartitionBytes", "1m")
                results[f"spark{workers}"] = measure(con, args.repeat)
            finally:
                spark.spark_stop()
    load.append(os.getloadavg()[0])

    rows = {t: input_rows(lake, t) for t in ("readings", "bills")}
    print(
        f"\n{args.customers:,} customers: {rows['readings']:,} readings, {rows['bills']:,} bills;"
        f" load average {min(load):.1f}–{max(load):.1f}\n"
    )
    header = (
        "| pipeline | input rows | DuckDB rows/s/core | Spark 1 worker rows/s | Spark 2 workers "
        "rows/s | 2 ÷ 1 workers | Spark (1 core) ÷ DuckDB (1 core) |"
    )
    print(header)
    print("|" + " --- |" * 7)
    summary = []
    for name, (table, _build) in _pipelines().items():
        n = rows[table]
        d, s1, s2 = (results[k][name] for k in ("duckdb", "spark1", "spark2"))
        print(
            f"| {name} | {n:,} | {n / d:,.0f} | {n / s1:,.0f} | {n / s2:,.0f} | "
            f"{s1 / s2:.2f} | {d / s1:.3f} |"
        )
        summary.append({"pipeline": name, "rows": n, "duckdb_s": d, "spark1_s": s1, "spark2_s": s2})
    out = args.dir / f"results-{args.customers}x{args.days}.json"
    out.write_text(json.dumps({"load": load, "pipelines": summary}, indent=1), encoding="utf-8")
    print(f"\n{out}")


if __name__ == "__main__":
    main()
