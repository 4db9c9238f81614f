"""Benchmark: the customer portal's home and inbox under 50 concurrent customers.

Builds (or, with ``--reuse``, reuses) the PostgreSQL database ``--database`` with

- a demo company of ``--customers`` customers (``gridcrm demo_data``, seed 1);
- ``--bound`` portal logins (customer role, one shared password hash computed once), each
  holding one account, every fourth a second one (a home and a shop), bulk-inserted with
  ``INSERT … SELECT generate_series`` in the shape ``portal.services`` writes;
- what the portal home reads for those accounts: ``--months`` months of the lake's monthly
  load features (``lake.MonthlyLoadFeature``, the table the home's usage reads — the
  home does not read the lake's Parquet files), policy notices (company-wide and per
  district), three planned-outage notices per supply station with an in-app delivery to
  every bound account of the station (30 % read), and a closed, rated service request
  for every second bound account;

then, for ``--sample`` of the logins, writes sessions (the HTML pages) and API tokens
(the mobile app's ``/api/portal/…``) directly, times each page one at a time in process
(Django test client), serves GridCRM with gunicorn on loopback and runs locust
(``bench/portal_locustfile.py``, ``FastHttpUser``) with ``--users`` concurrent users for
``--seconds`` after ramp-up. Every request takes one of the sampled logins at random.
The baseline, run the same way in the same run, is ``GET /api/portal/accounts`` (a
customer's token: authentication and the held accounts). Prints Markdown tables, the
p95 ratio against the baseline and against the same page one at a time, and drops the
database at the end unless ``--keep``.

    .venv/bin/python bench/portal_load.py --customers 1000000 --bound 200000 --keep
    .venv/bin/python bench/portal_load.py --customers 1000000 --bound 200000 --reuse
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from importlib import import_module
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG = "postgres://postgres@127.0.0.1:5432"
USER_PREFIX = "pbench-"
PASSWORD = "bench-portal-pass"  # noqa: S105 - synthetic logins of a throwaway database


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--database", default="gridcrm_bench_portal")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--bound", type=int, default=None, help="portal logins (default N/5)")
    parser.add_argument("--months", type=int, default=13, help="monthly load features each")
    parser.add_argument("--reuse", action="store_true", help="keep what the database holds")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--build-only", action="store_true", help="build and seed the database, keep it, stop"
    )
    parser.add_argument("--sample", type=int, default=2000, help="logins the users spread over")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="per scenario, after ramp-up")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started a second")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 5.0),
        metavar=("MIN", "MAX"),
        help="seconds a customer reads a page before the next request (uniform)",
    )
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/14",
        help="cache and sessions, as in production (empty: the database, as in development)",
    )
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--repeat", type=int, default=30, help="in-process requests per page")
    args = parser.parse_args()
    if args.bound is None:
        args.bound = args.customers // 5
    return args


ARGS = parse()
os.environ["DATABASE_URL"] = f"{PG}/{ARGS.database}"
os.environ.setdefault("GRIDCRM_ALLOWED_HOSTS", "127.0.0.1,localhost")
if ARGS.redis:
    os.environ["GRIDCRM_REDIS_URL"] = ARGS.redis
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]


def _admin(sql: str) -> None:
    """Run one statement on the server's ``postgres`` database (create, drop)."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _exists() -> bool:
    import psycopg

    with psycopg.connect(f"{PG}/postgres") as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [ARGS.database])
        return row.fetchone() is not None


if not ARGS.reuse or not _exists():
    _admin(f'DROP DATABASE IF EXISTS "{ARGS.database}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{ARGS.database}"')

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcrm.settings")
import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

# The service bench's CPU readings.
from bench.service_queue import database_cpu, server_cpu, used  # noqa: E402
from bench.webload import HOST, locust_run, serve  # noqa: E402
from gridcrm.archive.models import Customer  # noqa: E402
from gridcrm.lake.models import MonthlyLoadFeature  # noqa: E402
from gridcrm.portal.models import Binding  # noqa: E402
from gridcrm.service.models import (  # noqa: E402
    Notice,
    NoticeDelivery,
    NoticeTarget,
    RequestType,
    ServiceRequest,
)
from gridcrm.users.models import ApiToken, Region, User  # noqa: E402
from gridcrm.users.roles import Role  # noqa: E402


