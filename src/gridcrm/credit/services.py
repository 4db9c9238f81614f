"""Writes of the credit app: fitting and publishing scorecards, the rating batch and its
bulk upsert, credit events, overrides (four eyes), review requests (PIPL art. 24),
credit policies. Every grade change writes a ``GradeChange`` in the same transaction."""

# SQL here is built from model table and column names; values go as parameters.
# ruff: noqa: S608

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive.choices import Segment
from gridcrm.archive.models import Customer
from gridcrm.credit import pipelines
from gridcrm.credit.ahp import MAX_CR, AHPError
from gridcrm.credit.expert import DEFAULT_CUTOFFS, DEFAULT_MATRIX, expert_build
from gridcrm.credit.models import (
    CreditEvent,
    CreditRun,
    CustomerCredit,
    Decision,
    EventKind,
    Grade,
    GradeChange,
    GradeOverride,
    ModelKind,
    PolicyRule,
    PolicyVersion,
    ReviewRequest,
    ScorecardVersion,
    SegmentModel,
)
from gridcrm.credit.scorecard import PDO, FitError, fit_scorecard, snapshot_days
from gridcrm.credit.store import ratings_store
from gridcrm.jobs.models import Job
from gridcrm.jobs.services import job_progress, job_start
from gridcrm.lake import catalog
from gridcrm.lake.pipelines import months_before
from gridcrm.users.models import User

# The job kind of a rating batch (declared with its runner in credit/tasks.py).
CREDIT_RATING = "credit_rating"

logger = logging.getLogger(__name__)

REVIEW_DAYS = 15  # PIPL art. 50: requests are answered in time; we promise 15 days.

# Default points and life of each kind of credit event (100-point scale).
EVENT_DEFAULTS: dict[str, tuple[float, int | None]] = {
    EventKind.LATE_PAYMENT: (-5.0, 12),
    EventKind.BROKEN_PLAN: (-15.0, 24),
    EventKind.RETURNED_PAYMENT: (-10.0, 12),
    EventKind.THEFT: (0.0, 24),
    EventKind.ILLEGAL_USE: (0.0, 12),
    EventKind.ACCIDENT: (0.0, 12),
    EventKind.HAZARD_IGNORED: (0.0, None),
    EventKind.MERIT_PROMPT: (3.0, 12),
    EventKind.MERIT_COOPERATION: (5.0, 12),
}


class CreditError(ValueError):
    """A credit operation refused, with a message for the person."""


# -- models: the configuration in force ---------------------------------------------------


@dataclass(frozen=True)
class ActiveModel:
    kind: str
    number: int
    card: dict[str, Any]
    cutoffs: dict[str, float]
    event_scale: float

    @property
    def label(self) -> str:
        return f"{self.kind} v{self.number}"


def default_expert() -> ActiveModel:
    """The expert scorecard of the built-in AHP judgements (version 0, never saved)."""
    card, _result = expert_build(DEFAULT_MATRIX)
    return ActiveModel(ModelKind.EXPERT, 0, card, dict(DEFAULT_CUTOFFS), 1.0)


def active_model(kind: str) -> ActiveModel | None:
    version = ScorecardVersion.objects.filter(kind=kind).order_by("-number").first()
    if version is None:
        return default_expert() if kind == ModelKind.EXPERT else None
    return ActiveModel(
        kind, version.number, version.card, dict(version.cutoffs), float(version.event_scale)
    )


def models_by_segment() -> dict[str, ActiveModel]:
    """Which model rates each segment: the configured kind (``SegmentModel``), else the
    data-fitted scorecard when one exists, else the expert scorecard."""
    fitted = active_model(ModelKind.FITTED)
    expert = active_model(ModelKind.EXPERT) or default_expert()
    chosen = dict(SegmentModel.objects.values_list("segment", "kind"))
    out: dict[str, ActiveModel] = {}
    for segment in Segment.values:
        kind = chosen.get(segment)
        if kind == ModelKind.EXPERT or fitted is None:
            out[segment] = expert
        else:
            out[segment] = fitted
    return out


