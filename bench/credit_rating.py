"""Benchmark of the monthly credit rating, end to end, beside plain pandas.

    .venv/bin/python bench/credit_rating.py                  # 1,000,000 customers × 24 months
    .venv/bin/python bench/credit_rating.py --customers 20000   # a quick run

End to end means what ``gridcrm credit_rate`` does: read the archive attributes of every
customer from the database, compute the indicators over 24 months of bills and payments,
score, grade (triggers and locks), choose the reason codes, and upsert the current
credit, the history row and the grade changes into the database.

Two implementations, each in a fresh process (so its peak memory is its own), over the
same lake and database:

- **engine**: ``gridcrm.credit.services.credit_rate_all`` — the Ibis expression run by
  the embedded engine (DuckDB) — as a first rating (every customer gets a grade change),
  then **monthly**: the next month's run over those results (updates, few changes);
- **pandas**: the same indicators, scoring and grade rules written in plain pandas and
  numpy, then the same reason codes and the same upsert.

Both rate with the same scorecard (the built-in expert card) and must give the same
grades. The lake (``bench/lake_bench.py``'s bills and payments generator) and an SQLite
database with the customers are made once under ``--dir`` (default ``var/bench_credit``)
and reused; the credit tables are emptied before each run, so every run is a first
rating (a grade change for every customer: the heaviest write).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

CHECKOUT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 1, 15)
MONTHS = 24


def _setup_django(folder: Path) -> None:
    os.environ["GRIDCRM_VAR"] = str(folder / "var")
    os.environ["GRIDCRM_LAKE"] = str(folder / "lake")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcrm.settings")
    sys.path.insert(0, str(CHECKOUT))
    import django

    django.setup()


def prepare(folder: Path, customers: int) -> None:
    """The lake and the customers, made once."""
    sys.path.insert(0, str(CHECKOUT))
    from bench.lake_bench import generate_bills

    lake = folder / "lake"
    lake.mkdir(parents=True, exist_ok=True)
    generate_bills(lake, customers, MONTHS)
    _setup_django(folder)
    from django.core.management import call_command
    from django.db import connection, transaction

    from gridcrm.archive.models import Customer
    from gridcrm.users.models import Region

    call_command("migrate", verbosity=0)
    if Customer.objects.count() == customers:
        return
    Customer.objects.all().delete()
    region, _ = Region.objects.get_or_create(
        code="B01", defaults={"name": "bench", "level": "station", "path": "B01"}
    )
    now = "2020-01-01 00:00:00"
    fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
    values: dict[str, Any] = {}
    for f in fields:
        if f.name == "region":
            values[f.column] = region.pk
        elif f.has_default():
            default = f.get_default()
            values[f.column] = json.dumps(default) if isinstance(default, dict | list) else default
        elif f.null:
            values[f.column] = None
        elif f.get_internal_type() in ("DateTimeField",):
            values[f.column] = now
        else:
            values[f.column] = ""
    values["segment"] = "residential"
    values["tariff_category"] = "residential"
    values["contracted_kva"] = 8
    columns = list(values)
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(Customer._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        batch = []
        for c in range(customers):
            row = dict(values, account_no=f"{c:010d}", name=f"户{c}")
            batch.append([row[k] for k in columns])
            if len(batch) == 50_000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
    print(f"  {customers:,} customers in the database", flush=True)


def _reset_credit() -> None:
    from gridcrm.credit.models import CreditRating, CreditRun, CustomerCredit, GradeChange

    for model in (GradeChange, CreditRating, CustomerCredit, CreditRun):
        model.objects.all().delete()


# -- the pandas implementation ----------------------------------------------------------


def pandas_rating(lake: Path, customers: Any, models: dict[str, Any], as_of: date) -> Any:
    """Indicators → score → grade in pandas/numpy; returns an Arrow table shaped like the
    engine's result (for the same reason codes and upsert)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from gridcrm.credit.pipelines import (
        ARREARS_MONTHS_FOR_C,
        INDUSTRY_RISK,
        NEW_CUSTOMER_MONTHS,
    )
    from gridcrm.lake.pipelines import months_before

    def read(table: str, columns: list[str]) -> pd.DataFrame:
        files = sorted((lake / table).glob("month=*/*.parquet"))
        return pa.concat_tables([pq.read_table(f, columns=columns) for f in files]).to_pandas()

    last_known = pd.Timestamp(months_before(as_of, 1))
    day = pd.Timestamp(as_of)
    bills = read(
        "bills",
        [
            "bill_id",
            "account_no",
            "period",
            "kwh_sharp",
            "kwh_peak",
            "kwh_flat",
            "kwh_valley",
            "amount",
            "due_on",
        ],
    )
    bills["period"] = pd.to_datetime(bills["period"])
    bills["due_on"] = pd.to_datetime(bills["due_on"])
    for col in ("amount", "kwh_sharp", "kwh_peak", "kwh_flat", "kwh_valley"):
        bills[col] = bills[col].astype(float)  # the generator writes decimals
    bills = bills[bills["period"] <= last_known]
    pays = read("payments", ["payment_id", "bill_id", "paid_on", "amount"])
    pays["paid_on"] = pd.to_datetime(pays["paid_on"])
    pays["amount"] = pays["amount"].astype(float)
    pays = pays[pays["paid_on"] <= day]
    per_bill = pays.groupby("bill_id").agg(
        n=("amount", "size"), total=("amount", "sum"), last_paid=("paid_on", "max")
    )
    due = bills[bills["due_on"] < day].set_index("bill_id").join(per_bill)
    due["settled_on"] = due["last_paid"].where(due["total"].fillna(0.0) >= due["amount"])
    total = due["total"].fillna(0.0)
    outstanding = np.maximum(due["amount"] - total, 0.0)
    late = np.where(
        due["settled_on"].notna(),
        (due["settled_on"] - due["due_on"]).dt.days,
        (day - due["due_on"]).dt.days,
    )
    s = pd.DataFrame(
        {
            "account_no": due["account_no"].to_numpy(),
            "due_on": due["due_on"].to_numpy(),
            "on_time": (
                due["settled_on"].notna() & (due["settled_on"] <= due["due_on"])
            ).to_numpy(),
            "days_late": np.maximum(late, 0).astype(float),
            "outstanding": outstanding.to_numpy(),
            "partial": ((due["n"].fillna(0) > 1) | ((total > 0) & (outstanding > 0))).to_numpy(),
            "amount": due["amount"].to_numpy(),
        }
    )
    start12 = pd.Timestamp(months_before(as_of, 12))
    start3 = pd.Timestamp(months_before(as_of, 3))
    in12 = s["due_on"] >= start12
    recent = s["due_on"] >= start3
    s["in12"] = in12
    s["on12"] = in12 & s["on_time"]
    s["late12"] = s["days_late"].where(in12)
    s["late_recent"] = s["days_late"].where(recent)
    s["late_older"] = s["days_late"].where(in12 & ~recent)
    s["partial12"] = in12 & s["partial"]
    s["overdue"] = s["outstanding"] > 0
    s["amount12"] = s["amount"].where(in12)
    g = s.groupby("account_no").agg(
        bills_12m=("in12", "sum"),
        on12=("on12", "sum"),
        mean_days_late_12m=("late12", "mean"),
        max_days_late_12m=("late12", "max"),
        late_recent=("late_recent", "mean"),
        late_older=("late_older", "mean"),
        partial12=("partial12", "sum"),
        arrears=("outstanding", "sum"),
        arrears_months=("overdue", "sum"),
        mean_bill=("amount12", "mean"),
    )
    b12 = g["bills_12m"].where(g["bills_12m"] > 0)
    pay = pd.DataFrame(index=g.index)
    pay["on_time_share_12m"] = g["on12"] / b12
    pay["mean_days_late_12m"] = g["mean_days_late_12m"]
    pay["max_days_late_12m"] = g["max_days_late_12m"]
    pay["late_trend_3m"] = np.maximum(
        g["late_recent"] - g["late_older"].fillna(g["late_recent"]), 0.0
    )
    pay["arrears_months"] = g["arrears_months"].astype(float)
    pay["arrears_ratio"] = np.where(
        g["arrears"] <= 0, 0.0, g["arrears"] / g["mean_bill"].where(g["mean_bill"] > 0)
    )
    pay["partial_share_12m"] = g["partial12"] / b12
    pay["arrears"] = g["arrears"]

    start = pd.Timestamp(date(last_known.year, last_known.month, 1))
    kwh = bills["kwh_sharp"] + bills["kwh_peak"] + bills["kwh_flat"] + bills["kwh_valley"]
    age = (start - bills["period"]).dt.days
    u = pd.DataFrame({"account_no": bills["account_no"].to_numpy(), "kwh": kwh.to_numpy()})
    u["last3"] = (age < 85).to_numpy()
    u["prev3"] = ((age >= 85) & (age < 175)).to_numpy()
    u["ly3"] = ((age >= 330) & (age < 420)).to_numpy()
    u["k_last3"] = u["kwh"].where(u["last3"])
    u["k_prev3"] = u["kwh"].where(u["prev3"])
    u["k_ly3"] = u["kwh"].where(u["ly3"])
    u["k12"] = u["kwh"].where((age < 360).to_numpy())
    u["period"] = bills["period"].to_numpy()
    c = u.groupby("account_no").agg(
        first_period=("period", "min"),
        kwh_last3=("k_last3", "sum"),
        n_last3=("last3", "sum"),
        kwh_prev3=("k_prev3", "sum"),
        n_prev3=("prev3", "sum"),
        kwh_ly3=("k_ly3", "sum"),
        n_ly3=("ly3", "sum"),
        mean12=("k12", "mean"),
        std12=("k12", "std"),
    )
    use = pd.DataFrame(index=c.index)
    ok = (c["n_last3"] == 3) & (c["n_prev3"] == 3)
    ok_ly = (c["n_last3"] == 3) & (c["n_ly3"] == 3)
    use["kwh_trend_3m"] = ((c["kwh_last3"] - c["kwh_prev3"]) / c["kwh_prev3"]).where(
        ok & (c["kwh_prev3"] > 0)
    )
    use["kwh_trend_yoy_3m"] = ((c["kwh_last3"] - c["kwh_ly3"]) / c["kwh_ly3"]).where(
        ok_ly & (c["kwh_ly3"] > 0)
    )
    use["volatility_12m"] = (c["std12"] / c["mean12"]).where(c["mean12"] > 0)
    use["kwh_month_3m"] = (c["kwh_last3"] / c["n_last3"]).where(c["n_last3"] > 0)
    use["first_period"] = c["first_period"]

    cust = customers.to_pandas().set_index("account_no")
    t = cust.join(pay).join(use)
    created = pd.to_datetime(t["created_on"])
    first_seen = pd.concat([t["first_period"], created], axis=1).min(axis=1)
    t["tenure_months"] = ((day - first_seen).dt.days / 30.44).fillna(0.0)
    t["capacity_utilisation"] = t["kwh_month_3m"] / (t["contracted_kva"] * 0.9 * 730.0).where(
        t["contracted_kva"] > 0
    )
    for col in ("arrears_months", "arrears_ratio", "arrears"):
        t[col] = t[col].fillna(0.0)
    for col in (
        "returned_payments_12m",
        "theft_24m",
        "illegal_use_12m",
        "accidents_12m",
        "hazards_open",
        "event_points",
    ):
        t[col] = 0.0  # the bench lake has no violations and no events
    t["public_blacklisted"] = t["credit_blacklisted"].astype("boolean").fillna(False).astype(float)
    risks = {}
    for code in t["industry_code"].unique():
        best = max((p for p in INDUSTRY_RISK if p and str(code).startswith(p)), key=len, default="")
        risks[code] = INDUSTRY_RISK[best] if best else INDUSTRY_RISK[""]
    t["industry_risk"] = t["industry_code"].map(risks).astype(float)

    model = next(iter(models.values()))  # one model for every segment in the bench
    card = model.card.as_json()  # the plain dict the pipelines take
    score = np.full(len(t), float(card["intercept"]))
    pts_cols = {}
    for name, spec in sorted(card["variables"].items()):
        x = t[name].to_numpy(dtype=float)
        idx = np.searchsorted(np.asarray(spec["splits"], dtype=float), x, side="right")
        pts = np.asarray(spec["points"], dtype=float)[idx]
        pts = np.where(np.isnan(x), float(spec["missing"]), pts)
        pts_cols[f"pts_{name}"] = pts
        score = score + pts
    score = score + t["event_points"].to_numpy() * model.event_scale
    cut = model.cutoffs
    grade = np.select(
        [score >= cut["AAA"], score >= cut["AA"], score >= cut["A"], score >= cut["B"]],
        ["AAA", "AA", "A", "B"],
        "C",
    )
    trigger = np.select(
        [
            t["theft_24m"] > 0,
            t["illegal_use_12m"] > 0,
            t["accidents_12m"] > 0,
            t["hazards_open"] > 0,
            t["arrears_months"] >= ARREARS_MONTHS_FOR_C,
        ],
        ["theft", "illegal_use", "accident", "hazard_ignored", "arrears_3m"],
        "",
    )
    above_b = np.isin(grade, ["A", "AA", "AAA"])
    lock = np.select(
        [
            above_b & (t["tenure_months"] < NEW_CUSTOMER_MONTHS).to_numpy(),
            above_b & (t["arrears"] > 0).to_numpy(),
        ],
        ["new_customer", "open_arrears"],
        "",
    )
    final = np.where(trigger != "", "C", np.where(lock != "", "B", grade))
    rule = np.where(trigger != "", trigger, lock)
    out = {
        "account_no": t.index.to_numpy(),
        "segment": t["segment"].to_numpy(),
        **{name: t[name].to_numpy(dtype=float) for name in card["variables"]},
        **pts_cols,
        "score": score,
        "score_grade": grade,
        "grade": final,
        "rule": rule,
        "prev_grade": pa.nulls(len(t), pa.string()),
        "prev_since": pa.nulls(len(t), pa.date32()),
        "prev_left_c_on": pa.nulls(len(t), pa.date32()),
    }
    return pa.table(out)


