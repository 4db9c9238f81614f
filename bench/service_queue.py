"""Benchmark: the work-queue page and the request API under concurrent users.

Loads a database that already holds a demo company (``gridcrm demo_data --customers N``)
with open service requests (``--open-requests``, bulk-inserted in the shape the services
write), serves GridCRM with a threaded WSGI server on loopback, and lets ``--users``
concurrent clients (threads with keep-alive connections; locust is not needed) hit each
scenario for ``--seconds``. A baseline scenario (``GET /api/me``: authentication, one
query) runs under the same load in the same run, so the figures can be read against it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gridcrm_bench \\
      .venv/bin/python bench/service_queue.py --open-requests 200000 --users 50 --seconds 20

Prints a Markdown table: requests, throughput, p50 / p95 / p99 latency per scenario.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import signal
import socketserver
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcrm.settings")
os.environ.setdefault("GRIDCRM_ALLOWED_HOSTS", "127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

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
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE service_servicerequest; ANALYZE service_requeststep")
    return made


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    """Threads per connection, at most ``slots`` requests at once (a worker's thread pool)."""

    daemon_threads = True
    request_queue_size = 512
    slots = threading.BoundedSemaphore(8)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.slots.acquire()
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(port: int, workers: int, threads: int) -> list[int]:
    """Pre-fork ``workers`` processes sharing one listening socket; returns their pids."""
    from django.db import connections

    _ThreadingServer.slots = threading.BoundedSemaphore(threads)
    server = make_server(
        "127.0.0.1",
        port,
        get_wsgi_application(),
        server_class=_ThreadingServer,
        handler_class=_QuietHandler,
    )
    connections.close_all()  # children must not share the parent's database connection
    pids = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: serve until killed
            try:
                server.serve_forever()
            finally:
                os._exit(0)
        pids.append(pid)
    server.socket.close()
    return pids


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def row(self) -> str:
        lat = sorted(self.latencies)
        if not lat:
            return f"| {self.name} | 0 | – | – | – | – | {self.errors} |"

        def pct(p: float) -> float:
            return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000

        return (
            f"| {self.name} | {len(lat):,} | {len(lat) / self.seconds:.0f} | "
            f"{statistics.median(lat) * 1000:.0f} | {pct(0.95):.0f} | {pct(0.99):.0f} | "
            f"{self.errors} |"
        )


def load(
    name: str,
    port: int,
    paths: Callable[[random.Random], str],
    headers: dict[str, str],
    *,
    users: int,
    seconds: float,
    think: float,
) -> Result:
    result = Result(name)
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def user(n: int) -> None:
        rng = random.Random(n)  # noqa: S311 - load pattern, not secrets
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        errors = 0
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                conn.request("GET", paths(rng), headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if ok:
                mine.append(time.perf_counter() - t0)
            else:
                errors += 1
            if think:  # an agent reads the page before the next click
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))
        conn.close()
        with lock:
            result.latencies.extend(mine)
            result.errors += errors

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--open-requests", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean seconds between a user's requests"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=4, help="requests at once per worker")
    args = parser.parse_args()

    customers = Customer.objects.count()
    seed_requests(args.open_requests)
    if connection.vendor == "postgresql":  # a bulk-built demo has no planner statistics yet
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    open_requests = ServiceRequest.objects.filter(status="open").count()
    agent = User.objects.get(username="agent")
    collector = User.objects.get(username="collector")
    token = api_token_issue(user=agent, name="bench")
    bearer = {"Authorization": f"Bearer {token}"}

    def session(user: User) -> dict[str, str]:
        client = Client()
        client.force_login(user)
        return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}

    agent_cookie, collector_cookie = session(agent), session(collector)
    ids = list(ServiceRequest.objects.filter(status="open").values_list("pk", flat=True)[:5000])
    pids = serve(args.port, args.workers, args.threads)
    time.sleep(1)
    try:
        scenarios = [
            ("baseline: GET /api/me (agent, token)", lambda r: "/api/me", bearer),
            ("queue page /service/ (agent, all regions)", lambda r: "/service/", agent_cookie),
            (
                "queue page /service/ (collector, own station)",
                lambda r: "/service/",
                collector_cookie,
            ),
            (
                "API GET /api/service/requests (agent, page of 50)",
                lambda r: "/api/service/requests",
                bearer,
            ),
            (
                "API GET /api/service/requests/{id} (agent)",
                lambda r: f"/api/service/requests/{r.choice(ids)}",
                bearer,
            ),
        ]
        for name, paths, headers in scenarios:  # warm up every worker: templates, caches
            load(name, args.port, paths, headers, users=8, seconds=3, think=0)
        results = [
            load(
                name,
                args.port,
                paths,
                headers,
                users=args.users,
                seconds=args.seconds,
                think=args.think,
            )
            for name, paths, headers in scenarios
        ]
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
    print(
        f"\n{connection.vendor}, {customers:,} customers, {open_requests:,} open requests, "
        f"{args.users} concurrent users thinking {args.think:g} s on average, "
        f"{args.seconds:.0f} s per scenario; {args.workers} server processes × "
        f"{args.threads} threads; {os.cpu_count()} CPUs shared by server, clients and "
        f"PostgreSQL\n"
    )
    print("| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for result in results:
        print(result.row())


if __name__ == "__main__":
    main()