@transaction.atomic
def segment_model_set(*, segment: str, kind: str, acting_user: User) -> SegmentModel:
    if not acting_user.has_perm("credit.manage_credit_models"):
        raise PermissionDenied
    if segment not in Segment.values or kind not in ModelKind.values:
        raise CreditError(_("Unknown segment or model."))
    row, _created = SegmentModel.objects.update_or_create(
        segment=segment, defaults={"kind": kind, "changed_by": acting_user}
    )
    return row


def _next_number(kind: str) -> int:
    top = ScorecardVersion.objects.filter(kind=kind).aggregate(n=Max("number"))["n"]
    return int(top or 0) + 1


def _check_cutoffs(cutoffs: dict[str, float]) -> dict[str, float]:
    try:
        clean = {g: float(cutoffs[g]) for g in ("AAA", "AA", "A", "B")}
    except (KeyError, TypeError, ValueError) as exc:
        raise CreditError(_("Give a number as the cut-off of every grade.")) from exc
    if not clean["AAA"] >= clean["AA"] >= clean["A"] >= clean["B"]:
        raise CreditError(_("Cut-offs must not rise from AAA down to B."))
    return clean


@transaction.atomic
def expert_publish(
    *,
    matrix: Sequence[Sequence[float]],
    cutoffs: dict[str, float] | None = None,
    note: str,
    acting_user: User,
) -> ScorecardVersion:
    """Publish a new expert scorecard from AHP judgements (upper triangle, CRITERIA
    order). Refused when the matrix is invalid or its consistency ratio is above 0.1."""
    if not acting_user.has_perm("credit.manage_credit_models"):
        raise PermissionDenied(_("Only a marketing manager edits the expert scorecard."))
    try:
        card, result = expert_build(matrix)
    except AHPError as exc:
        raise CreditError(str(exc)) from exc
    if result.cr > MAX_CR:
        raise CreditError(
            _(
                "The judgements are inconsistent: consistency ratio %(cr).3f is above 0.1. "
                "Revise the comparisons."
            )
            % {"cr": result.cr}
        )
    full = [[float(v) for v in row] for row in matrix]
    return ScorecardVersion.objects.create(
        kind=ModelKind.EXPERT,
        number=_next_number(ModelKind.EXPERT),
        note=note[:300],
        card=card,
        cutoffs=_check_cutoffs(cutoffs or dict(DEFAULT_CUTOFFS)),
        event_scale=1.0,
        detail={
            "matrix": full,
            "weights": result.weights,
            "lambda_max": result.lambda_max,
            "ci": result.ci,
            "cr": result.cr,
        },
        created_by=acting_user,
    )


@transaction.atomic
def cutoffs_publish(
    *, kind: str, cutoffs: dict[str, float], note: str, acting_user: User
) -> ScorecardVersion:
    """A new version of the current scorecard of ``kind`` with other grade cut-offs."""
    if not acting_user.has_perm("credit.manage_credit_models"):
        raise PermissionDenied
    current = ScorecardVersion.objects.filter(kind=kind).order_by("-number").first()
    if current is None:
        base = default_expert()
        card, detail, scale = base.card, {}, 1.0
    else:
        card, detail, scale = current.card, current.detail, current.event_scale
    return ScorecardVersion.objects.create(
        kind=kind,
        number=_next_number(kind),
        note=note[:300],
        card=card,
        cutoffs=_check_cutoffs(cutoffs),
        event_scale=scale,
        detail=detail,
        created_by=acting_user,
    )


# -- tables handed to the pipelines ----------------------------------------------------------

CUSTOMER_SCHEMA = pa.schema(
    [
        ("account_no", pa.string()),
        ("segment", pa.string()),
        ("industry_code", pa.string()),
        ("contracted_kva", pa.float64()),
        ("credit_blacklisted", pa.bool_()),
        ("created_on", pa.date32()),
    ]
)
EVENT_SCHEMA = pa.schema(
    [
        ("account_no", pa.string()),
        ("kind", pa.string()),
        ("occurred_on", pa.date32()),
        ("expires_on", pa.date32()),
        ("resolved_on", pa.date32()),
        ("points", pa.float64()),
    ]
)
PREVIOUS_SCHEMA = pa.schema(
    [
        ("account_no", pa.string()),
        ("prev_grade", pa.string()),
        ("prev_since", pa.date32()),
        ("prev_left_c_on", pa.date32()),
    ]
)