def executemany_store(
    table: Any, reasons: list[str], ids: dict[str, int], labels: dict[str, str], run_id: int
) -> None:
    """The baseline: the upsert as it was before ``credit.store`` — a tuple per row and
    ``executemany`` of ``INSERT … ON CONFLICT`` into each table in batches of 20,000 —
    writing the same rows and columns."""
    from django.db import connection, transaction
    from django.utils import timezone

    from gridcrm.credit.models import CreditRating, CustomerCredit, GradeChange

    qn = connection.ops.quote_name
    now = timezone.now()
    accounts = table.column("account_no").to_pylist()
    grades = table.column("grade").to_pylist()
    score_grades = table.column("score_grade").to_pylist()
    scores = table.column("score").to_numpy(zero_copy_only=False).astype(float)
    rules = table.column("rule").to_pylist()
    segments = table.column("segment").to_pylist()
    prev = table.column("prev_grade").to_pylist()
    prev_since = table.column("prev_since").to_pylist()
    keyed = sorted((pk, i) for i, a in enumerate(accounts) if (pk := ids.get(a)) is not None)
    current: list[tuple[Any, ...]] = []
    history: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    for pk, i in keyed:
        grade, score, model = grades[i], round(float(scores[i]), 2), labels.get(segments[i], "")
        since = AS_OF if prev[i] != grade else (prev_since[i] or AS_OF)
        row = (grade, score, score_grades[i], model)
        current.append((pk, *row, AS_OF, since, rules[i], reasons[i], now))
        history.append((pk, run_id, AS_OF, *row, rules[i]))
        if prev[i] != grade:
            code = rules[i] or ("first_rating" if prev[i] is None else "score")
            changes.append(
                (pk, prev[i] or "", grade, code, f"{model}: {score}", "batch", "{}", run_id, now)
            )

    def upsert(model: Any, columns: list[str], conflict: list[str]) -> str:
        updates = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in columns if c not in conflict)
        return (
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))}) "
            f"ON CONFLICT ({', '.join(qn(c) for c in conflict)}) DO UPDATE SET {updates}"
        )

    statements: list[tuple[str, list[tuple[Any, ...]]]] = [
        (
            upsert(
                CustomerCredit,
                ["customer_id", "grade", "score", "score_grade", "model", "as_of", "since"]
                + ["rule", "reasons", "updated_at"],
                ["customer_id"],
            ),
            current,
        ),
        (
            upsert(
                CreditRating,
                ["customer_id", "run_id", "as_of", "grade", "score", "score_grade", "model"]
                + ["rule"],
                ["customer_id", "as_of"],
            ),
            history,
        ),
        (
            upsert(
                GradeChange,
                ["customer_id", "old_grade", "new_grade", "reason_code", "reason", "kind"]
                + ["details", "run_id", "at"],
                ["id"],
            ),
            changes,
        ),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size = -262144")
        for sql, rows in statements:
            for start in range(0, len(rows), 20_000):
                cursor.executemany(sql, rows[start : start + 20_000])


def run(kind: str, folder: Path, *, baseline: bool = True) -> dict[str, Any]:
    """One measurement in this process; prints and returns its figures."""
    _setup_django(folder)
    as_of = AS_OF
    if kind == "monthly":
        # the next month's run over the first rating's results: updates, few changes
        as_of = date(AS_OF.year, AS_OF.month + 1, AS_OF.day) if AS_OF.month < 12 else AS_OF
    else:
        _reset_credit()
    from gridcrm.credit import services
    from gridcrm.credit.models import CustomerCredit
    from gridcrm.credit.store import ratings_store

    # CPU seconds of each step (all threads of this process): comparable when the machine
    # is shared, where wall seconds are not.
    cpu: dict[str, float] = {}
    marks: list[tuple[str, float]] = []

    def mark(_done: int, _total: int, label: str) -> None:
        now = time.process_time()
        if marks:
            cpu[marks[-1][0]] = now - marks[-1][1]
        marks.append((label, now))

    started = time.perf_counter()
    if kind in ("engine", "monthly"):
        result = services.credit_rate_all(as_of=as_of, engine="duckdb", progress=mark)
        seconds = dict(result.seconds)
        grades = result.run.grade_counts
        total = time.perf_counter() - started
        if kind == "engine" and baseline:
            # The same first rating's rows written again by the baseline upsert.
            models = services.models_by_segment()
            reasons = services.reason_codes(result.table, models)
            _customers, ids = services.customers_arrow()
            _reset_credit()
            from gridcrm.credit.models import CreditRun

            baseline_run = CreditRun.objects.create(as_of=AS_OF, engine="baseline")
            t0 = time.perf_counter()
            executemany_store(
                result.table,
                reasons,
                ids,
                {s: m.label for s, m in models.items()},
                baseline_run.pk,
            )
            seconds["store_baseline"] = time.perf_counter() - t0
    else:
        from gridcrm.credit.models import CreditRun

        t0 = time.perf_counter()
        mark(0, 0, "archive")
        customers, ids = services.customers_arrow()
        models = services.models_by_segment()
        seconds = {"read": time.perf_counter() - t0}
        t0 = time.perf_counter()
        mark(0, 0, "indicators, scores, grades")
        table = pandas_rating(folder / "lake", customers, models, AS_OF)
        seconds["engine"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        mark(0, 0, "reason codes")
        reasons = services.reason_codes(table, models)
        seconds["reasons"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        mark(0, 0, "store")
        _n, _changes, grades = ratings_store(
            table=table,
            reasons=reasons,
            ids=ids,
            labels={s: m.label for s, m in models.items()},
            new_run=lambda: CreditRun.objects.create(as_of=AS_OF, engine="pandas").pk,
            as_of=AS_OF,
        )
        seconds["store"] = time.perf_counter() - t0
        mark(0, 0, "done")
        total = time.perf_counter() - started
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    rated = CustomerCredit.objects.count()
    out = {
        "kind": kind,
        "seconds": round(total, 2),
        "steps": {k: round(v, 2) for k, v in seconds.items()},
        "cpu": {k: round(v, 2) for k, v in cpu.items()},
        "rated": rated,
        "grades": dict(sorted(grades.items())),
        "changes": result.run.changes if kind != "pandas" else None,
        "peak_rss_gb": round(rss_gb, 2),
    }
    print(json.dumps(out), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument(
        "--skip-baseline", action="store_true", help="do not time the previous upsert"
    )
    parser.add_argument("--run", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = args.dir or CHECKOUT / "var" / "bench_credit" / f"c{args.customers}"
    if args.run:
        run(args.run, folder, baseline=not args.skip_baseline)
        return
    print(f"preparing {args.customers:,} customers × {MONTHS} months in {folder}", flush=True)
    t0 = time.perf_counter()
    prepare(folder, args.customers)
    print(f"  ready in {time.perf_counter() - t0:.0f} s", flush=True)
    results = {}
    for kind in ("engine", "monthly", *(() if args.skip_pandas else ("pandas",))):
        proc = subprocess.run(  # noqa: S603 (this script, this interpreter)
            [
                sys.executable,
                __file__,
                "--customers",
                str(args.customers),
                "--dir",
                str(folder),
                "--run",
                kind,
                *(["--skip-baseline"] if args.skip_baseline else []),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        results[kind] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{kind:>7}: {results[kind]}", flush=True)
    summary: dict[str, Any] = {
        "customers": args.customers,
        "months": MONTHS,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "results": results,
    }
    if "pandas" in results:
        e, p = results["engine"], results["pandas"]
        summary["speedup_end_to_end"] = round(p["seconds"] / e["seconds"], 2)
        summary["speedup_compute"] = round(p["steps"]["engine"] / e["steps"]["engine"], 2)
        summary["same_grades"] = e["grades"] == p["grades"]
    if "store_baseline" in results["engine"]["steps"]:
        steps = results["engine"]["steps"]
        summary["speedup_store"] = round(steps["store_baseline"] / steps["store"], 2)
        print(
            f"upsert of the first rating: {steps['store']} s, baseline executemany "
            f"{steps['store_baseline']} s ({summary['speedup_store']}×)"
        )
    if "pandas" in results:
        print(
            f"end to end: engine {e['seconds']} s, pandas {p['seconds']} s "
            f"({summary['speedup_end_to_end']}×); indicators→score→grade: "
            f"{e['steps']['engine']} s vs {p['steps']['engine']} s "
            f"({summary['speedup_compute']}×); same grades: {summary['same_grades']}"
        )
    (folder / "results.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
