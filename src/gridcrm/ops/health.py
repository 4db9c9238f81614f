"""The health of one installation: the checks behind ``/healthz`` (and the metric
``gridcrm_health_check``).

Each check answers ok or failed with a stable code, and for callers allowed to see the
internals (``ops.access``) a few figures. Every check is one cheap look — a query on an
index, one call on the lake's root — so a load balancer or Prometheus may ask every few
seconds. The codes, and what an operator does about each, are in docs/deploy.md
("Health and metrics").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from gridcrm.credit.selectors import credit_run_last
from gridcrm.jobs.selectors import worker_last_seen
from gridcrm.lake import catalog


@dataclass(frozen=True)
class CheckResult:
    """One check's answer: ``code`` is empty when ok, else ``ops.<what>``; ``detail``
    holds figures (ages in seconds) shown only to allowed callers."""

    name: str
    ok: bool
    code: str = ""
    detail: dict[str, float | int | str] = field(default_factory=dict)


def _age(then: dt.datetime, now: dt.datetime) -> float:
    return round((now - then).total_seconds(), 1)


def check_database(now: dt.datetime) -> CheckResult:
    """The database answers a query (``SELECT 1``: no table read)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return CheckResult("database", ok=False, code="ops.database_unreachable")
    return CheckResult("database", ok=True)


def check_lake(now: dt.datetime) -> CheckResult:
    """The lake's root (``GRIDCRM_LAKE``) exists and can be listed."""
    if catalog.root_readable():
        return CheckResult("lake", ok=True)
    return CheckResult("lake", ok=False, code="ops.lake_unreadable")


def check_worker(now: dt.datetime) -> CheckResult:
    """A task worker (``gridcrm worker``) has beaten within the job lease
    (``GRIDCRM_JOB_LEASE_SECONDS``): someone will pick up the jobs people start."""
    seen = worker_last_seen()
    if seen is None:
        return CheckResult("worker", ok=False, code="ops.worker_missing")
    age = _age(seen, now)
    ok = age <= settings.JOB_LEASE_SECONDS
    return CheckResult(
        "worker",
        ok=ok,
        code="" if ok else "ops.worker_silent",
        detail={"heartbeat_age_seconds": age, "limit_seconds": settings.JOB_LEASE_SECONDS},
    )


def check_pipeline(now: dt.datetime) -> CheckResult:
    """The last completed credit rating batch (the nightly run over the lake's facts) is
    younger than ``GRIDCRM_PIPELINE_MAX_AGE_HOURS``."""
    limit = settings.PIPELINE_MAX_AGE_HOURS * 3600
    last = credit_run_last()
    if last is None:
        return CheckResult("pipeline", ok=False, code="ops.pipeline_never_ran")
    stored_at, seconds = last
    age = _age(stored_at, now)
    ok = age <= limit
    return CheckResult(
        "pipeline",
        ok=ok,
        code="" if ok else "ops.pipeline_stale",
        detail={"last_run_age_seconds": age, "last_run_seconds": seconds, "limit_seconds": limit},
    )


CHECKS: dict[str, Callable[[dt.datetime], CheckResult]] = {
    "database": check_database,
    "lake": check_lake,
    "worker": check_worker,
    "pipeline": check_pipeline,
}
"""Every check by its stable name, in the order they are reported."""


def health_run(*, names: Iterable[str] | None = None) -> list[CheckResult]:
    """Run the named checks (all of them by default; unknown names are ignored) and return
    their results in ``CHECKS`` order. A check that cannot reach the database itself (the
    worker's and the pipeline's) counts as failed with ``ops.database_unreachable``."""
    wanted = set(CHECKS) if names is None else set(names) & set(CHECKS)
    now = timezone.now()
    results = []
    for name, check in CHECKS.items():
        if name not in wanted:
            continue
        try:
            results.append(check(now))
        except DatabaseError:
            results.append(CheckResult(name, ok=False, code="ops.database_unreachable"))
    return results