def _as_day(column: str) -> str:
    """SQL for the (UTC) day of a stored instant, made by the database: a million Python
    datetimes parsed one by one would cost more than the rating."""
    if connection.vendor == "sqlite":
        return f"date({column})"
    return f"CAST({column} AS date)"


def _arrow_query(sql: str, params: Sequence[Any], schema: pa.Schema) -> pa.Table:
    """The rows of a plain query as an Arrow table of ``schema`` (columns in its order);
    SQLite gives days as ISO text, which Arrow parses."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    text_days = connection.vendor == "sqlite"
    arrays = []
    for values, f in zip(columns, schema, strict=True):
        if text_days and pa.types.is_date(f.type):
            arrays.append(pa.array(values, pa.string()).cast(f.type))
        else:
            arrays.append(pa.array(values, f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def customers_arrow() -> tuple[pa.Table, dict[str, int]]:
    """Archive attributes of every customer for the pipelines, and account → id.

    One plain query (a city company has a million customers: ORM rows and time-zone
    conversions would cost more than the rating)."""
    qn = connection.ops.quote_name
    real = "REAL" if connection.vendor == "sqlite" else "double precision"
    sql = (
        f"SELECT id, account_no, segment, COALESCE(industry_code, ''), "
        f"CAST(contracted_kva AS {real}), credit_blacklisted, {_as_day('created_at')} "
        f"FROM {qn(Customer._meta.db_table)}"
    )
    table = _arrow_query(sql, [], pa.schema([("id", pa.int64()), *CUSTOMER_SCHEMA]))
    ids = dict(
        zip(table.column("account_no").to_pylist(), table.column("id").to_pylist(), strict=True)
    )
    return table.drop_columns(["id"]), ids


def events_arrow() -> pa.Table:
    rows = CreditEvent.objects.values_list(
        "customer__account_no", "kind", "occurred_on", "expires_on", "resolved_on", "points"
    )
    cols: list[list[Any]] = [[] for _ in EVENT_SCHEMA.names]
    for row in rows.iterator(chunk_size=20_000):
        for i, value in enumerate(row):
            cols[i].append(value)
    return pa.table(cols, schema=EVENT_SCHEMA)


def previous_arrow(*, as_of: date) -> pa.Table:
    """The current grade of every rated customer, since when, and the day it left C when
    that was less than a month before ``as_of`` (the rating is monthly: a customer who left
    C today must stay at B until the next month's run, however often it is re-run)."""
    qn = connection.ops.quote_name
    changes = qn(GradeChange._meta.db_table)
    # The latest change is the one that set the current grade; only the few customers whose
    # grade moved in the last month need it (index on customer, at).
    sql = (
        f"SELECT c.account_no, k.grade, {_as_day('k.since')}, "
        f"CASE WHEN k.grade <> 'C' AND k.since > %s AND (SELECT g.old_grade "
        f"FROM {changes} g WHERE g.customer_id = k.customer_id "
        f"ORDER BY g.at DESC, g.id DESC LIMIT 1) = 'C' THEN {_as_day('k.since')} END "
        f"FROM {qn(CustomerCredit._meta.db_table)} k "
        f"JOIN {qn(Customer._meta.db_table)} c ON c.id = k.customer_id"
    )
    month_ago = connection.ops.adapt_datefield_value(months_before(as_of, 1))
    return _arrow_query(sql, [month_ago], PREVIOUS_SCHEMA)


def overrides_arrow(*, as_of: date) -> pa.Table:
    rows = (
        GradeOverride.objects.filter(status=Decision.APPROVED, valid_until__gte=as_of)
        .order_by("customer_id", "decided_at")
        .values_list("customer__account_no", "grade")
    )
    latest = dict(rows)  # the latest decision per customer wins
    return pa.table(
        {"account_no": list(latest), "override_grade": list(latest.values())},
        schema=pa.schema([("account_no", pa.string()), ("override_grade", pa.string())]),
    )


def lake_tables(con: ibis.BaseBackend) -> tuple[ibis.Table, ibis.Table, ibis.Table]:
    return (
        catalog.table(con, "bills"),
        catalog.table(con, "payments"),
        catalog.table(con, "violations"),
    )


# -- fitting -------------------------------------------------------------------------------


def training_sample(
    *,
    con: ibis.BaseBackend,
    until: date,
    customers: pa.Table | None = None,
    events: pa.Table | None = None,
    progress: Callable[[str], None] | None = None,
) -> Any:
    """The stacked monthly snapshots (indicators, ``bad``, ``snapshot``) as a DataFrame."""
    import pandas as pd

    bills, payments, violations = lake_tables(con)
    first = con.execute(bills.period.min())
    if first is None:
        raise FitError("the lake holds no bills")
    if customers is None:
        customers, _ids = customers_arrow()
    cust = ibis.memtable(customers)
    ev = ibis.memtable(events if events is not None else events_arrow())
    frames = []
    for day in snapshot_days(first, until):
        ind = pipelines.credit_indicators(bills, payments, violations, cust, ev, as_of=day)
        outcome = pipelines.serious_arrears_outcome(bills, payments, as_of=day, until=until)
        # Customers with a bill before the day only: the others have no record to rate.
        seen = pipelines.known_bills(bills, as_of=day).select("account_no").distinct()
        j = ind.inner_join(seen, "account_no").left_join(outcome, "account_no")
        frame = con.to_pandas(j.select(*pipelines.INDICATORS, "account_no", bad=j.bad.coalesce(0)))
        frame["snapshot"] = day
        frames.append(frame)
        if progress:
            progress(f"snapshot {day}: {len(frame)} customers, {int(frame['bad'].sum())} bad")
    if not frames:
        raise FitError("the lake holds too few months for a snapshot with an outcome")
    return pd.concat(frames, ignore_index=True)


@transaction.atomic
def fitted_publish(
    *,
    sample: Any,
    note: str,
    acting_user: User | None,
    truth: Any | None = None,
) -> ScorecardVersion:
    """Fit the data-fitted scorecard on ``sample`` and publish it as a new version.

    ``truth`` (account_no → hidden class), when given (the demo), adds to the report how
    the out-of-time scores rank each hidden class.
    """
    if acting_user is not None and not acting_user.has_perm("credit.manage_credit_models"):
        raise PermissionDenied
    fitted = fit_scorecard(sample)
    report = fitted.report
    if truth is not None:
        report.truth = _truth_table(fitted.card, sample, report.oot_days, truth)
    return ScorecardVersion.objects.create(
        kind=ModelKind.FITTED,
        number=_next_number(ModelKind.FITTED),
        note=note[:300],
        card=fitted.card,
        cutoffs=fitted.cutoffs,
        event_scale=PDO / 10,
        detail=json.loads(json.dumps(report.as_json(), default=_json_default)),
        created_by=acting_user,
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, float | np.floating) and value != value:
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return str(value)


def _truth_table(
    card: dict[str, Any], sample: Any, oot_days: list[str], truth: Any
) -> list[dict[str, Any]]:
    from gridcrm.credit.scorecard import card_score, roc_auc

    oot = sample[sample["snapshot"].astype(str).str[:10].isin(oot_days)].copy()
    oot["score"] = card_score(card, oot)
    merged = oot.merge(truth, on="account_no", how="inner")
    rows = []
    risky = merged["risk"].isin(["drifter", "failing"]).to_numpy(dtype=int)
    for risk, part in merged.groupby("risk"):
        rows.append(
            {
                "risk": str(risk),
                "customers": int(len(part)),
                "mean_score": round(float(part["score"].mean()), 1),
                "bad_rate": round(float(part["bad"].mean()), 4),
            }
        )
    rows.append(
        {
            "risk": "auc_drifter_failing_vs_rest",
            "customers": int(len(merged)),
            "mean_score": round(roc_auc(risky, -merged["score"].to_numpy()), 4),
            "bad_rate": None,
        }
    )
    return rows


# -- the rating batch ----------------------------------------------------------------------


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
) -> ibis.Table:
    """The whole rating as one expression: indicators → score → grade (``bill_facts``:
    ``pipelines.bill_indicators`` of the same day, when already computed)."""
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
    cards = {seg: m.card for seg, m in models.items()}
    s = pipelines.scored(ind, cards=cards)
    return pipelines.graded(
        s,
        ibis.memtable(previous),
        ibis.memtable(overrides),
        cutoffs={seg: m.cutoffs for seg, m in models.items()},
        event_scales={seg: m.event_scale for seg, m in models.items()},
    )


