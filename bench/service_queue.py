"""Benchmark: the work-queue page and the request API under 50 concurrent users.

Loads a database that already holds a demo company (``gridcrm demo_data --customers N``)
with open service requests (``--open-requests``, bulk-inserted in the shape the services
write), then

1. times one request of each scenario at a time, in process (Django test client), with
   the number of SQL queries it takes;
2. serves GridCRM with gunicorn (``--workers``, sync workers, loopback) and lets locust
   (``bench/service_locustfile.py``, FastHttpUser) run ``--users`` concurrent users per
   scenario for ``--seconds`` after ramping up, each user thinking ``--think`` seconds
   (uniform between two bounds) between requests.

A baseline scenario (``GET /api/me``: authentication and one query) runs the same way in
the same run, so the figures can be read against it. Prints Markdown tables: latency
percentiles, throughput, failures, the server's CPU time per request and the machine's
load average while the scenario ran. CPU time (``psutil``: gunicorn's processes, and
the PostgreSQL backends serving the database) divided by the requests answered is the
figure that does not depend on what else the machine is doing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gridcrm_bench \\
      .venv/bin/python bench/service_queue.py --open-requests 200000 --users 50
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcrm.settings")
os.environ.setdefault("GRIDCRM_ALLOWED_HOSTS", "127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402 - installed with locust
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.webload import HOST, locust_run, serve  # noqa: E402
from gridcrm.archive.models import Customer  # noqa: E402
from gridcrm.service.calendar import deadline  # noqa: E402
from gridcrm.service.models import (  # noqa: E402
    RequestStep,
    RequestType,
    ServiceRequest,
)
from gridcrm.users.models import User  # noqa: E402
from gridcrm.users.services import api_token_issue  # noqa: E402


def seed_requests(target: int, *, batch: int = 5000, seed: int = 1) -> int:
    """Bulk-insert open requests (with their steps) until ``target`` are open."""
    open_now = ServiceRequest.objects.filter(status="open").count()
    missing = target - open_now
    if missing <= 0:
        return 0
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    types = list(RequestType.objects.prefetch_related("steps"))
    agent = User.objects.get(username="agent")
    lo = Customer.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    hi = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    now = timezone.now()
    made = 0
    started = time.perf_counter()
    while made < missing:
        n = min(batch, missing - made)
        ids = [rng.randint(lo, hi) for _ in range(n)]
        region_of = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "region_id"))
        rows: list[ServiceRequest] = []
        plans: list[tuple[RequestType, int, dt.datetime]] = []
        for cid in ids:
            if cid not in region_of:
                continue
            rtype = rng.choice(types)
            steps = list(rtype.steps.all())
            current = rng.randint(1, len(steps))
            created = now - dt.timedelta(minutes=rng.randint(0, 20 * 24 * 60))
            step_start = created + (now - created) * rng.random()
            step = steps[current - 1]
            due = step_start + dt.timedelta(
                minutes={"working_days": 1440, "hours": 60, "minutes": 1}[step.limit_unit]
                * step.limit_value
            )
            rows.append(
                ServiceRequest(
                    customer_id=cid,
                    region_id=region_of[cid],
                    request_type=rtype,
                    channel=rng.choice(["counter", "phone", "app"]),
                    summary="bench",
                    area="city",
                    priority=rng.choices([1, 2, 3], weights=[5, 15, 80])[0],
                    package="standard",
                    decision={"reasons": [], "credit_grade": "A"},
                    current_position=current,
                    current_role=step.owner_role,
                    step_due_at=due,
                    due_at=deadline(start=created, unit="hours", value=24 * 10),
                    created_by=agent,
                    created_at=created,
                )
            )
            plans.append((rtype, current, step_start))
        with transaction.atomic():
            ServiceRequest.objects.bulk_create(rows, batch_size=batch)
            step_rows = []
            for request, (rtype, current, step_start) in zip(rows, plans, strict=True):
                for s in rtype.steps.all():
                    status = "done" if s.position < current else "pending"
                    if s.position == current:
                        status = "active"
                    step_rows.append(
                        RequestStep(
                            request=request,
                            position=s.position,
                            code=s.code,
                            name_zh=s.name_zh,
                            name_en=s.name_en,
                            owner_role=s.owner_role,
                            also_roles=s.also_roles,
                            limit_unit=s.limit_unit,
                            limit_value=s.limit_value,
                            status=status,
                            started_at=step_start if status == "active" else None,
                            due_at=request.step_due_at if status == "active" else None,
                        )
                    )
            RequestStep.objects.bulk_create(step_rows, batch_size=batch)
        made += len(rows)
        print(f"  seeded {made:,}/{missing:,} requests", file=sys.stderr, end="\r")
    print(f"\n  seeding took {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if connection.vendor == "postgresql":
        # What autovacuum soon does to a table that grew by this much: planner statistics,
        # and a visibility map so that counts can be read from the queue's index alone.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE service_servicerequest")
            cursor.execute("VACUUM ANALYZE service_requeststep")
    return made


@dataclass
class Scenario:
    key: str
    name: str
    paths: list[str]
    headers: dict[str, str]

    def path(self, rng: random.Random) -> str:
        return rng.choice(self.paths)


def one_at_a_time(scenario: Scenario, *, repeat: int) -> str:
    """A Markdown row: the scenario's requests one after another, in process."""
    client = Client(HTTP_HOST=HOST, headers=scenario.headers)
    rng = random.Random(2)  # noqa: S311 - which request to read, not a secret
    for _ in range(3):  # warm up: templates, the first connection
        assert client.get(scenario.path(rng)).status_code == 200, scenario.name
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(scenario.path(rng))
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, scenario.name
    reset_queries()  # the context counts from the log's length; a request resets the log
    with CaptureQueriesContext(connection) as queries:
        client.get(scenario.path(rng))
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    return (
        f"| {scenario.name} | {statistics.median(times) * 1000:.0f} | {p95 * 1000:.0f} | "
        f"{len(queries.captured_queries)} |"
    )


