"""Benchmark: the home page of each role, the regional composition and the 360° panels.

Builds (once, into ``--var``) a demo company of ``--customers`` customers with
``gridcrm demo --no-serve`` (customers, staff, lake facts of the key accounts, the
pipeline run that precomputes the composition, requests, visits, plans …), then times
in process, with Django's test client, ``--repeat`` requests of each page after a
warm-up, and prints a Markdown table: p50 and p95 in milliseconds, the SQL queries of
one request, and p50 as a multiple of a baseline request (``GET /api/me``: the session,
the user, one query) timed the same way in the same run.

    .venv/bin/python bench/workbench_pages.py --customers 100000
    .venv/bin/python bench/workbench_pages.py --var var/bench_workbench   # reuse a build

The composition is timed twice: as the page answers by default (the window the last
pipeline run precomputed) and over another window, which it computes from the readings
(what every view cost before the precomputation).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--var", type=Path, default=ROOT / "var" / "bench_workbench")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def build(var: Path, customers: int, seed: int) -> None:
    """``gridcrm demo --no-serve`` into ``var`` unless a build is already there."""
    if (var / "gridcrm.sqlite3").exists():
        print(f"reusing the build in {var}", file=sys.stderr)
        return
    var.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "gridcrm.cli", "demo", "--no-serve"]
        + ["--customers", str(customers), "--seed", str(seed), "-v0"],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(
        f"built {customers:,} customers in {time.perf_counter() - started:.0f} s", file=sys.stderr
    )


def main() -> None:
    args = _args()
    var = args.var.resolve()
    os.environ["GRIDCRM_VAR"] = str(var)
    os.environ["DATABASE_URL"] = f"sqlite:///{var / 'gridcrm.sqlite3'}"
    os.environ["GRIDCRM_LAKE"] = str(var / "lake")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcrm.settings")
    os.environ.setdefault("GRIDCRM_ALLOWED_HOSTS", "testserver,localhost")
    build(var, args.customers, args.seed)
    sys.path.insert(0, str(ROOT / "src"))

    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from gridcrm.archive.models import Customer
    from gridcrm.keyaccounts.models import KeyAccount
    from gridcrm.load.selectors import composition_window_stored
    from gridcrm.users.models import User

    def timed(client: Client, path: str) -> tuple[float, float, int]:
        for _ in range(2):  # warm up: templates, the first connection, DuckDB
            assert client.get(path).status_code == 200, path
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, path
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        return statistics.median(times) * 1000, p95 * 1000, len(queries.captured_queries)

    def client_for(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    rows: list[tuple[str, float, float, int]] = []
    baseline = timed(client_for("manager"), "/api/me")
    rows.append(("baseline: GET /api/me (manager)", *baseline))
    for username in ("agent", "collector", "kam", "specialist", "archivist", "planner", "manager"):
        rows.append((f"home `/` as {username}", *timed(client_for(username), "/")))

    planner = client_for("planner")
    composition = reverse("load:composition")
    rows.append(("region composition, precomputed window", *timed(planner, composition)))
    window = composition_window_stored()
    end = (window[1] if window else timezone.localdate()) - dt.timedelta(days=1)
    live = f"{composition}?start={end - dt.timedelta(days=28)}&end={end}"
    rows.append(("region composition, another window (from readings)", *timed(planner, live)))

    account = (
        KeyAccount.objects.filter(active=True).order_by("pk").values_list("customer_id", flat=True)
    ).first()
    customer = Customer.objects.get(pk=account)
    manager = client_for("manager")
    no = customer.account_no
    for name, url in (
        ("360° page", customer.get_absolute_url()),
        ("360° panel: load curve (lake)", reverse("lake:customer_load", args=[no])),
        ("360° panel: credit", reverse("credit:customer_panel", args=[no])),
        ("360° panel: orderly power use", reverse("load:customer_panel", args=[no])),
        ("360° panel: key account", reverse("keyaccounts:customer_panel", args=[no])),
        ("360° panel: supply and equipment", reverse("grid:customer_panel", args=[no])),
        ("360° panel: timeline", reverse("archive:customer_timeline", args=[no])),
    ):
        rows.append((name, *timed(manager, url)))

    customers = Customer.objects.count()
    print(f"\n{customers:,} customers, {connection.vendor}, {args.repeat} requests each\n")
    print("| page | p50 ms | p95 ms | queries | p50 ÷ baseline |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, p50, p95, queries in rows:
        print(f"| {name} | {p50:.0f} | {p95:.0f} | {queries} | {p50 / baseline[0]:.1f} |")


if __name__ == "__main__":
    main()