def reason_codes(table: pa.Table, models: dict[str, ActiveModel], *, top: int = 3) -> list[str]:
    """Per row, as JSON, the ``top`` indicators that cost the customer most points:
    ``[[indicator, value, points lost], …]``, points lost = the indicator's best points −
    its points; indicators that cost nothing are left out. Vectorised: a million rows in
    seconds."""

    n = table.num_rows
    names = sorted({v for m in models.values() for v in m.card["variables"]})
    if not names or n == 0:
        return ["[]"] * n
    seg_index = {s: i for i, s in enumerate(models)}
    best = np.zeros((len(models), len(names)))
    for s, m in models.items():
        for j, name in enumerate(names):
            spec = m.card["variables"].get(name)
            if spec:
                best[seg_index[s], j] = max([*spec["points"], spec["missing"]])
    segments = table.column("segment").combine_chunks().dictionary_encode()
    seg_of_code = np.array(
        [seg_index.get(s, 0) for s in segments.dictionary.to_pylist()], dtype=np.int64
    )
    rows = seg_of_code[segments.indices.to_numpy(zero_copy_only=False)]
    pts = np.column_stack(
        [table.column(f"pts_{c}").to_numpy(zero_copy_only=False).astype(float) for c in names]
    )
    values = np.column_stack(
        [table.column(c).to_numpy(zero_copy_only=False).astype(float) for c in names]
    )
    lost = np.round(best[rows] - pts, 2)
    order = np.argsort(-lost, axis=1, kind="stable")[:, :top]
    at = np.arange(n)[:, None]
    top_lost, top_values = lost[at, order], np.round(values[at, order], 3)
    label = np.asarray(names, dtype=object)
    items = []
    for k in range(order.shape[1]):
        v = pa.array(top_values[:, k], from_pandas=True)  # NaN → null
        item = pc.binary_join_element_wise(
            '["',
            pa.array(label[order[:, k]], pa.string()),
            '",',
            pc.fill_null(pc.cast(v, pa.string()), "null"),
            ",",
            pc.cast(pa.array(top_lost[:, k]), pa.string()),
            "]",
            "",
        )
        # An indicator that cost nothing is no reason. The losses are sorted, so the empty
        # items are the last ones: their commas are trimmed off the end.
        items.append(pc.if_else(pa.array(top_lost[:, k] > 0.005), item, ""))
    joined = pc.utf8_rtrim(pc.binary_join_element_wise(*items, ","), characters=",")
    return pc.binary_join_element_wise("[", joined, "]", "").to_pylist()  # type: ignore[no-any-return]


