"""Benchmark: outage impact of a 10 kV line on a registry of N customers (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gridcrm_bench_grid \\
        .venv/bin/python bench/grid_impact.py --customers 1000000

Bulk-generates, straight in SQL (``INSERT … SELECT generate_series``), a bench company
of ``--customers`` customers (1 % important, with a declared security load), ``--feeders``
10 kV lines (one in five a branch of a trunk on the same substation, ten per substation),
``--transformers`` transformers spread over the lines, one metering point and meter per
customer on a transformer, its line as a supply source, a second source from another
substation for the important customers and emergency power for half of them. Skipped
with ``--reuse`` when the database already holds that many customers.

Then times ``grid.impact.outage_impact`` (what the page and the API run, as a company-wide
user) on ``--samples`` random trunk lines, interleaved call by call with the SQL floor:
one hand-written statement giving the same rows for the same lines (the semi-join on the
feeder → customer path, the other sources and emergency power as sub-selects; the ids
of the line and its branches read beforehand), so that both see the same load. Then,
on ``--baseline-samples`` lines, the naive ORM walk a first version would write (line →
transformers → metering points → customer, then each customer's other sources and
emergency power, one query each).
Prints p50/p95/max, the ratios ours ÷ floor and naive ÷ ours, the SQL statements per
call, the load average, and with ``--explain`` PostgreSQL's plan of the main statement.
Target: p95 < 200 ms.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcrm.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from gridcrm.archive.models import Customer  # noqa: E402
from gridcrm.grid.impact import outage_impact  # noqa: E402
from gridcrm.grid.models import EmergencyPower, Feeder, SupplySource  # noqa: E402
from gridcrm.grid.selectors import feeders_below  # noqa: E402
from gridcrm.load.models import ProductionProfile  # noqa: E402
from gridcrm.users.models import Region, RegionLevel, User  # noqa: E402
from gridcrm.users.roles import Role  # noqa: E402
from gridcrm.users.services import region_create, user_create  # noqa: E402

STATIONS = 20
FEEDERS_PER_SUBSTATION = 10


def _column_values() -> tuple[list[str], list[str], list[Any]]:
    """Columns of ``archive_customer`` and, for each, an SQL expression over the series
    value ``i`` or a parameter holding the model's default (so the rows are what the
    ORM would write, without knowing every column here)."""
    columns: list[str] = []
    expressions: list[str] = []
    params: list[Any] = []
    computed = {
        "account_no": "lpad(i::text, 10, '0')",
        "name": "'基准客户' || i",
        "region_id": "(%s::int[])[1 + i %% " + str(STATIONS) + "]",
        "segment": "CASE WHEN i %% 10 = 0 THEN 'industrial' ELSE 'residential' END",
        "importance_class": "CASE WHEN i %% 100 = 7 THEN 'class_1' ELSE '' END",
        "version": "1",
    }
    for field in Customer._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.name in computed or field.column in computed:
            expressions.append(computed.get(field.name) or computed[field.column])
            if field.column == "region_id":
                params.append(None)  # filled with the station ids by the caller
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expressions.append("now()")
        elif field.null:
            expressions.append("NULL")
        else:
            expressions.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    return columns, expressions, params


def build(customers: int, feeders: int, transformers: int) -> None:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    company = Region.objects.filter(code="BQ").first() or region_create(
        code="BQ", name="基准供电公司", level=RegionLevel.COMPANY, parent=None
    )
    stations = []
    for n in range(STATIONS):
        code = f"BQ{n:02d}"
        stations.append(
            Region.objects.filter(code=code).first()
            or region_create(
                code=code, name=f"基准供电所{n}", level=RegionLevel.STATION, parent=company
            )
        )
    if not User.objects.filter(username="bench_manager").exists():
        user_create(
            username="bench_manager",
            password="bench-only",  # noqa: S106 - a throwaway login of the bench database
            full_name="bench",
            role=Role.MARKETING_MANAGER,
        )
    station_ids = [s.pk for s in stations]
    columns, expressions, params = _column_values()
    params[params.index(None)] = station_ids
    substations = feeders // FEEDERS_PER_SUBSTATION
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO archive_customer ({', '.join(columns)}) "  # noqa: S608 - our columns
            f"SELECT {', '.join(expressions)} FROM generate_series(1, %s) AS i",
            [*params, customers],
        )
        cur.execute(
            "INSERT INTO grid_substation (code, name, voltage, region_id) "
            "SELECT 'S' || s, '基准变' || s, '110/10 kV', (%s::int[])[1 + s %% %s] "
            "FROM generate_series(1, %s) AS s",
            [station_ids, STATIONS, substations],
        )
        cur.execute(
            "INSERT INTO grid_feeder (code, name, substation_id) "
            "SELECT 'F' || f, '基准线' || f, "
            "(SELECT array_agg(id ORDER BY id) FROM grid_substation)[1 + (f - 1) / %s] "
            "FROM generate_series(1, %s) AS f",
            [FEEDERS_PER_SUBSTATION, feeders],
        )
        # Every fifth line is a branch of the trunk before it (same substation).
        cur.execute(
            "UPDATE grid_feeder b SET parent_id = t.id FROM grid_feeder t "
            "WHERE t.substation_id = b.substation_id AND t.id = b.id - 1 AND b.id % 5 = 0"
        )
        cur.execute(
            "INSERT INTO grid_transformer (code, name, feeder_id, ownership, kva, kind) "
            "SELECT 'T' || t, '', (SELECT array_agg(id ORDER BY id) FROM grid_feeder)"
            "[1 + t %% %s], 'public', 400, 'oil' FROM generate_series(1, %s) AS t",
            [feeders, transformers],
        )
        cur.execute(
            "INSERT INTO grid_meteringpoint (code, customer_id, transformer_id) "
            "SELECT 'MP' || c.id, c.id, (SELECT array_agg(id ORDER BY id) FROM grid_transformer)"
            "[1 + c.id %% %s] FROM archive_customer c WHERE c.name LIKE '基准客户%%'",
            [transformers],
        )
        cur.execute(
            "INSERT INTO grid_meter (serial, point_id, kind, ct_ratio, pt_ratio, accuracy_class) "
            "SELECT 'S' || p.id, p.id, 'smart_1p', '', '', '2.0' FROM grid_meteringpoint p"
        )
        cur.execute(
            "INSERT INTO grid_supplysource (customer_id, feeder_id) "
            "SELECT p.customer_id, t.feeder_id FROM grid_meteringpoint p "
            "JOIN grid_transformer t ON t.id = p.transformer_id"
        )
        important = list(
            Customer.objects.filter(importance_class="class_1").values_list("pk", flat=True)
        )
        cur.execute(
            "INSERT INTO grid_supplysource (customer_id, feeder_id) "
            "SELECT c, (SELECT array_agg(id ORDER BY id) FROM grid_feeder)[1 + (c * 7) %% %s] "
            "FROM unnest(%s::int[]) AS c ON CONFLICT DO NOTHING",
            [feeders, important],
        )
        cur.execute(
            "INSERT INTO grid_emergencypower (code, customer_id, kind, kw) "
            "SELECT 'E' || c, c, 'generator', 200 FROM unnest(%s::int[]) AS c WHERE c %% 2 = 0",
            [important],
        )
    ProductionProfile.objects.bulk_create(
        [ProductionProfile(customer_id=c, security_load_kw=Decimal(150)) for c in important],
        batch_size=5000,
    )
    with connection.cursor() as cur:
        for table in ("archive_customer", "grid_supplysource", "grid_meteringpoint", "grid_feeder"):
            cur.execute(f"ANALYZE {table}")
    print(
        f"built {customers:,} customers, {feeders:,} lines, {transformers:,} transformers "
        f"in {time.perf_counter() - started:.0f} s"
    )


def naive_impact(feeder: Feeder) -> list[tuple[str, int, float]]:
    """The baseline: walk the ORM from the line down, one query per step and customer."""
    rows = []
    lines = [feeder, *feeder.branches.all()]
    for line in lines:
        for transformer in line.transformers.all():
            for point in transformer.metering_points.select_related("customer"):
                customer = point.customer
                other = (
                    SupplySource.objects.filter(customer=customer).exclude(feeder__in=lines).count()
                )
                kw = sum(e.kw for e in EmergencyPower.objects.filter(customer=customer))
                rows.append((customer.account_no, other, float(kw)))
    return rows


FLOOR_SQL = """
SELECT c.id, c.account_no, c.name, c.importance_class,
       (SELECT count(*) FROM grid_supplysource o
         WHERE o.customer_id = c.id AND o.feeder_id <> ALL(%(down)s)),
       (SELECT coalesce(sum(e.kw), 0) FROM grid_emergencypower e WHERE e.customer_id = c.id)
  FROM archive_customer c
 WHERE c.id IN (SELECT s.customer_id FROM grid_supplysource s WHERE s.feeder_id = ANY(%(down)s))
