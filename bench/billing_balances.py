"""Benchmark: the balances / arrears / late-fee pipeline and the 360° account panel.

1. Generates (once, cached under ``--lake``) bills and payments of ``--customers`` ×
   ``--months`` (``bench.lake_bench.generate_bills``: payments on time, late, in two
   parts or never; files of the first format, without ``kind``), plus advance payments
   for 1 % of customers and reversals of 0.2 % of payments, in files of the new format.
2. Runs ``billing.pipelines.account_balances`` on DuckDB (Ibis), and a hand-written DuckDB
   SQL of the same computation — the floor — in the same process, checks that both give
   the same totals, and prints the times and their ratio.
3. With ``--panel N``: a scratch SQLite database with N customers of the lake and an
   agent; the 360° account panel (``billing:customer_panel``) fetched in-process with the
   Django test client, 10 rounds; prints p50 and p95.

    .venv/bin/python bench/billing_balances.py --customers 1000000 --months 24 --panel 20
"""

# SQL here is built from numbers and paths this script makes.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

PARSER = argparse.ArgumentParser(description=__doc__.splitlines()[0])
PARSER.add_argument("--customers", type=int, default=1_000_000)
PARSER.add_argument("--months", type=int, default=24)
PARSER.add_argument("--lake", type=Path, default=ROOT / "var" / "bench" / "billing")
PARSER.add_argument("--panel", type=int, default=0, help="customers for the panel timing")
PARSER.add_argument("--panel-only", action="store_true", help="skip the pipeline timings")
ARGS = PARSER.parse_args()

SCRATCH = Path(tempfile.mkdtemp(prefix="billing-bench-"))
os.environ["GRIDCRM_LAKE"] = str(ARGS.lake / "lake")
os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcrm.settings")
os.environ["GRIDCRM_ALLOWED_HOSTS"] = "testserver"  # the in-process test client

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402
import ibis  # noqa: E402
import pyarrow as pa  # noqa: E402

from bench.lake_bench import BILL_START, _months, generate_bills  # noqa: E402
from gridcrm.billing import pipelines  # noqa: E402
from gridcrm.billing.latefees import DEFAULT_RATES  # noqa: E402
from gridcrm.lake import catalog  # noqa: E402
from gridcrm.lake.pipelines import months_before  # noqa: E402

LAKE = ARGS.lake / "lake"


def generate_extras(root: Path, months: int) -> None:
    """Advance payments (1 % of customers a month) and reversals (0.2 % of payments)."""
    done = root / "payments" / ".extras"
    if done.exists():
        return
    con = duckdb.connect()
    for period in _months(BILL_START, months):
        folder = root / "payments" / f"month={period:%Y-%m}"
        con.execute(
            f"""COPY (
            SELECT 'ADV-' || account_no || '{period:%Y%m}' AS payment_id,
                   CAST(NULL AS VARCHAR) AS bill_id, account_no,
                   CAST(DATE '{period}' + INTERVAL 3 DAY AS DATE) AS paid_on,
                   CAST(50 AS DECIMAL(12, 2)) AS amount, 'app' AS channel,
                   'advance' AS kind, CAST(NULL AS VARCHAR) AS reverses
            FROM (SELECT DISTINCT account_no FROM read_parquet('{folder}/part-bench.parquet'))
            WHERE hash(account_no || '{period:%Y%m}') % 100 = 0
            UNION ALL
            SELECT 'RV-' || payment_id, bill_id, account_no, paid_on, amount, channel,
                   'reversal', payment_id
            FROM read_parquet('{folder}/part-bench.parquet')
            WHERE hash(payment_id) % 500 = 0
            ORDER BY 1) TO '{folder}/part-extras.parquet' (FORMAT parquet, COMPRESSION zstd)"""
        )
    done.touch()


