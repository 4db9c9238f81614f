"""Benchmark: customer search latency (p50, p95) per kind of search, indexed vs unindexed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gridcrm_bench \\
        .venv/bin/python bench/archive_search.py --customers 1000000

Builds the database with ``gridcrm migrate`` and
``gridcrm demo_data --customers N --seed 1 --reset`` (skipped with ``--reuse`` when it
already holds N customers). Each kind of search of
``gridcrm.archive.selectors.customer_list_rows`` runs on queries drawn from the stored
customers (seeded), timed as the customer list page runs it: the pager's count
(capped at 1,001 rows by ``web.paging.CappedPaginator``, as the page does) and the
first page of 25. The baseline is the same query in the same run with index use
disabled in the session (``SET enable_indexscan = off; SET enable_bitmapscan = off``).
Target: p95 under 50 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcrm.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from gridcrm.archive.models import Customer  # noqa: E402
from gridcrm.archive.selectors import customer_list_rows  # noqa: E402
from gridcrm.users.models import User  # noqa: E402
from gridcrm.web.paging import COUNT_CAP, CappedPaginator  # noqa: E402

PAGE = 25


def build(customers: int, reuse: bool) -> None:
    call_command("migrate", verbosity=0)
    if reuse and Customer.objects.count() == customers:
        print(f"reusing {customers:,} customers")
    else:
        started = time.perf_counter()
        call_command("demo_data", customers=customers, seed=1, reset=True, verbosity=0)
        print(f"built {customers:,} customers in {time.perf_counter() - started:.0f} s")
    # As autovacuum would have by the time people search: statistics and the visibility
    # map (without it an index-only count still visits every heap page).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE archive_customer")


def _chinese(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)


def queries(per_kind: int, seed: int) -> dict[str, list[str]]:
    """Queries of each kind, drawn from stored customers."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    top = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sample: list[tuple[str, str, str, str]] = []
    while len(sample) < per_kind * 4:
        pks = [rng.randint(1, top) for _ in range(per_kind * 8)]
        sample += list(
            Customer.objects.filter(pk__in=pks).values_list(
                "account_no", "name", "phone", "address"
            )
        )
    households = [s for s in sample if 3 <= len(s[1]) <= 4 and _chinese(s[1])]
    mobiles = [s for s in sample if len(s[2]) == 11]
    three = [s for s in sample if len(s[1]) >= 3 and _chinese(s[1])]

    def part(text: str, size: int) -> str:
        start = rng.randint(0, len(text) - size)
        return text[start : start + size]

    def address_part(address: str) -> str:
        # a street or village as people type it: four characters from after the city
        tail = address[5:] if len(address) > 9 else address
        return part(tail, min(4, len(tail)))

    def pick(
        rows: list[tuple[str, str, str, str]], make: Callable[[tuple[str, str, str, str]], str]
    ) -> list[str]:
        return [make(rng.choice(rows)) for _ in range(per_kind)]

    return {
        "account number prefix (6 digits)": pick(sample, lambda s: s[0][:6]),
        "full name": pick(sample, lambda s: s[1]),
        "2 characters of a Chinese name": pick(households, lambda s: part(s[1][1:], 2)),
        "3 characters of a Chinese name": pick(three, lambda s: part(s[1], 3)),
        "phone, whole (mobile)": pick(mobiles, lambda s: s[2]),
        "phone, last four digits": pick(sample, lambda s: s[2][-4:]),
        "part of the address": pick(sample, lambda s: address_part(s[3])),
    }


def run_once(user: User, query: str) -> float:
    """Milliseconds for the list page's work: the pager's count and the first page."""
    started = time.perf_counter()
    rows = customer_list_rows(user=user, query=query, cap=COUNT_CAP)
    page = CappedPaginator(rows, PAGE).get_page(1)
    list(page.object_list)
    return 1000 * (time.perf_counter() - started)


def set_indexes(enabled: bool) -> None:
    value = "on" if enabled else "off"
    with connection.cursor() as cursor:
        cursor.execute(f"SET enable_indexscan = {value}")
        cursor.execute(f"SET enable_bitmapscan = {value}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=40, help="indexed queries per kind")
    parser.add_argument("--baseline-queries", type=int, default=8, help="unindexed per kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep a database of that size")
    args = parser.parse_args()
    print(f"database: {connection.vendor} {connection.settings_dict.get('NAME')}")
    print(f"machine: {os.cpu_count()} cores")
    build(args.customers, args.reuse)
    user = User.objects.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        raise SystemExit("no administrator: run gridcrm demo_data first")
    kinds = queries(args.queries, args.seed)
    header = f"{'search':<34}{'p50 ms':>9}{'p95 ms':>9}{'base p50':>10}{'base p95':>10}{'p95 ×':>8}"
    print()
    print(header)
    print("-" * len(header))
    for kind, texts in kinds.items():
        set_indexes(True)
        run_once(user, texts[0])  # warm the cache the way a running server has it
        indexed = [run_once(user, q) for q in texts]
        set_indexes(False)
        base = [run_once(user, q) for q in texts[: args.baseline_queries]]
        set_indexes(True)
        p95 = percentile(indexed, 95)
        base95 = percentile(base, 95)
        print(
            f"{kind:<34}{statistics.median(indexed):>9.1f}{p95:>9.1f}"
            f"{statistics.median(base):>10.1f}{base95:>10.1f}{base95 / p95:>8.0f}"
            + ("" if p95 < 50 else "  (over 50 ms)")
        )


if __name__ == "__main__":
    main()