def _cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    seconds = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        seconds[process.pid] = times.user + times.system
    return seconds


def server_cpu(server: subprocess.Popen[bytes]) -> dict[int, float]:
    """CPU seconds used so far by gunicorn's master and workers, by process."""
    master = psutil.Process(server.pid)
    return _cpu_seconds([master, *master.children(recursive=True)])


def database_cpu() -> dict[int, float]:
    """CPU seconds used so far by the PostgreSQL backends serving this database."""
    if connection.vendor != "postgresql":
        return {}
    marker = f" {connection.settings_dict['NAME']} "
    backends = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if cmdline.startswith("postgres:") and marker in cmdline:
            backends.append(process)
    return _cpu_seconds(backends)


def used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two readings (processes that started in between count fully)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def locust(
    scenario: Scenario,
    *,
    port: int,
    users: int,
    spawn_rate: float,
    seconds: float,
    think: tuple[float, float],
    folder: Path,
) -> dict[str, str]:
    """Run locust headless on one scenario; its aggregated statistics (CSV row)."""
    spec = folder / f"{scenario.key}.json"
    spec.write_text(
        json.dumps(
            {
                "name": scenario.name,
                "paths": scenario.paths,
                "headers": scenario.headers,
                "think": list(think),
            }
        ),
        encoding="utf-8",
    )
    rows = locust_run(
        "service_locustfile.py",
        spec,
        port=port,
        users=users,
        spawn_rate=spawn_rate,
        seconds=seconds,
    )
    return next(row for row in rows if row["Name"] == "Aggregated")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--open-requests", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="per scenario, after ramp-up")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started a second")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 5.0),
        metavar=("MIN", "MAX"),
        help="seconds a user reads an answer before the next request (uniform)",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn sync workers (default: 2 × CPUs + 1, gunicorn's rule of thumb)",
    )
    parser.add_argument("--repeat", type=int, default=30, help="in-process requests per scenario")
    args = parser.parse_args()

    customers = Customer.objects.count()
    if seed_requests(args.open_requests) and connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # a bulk-built demo has no planner statistics yet
            cursor.execute("ANALYZE")
    open_requests = ServiceRequest.objects.filter(status="open").count()
    agent = User.objects.get(username="agent")
    collector = User.objects.get(username="collector")
    bearer = {"Authorization": f"Bearer {api_token_issue(user=agent, name='bench')}"}

    def session(user: User) -> dict[str, str]:
        client = Client()
        client.force_login(user)
        return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}

    ids = list(ServiceRequest.objects.filter(status="open").values_list("pk", flat=True)[:5000])
    scenarios = [
        Scenario("baseline", "baseline: GET /api/me (agent, token)", ["/api/me"], bearer),
        Scenario(
            "queue_agent",
            "queue page /service/ (agent, all regions)",
            ["/service/"],
            session(agent),
        ),
        Scenario(
            "queue_collector",
            "queue page /service/ (collector, own station)",
            ["/service/"],
            session(collector),
        ),
        Scenario(
            "api_list",
            "API GET /api/service/requests (agent, page of 50)",
            ["/api/service/requests"],
            bearer,
        ),
        Scenario(
            "api_detail",
            "API GET /api/service/requests/{id} (agent)",
            [f"/api/service/requests/{pk}" for pk in ids],
            bearer,
        ),
    ]
    single = [one_at_a_time(s, repeat=args.repeat) for s in scenarios]

    server = serve(args.port, args.workers)
    results = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            for scenario in scenarios:
                # Warm every worker up (templates, connections) without recording it.
                locust(
                    scenario,
                    port=args.port,
                    users=8,
                    spawn_rate=8,
                    seconds=4,
                    think=(0, 0),
                    folder=Path(folder),
                )
                server_before, database_before = server_cpu(server), database_cpu()
                stats = locust(
                    scenario,
                    port=args.port,
                    users=args.users,
                    spawn_rate=args.spawn_rate,
                    seconds=args.seconds,
                    think=tuple(args.think),
                    folder=Path(folder),
                )
                cpu = used(server_before, server_cpu(server))
                database = used(database_before, database_cpu())
                results.append((scenario, stats, cpu, database, os.getloadavg()[0]))
    finally:
        server.terminate()
        server.wait()

    print(
        f"\n{connection.vendor}, {customers:,} customers, {open_requests:,} open requests; "
        f"{os.cpu_count()} CPUs shared by PostgreSQL, gunicorn ({args.workers} sync workers) "
        f"and locust\n"
    )
    print("One request at a time, in process (Django test client):\n")
    print("| request | p50 ms | p95 ms | SQL queries |")
    print("| --- | ---: | ---: | ---: |")
    print("\n".join(single))
    print(
        f"\n{args.users} concurrent users per scenario (locust, think time "
        f"{args.think[0]:g}–{args.think[1]:g} s), {args.seconds:.0f} s after ramp-up:\n"
    )
    print(
        "| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | failures "
        "| CPU ms/request: server | database | load (1 min) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for scenario, stats, cpu, database, load in results:
        count = int(stats["Request Count"])
        print(
            f"| {scenario.name} | {count:,} | {float(stats['Requests/s']):.1f} | "
            f"{stats['50%']} | {stats['95%']} | {stats['99%']} | {stats['Failure Count']} | "
            f"{cpu * 1000 / max(count, 1):.0f} | {database * 1000 / max(count, 1):.1f} | "
            f"{load:.1f} |"
        )


if __name__ == "__main__":
    main()