def credit_rate_all(
    *,
    as_of: date | None = None,
    engine: str | None = None,
    acting_user: User | None = None,
    job: Job | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> RatingResult:
    """Rate every customer as of a day (default today) and store the results.

    Steps, each reported to ``progress(done, total, step)`` and to the job: read the
    archive and GridCRM's events, compute the whole rating on the engine, choose the
    reason codes, upsert.
    """
    as_of = as_of or timezone.localdate()
    name = catalog.engine_name(engine)
    seconds: dict[str, float] = {}

    def step(done: int, label: str) -> None:
        if progress:
            progress(done, 5, label)
        if job is not None:
            job_progress(job, done=done, total=5)

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
    )
    table = con.to_pyarrow(expr)
    seconds["engine"] = time.perf_counter() - t0
    step(2, "reason codes")
    t0 = time.perf_counter()
    reasons = reason_codes(table, models)
    seconds["reasons"] = time.perf_counter() - t0
    step(3, "store")
    t0 = time.perf_counter()
    run = CreditRun.objects.create(
        as_of=as_of,
        engine=name,
        job=job,
        created_by=acting_user,
        models_used={s: m.label for s, m in models.items()},
    )
    customers_n, changes, counts = ratings_store(
        table=table,
        reasons=reasons,
        ids=ids,
        labels={s: m.label for s, m in models.items()},
        run_id=run.pk,
        as_of=as_of,
    )
    seconds["store"] = time.perf_counter() - t0
    run.customers = customers_n
    run.changes = changes
    run.grade_counts = counts
    run.seconds = round(time.perf_counter() - started, 2)
    run.save(update_fields=["customers", "changes", "grade_counts", "seconds"])
    step(5, "done")
    return RatingResult(run=run, table=table, seconds=seconds)