def floor_sql(as_of: date) -> str:
    """The same balances, arrears by age and late fees as one hand-written DuckDB query
    (no due-date shifts, no grace)."""
    issued = months_before(as_of, 1)
    r = DEFAULT_RATES
    res, cur, acr = (
        int(x * 1000)
        for x in (r.residential_per_mille, r.current_year_per_mille, r.across_years_per_mille)
    )
    minimum = int(r.minimum_yuan * 100)
    a = f"DATE '{as_of}'"
    return f"""
    WITH b AS (
        SELECT bill_id, account_no, tariff, CAST(round(amount * 100) AS BIGINT) AS amt, due_on,
               make_date(year(due_on), 12, 31) AS ye
        FROM read_parquet('{LAKE}/bills/month=*/*.parquet') WHERE period <= DATE '{issued}'),
    p AS (
        SELECT payment_id, bill_id, account_no, paid_on, amount,
               coalesce(kind, 'payment') AS kind, reverses
        FROM read_parquet('{LAKE}/payments/month=*/*.parquet', union_by_name = true)
        WHERE paid_on <= {a}),
    kept AS (SELECT * FROM p ANTI JOIN (SELECT reverses FROM p WHERE kind = 'reversal') r
             ON p.payment_id = r.reverses WHERE p.kind <> 'reversal'),
    days AS (
        SELECT bill_id, day, sum(f) AS f FROM (
            SELECT bill_id, paid_on AS day, CAST(round(amount * 100) AS BIGINT) AS f
            FROM kept WHERE kind = 'payment'
            UNION ALL SELECT bill_id, due_on, 0 FROM b) GROUP BY ALL),
    seg AS (
        SELECT bill_id, day, sum(f) OVER w AS so_far, lead(day) OVER w AS nxt
        FROM days WINDOW w AS (PARTITION BY bill_id ORDER BY day)),
    fee AS (
        SELECT s.bill_id, sum(greatest(b.amt - s.so_far, 0) * (
            (CASE WHEN b.tariff = 'residential' THEN {res} ELSE {cur} END) * greatest(
                datediff('day', greatest(s.day + 1, b.due_on + 1),
                         least(coalesce(s.nxt, {a}), {a}, b.ye)) + 1, 0)
          + (CASE WHEN b.tariff = 'residential' THEN {res} ELSE {acr} END) * greatest(
                datediff('day', greatest(s.day + 1, b.due_on + 1, b.ye + 1),
                         least(coalesce(s.nxt, {a}), {a})) + 1, 0))) AS micro
        FROM seg s JOIN b USING (bill_id) GROUP BY 1),
    paid AS (SELECT bill_id, sum(CAST(round(amount * 100) AS BIGINT)) AS pf
             FROM kept WHERE kind = 'payment' GROUP BY 1),
    pb AS (
        SELECT b.account_no, b.amt, b.due_on, coalesce(pf, 0) AS pf,
               greatest(b.amt - coalesce(pf, 0), 0) AS outs,
               datediff('day', b.due_on, {a}) AS od,
               CASE WHEN coalesce(micro, 0) > 0
                    THEN greatest((micro + 500000) // 1000000, {minimum}) ELSE 0 END AS fee
        FROM b LEFT JOIN paid USING (bill_id) LEFT JOIN fee USING (bill_id)),
    agg AS (
        SELECT account_no, sum(amt) AS billed, sum(pf) AS pf,
               sum(outs) FILTER (od > 0 AND outs > 0) AS arrears,
               sum(outs) FILTER (od > 0 AND outs > 0 AND od <= 30) AS a30,
               sum(outs) FILTER (od > 30 AND outs > 0 AND od <= 90) AS a90,
               sum(outs) FILTER (od > 90 AND outs > 0) AS aold,
               count(*) FILTER (od > 0 AND outs > 0) AS overdue_bills,
               min(due_on) FILTER (od > 0 AND outs > 0) AS oldest_due_on,
               sum(fee) FILTER (od > 0 AND outs > 0) AS fees
        FROM pb GROUP BY 1),
    adv AS (SELECT account_no, sum(CAST(round(amount * 100) AS BIGINT)) AS adv
            FROM kept WHERE kind = 'advance' GROUP BY 1)
    SELECT coalesce(agg.account_no, adv.account_no) AS account_no,
           (coalesce(billed, 0) - coalesce(pf, 0) - coalesce(adv, 0)) / 100 AS balance,
           coalesce(arrears, 0) / 100 AS arrears, coalesce(a30, 0) / 100 AS arrears_0_30,
           coalesce(a90, 0) / 100 AS arrears_31_90, coalesce(aold, 0) / 100 AS arrears_over_90,
           coalesce(overdue_bills, 0) AS overdue_bills, oldest_due_on,
           coalesce(fees, 0) / 100 AS late_fees
    FROM agg FULL OUTER JOIN adv ON agg.account_no = adv.account_no"""