def build_company() -> None:
    """Migrate, and fill an empty database with the demo company."""
    call_command("migrate", verbosity=0)
    held = Customer.objects.count()
    if held == 0:
        started = time.perf_counter()
        call_command("demo_data", customers=ARGS.customers, seed=1, logins=False, verbosity=0)
        print(f"  demo company built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    elif held != ARGS.customers:
        print(f"  reusing {held:,} customers (asked for {ARGS.customers:,})", file=sys.stderr)


def _sql(sql: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def seed_portal() -> None:
    """Logins, bindings, usage, notices with deliveries and requests (once per database)."""
    if User.objects.filter(username__startswith=USER_PREFIX).exists():
        print("  portal logins already seeded", file=sys.stderr)
        return
    started = time.perf_counter()
    users = User._meta.db_table
    member = User.groups.through._meta.db_table
    binding = Binding._meta.db_table
    customer = Customer._meta.db_table
    region = Region._meta.db_table
    group = Group.objects.get(name=Role.CUSTOMER.value).pk
    with transaction.atomic():
        # A deterministic shuffle of the accounts nobody holds yet: rank 1..B are the
        # logins' first accounts, B+1.. the second accounts of every fourth login.
        _sql(
            f"CREATE TEMP TABLE pb_pick AS SELECT id AS customer_id, row_number() OVER "  # noqa: S608
            f"(ORDER BY md5(id::text)) AS rn FROM {customer} WHERE portal_user_id IS NULL "
            f"AND id NOT IN (SELECT customer_id FROM {binding})"
        )
        _sql("CREATE INDEX ON pb_pick (rn)")
        _sql(
            f"INSERT INTO {users} (password, is_superuser, username, first_name, last_name, "  # noqa: S608
            "email, is_staff, is_active, date_joined, full_name) SELECT %s, false, "
            "%s || lpad(g::text, 7, '0'), '', '', '', false, true, now(), '门户用户' || g "
            "FROM generate_series(1, %s) g",
            [make_password(PASSWORD), USER_PREFIX, ARGS.bound],
        )
        _sql(
            f"INSERT INTO {member} (user_id, group_id) SELECT id, %s FROM {users} "  # noqa: S608
            "WHERE username LIKE %s",
            [group, USER_PREFIX + "%"],
        )
        _sql(
            f"CREATE TEMP TABLE pb_login AS SELECT id AS user_id, "  # noqa: S608
            f"substr(username, {len(USER_PREFIX) + 1})::int AS i FROM {users} "
            "WHERE username LIKE %s",
            [USER_PREFIX + "%"],
        )
        bound = _sql(
            f"INSERT INTO {binding} (user_id, customer_id, bound_at) "  # noqa: S608
            "SELECT l.user_id, p.customer_id, now() - (mod(l.i, 700)) * interval '1 day' "
            "FROM pb_login l JOIN pb_pick p ON p.rn = l.i "
            "UNION ALL SELECT l.user_id, p.customer_id, now() - (mod(l.i, 300)) * interval '1 day' "
            "FROM pb_login l JOIN pb_pick p ON p.rn = %s + l.i / 4 WHERE mod(l.i, 4) = 0",
            [ARGS.bound],
        )
        _sql(f"CREATE TEMP TABLE pb_bound AS SELECT customer_id FROM {binding}")  # noqa: S608
        # The home's usage: the latest months of consumption with their time-of-use split.
        features = _sql(
            f"INSERT INTO {MonthlyLoadFeature._meta.db_table} (customer_id, month, kwh_total, "  # noqa: S608
            "kwh_sharp, kwh_peak, kwh_flat, kwh_valley, computed_at) "
            "SELECT b.customer_id, (date_trunc('month', now()) - (m + 1) * interval '1 month')"
            "::date, t, t * 0.05, t * 0.3, t * 0.4, t * 0.25, now() FROM pb_bound b, "
            "generate_series(0, %s - 1) m, "
            "LATERAL (SELECT 120 + (mod(b.customer_id, 400)) + 60 * sin(m) AS t) x "
            "ON CONFLICT DO NOTHING",
            [ARGS.months],
        )
        notices = seed_notices()
        deliveries = _sql(
            f"INSERT INTO {NoticeDelivery._meta.db_table} (notice_id, customer_id, channel, "  # noqa: S608
            "send_at, lead_days, status, sent_at, delivered_at, read_at, detail, attempts) "
            "SELECT n.id, b.customer_id, 'in_app', n.published_at, 1, 'sent', n.published_at, "
            "n.published_at, CASE WHEN mod((b.customer_id + n.id), 10) < 3 "
            "THEN n.published_at + interval '3 hours' END, '', 1 "
            f"FROM pb_bound b JOIN {customer} c ON c.id = b.customer_id "
            f"JOIN {region} r ON r.id = c.region_id "
            f"JOIN {NoticeTarget._meta.db_table} t ON t.scope = 'station' AND t.value = r.code "
            f"JOIN {Notice._meta.db_table} n ON n.id = t.notice_id AND n.kind = 'outage' "
            "ON CONFLICT DO NOTHING"
        )
        requests = _sql(
            f"INSERT INTO {ServiceRequest._meta.db_table} (customer_id, region_id, "  # noqa: S608
            "request_type_id, channel, summary, status, area, priority, limit_factor, package, "
            'decision, "current_role", due_at, escalation_level, created_at, closed_at, version, '
            "rating, rating_comment, rated_at, address, callback_phone) "
            "SELECT c.id, c.region_id, %s, 'portal', "
            "'bench', 'done', 'city', 3, 1, 'standard', '{}'::jsonb, '', "
            "now() - (mod(c.id, 300)) * interval '1 day' + interval '10 days', 0, "
            "now() - (mod(c.id, 300)) * interval '1 day', "
            "now() - (mod(c.id, 300)) * interval '1 day' + interval '2 days', 1, "
            "1 + mod(c.id, 5), '', "
            "now() - (mod(c.id, 300)) * interval '1 day' + interval '3 days', '', '' "
            f"FROM pb_bound b JOIN {customer} c ON c.id = b.customer_id "
            "WHERE mod(b.customer_id, 2) = 0",
            [RequestType.objects.order_by("pk").values_list("pk", flat=True).first()],
        )
    # What autovacuum soon does to tables that grew this much.
    for model in (User, Binding, MonthlyLoadFeature, NoticeDelivery, ServiceRequest):
        _sql(f"VACUUM ANALYZE {model._meta.db_table}")
    _sql(f"ANALYZE {member}")
    print(
        f"  seeded {ARGS.bound:,} logins, {bound:,} bindings, {features:,} monthly "
        f"features, {notices} notices, {deliveries:,} in-app deliveries, {requests:,} "
        f"requests in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


def seed_notices() -> int:
    """Five company-wide policies, one per district, three outages per supply station."""
    import datetime as dt

    from django.utils import timezone

    def at(days: float) -> dt.datetime:
        return timezone.now() - dt.timedelta(days=days)

    made = []
    for k in range(5):
        made.append(
            (
                Notice(
                    kind="policy",
                    topic="tariff",
                    title=f"居民阶梯电价政策解读 {k + 1}",
                    body="分时电价与阶梯电价说明。" * 20,
                    status="published",
                    published_at=at(60 - k * 10),
                ),
                [],
            )
        )
    for r in Region.objects.filter(level="district"):
        made.append(
            (
                Notice(
                    kind="policy",
                    topic="procedure",
                    title=f"{r.name}业扩报装服务承诺",
                    body="办电时限与服务承诺。" * 20,
                    status="published",
                    published_at=at(20),
                ),
                [NoticeTarget(scope="region", value=r.code)],
            )
        )
    for r in Region.objects.filter(level="station"):
        for k in range(3):
            start = timezone.now() + dt.timedelta(days=3 - k * 5)
            made.append(
                (
                    Notice(
                        kind="outage",
                        topic="outage",
                        title=f"{r.name}计划停电通知 {k + 1}",
                        body="因线路检修，计划停电。",
                        status="published",
                        published_at=at(4 + k * 5),
                        outage_start=start,
                        outage_end=start + dt.timedelta(hours=6),
                    ),
                    [NoticeTarget(scope="station", value=r.code)],
                )
            )
    Notice.objects.bulk_create([n for n, _ in made])
    targets = []
    for n, ts in made:
        for t in ts:
            t.notice = n
            targets.append(t)
    NoticeTarget.objects.bulk_create(targets)
    return len(made)


def sample_logins() -> list[dict[str, Any]]:
    """Sessions and API tokens for ``--sample`` random bench logins, with their home
    account (the first they hold by account number, where ``/portal/`` sends them)."""
    import datetime as dt
    import hashlib
    import secrets

    from django.utils import timezone

    rng = random.Random(3)  # noqa: S311 - which logins, not a secret
    ids = list(User.objects.filter(username__startswith=USER_PREFIX).values_list("pk", flat=True))
    chosen = rng.sample(ids, min(ARGS.sample, len(ids)))
    first: dict[int, str] = {}
    for user_id, account_no in (
        Binding.objects.filter(user_id__in=chosen, unbound_at__isnull=True)
        .order_by("user_id", "customer__account_no")
        .values_list("user_id", "customer__account_no")
    ):
        first.setdefault(user_id, account_no)
    logins = []
    tokens = []
    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    for user in User.objects.filter(pk__in=chosen):
        session = session_store()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "gridcrm.users.backends.RoleBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        token = secrets.token_urlsafe(32)
        tokens.append(
            ApiToken(
                user=user,
                name="bench",
                digest=hashlib.sha256(token.encode()).hexdigest(),
                expires_at=timezone.now() + dt.timedelta(days=1),
            )
        )
        logins.append(
            {
                "account": first[user.pk],
                "cookie": {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"},
                "bearer": {"Authorization": f"Bearer {token}"},
            }
        )
    ApiToken.objects.bulk_create(tokens)
    return logins


HTML = [
    ("portal home /portal/a/{account}/", "/portal/a/{account}/", 1),
    ("portal inbox /portal/a/{account}/notices/", "/portal/a/{account}/notices/", 1),
]
API = [
    ("API GET /api/portal/accounts/{account}", "/api/portal/accounts/{account}", 1),
    ("API GET /api/portal/accounts/{account}/notices", "/api/portal/accounts/{account}/notices", 1),
]
BASELINE = [("baseline: API GET /api/portal/accounts", "/api/portal/accounts", 1)]
SCENARIOS = [("baseline", BASELINE, "bearer"), ("html", HTML, "cookie"), ("api", API, "bearer")]


def one_at_a_time(logins: list[dict[str, Any]]) -> dict[str, tuple[float, float, int]]:
    """Each page, one request after another in process: p50, p95 (ms) and SQL queries."""
    rng = random.Random(2)  # noqa: S311 - which login, not a secret
    found = {}
    for _key, pages, auth in SCENARIOS:
        for name, path, _weight in pages:
            times = []
            for k in range(ARGS.repeat + 3):
                login = rng.choice(logins)
                client = Client(HTTP_HOST=HOST, headers=login[auth])
                started = time.perf_counter()
                response = client.get(path.format(account=login["account"]))
                if k >= 3:  # the first are warm-up: templates, the connection
                    times.append(time.perf_counter() - started)
                assert response.status_code == 200, (name, response.status_code)
            login = rng.choice(logins)
            client = Client(HTTP_HOST=HOST, headers=login[auth])
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                client.get(path.format(account=login["account"]))
            times.sort()
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            found[name] = (
                statistics.median(times) * 1000,
                p95 * 1000,
                len(queries.captured_queries),
            )
    return found


def locust(
    key: str,
    pages: list[tuple[str, str, int]],
    logins: list[dict[str, Any]],
    *,
    users: int,
    seconds: float,
    think: tuple[float, float],
    folder: Path,
) -> list[dict[str, str]]:
    """Run locust headless on one scenario; its statistics by page, then Aggregated."""
    auth = next(a for k, _p, a in SCENARIOS if k == key)
    spec = folder / f"{key}.json"
    spec.write_text(
        json.dumps(
            {
                "logins": [{"headers": x[auth], "account": x["account"]} for x in logins],
                "pages": pages,
                "think": list(think),
            }
        ),
        encoding="utf-8",
    )
    return locust_run(
        "portal_locustfile.py",
        spec,
        port=ARGS.port,
        users=users,
        spawn_rate=ARGS.spawn_rate if users > 8 else users,
        seconds=seconds,
    )


def main() -> None:
    started_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = os.getloadavg()
    build_company()
    seed_portal()
    if ARGS.build_only:  # measure later, on a quiet machine, with --reuse
        return
    customers = Customer.objects.count()
    bindings = Binding.objects.filter(unbound_at__isnull=True).count()
    logins_n = User.objects.filter(username__startswith=USER_PREFIX).count()
    logins = sample_logins()
    single = one_at_a_time(logins)

    connection.close()  # gunicorn's workers open their own
    server = serve(ARGS.port, ARGS.workers)
    results: list[tuple[dict[str, str], float, float, float]] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            for key, pages, _auth in SCENARIOS:
                # Warm every worker up (templates, connections) without recording it.
                locust(key, pages, logins, users=8, seconds=4, think=(0, 0), folder=Path(folder))
                server_before, database_before = server_cpu(server), database_cpu()
                rows = locust(
                    key,
                    pages,
                    logins,
                    users=ARGS.users,
                    seconds=ARGS.seconds,
                    think=tuple(ARGS.think),
                    folder=Path(folder),
                )
                cpu = used(server_before, server_cpu(server))
                database = used(database_before, database_cpu())
                load = os.getloadavg()[0]
                for row in rows:
                    if row["Name"] == "Aggregated" and len(pages) == 1:
                        continue
                    # CPU is read per scenario: only its whole (or its one page) has it.
                    whole = row["Name"] == "Aggregated" or len(pages) == 1
                    if row["Name"] == "Aggregated":
                        row["Name"] = f"{key.upper()} pages together"
                    results.append((row, cpu if whole else -1, database, load))
    finally:
        server.terminate()
        server.wait()

    print(
        f"\n{started_at}, load average before {load_before[0]:.1f} / {load_before[1]:.1f}; "
        f"{connection.vendor} `{ARGS.database}`: {customers:,} customers, {logins_n:,} portal "
        f"logins holding {bindings:,} accounts; requests spread over {len(logins):,} logins; "
        f"{os.cpu_count()} CPUs shared by PostgreSQL, gunicorn ({ARGS.workers} sync workers) "
        "and locust\n"
    )
    print("One request at a time, in process (Django test client):\n")
    print("| page | p50 ms | p95 ms | SQL queries |")
    print("| --- | ---: | ---: | ---: |")
    for name, (p50, p95, queries) in single.items():
        print(f"| {name} | {p50:.0f} | {p95:.0f} | {queries} |")
    print(
        f"\n{ARGS.users} concurrent users per scenario (locust, think time "
        f"{ARGS.think[0]:g}–{ARGS.think[1]:g} s), {ARGS.seconds:.0f} s after ramp-up:\n"
    )
    print(
        "| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | failures | p95 ÷ baseline "
        "| p95 ÷ one at a time | CPU ms/request: server | database | load (1 min) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    base = float(results[0][0]["95%"]) or 1.0
    for row, cpu, database, load in results:
        count = int(row["Request Count"])
        alone = single.get(row["Name"], (0, 0, 0))[1]
        ratio_alone = f"{float(row['95%']) / alone:.1f}" if alone else "–"
        print(
            f"| {row['Name']} | {count:,} | {float(row['Requests/s']):.1f} | {row['50%']} | "
            f"**{row['95%']}** | {row['99%']} | {row['Failure Count']} | "
            f"{float(row['95%']) / base:.1f} | {ratio_alone} | "
            + (
                f"{cpu * 1000 / max(count, 1):.0f} | {database * 1000 / max(count, 1):.1f} | "
                if cpu >= 0
                else "– | – | "
            )
            + f"{load:.1f} |"
        )
    worst = max(float(r["95%"]) for r, *_ in results[1:])
    print(
        f"\nTarget p95 < 150 ms at {ARGS.users} users: {'met' if worst < 150 else 'NOT met'} "
        f"(worst portal p95 {worst:.0f} ms)."
    )
    if not ARGS.keep:
        connection.close()
        _admin(f'DROP DATABASE IF EXISTS "{ARGS.database}" WITH (FORCE)')
        print(f"Dropped {ARGS.database} (--keep keeps it).", file=sys.stderr)


if __name__ == "__main__":
    main()
