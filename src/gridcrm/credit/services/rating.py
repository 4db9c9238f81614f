"""The rating batch: every customer's indicators, score and grade as one expression on
the lake's engine, their reason codes, and the bulk write (``credit.store``), which
records the run's audit event in its own transaction."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.credit import events as audit
from gridcrm.credit import pipelines
from gridcrm.credit.errors import CreditInvalid, CreditRefused
from gridcrm.credit.models import CreditRun
from gridcrm.credit.services.reasons import reason_codes
from gridcrm.credit.services.scorecards import ActiveModel, models_by_segment
from gridcrm.credit.services.sources import (
    customers_arrow,
    events_arrow,
    lake_tables,
    overrides_arrow,
    previous_arrow,
)
from gridcrm.credit.store import ratings_store
from gridcrm.jobs.services import job_progress, job_start
from gridcrm.lake import catalog
from gridcrm.lake.services import results_compute

if TYPE_CHECKING:
    from gridcrm.jobs.models import Job
    from gridcrm.users.models import User

# The job kind of a rating batch (declared with its runner in credit/tasks.py).
CREDIT_RATING = "credit_rating"


@dataclass
class RatingResult:
    run: CreditRun
    table: pa.Table = field(repr=False)
    seconds: dict[str, float] = field(default_factory=dict)


def rating_expr(
    *,
    con: ibis.BaseBackend,
    customers: pa.Table,
    events: pa.Table,
    previous: pa.Table,
    overrides: pa.Table,
    models: dict[str, ActiveModel],
    as_of: date,
    bills: ibis.Table | None = None,
    payments: ibis.Table | None = None,
    violations: ibis.Table | None = None,
    bill_facts: ibis.Table | None = None,
    extra_indicators: ibis.Table | None = None,
) -> ibis.Table:
    """The whole rating as one expression: indicators → score → grade (``bill_facts``:
    ``pipelines.bill_indicators`` of the same day, when already computed).

    ``extra_indicators``: more indicators by ``account_no`` (a text column a fitted card
    bins as categories, say), joined to the computed ones; a customer without a row has
    them missing. ``Invalid`` (``credit.card_indicator_unknown``) when a card uses an
    indicator that neither holds."""
    if bills is None or payments is None or violations is None:
        bills, payments, violations = lake_tables(con)
    ind = pipelines.credit_indicators(
        bills,
        payments,
        violations,
        ibis.memtable(customers),
        ibis.memtable(events),
        as_of=as_of,
        bill_facts=bill_facts,
    )
    if extra_indicators is not None:
        extra = extra_indicators.rename(extra_account="account_no")
        ind = ind.left_join(extra, ind.account_no == extra.extra_account).drop("extra_account")
    # The pipelines take the card as the plain dict it is stored as.
    cards = {seg: m.card.as_json() for seg, m in models.items()}
    unknown = sorted({v for m in models.values() for v in m.card.variables} - set(ind.columns))
    if unknown:
        raise CreditInvalid(
            _("The scorecard uses indicators the rating does not compute: %(names)s.")
            % {"names": ", ".join(unknown)},
            code="credit.card_indicator_unknown",
        )
    s = pipelines.scored(ind, cards=cards)
    return pipelines.graded(
        s,
        ibis.memtable(previous),
        ibis.memtable(overrides),
        cutoffs={seg: m.cutoffs for seg, m in models.items()},
        event_scales={seg: m.event_scale for seg, m in models.items()},
    )


def credit_rate_all(
    *,
    as_of: date | None = None,
    engine: str | None = None,
    acting_user: User | None = None,
    job: Job | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    extra_indicators: pa.Table | None = None,
) -> RatingResult:
    """Rate every customer as of a day (default today) and store the results.

    Steps, each reported to ``progress(done, total, step)`` and to the job: read the
    archive and GridCRM's events, compute the whole rating on the engine, choose the
    reason codes, upsert (with the run's figures and its audit event, in one transaction).
    ``extra_indicators``: more indicators by ``account_no`` (see ``rating_expr``).
    """
    as_of = as_of or timezone.localdate()
    name = catalog.engine_name(engine)
    seconds: dict[str, float] = {}

    def step(done: int, label: str) -> None:
        if progress:
            progress(done, 5, label)
        if job is not None:
            job_progress(job, done=done * 20, total=100)

    started = time.perf_counter()
    step(0, "archive")
    con = catalog.connect(name)
    bills, payments, violations = lake_tables(con)
    bill_facts = pipelines.bill_indicators(bills, payments, as_of=as_of)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The bills and payments need nothing from the database: the embedded engine
        # aggregates them while this thread reads the archive (it leaves a core idle for
        # part of its work, so the read then costs almost no time).
        lake_part = pool.submit(con.to_pyarrow, bill_facts) if con.name == "duckdb" else None
        customers, ids = customers_arrow()
        events = events_arrow()
        previous = previous_arrow(as_of=as_of)
        overrides = overrides_arrow(as_of=as_of)
        models = models_by_segment()
        seconds["read"] = time.perf_counter() - started
        step(1, "indicators, scores, grades")
        t0 = time.perf_counter()
        if lake_part is not None:
            bill_facts = ibis.memtable(lake_part.result())
    expr = rating_expr(
        con=con,
        customers=customers,
        events=events,
        previous=previous,
        overrides=overrides,
        models=models,
        as_of=as_of,
        bills=bills,
        payments=payments,
        violations=violations,
        bill_facts=bill_facts,
        extra_indicators=None if extra_indicators is None else ibis.memtable(extra_indicators),
    )
    if con.name == "pyspark":
        # On a cluster the rating is one watched job group: Spark's tasks move the bar,
        # a cancel or a lost master stops it, and nothing below runs (nothing stored).
        table = results_compute(con, {"rating": expr}, job=job, share=(20, 40))["rating"]
    else:
        table = con.to_pyarrow(expr)
    seconds["engine"] = time.perf_counter() - t0
    step(2, "reason codes")
    t0 = time.perf_counter()
    reasons = reason_codes(table, models)
    seconds["reasons"] = time.perf_counter() - t0
    step(3, "store")
    t0 = time.perf_counter()
    run = CreditRun(
        as_of=as_of,
        engine=name,
        job=job,
        created_by=acting_user,
        models_used={s: m.label for s, m in models.items()},
    )

    def new_run() -> int:
        # Inside the store's transaction: a batch cut off leaves no run without grades.
        run.save(force_insert=True)
        return run.pk

    def finish(customers_n: int, changes: int, counts: dict[str, int]) -> None:
        # Inside the store's transaction: the run's figures and its audit event are
        # kept or rolled back with the grades.
        run.customers = customers_n
        run.changes = changes
        run.grade_counts = counts
        run.seconds = round(time.perf_counter() - started, 2)
        run.save(update_fields=["customers", "changes", "grade_counts", "seconds"])
        audit.batch_run(run=run, acting_user=acting_user)

    ratings_store(
        table=table,
        reasons=reasons,
        ids=ids,
        labels={s: m.label for s, m in models.items()},
        new_run=new_run,
        as_of=as_of,
        finish=finish,
    )
    seconds["store"] = time.perf_counter() - t0
    step(5, "done")
    return RatingResult(run=run, table=table, seconds=seconds)


@transaction.atomic
def credit_batch_start(*, acting_user: User, as_of: date | None = None) -> Job:
    """Queue the monthly rating of all customers as a background job."""
    if not acting_user.has_perm("credit.run_credit_batch"):
        raise CreditRefused(_("You may not run the credit rating."), code="credit.not_allowed")
    job = job_start(
        kind=CREDIT_RATING,
        acting_user=acting_user,
        params={"as_of": as_of.isoformat() if as_of else ""},
    )
    audit.batch_started(job=job, acting_user=acting_user)
    return job


def run_credit_rating_job(job: Job) -> str:
    """The runner of a ``credit_rating`` job (declared in ``credit/tasks.py``)."""
    raw = str(job.params.get("as_of") or "")
    credit_rate_all(
        as_of=date.fromisoformat(raw) if raw else None, acting_user=job.created_by, job=job
    )
    return ""