def credit_batch_start(*, acting_user: User, as_of: date | None = None) -> Job:
    """Queue the monthly rating of all customers as a background job."""
    if not acting_user.has_perm("credit.run_credit_batch"):
        raise PermissionDenied
    return job_start(
        kind=CREDIT_RATING,
        created_by=acting_user,
        params={"as_of": as_of.isoformat() if as_of else ""},
    )


def run_credit_rating_job(job: Job) -> str:
    raw = str(job.params.get("as_of") or "")
    credit_rate_all(
        as_of=date.fromisoformat(raw) if raw else None, acting_user=job.created_by, job=job
    )
    return ""


# -- events, overrides, reviews ----------------------------------------------------------


@transaction.atomic
def credit_event_record(
    *,
    customer: Customer,
    kind: str,
    occurred_on: date,
    acting_user: User | None,
    points: float | None = None,
    expires_on: date | None = None,
    note: str = "",
    source_ref: str = "",
) -> CreditEvent:
    """Record a demerit, merit or incident; points and life default by kind."""
    if acting_user is not None and not acting_user.has_perm("credit.record_credit_event"):
        raise PermissionDenied
    if kind not in EVENT_DEFAULTS:
        raise CreditError(_("Unknown kind of credit event."))
    default_points, months = EVENT_DEFAULTS[kind]
    if expires_on is None and months is not None:
        expires_on = occurred_on + timedelta(days=round(months * 30.44))
    event = CreditEvent(
        customer=customer,
        kind=kind,
        occurred_on=occurred_on,
        points=default_points if points is None else points,
        expires_on=expires_on,
        note=note[:300],
        source_ref=source_ref[:60],
        created_by=acting_user,
    )
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def hazard_rectified(*, event: CreditEvent, on: date, acting_user: User) -> CreditEvent:
    if not acting_user.has_perm("credit.record_credit_event"):
        raise PermissionDenied
    event.resolved_on = on
    event.save(update_fields=["resolved_on"])
    return event


def _current(customer: Customer) -> CustomerCredit | None:
    return CustomerCredit.objects.filter(customer=customer).first()


def _grade_set(
    *,
    customer: Customer,
    grade: str,
    reason_code: str,
    reason: str,
    source: str,
    actor: User | None,
) -> GradeChange | None:
    """Set the current grade outside the batch; writes the grade change if it moved."""
    current = CustomerCredit.objects.select_for_update().filter(customer=customer).first()
    today = timezone.localdate()
    old = current.grade if current else ""
    if current is None:
        current = CustomerCredit(
            customer=customer,
            grade=grade,
            score=0,
            score_grade=grade,
            model="",
            as_of=today,
            since=today,
            rule=reason_code,
        )
    if old == grade:
        return None
    current.grade = grade
    current.since = today
    current.rule = reason_code
    current.save()
    return GradeChange.objects.create(
        customer=customer,
        old_grade=old,
        new_grade=grade,
        reason_code=reason_code,
        reason=reason[:500],
        source=source,
        actor=actor,
    )


