"""Benchmark of the grid-health pipelines: Ibis on DuckDB against hand-written DuckDB SQL
(the floor) doing the same computation, in one process.

    .venv/bin/python bench/grid_health.py            # 1,000,000 customers (see below)
    .venv/bin/python bench/grid_health.py --small    # a quick run

The registry is full size: 1,000,000 customers on 30,000 transformers on 2,000 lines,
given to the pipelines as the Arrow tables ``grid.health.sources_read`` makes of it
(placements, links, transformers, customers; generated here, not read from a database).
The readings are a month (March 2024, 2,976 intervals) of 15-minute readings **of one
meter group per transformer** (``--meters`` per transformer, default 1): the summed
readings of the customers behind it, placed by the account of its first customer. The
full 1,000,000 meters × 2,976 intervals (3 billion rows, ~35 GB of Parquet) do not fit
this machine's disk and hours; the per-transformer load the pipeline computes is the same
sum either way, and the step that scales with the meters (the scan and the placement
join) is measured at 30,000 × 2,976 = 89 M rows. Outages: 5,000 events on lines and
transformers.

Measured: the lake phase (``load_events``, ``customer_power_factor``, ``outage_stats``)
by Ibis and by the SQL floor (which leaves out the outages, a few thousand rows: the
ratio is an upper bound), then the scoring phase (Ibis) over 1,000,000 customers.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gridcrm.grid.health import Sources

CHECKOUT = Path(__file__).resolve().parents[1]
START, END = date(2024, 3, 1), date(2024, 4, 1)
AS_OF = END


def _setup(lake: Path) -> None:
    os.environ["GRIDCRM_LAKE"] = str(lake)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcrm.settings")
    sys.path.insert(0, str(CHECKOUT / "src"))
    import django

    django.setup()


def generate(lake: Path, *, customers: int, transformers: int, feeders: int, meters: int) -> None:
    """Write the month's readings and the outages in the lake layout (skipped when there)."""
    import duckdb

    done = lake / f".done-{customers}-{transformers}-{meters}"
    if done.exists():
        return
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    per_t = customers // transformers
    folder = lake / "readings" / "month=2024-03"
    folder.mkdir(parents=True, exist_ok=True)
    intervals = 31 * 96
    # A load rate by the local hour of day (evening peak) times a level per transformer
    # (0.45–1.15: about one in five goes over 100 % at the peak), deterministic noise.
    con.execute(
        f"""
        COPY (
          WITH g AS (
            SELECT t.i, m.j, printf('%010d', t.i * {per_t}) AS account_no,
                   printf('G%06d-%d', t.i, m.j) AS meter_no,
                   [200, 315, 400, 630][1 + t.i % 4] AS kva,
                   0.45 + (hash(t.i) % 71) / 100.0 AS level,
                   0.86 + (hash(t.i + 7) % 12) / 100.0 AS pf
            FROM range({transformers}) t(i), range({meters}) m(j)
          )
          SELECT account_no, meter_no,
                 TIMESTAMPTZ '2024-02-29 16:00:00+00' + to_minutes(q.q * 15) AS ts,
                 round(kva * pf * level
                       * CASE WHEN (q.q % 96) BETWEEN 72 AND 83 THEN 1.0
                              WHEN (q.q % 96) BETWEEN 32 AND 87 THEN 0.7 ELSE 0.35 END
                       * (0.95 + (hash(i * {intervals} + q.q) % 100) / 1000.0)
                       / 4 / {meters}, 3) AS kwh,
                 NULL::DOUBLE AS kw,
                 round(pf, 3) AS power_factor
          FROM g, range({intervals}) q(q)
        ) TO '{folder}/part-bench.parquet' (FORMAT parquet, COMPRESSION lz4)
        """  # noqa: S608 - sizes and paths of the bench itself
    )
    out = lake / "outages" / "month=2024-03"
    out.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"""
        COPY (
          SELECT 'E' || e AS event_id,
                 CASE WHEN e % 3 = 0 THEN 'feeder' ELSE 'transformer' END AS scope,
                 CASE WHEN e % 3 = 0 THEN printf('F%05d', hash(e) % {feeders})
                      ELSE printf('T%06d', hash(e) % {transformers}) END AS scope_id,
                 e % 5 = 0 AS planned,
                 TIMESTAMPTZ '2024-03-01 00:00:00+00'
                   + to_minutes(CAST(hash(e) % 40000 AS BIGINT)) AS start_at,
                 TIMESTAMPTZ '2024-03-01 00:00:00+00' + to_minutes(CAST(hash(e) % 40000 + 30
                   + hash(e + 1) % 300 AS BIGINT)) AS end_at,
                 NULL::VARCHAR AS cause
          FROM range(5000) r(e)
        ) TO '{out}/part-bench.parquet' (FORMAT parquet)
        """  # noqa: S608 - sizes and paths of the bench itself
    )
    done.touch()


