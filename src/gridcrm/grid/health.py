"""Grid health from data: the daily job that runs the health pipelines
(``grid.pipelines``) over the lake and the registry, and stores each transformer's load
months and every customer's, transformer's and feeder's health score with its reasons.

The window is the local month before ``as_of`` and the days of ``as_of``'s month before
it (on the 1st, just the month before): the previous month's load is then always whole,
and this month's is recomputed every day until it is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from gridcrm.archive.selectors import customers_matching
from gridcrm.core.extensions import GridRisk
from gridcrm.grid import events as audit
from gridcrm.grid import pipelines as p
from gridcrm.grid import rules as r
from gridcrm.grid.models import Feeder, Health, LoadMonth, Meter, MeteringPoint, Transformer
from gridcrm.grid.risks import OVERLOAD
from gridcrm.grid.selectors import rules_by_class, supplies
from gridcrm.jobs.services import job_progress
from gridcrm.lake import catalog
from gridcrm.lake.services import results_compute

if TYPE_CHECKING:
    from gridcrm.jobs.models import Job
    from gridcrm.users.models import User

GRID_HEALTH = "grid_health"


def window(as_of: date) -> tuple[date, date]:
    """Local days ``[start, end)`` the health of ``as_of`` looks at."""
    last_month_end = as_of.replace(day=1) - timedelta(days=1)
    return last_month_end.replace(day=1), as_of


# -- what the pipelines read from the registry --------------------------------------------


@dataclass
class Sources:
    """The registry as the small tables the pipelines join (``grid.pipelines``)."""

    transformers: pa.Table
    links: pa.Table
    placements: pa.Table
    customers: pa.Table
    ids: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per element, code → primary key, to store the results."""


def _test_due(last: date | None) -> date | None:
    """When the next preventive test is due (``rules.TEST_INTERVAL_MONTHS``, as the
    registry's own checks count it); None: never tested."""
    if last is None:
        return None
    index = last.year * 12 + last.month - 1 + r.TEST_INTERVAL_MONTHS["transformer"]
    year, month = divmod(index, 12)
    return date(year, month + 1, min(last.day, 28))


def _important_gaps() -> dict[str, int]:
    """Gaps per important customer (account number), against the rules in force."""
    rules = rules_by_class()
    rows = list(
        customers_matching(condition=Q(importance_class__in=list(r.CLASS_RANK))).values_list(
            "pk", "account_no", "importance_class"
        )
    )
    known = supplies(customer_ids=[row[0] for row in rows])
    return {acct: len(r.gaps(rules[klass], known[pk])) for pk, acct, klass in rows}


def sources_read(*, as_of: date) -> Sources:
    """Read the registry: transformers with their test due and overdue meters, which
    customer is on which transformer, where readings go, customers' overdue meters and
    important-customer gaps."""
    overdue = Meter.objects.filter(verification_due__lt=as_of)
    by_t = dict(
        overdue.values("point__transformer_id")
        .annotate(n=Count("pk"))
        .values_list("point__transformer_id", "n")
    )
    t_rows = list(
        Transformer.objects.values_list(
            "pk", "code", "feeder__code", "kva", "ownership", "last_test_on"
        )
    )
    transformers = pa.table(
        {
            "transformer": [t[1] for t in t_rows],
            "feeder": [t[2] for t in t_rows],
            "kva": pa.array([float(t[3]) for t in t_rows], pa.float64()),
            "dedicated": pa.array([t[4] == Transformer.Ownership.DEDICATED for t in t_rows]),
            "test_due": pa.array([_test_due(t[5]) for t in t_rows], pa.date32()),
            "meters_overdue": pa.array([by_t.get(t[0], 0) for t in t_rows], pa.int64()),
        }
    )
    pairs = list(
        MeteringPoint.objects.values_list("customer__account_no", "transformer__code").distinct()
    )
    on: dict[str, set[str]] = defaultdict(set)
    for acct, code in pairs:
        on[acct].add(code)
    links = pa.table(
        {"account_no": [a for a, _ in pairs], "transformer": [c for _, c in pairs]},
        schema=pa.schema([("account_no", pa.string()), ("transformer", pa.string())]),
    )
    placed = [(a, p.ANY_METER, next(iter(ts))) for a, ts in on.items() if len(ts) == 1]
    several = [a for a, ts in on.items() if len(ts) > 1]
    placed += list(
        Meter.objects.filter(point__customer__account_no__in=several).values_list(
            "point__customer__account_no", "serial", "point__transformer__code"
        )
    )
    placements = pa.table(
        {
            "account_no": pa.array([x[0] for x in placed], pa.string()),
            "meter_no": pa.array([x[1] for x in placed], pa.string()),
            "transformer": pa.array([x[2] for x in placed], pa.string()),
        }
    )
    gaps = _important_gaps()
    meters_by_customer = dict(
        overdue.values("point__customer__account_no")
        .annotate(n=Count("pk"))
        .values_list("point__customer__account_no", "n")
    )
    accounts = sorted(set(on) | set(gaps))
    customers = pa.table(
        {
            "account_no": pa.array(accounts, pa.string()),
            "meters_overdue": pa.array(
                [meters_by_customer.get(a, 0) for a in accounts], pa.int64()
            ),
            "important_gaps": pa.array([gaps.get(a, 0) for a in accounts], pa.int64()),
        }
    )
    ids = {
        "transformer": {t[1]: t[0] for t in t_rows},
        "feeder": dict(Feeder.objects.values_list("code", "pk")),
        "customer": dict(
            customers_matching(condition=Q(account_no__in=accounts)).values_list("account_no", "pk")
        ),
    }
    return Sources(transformers, links, placements, customers, ids)