@transaction.atomic
def override_request(
    *, customer: Customer, grade: str, reason: str, valid_until: date, acting_user: User
) -> GradeOverride:
    if not acting_user.has_perm("credit.request_grade_override"):
        raise PermissionDenied
    if grade not in Grade.values:
        raise CreditError(_("Unknown grade."))
    if not reason.strip():
        raise CreditError(_("Give a reason for the override."))
    if valid_until <= timezone.localdate():
        raise CreditError(_("An override must hold until a day in the future."))
    if GradeOverride.objects.filter(customer=customer, status=Decision.PENDING).exists():
        raise CreditError(_("This customer already has an override waiting for approval."))
    return GradeOverride.objects.create(
        customer=customer,
        grade=grade,
        reason=reason.strip()[:500],
        valid_until=valid_until,
        requested_by=acting_user,
    )


@transaction.atomic
def override_decide(
    *, override: GradeOverride, approve: bool, note: str, acting_user: User
) -> GradeOverride:
    """Approve or reject an override; the approver must not be the requester. An approved
    override sets the grade at once (audit event) and holds in every batch until its day."""
    if not acting_user.has_perm("credit.approve_grade_override"):
        raise PermissionDenied
    override = GradeOverride.objects.select_for_update().get(pk=override.pk)
    if override.status != Decision.PENDING:
        raise CreditError(_("This override has been decided already."))
    if override.requested_by_id == acting_user.pk:
        raise PermissionDenied(_("An override must be approved by a second person."))
    override.status = Decision.APPROVED if approve else Decision.REJECTED
    override.decided_by = acting_user
    override.decided_at = timezone.now()
    override.decision_note = note[:500]
    override.save()
    if approve:
        _grade_set(
            customer=override.customer,
            grade=override.grade,
            reason_code="override",
            reason=override.reason,
            source=GradeChange.Source.OVERRIDE,
            actor=acting_user,
        )
    return override


@transaction.atomic
def review_request_submit(
    *, customer: Customer, kind: str, message: str, acting_user: User
) -> ReviewRequest:
    """A customer's (or staff on their behalf) request for an explanation of the grade or
    for a human review of it (PIPL art. 24); answered within ``REVIEW_DAYS`` days."""
    if kind not in ReviewRequest.Kind.values:
        raise CreditError(_("Unknown kind of request."))
    current = _current(customer)
    return ReviewRequest.objects.create(
        customer=customer,
        kind=kind,
        message=message.strip()[:2000],
        grade_at_request=current.grade if current else "",
        due_on=timezone.localdate() + timedelta(days=REVIEW_DAYS),
        submitted_by=acting_user,
    )


@transaction.atomic
def review_request_answer(
    *, review: ReviewRequest, answer: str, outcome: str, acting_user: User
) -> ReviewRequest:
    """Answer a review request. A changed grade goes through an override (four eyes);
    the answer records that."""
    if not acting_user.has_perm("credit.handle_credit_review"):
        raise PermissionDenied
    if review.status != ReviewRequest.Status.OPEN:
        raise CreditError(_("This request has been answered already."))
    if outcome not in ReviewRequest.Outcome.values:
        raise CreditError(_("Choose an outcome."))
    if not answer.strip():
        raise CreditError(_("Write the answer to the customer."))
    review.answer = answer.strip()[:4000]
    review.outcome = outcome
    review.status = ReviewRequest.Status.ANSWERED
    review.handled_by = acting_user
    review.handled_at = timezone.now()
    review.save()
    return review


# -- credit policies (R7) -------------------------------------------------------------------

POLICY_FIELDS = (
    "payment_term_days",
    "grace_eligible",
    "grace_max_days",
    "grace_needs_approval",
    "deposit",
    "deposit_months",
    "connection_priority",
    "outage_notice_days",
    "watch_actions",
)
WATCH_ACTIONS = ("extra_reminders", "field_check", "manager_call", "prepaid_offer")