def registry(*, customers: int, transformers: int, feeders: int) -> Sources:
    """The registry's tables as ``sources_read`` gives them."""
    import numpy as np
    import pyarrow as pa

    from gridcrm.grid.health import Sources
    from gridcrm.grid.pipelines import ANY_METER

    per_t = customers // transformers
    c = np.arange(customers)
    t_of_c = np.minimum(c // per_t, transformers - 1)
    accounts = pa.array([f"{i:010d}" for i in c])
    t_codes = np.array([f"T{i:06d}" for i in range(transformers)], dtype=object)
    links = pa.table({"account_no": accounts, "transformer": pa.array(t_codes[t_of_c])})
    placements = pa.table(
        {
            "account_no": accounts,
            "meter_no": pa.array([ANY_METER] * customers),
            "transformer": links.column("transformer"),
        }
    )
    t = np.arange(transformers)
    due = [None if i % 17 == 0 else date(2024 + i % 5 - 2, 1 + i % 12, 1) for i in t]
    table = pa.table(
        {
            "transformer": pa.array(t_codes),
            "feeder": pa.array([f"F{i % feeders:05d}" for i in t]),
            "kva": pa.array([[200.0, 315.0, 400.0, 630.0][i % 4] for i in t]),
            "dedicated": pa.array(t % 10 == 0),
            "test_due": pa.array(due, pa.date32()),
            "meters_overdue": pa.array(t % 7, pa.int64()),
        }
    )
    people = pa.table(
        {
            "account_no": accounts,
            "meters_overdue": pa.array((c % 101 == 0).astype("int64")),
            "important_gaps": pa.array((c % 997 == 0).astype("int64")),
        }
    )
    return Sources(table, links, placements, people)


FLOOR = """
WITH r AS (
  SELECT account_no, meter_no, epoch_us(ts) // 900000000 AS n, kwh,
         kwh * sqrt(1.0 / (pf * pf) - 1.0) AS kvarh
  FROM (SELECT *, CASE WHEN power_factor > 0 THEN power_factor ELSE 0.9 END AS pf
        FROM read_parquet('{lake}/readings/month=*/*.parquet'))
  WHERE ts >= TIMESTAMPTZ '{lo}' AND ts < TIMESTAMPTZ '{hi}'
), per AS (
  SELECT p.transformer, r.n, sum(r.kwh) * 4 AS kw, sum(r.kvarh) * 4 AS kvar
  FROM r JOIN placements p
    ON r.account_no = p.account_no AND (p.meter_no = '*' OR p.meter_no = r.meter_no)
  GROUP BY p.transformer, r.n
), rated AS (
  SELECT per.*, sqrt(kw * kw + kvar * kvar) / t.kva AS rate
  FROM per JOIN transformers t USING (transformer)
), months AS (
  SELECT transformer, CAST(date_trunc('month', DATE '1970-01-01' + CAST(day_no AS INTEGER))
         AS DATE) AS month, sum(c) AS intervals, max(m) AS max_load_rate,
         sum(kw) AS kw, sum(kvar) AS kvar
  FROM (SELECT transformer, (n + 32) // 96 AS day_no, count(*) AS c, max(rate) AS m,
               sum(kw) AS kw, sum(kvar) AS kvar FROM rated GROUP BY ALL)
  GROUP BY ALL
), runs AS (
  SELECT transformer, kind, min(n) AS first, count(*) AS len FROM (
    SELECT transformer, 'heavy' AS kind, n,
           n - row_number() OVER (PARTITION BY transformer ORDER BY n) AS run
    FROM rated WHERE rate > 0.8
    UNION ALL
    SELECT transformer, 'overload', n,
           n - row_number() OVER (PARTITION BY transformer ORDER BY n)
    FROM rated WHERE rate > 1.0)
  GROUP BY transformer, kind, run HAVING count(*) >= 8
), ev AS (
  SELECT transformer,
         CAST(date_trunc('month', DATE '1970-01-01' + CAST((first + 32) // 96 AS INTEGER))
           AS DATE) AS month,
         count(*) FILTER (kind = 'heavy') AS heavy_events,
         coalesce(sum(len) FILTER (kind = 'heavy'), 0) / 4.0 AS heavy_hours,
         count(*) FILTER (kind = 'overload') AS overload_events,
         coalesce(sum(len) FILTER (kind = 'overload'), 0) / 4.0 AS overload_hours
  FROM runs GROUP BY ALL
)
SELECT transformer, month, intervals, max_load_rate,
       kw / sqrt(kw * kw + kvar * kvar) AS power_factor,
       coalesce(heavy_events, 0) AS heavy_events, coalesce(heavy_hours, 0) AS heavy_hours,
       coalesce(overload_events, 0) AS overload_events,
       coalesce(overload_hours, 0) AS overload_hours
FROM months LEFT JOIN ev USING (transformer, month)
"""

FLOOR_PF = """
SELECT account_no, sum(kwh) AS kwh, sum(kvarh) AS kvarh,
       sum(kwh) / sqrt(sum(kwh) ^ 2 + sum(kvarh) ^ 2) AS power_factor
FROM (SELECT account_no, kwh,
             kwh * sqrt(1.0 / (pf * pf) - 1.0) AS kvarh
      FROM (SELECT *, CASE WHEN power_factor > 0 THEN power_factor ELSE 0.9 END AS pf
            FROM read_parquet('{lake}/readings/month=*/*.parquet'))
      WHERE ts >= TIMESTAMPTZ '{lo}' AND ts < TIMESTAMPTZ '{hi}')
GROUP BY account_no
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="100,000 customers, a smoke run")
    parser.add_argument("--meters", type=int, default=1, help="meter groups per transformer")
    parser.add_argument("--dir", type=Path, default=CHECKOUT / "var" / "bench_grid_lake")
    args = parser.parse_args()
    customers, transformers, feeders = (
        (100_000, 3_000, 200) if args.small else (1_000_000, 30_000, 2_000)
    )
    lake = args.dir / ("small" if args.small else "full")
    _setup(lake)
    import duckdb

    from gridcrm.grid import health
    from gridcrm.lake import catalog

    t0 = time.perf_counter()
    generate(
        lake, customers=customers, transformers=transformers, feeders=feeders, meters=args.meters
    )
    print(f"lake ready in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    sources = registry(customers=customers, transformers=transformers, feeders=feeders)
    print(f"registry ({customers:,} customers) in {time.perf_counter() - t0:.1f} s")
    readings = transformers * args.meters * 31 * 96
    print(f"readings: {readings:,} ({transformers:,} transformers × {args.meters} meter groups)")

    con = catalog.connect("duckdb")
    t0 = time.perf_counter()
    exprs = health.lake_exprs(con, sources, as_of=AS_OF)
    lake_results = {name: con.to_pyarrow(expr) for name, expr in exprs.items()}
    ibis_lake = time.perf_counter() - t0

    floor = duckdb.connect(config=catalog.duckdb_config())
    floor.register("placements", sources.placements)
    floor.register("transformers", sources.transformers)
    lo, hi = "2024-02-29 16:00:00+00", "2024-03-31 16:00:00+00"
    t0 = time.perf_counter()
    floor_events = floor.execute(FLOOR.format(lake=lake, lo=lo, hi=hi)).to_arrow_table()
    floor_pf = floor.execute(FLOOR_PF.format(lake=lake, lo=lo, hi=hi)).to_arrow_table()
    sql_floor = time.perf_counter() - t0

    t0 = time.perf_counter()
    scores = health.score_exprs(sources, lake_results, as_of=AS_OF)
    scored = {name: con.to_pyarrow(expr) for name, expr in scores.items()}
    ibis_scores = time.perf_counter() - t0

    events = lake_results["events"]
    assert events.num_rows == floor_events.num_rows, (events.num_rows, floor_events.num_rows)
    assert lake_results["power_factors"].num_rows == floor_pf.num_rows
    ev = sum(events.column("overload_events").to_pylist())
    fl = sum(floor_events.column("overload_events").to_pylist())
    assert ev == fl, (ev, fl)
    heavy = sum(events.column("heavy_events").to_pylist())
    print(f"overload events {ev:,}, heavy-load events {heavy:,} (SQL floor agrees)")
    print("scored: " + ", ".join(f"{name} {table.num_rows:,}" for name, table in scored.items()))
    print(f"lake phase, Ibis on DuckDB: {ibis_lake:.1f} s")
    print(f"lake phase, SQL floor:      {sql_floor:.1f} s")
    print(f"ratio Ibis / floor:         {ibis_lake / sql_floor:.2f}")
    print(f"scoring phase, Ibis:        {ibis_scores:.1f} s")


if __name__ == "__main__":
    main()