TOTALS = ", ".join(
    ["count(*)"]
    + [f"sum(CAST({c} AS DECIMAL(18, 2)))" for c in ("balance", "arrears", "arrears_over_90")]
    + ["sum(CAST(late_fees AS DECIMAL(18, 2))), sum(overdue_bills)"]
)


def pipeline_run(as_of: date) -> tuple[float, tuple[object, ...]]:
    con = catalog.connect("duckdb")
    terms = ibis.memtable(
        pa.table(
            {"account_no": pa.array([], pa.string()), "due_shift_days": pa.array([], pa.int64())}
        )
    )
    graces = ibis.memtable(
        pa.table({"bill_id": pa.array([], pa.string()), "grace_days": pa.array([], pa.int64())})
    )
    expr = pipelines.account_balances(
        catalog.table(con, "bills"),
        catalog.table(con, "payments"),
        terms,
        graces,
        as_of=as_of,
        rates=DEFAULT_RATES,
    )
    started = time.perf_counter()
    result = con.to_pyarrow(expr)
    seconds = time.perf_counter() - started
    check = duckdb.connect()
    check.register("r", result)
    return seconds, tuple(check.execute(f"SELECT {TOTALS} FROM r").fetchone() or ())


def floor_run(as_of: date) -> tuple[float, tuple[object, ...]]:
    con = duckdb.connect(config=catalog.duckdb_config())  # the pipeline's settings
    started = time.perf_counter()
    result = con.execute(floor_sql(as_of)).to_arrow_table()
    seconds = time.perf_counter() - started
    con.register("r", result)
    return seconds, tuple(con.execute(f"SELECT {TOTALS} FROM r").fetchone() or ())


def panel_timings(as_of: date, customers: int) -> list[float]:
    """Milliseconds per panel request, ``customers`` × 10 rounds."""
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from gridcrm.billing import selectors
    from gridcrm.users.roles import Role
    from tests.conftest import make_customer, make_user

    call_command("migrate", verbosity=0)
    from gridcrm.users.models import RegionLevel
    from gridcrm.users.services import region_create

    company = region_create(code="YQ", name="阳泉", level=RegionLevel.COMPANY, parent=None)
    district = region_create(code="YQ01", name="城区", level=RegionLevel.DISTRICT, parent=company)
    station = region_create(
        code="YQ0101", name="北大街供电所", level=RegionLevel.STATION, parent=district
    )
    step = max(ARGS.customers // max(customers, 1), 1)
    accounts = [f"{i * step + i % 1000:010d}" for i in range(customers)]
    for account in accounts:
        make_customer(station, account, "王建国")
    agent = make_user("agent", Role.SERVICE_AGENT)
    selectors.today = lambda: as_of  # type: ignore[assignment] - the bench's day
    client = Client()
    client.force_login(agent)
    timings = []
    for _round in range(10):
        for account in accounts:
            started = time.perf_counter()
            response = client.get(reverse("billing:customer_panel", args=[account]))
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
    return timings


def main() -> None:
    started = time.perf_counter()
    generate_bills(LAKE, ARGS.customers, ARGS.months)
    generate_extras(LAKE, ARGS.months)
    print(f"lake ready in {time.perf_counter() - started:.0f} s", flush=True)
    as_of = months_before(_months(BILL_START, ARGS.months)[-1], -2)
    if not ARGS.panel_only:
        pipeline_vs_floor(as_of)
    if ARGS.panel:
        timings = panel_timings(as_of, ARGS.panel)
        q = statistics.quantiles(timings, n=20)
        print(
            f"| 360° account panel | p50 {statistics.median(timings):.0f} ms | p95 {q[18]:.0f} ms |"
        )


def pipeline_vs_floor(as_of: date) -> None:
    floor_s, floor_totals = floor_run(as_of)
    pipe_s, pipe_totals = pipeline_run(as_of)
    print(f"as of {as_of}: {ARGS.customers:,} customers × {ARGS.months} months")
    print(f"| hand-written DuckDB SQL (floor) | {floor_s:.1f} s |")
    print(f"| account_balances (Ibis on DuckDB) | {pipe_s:.1f} s |")
    print(f"| ratio | {pipe_s / floor_s:.2f} × |")
    print(f"totals agree: {[str(x) for x in pipe_totals] == [str(x) for x in floor_totals]}")
    print(f"  pipeline {pipe_totals}\n  floor    {floor_totals}")


if __name__ == "__main__":
    main()