DEFAULT_POLICY: list[dict[str, Any]] = [
    {
        "grade": "AAA",
        "segment": "",
        "payment_term_days": 30,
        "grace_eligible": True,
        "grace_max_days": 15,
        "grace_needs_approval": False,
        "deposit": "none",
        "deposit_months": 0,
        "connection_priority": True,
        "outage_notice_days": 10,
        "watch_actions": [],
    },
    {
        "grade": "AA",
        "segment": "",
        "payment_term_days": 30,
        "grace_eligible": True,
        "grace_max_days": 10,
        "grace_needs_approval": True,
        "deposit": "none",
        "deposit_months": 0,
        "connection_priority": True,
        "outage_notice_days": 8,
        "watch_actions": [],
    },
    {
        "grade": "A",
        "segment": "",
        "payment_term_days": 25,
        "grace_eligible": True,
        "grace_max_days": 5,
        "grace_needs_approval": True,
        "deposit": "none",
        "deposit_months": 0,
        "connection_priority": False,
        "outage_notice_days": 7,
        "watch_actions": [],
    },
    {
        "grade": "B",
        "segment": "",
        "payment_term_days": 20,
        "grace_eligible": False,
        "grace_max_days": 0,
        "grace_needs_approval": True,
        "deposit": "none",
        "deposit_months": 0,
        "connection_priority": False,
        "outage_notice_days": 7,
        "watch_actions": ["extra_reminders"],
    },
    {
        "grade": "C",
        "segment": "",
        "payment_term_days": 15,
        "grace_eligible": False,
        "grace_max_days": 0,
        "grace_needs_approval": True,
        "deposit": "deposit",
        "deposit_months": 1,
        "connection_priority": False,
        "outage_notice_days": 7,
        "watch_actions": ["extra_reminders", "field_check", "manager_call"],
    },
    {
        "grade": "C",
        "segment": "residential",
        "payment_term_days": 15,
        "grace_eligible": False,
        "grace_max_days": 0,
        "grace_needs_approval": True,
        "deposit": "prepaid",
        "deposit_months": 0,
        "connection_priority": False,
        "outage_notice_days": 7,
        "watch_actions": ["extra_reminders", "prepaid_offer"],
    },
]


def _clean_rule(raw: dict[str, Any]) -> dict[str, Any]:
    rule = PolicyRule(
        grade=raw.get("grade", ""),
        segment=raw.get("segment", "") or "",
        payment_term_days=int(raw.get("payment_term_days") or 0),
        grace_eligible=bool(raw.get("grace_eligible")),
        grace_max_days=int(raw.get("grace_max_days") or 0),
        grace_needs_approval=bool(raw.get("grace_needs_approval", True)),
        deposit=raw.get("deposit") or "none",
        deposit_months=int(raw.get("deposit_months") or 0),
        connection_priority=bool(raw.get("connection_priority")),
        outage_notice_days=int(raw.get("outage_notice_days") or 7),
        watch_actions=[a for a in raw.get("watch_actions") or [] if a in WATCH_ACTIONS],
    )
    rule.full_clean(exclude=["version"], validate_unique=False)
    if not rule.grace_eligible:
        rule.grace_max_days = 0
    return {"grade": rule.grade, "segment": rule.segment} | {
        f: getattr(rule, f) for f in POLICY_FIELDS
    }


@transaction.atomic
def policy_publish(
    *, rules: Sequence[dict[str, Any]], note: str, acting_user: User | None
) -> PolicyVersion:
    """Publish a new version of the credit policies: every grade needs a row for all
    segments (segment blank); a segment's own row overrides it. Validated whole."""
    if acting_user is not None and not acting_user.has_perm("credit.manage_credit_policy"):
        raise PermissionDenied
    try:
        clean = [_clean_rule(dict(r)) for r in rules]
    except (ValidationError, ValueError, TypeError) as exc:
        raise CreditError(_("A policy row is not valid: %(error)s") % {"error": exc}) from exc
    keys = [(r["grade"], r["segment"]) for r in clean]
    if len(set(keys)) != len(keys):
        raise CreditError(_("Each grade and segment may have one row only."))
    missing = [g for g in Grade.values if (g, "") not in keys]
    if missing:
        raise CreditError(
            _("Every grade needs a row for all segments; missing: %(grades)s")
            % {"grades": ", ".join(missing)}
        )
    top = PolicyVersion.objects.aggregate(n=Max("number"))["n"] or 0
    version = PolicyVersion.objects.create(
        number=top + 1, note=note[:300] or "—", published_by=acting_user
    )
    PolicyRule.objects.bulk_create([PolicyRule(version=version, **r) for r in clean])
    return version