def lake_exprs(con: ibis.BaseBackend, sources: Sources, *, as_of: date) -> dict[str, ibis.Table]:
    """The results read from the lake (each scans it once): load events per transformer
    and month, customers' power factors, outages per element."""
    start, end = window(as_of)
    readings = catalog.table(con, "readings")
    transformers = ibis.memtable(sources.transformers)
    return {
        "events": p.load_events(
            readings, ibis.memtable(sources.placements), transformers, start=start, end=end
        ),
        "power_factors": p.customer_power_factor(readings, start=start, end=end),
        "outages": p.outage_stats(
            catalog.table(con, "outages"),
            transformers,
            ibis.memtable(sources.links),
            start=start,
            end=end,
        ),
    }


def score_exprs(
    sources: Sources, lake: dict[str, pa.Table], *, as_of: date
) -> dict[str, ibis.Table]:
    """The scores, from the lake's results (computed once, then joined as small tables)."""
    links, customers = ibis.memtable(sources.links), ibis.memtable(sources.customers)
    outages = ibis.memtable(lake["outages"])
    ts = p.transformer_health(
        ibis.memtable(lake["events"]), outages, ibis.memtable(sources.transformers), as_of=as_of
    )
    return {
        "transformers": ts,
        "feeders": p.feeder_health(ts, outages, links, customers),
        "customers": p.customer_health(
            customers, ibis.memtable(lake["power_factors"]), outages, links, ts
        ),
    }


# -- storing ----------------------------------------------------------------------------

_FIGURES = {
    "transformer": (
        "intervals",
        "max_load_rate",
        "power_factor",
        "heavy_events",
        "overload_events",
        "outages",
        "customer_minutes",
        "test_overdue",
        "meters_overdue",
    ),
    "feeder": (
        "transformers",
        "overloaded",
        "heavy",
        "tests_overdue",
        "important_gaps",
        "outages",
        "customer_minutes",
    ),
    "customer": (
        "power_factor",
        "outages",
        "outage_minutes",
        "meters_overdue",
        "important_gaps",
        "transformer_overloaded",
        "test_overdue",
    ),
}


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    return value


def reasons_of(element: str, row: dict[str, Any]) -> list[list[Any]]:
    """``[[code, points lost], …]`` of one scored row, most points first, none at 0."""
    lost = [
        [code, round(float(row[f"lost_{code}"]))]
        for code in p.POINTS[element]
        if row[f"lost_{code}"] and round(float(row[f"lost_{code}"])) > 0
    ]
    return sorted(lost, key=lambda item: -int(item[1]))


def _store_health(element: str, table: pa.Table, key: str, ids: dict[str, int], as_of: date) -> int:
    objs = []
    for row in table.to_pylist():
        pk = ids.get(row[key])
        if pk is None:
            continue
        objs.append(
            Health(
                element=element,
                **{f"{element}_id": pk},
                score=round(float(row["score"])),
                reasons=reasons_of(element, row),
                figures={name: _plain(row[name]) for name in _FIGURES[element]},
                as_of=as_of,
            )
        )
    Health.objects.bulk_create(
        objs,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=[element],
        update_fields=["score", "reasons", "figures", "as_of", "computed_at"],
    )
    return len(objs)