"""


def floor_impact(down: list[int]) -> list[tuple[Any, ...]]:
    """The SQL floor: the same rows as ``outage_impact`` in one statement, given the ids of
    the lines that go down (read beforehand, outside the timing): no ORM, no scope, no
    security loads, no sorting."""
    with connection.cursor() as cur:
        cur.execute(FLOOR_SQL, {"down": down})
        return cur.fetchall()


statements_seen: list[tuple[str, Any]] = []


def timed(call: Callable[[], object]) -> tuple[float, int, object]:
    """Milliseconds and SQL statements of one call (counted by an execute wrapper: the
    query log keeps only the last 9,000); the statements are kept in ``statements_seen``."""
    statements = 0
    statements_seen.clear()

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        statements_seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = call()
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, statements, result


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--feeders", type=int, default=2_000)
    parser.add_argument("--transformers", type=int, default=30_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--baseline-samples", type=int, default=20)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--explain", action="store_true", help="print the main statement's plan")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    if not (args.reuse and Customer.objects.count() == args.customers):
        build(args.customers, args.feeders, args.transformers)
    user = User.objects.get(username="bench_manager")
    rng = random.Random(1)  # noqa: S311 - sampling
    trunks = list(Feeder.objects.filter(parent__isnull=True).values_list("code", flat=True))
    ours_ms: list[float] = []
    floor_ms: list[float] = []
    base_ms: list[float] = []
    sizes: list[int] = []
    ours_queries = base_queries = 0
    for code in rng.sample(trunks, min(args.samples, len(trunks))):
        ms, ours_queries, result = timed(
            functools.partial(outage_impact, user=user, element="feeder", code=code)
        )
        ours_ms.append(ms)
        sizes.append(len(result.customers))  # type: ignore[attr-defined]
        down = feeders_below(feeder=Feeder.objects.get(code=code))
        floor_ms.append(timed(functools.partial(floor_impact, down))[0])
    if args.explain:
        timed(functools.partial(outage_impact, user=user, element="feeder", code=trunks[0]))
        sql, params = max(statements_seen, key=lambda seen: len(seen[0]))
        with connection.cursor() as cur:
            cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            print("\n".join(row[0] for row in cur.fetchall()))
    for code in rng.sample(trunks, min(args.baseline_samples, len(trunks))):
        feeder = Feeder.objects.get(code=code)
        ms, base_queries, _rows = timed(functools.partial(naive_impact, feeder))
        base_ms.append(ms)
    print(
        f"\ncustomers {Customer.objects.count():,}; customers behind a trunk line: "
        f"median {statistics.median(sizes):.0f}, max {max(sizes)}"
    )
    print("\n| outage impact of a line | calls | p50 ms | p95 ms | max ms | queries per call |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, series, queries in (
        ("grid.impact.outage_impact", ours_ms, ours_queries),
        ("floor: one hand-written statement", floor_ms, 1),
        ("baseline: naive ORM walk", base_ms, base_queries),
    ):
        print(
            f"| {name} | {len(series)} | {pct(series, 0.5):.1f} | {pct(series, 0.95):.1f} | "
            f"{max(series):.1f} | {queries} |"
        )
    for label, q in (("p50", 0.5), ("p95", 0.95)):
        print(
            f"\n{label}: ours ÷ floor {pct(ours_ms, q) / pct(floor_ms, q):.2f}, "
            f"naive ÷ ours {pct(base_ms, q) / pct(ours_ms, q):.0f}"
        )
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