def _store_months(table: pa.Table, ids: dict[str, int]) -> int:
    names = [
        "intervals",
        "max_load_rate",
        "power_factor",
        "heavy_events",
        "heavy_hours",
        "overload_events",
        "overload_hours",
    ]
    objs = [
        LoadMonth(
            transformer_id=ids[row["transformer"]],
            month=row["month"],
            **{n: _plain(row[n]) for n in names},
        )
        for row in table.to_pylist()
        if row["transformer"] in ids
    ]
    LoadMonth.objects.bulk_create(
        objs,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["transformer", "month"],
        update_fields=[*names, "computed_at"],
    )
    return len(objs)


@dataclass(frozen=True)
class HealthRun:
    as_of: date
    engine: str
    counts: dict[str, int]


def health_compute(
    *,
    as_of: date | None = None,
    engine: str | None = None,
    acting_user: User | None = None,
    job: Job | None = None,
) -> HealthRun:
    """Compute the grid's health as of a day (default today) and store it: every result
    is computed whole first, then stored in one transaction with its audit event, so a
    run that fails or is cancelled changes nothing."""
    as_of = as_of or timezone.localdate()
    name = catalog.engine_name(engine)
    con = catalog.connect(name)
    sources = sources_read(as_of=as_of)
    lake = results_compute(con, lake_exprs(con, sources, as_of=as_of), job=job, share=(0, 70))
    # The scores join small tables: DuckDB in process, whatever engine read the lake.
    scores = score_exprs(sources, lake, as_of=as_of)
    local = catalog.connect("duckdb")
    results = {"events": lake["events"], **{k: local.to_pyarrow(v) for k, v in scores.items()}}
    with transaction.atomic():
        counts = {
            "load_months": _store_months(results["events"], sources.ids["transformer"]),
            "transformers": _store_health(
                "transformer",
                results["transformers"],
                "transformer",
                sources.ids["transformer"],
                as_of,
            ),
            "feeders": _store_health(
                "feeder", results["feeders"], "feeder", sources.ids["feeder"], as_of
            ),
            "customers": _store_health(
                "customer", results["customers"], "account_no", sources.ids["customer"], as_of
            ),
        }
        audit.health_computed(as_of=as_of.isoformat(), counts=counts, acting_user=acting_user)
    if job is not None:
        job_progress(job, done=100, total=100)
    return HealthRun(as_of=as_of, engine=name, counts=counts)


def grid_health_job(job: Job) -> str:
    """The runner of a ``grid_health`` job (declared in ``grid/tasks.py``)."""
    raw = str(job.params.get("as_of") or "")
    run = health_compute(
        as_of=date.fromisoformat(raw) if raw else None, acting_user=job.created_by, job=job
    )
    job.message = ", ".join(f"{k}: {v}" for k, v in run.counts.items())[:500]
    return ""


def overload_risks(today: date) -> list[GridRisk]:
    """The grid's health as risks (``core.extensions.GRID_RISKS``): every transformer
    whose latest load month has overload events, critical."""
    del today  # the latest computed month is what counts, whatever the day
    latest = LoadMonth.objects.filter(
        transformer=OuterRef("transformer"), month__gt=OuterRef("month")
    )
    rows = (
        LoadMonth.objects.filter(overload_events__gt=0)
        .filter(~Exists(latest))
        .values_list(
            "transformer__code",
            "transformer__name",
            "transformer__feeder__code",
            "transformer__feeder__substation__region_id",
            "month",
            "overload_events",
            "max_load_rate",
        )
    )
    return [
        GridRisk(
            kind=OVERLOAD,
            severity="critical",
            region_id=region_id,
            subject_type="transformer",
            subject_ref=code,
            subject_label=name or code,
            text=gettext("%(events)s overloads in %(month)s, up to %(rate)s %%")
            % {"events": events, "month": f"{month:%Y-%m}", "rate": round((rate or 0) * 100)},
            link=reverse("grid:feeder", args=[feeder]) + f"#t-{code}",
        )
        for code, name, feeder, region_id, month, events, rate in rows
    ]
