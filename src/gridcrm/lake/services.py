"""Writes to the lake and to its OLTP tables: imports, pipeline runs, compaction."""

# SQL here is built from the schemas' column names (quoted) and from paths this module
# makes; values from files never enter SQL text, so S608 does not apply.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import duckdb
import ibis
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customer_account_numbers, customer_ids_by_account
from gridcrm.archive.services import customers_facts_apply
from gridcrm.core import retention, uploads
from gridcrm.core.extensions import LAKE_RESULTS
from gridcrm.core.files import stored_name, stored_path
from gridcrm.jobs.selectors import job_cancel_requested
from gridcrm.jobs.services import job_progress, job_start
from gridcrm.lake import catalog, pipelines
from gridcrm.lake.errors import ImportFailed, RunCancelled
from gridcrm.lake.imports import ImportReport, file_sha256, import_file, lake_format
from gridcrm.lake.models import LakeImport, MonthlyLoadFeature, PaymentBehaviour
from gridcrm.lake.schemas import fact_schema
from gridcrm.lake.selectors import require_import_facts
from gridcrm.lake.spark import spark_run, spark_session

if TYPE_CHECKING:
    from gridcrm.jobs.models import Job
    from gridcrm.users.models import User

# Job kinds (declared with their runners in lake/tasks.py).
LAKE_IMPORT = "lake_import"
LAKE_PIPELINES = "lake_pipelines"

logger = logging.getLogger(__name__)

_UPSERT_BATCH = 2000


def _uploads_dir() -> Path:
    path = Path(settings.VAR_DIR) / "lake_uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _safe_name(name: str) -> str:
    base = Path(name).name
    return re.sub(r"[^\w.\-]", "_", base)[-100:] or "upload"


def known_account_numbers() -> Iterator[str]:
    """Every customer's account number, streamed (a city company has a million)."""
    return customer_account_numbers()


def _settle_publications() -> None:
    """Keep each half-published import whose record says it was imported; take back the
    others (the caller holds the lake lock)."""
    for owner, staging in catalog.publications():
        imported = (
            owner.isdigit()
            and LakeImport.objects.filter(pk=int(owner), status=LakeImport.Status.IMPORTED).exists()
        )
        catalog.publication_settle(staging, keep=imported)


@contextmanager
def lake_writing() -> Iterator[None]:
    """The lake's one-writer lock, with every import a crash left half-published settled
    first: kept if its record says it was imported, taken back otherwise. A backup holds
    it too, so that the lake it copies agrees with the import records it copies."""
    with catalog.lake_lock():
        _settle_publications()
        yield


def lake_recover() -> None:
    """Settle what a killed import left half-published (run when a worker starts)."""
    with lake_writing():
        pass


# -- imports ------------------------------------------------------------------------------


def lake_import_run(*, lake_import: LakeImport, job: Job | None = None) -> LakeImport:
    """Import the stored file of ``lake_import`` and record the outcome on it.

    A file whose exact bytes were imported into the same table before is not read
    again: it could add nothing.
    """
    path = stored_path(lake_import.stored_path) or Path(settings.VAR_DIR, "missing")

    def progress(done: int, total: int) -> None:
        if job is not None:
            job_progress(job, done=done, total=total)

    with lake_writing():
        lake_import.sha256 = file_sha256(path) if path.is_file() else ""
        earlier = (
            LakeImport.objects.filter(
                table=lake_import.table,
                sha256=lake_import.sha256,
                status__in=[LakeImport.Status.IMPORTED, LakeImport.Status.UNCHANGED],
            )
            .exclude(pk=lake_import.pk)
            .exclude(sha256="")
            .first()
        )
        if earlier is not None:
            lake_import.status = LakeImport.Status.UNCHANGED
            lake_import.rows_read = earlier.rows_read
            lake_import.already_present = earlier.accepted + earlier.already_present
            lake_import.duplicates = earlier.duplicates
            lake_import.rejected = earlier.rejected
            lake_import.reasons = earlier.reasons
            lake_import.reject_file = earlier.reject_file
            lake_import.rejects_expired_at = earlier.rejects_expired_at
        else:
            try:
                report = import_file(
                    table=lake_import.table,
                    path=path,
                    known_accounts=known_account_numbers(),
                    progress=progress,
                    source_name=lake_import.source_name,
                    owner=str(lake_import.pk),
                )
            except (ImportFailed, uploads.UploadRefused) as exc:
                lake_import.status = LakeImport.Status.FAILED
                lake_import.error = str(exc)
                lake_import.error_code = exc.code
            else:
                _record_report(lake_import, report)
        lake_import.finished_at = timezone.now()
        lake_import.save()
        _settle_publications()  # the record is saved: its files now stay for good
    return lake_import


def _record_report(lake_import: LakeImport, report: ImportReport) -> None:
    lake_import.status = (
        LakeImport.Status.IMPORTED if report.changed else LakeImport.Status.UNCHANGED
    )
    lake_import.rows_read = report.rows_read
    lake_import.accepted = report.accepted
    lake_import.already_present = report.already_present
    lake_import.duplicates = report.duplicates
    lake_import.rejected = report.rejected
    lake_import.reasons = report.reasons
    lake_import.months = report.months
    lake_import.reject_file = stored_name(report.reject_file)


def lake_import_create(
    *, table: str, source_name: str, content: IO[bytes], acting_user: User
) -> LakeImport:
    """Keep an uploaded (or named) file and record a queued import of it; the row records
    who asked. An unknown table is refused (``lake.unknown_table``); so is a file over the
    lake's upload limit, or whose content is not what its name says (``UploadRefused``:
    ``core.upload_too_large``, ``core.upload_type_mismatch``, ``core.upload_corrupt``),
    and then nothing is kept."""
    fact_schema(table)
    uploads.check_size(content, uploads.LAKE)
    stored = _uploads_dir() / f"{uuid.uuid4().hex[:12]}-{_safe_name(source_name)}"
    with stored.open("wb") as out:
        shutil.copyfileobj(content, out)
    try:
        if stored.stat().st_size > uploads.max_bytes(uploads.LAKE):
            raise uploads.too_large(uploads.LAKE)
        uploads.sniff(stored, filename=Path(source_name).name, expected=lake_format(source_name))
    except uploads.UploadRefused:
        stored.unlink()
        raise
    return LakeImport.objects.create(
        table=table,
        source_name=Path(source_name).name[:255],
        stored_path=stored_name(stored),
        created_by=acting_user,
    )


def lake_files_purge(cutoffs: Mapping[str, dt.datetime]) -> dict[str, int]:
    """Delete kept uploads and reject files of imports made before their kinds' cutoffs
    and mark the imports; a reject file that later imports of the same bytes share goes
    with the first, and all of them are marked."""
    now = timezone.now()
    deleted = {retention.UPLOADS: 0, retention.REJECTS: 0}
    uploads_due = LakeImport.objects.filter(
        upload_expired_at__isnull=True, created_at__lt=cutoffs[retention.UPLOADS]
    ).exclude(status=LakeImport.Status.QUEUED)
    for stored in uploads_due.values_list("stored_path", flat=True):
        deleted[retention.UPLOADS] += retention.remove(stored)
    uploads_due.update(upload_expired_at=now)
    rejects_due = LakeImport.objects.filter(
        rejects_expired_at__isnull=True, created_at__lt=cutoffs[retention.REJECTS]
    ).exclude(reject_file="")
    paths = set(rejects_due.values_list("reject_file", flat=True))
    for path in paths:
        deleted[retention.REJECTS] += retention.remove(path)
    LakeImport.objects.filter(reject_file__in=paths).update(rejects_expired_at=now)
    return deleted


@transaction.atomic
def lake_import_start(
    *, table: str, source_name: str, content: IO[bytes], acting_user: User
) -> LakeImport:
    """Queue the import of an uploaded file as a background job the user can watch.

    Refused for a user who may not import facts (``lake.may_not_import``) and for an
    unknown table (``lake.unknown_table``)."""
    require_import_facts(user=acting_user)
    lake_import = lake_import_create(
        table=table, source_name=source_name, content=content, acting_user=acting_user
    )
    job = job_start(
        kind=LAKE_IMPORT,
        acting_user=acting_user,
        params={"lake_import": lake_import.pk, "language": translation.get_language()},
    )
    lake_import.job = job
    lake_import.save(update_fields=["job"])
    return lake_import


def run_lake_import_job(job: Job) -> str:
    """Runs an import job; its result file is the reject file, if any row was refused."""
    lake_import = LakeImport.objects.get(pk=job.params["lake_import"])
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        lake_import_run(lake_import=lake_import, job=job)
    if lake_import.status == LakeImport.Status.FAILED:
        raise ImportFailed(lake_import.error)
    return str(stored_path(lake_import.reject_file) or "")


# -- writing facts that need no validation (demo, benchmarks) ---------------------------


def facts_append(*, table: str, facts: pa.Table) -> list[str]:
    """Append facts already known to be valid (generated ones) as new month files.

    Skips the import's checks, so it is for generators only; it still sorts by key
    and partitions by month like an import. Returns the months written.
    """
    schema = fact_schema(table)
    for optional in schema.columns:  # generators may leave out optional columns
        if optional.required:
            continue
        if optional.name not in facts.column_names:
            facts = facts.append_column(
                optional.name, pa.array([optional.default] * facts.num_rows, optional.type)
            )
        elif not optional.nullable and facts.column(optional.name).null_count:
            # Rows built from dicts without the column (``Table.from_pylist``) hold nulls.
            facts = facts.set_column(
                facts.column_names.index(optional.name),
                optional.name,
                pc.fill_null(facts.column(optional.name), optional.default),
            )
    facts = facts.select(schema.names).cast(schema.arrow)
    part_id = uuid.uuid4().hex[:16]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("facts", facts)
    column = schema.month_of
    if str(schema.column(column).type).startswith("timestamp"):
        month_expr = f"strftime({column} + INTERVAL 8 HOUR, '%Y-%m')"
    else:
        month_expr = f"strftime({column}, '%Y-%m')"
    months = [r[0] for r in con.execute(f"SELECT DISTINCT {month_expr} FROM facts").fetchall()]
    order = ", ".join(schema.key)
    with lake_writing():
        for month in sorted(months):
            folder = catalog.partition_dir(table, month)
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".part-{part_id}.parquet"
            con.execute(
                f"COPY (SELECT * FROM facts WHERE {month_expr} = '{month}' ORDER BY {order}) "
                f"TO '{tmp}' (FORMAT parquet, COMPRESSION {schema.compression}, "
                "ROW_GROUP_SIZE 122880)"
            )
            tmp.replace(folder / f"part-{part_id}.parquet")
    con.close()
    return sorted(months)


def lake_table_clear(*, table: str) -> None:
    """Remove every fact of a table (demo resets only)."""
    with lake_writing():
        shutil.rmtree(catalog.table_dir(table), ignore_errors=True)


def lake_compact(*, table: str, min_files: int = 2) -> int:
    """Merge each month's files into one, sorted by key; returns partitions compacted.

    Many small imports leave many small files, which every scan pays for. The merged
    file is written beside the others and the old ones removed after, under the lake
    lock, so no import interleaves.
    """
    schema = fact_schema(table)
    compacted = 0
    with lake_writing():
        by_month: dict[Path, list[Path]] = {}
        for path in catalog.partition_files(table):
            by_month.setdefault(path.parent, []).append(path)
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        for folder, files in sorted(by_month.items()):
            if len(files) < min_files:
                continue
            part_id = uuid.uuid4().hex[:16]
            tmp = folder / f".part-c{part_id}.parquet"
            con.read_parquet([str(p) for p in files]).select(", ".join(schema.names)).order(
                ", ".join(schema.key)
            ).write_parquet(str(tmp), compression=schema.compression)
            tmp.replace(folder / f"part-c{part_id}.parquet")
            for old in files:
                old.unlink()
            compacted += 1
        con.close()
    return compacted


# -- pipelines → OLTP -------------------------------------------------------------------


@dataclass(frozen=True)
class PipelineRun:
    engine: str
    as_of: date
    feature_rows: int
    behaviour_rows: int


def _account_ids() -> dict[str, int]:
    return customer_ids_by_account()


def _batches(table: pa.Table) -> Iterator[list[dict[str, Any]]]:
    for batch in table.to_batches(max_chunksize=_UPSERT_BATCH):
        yield batch.to_pylist()


def _float(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if number != number else number  # NaN → null


def load_features_upsert(*, features: pa.Table) -> int:
    """Insert or update the monthly load features of ``customer_month_features``."""
    ids = _account_ids()
    count = 0
    fields = [c for c in pipelines.FEATURE_COLUMNS if c not in ("account_no", "month")]
    for rows in _batches(features):
        objs = [
            MonthlyLoadFeature(
                customer_id=ids[row["account_no"]],
                month=row["month"],
                **{f: _float(row[f]) for f in fields},
            )
            for row in rows
            if row["account_no"] in ids
        ]
        MonthlyLoadFeature.objects.bulk_create(
            objs,
            update_conflicts=True,
            unique_fields=["customer", "month"],
            update_fields=[*fields, "computed_at"],
        )
        count += len(objs)
    return count


def payment_behaviour_upsert(*, behaviour: pa.Table, as_of: date) -> int:
    """Insert or update each customer's payment behaviour of ``payment_behaviour``."""
    ids = _account_ids()
    count = 0
    fields = [c for c in pipelines.BEHAVIOUR_COLUMNS if c != "account_no"]
    ints = {"bills_12m", "bills_24m", "overdue_bills", "partial_payments_24m"}
    nullable_ints = {"max_days_late_12m", "max_days_late_24m"}

    def value(name: str, raw: Any) -> Any:
        if name in ints:
            return int(raw or 0)
        if name in nullable_ints:
            return None if raw is None else int(raw)
        if name == "arrears":
            return Decimal(raw or 0).quantize(Decimal("0.01"))
        return _float(raw)

    for rows in _batches(behaviour):
        objs = [
            PaymentBehaviour(
                customer_id=ids[row["account_no"]],
                as_of=as_of,
                **{f: value(f, row[f]) for f in fields},
            )
            for row in rows
            if row["account_no"] in ids
        ]
        PaymentBehaviour.objects.bulk_create(
            objs,
            update_conflicts=True,
            unique_fields=["customer"],
            update_fields=["as_of", *fields, "computed_at"],
        )
        count += len(objs)
    return count


def archive_facts_refresh(*, as_of: date) -> int:
    """Feed the archive's derived value and behaviour fields from the stored results:
    annual consumption and maximum demand over the last 12 months, average days to pay."""
    since = date(as_of.year - 1, as_of.month, 1)
    values: dict[int, dict[str, Any]] = {}
    yearly = (
        MonthlyLoadFeature.objects.filter(month__gte=since, month__lte=as_of)
        .values("customer_id")
        .annotate(kwh=Sum("kwh_total"), demand=Max("max_demand_kw"))
    )
    for row in yearly:
        values[row["customer_id"]] = {
            "annual_kwh": round(row["kwh"] or 0),
            "max_demand_kw": None if row["demand"] is None else round(row["demand"], 1),
        }
    for customer_id, days in PaymentBehaviour.objects.values_list(
        "customer_id", "mean_days_late_12m"
    ):
        values.setdefault(customer_id, {})["avg_days_to_pay"] = (
            None if days is None else round(max(days, 0.0), 1)
        )
    return customers_facts_apply(values=values)


RESULTS_SHARE = 90
"""Of a run's progress (out of 100), the share of computing its results; storing them
takes the rest."""


def results_compute(
    con: ibis.BaseBackend,
    exprs: dict[str, ibis.Table],
    *,
    job: Job | None = None,
    share: tuple[int, int] = (0, RESULTS_SHARE),
) -> dict[str, pa.Table]:
    """Every result of a run, whole, before anything is written from it.

    On Spark the work runs as one job group (``lake.spark.spark_run``): the job's progress
    follows Spark's tasks, cancelling the job cancels the group (``lake.run_cancelled``)
    and a cluster that stops answering fails the run (``lake.cluster_unreachable``); on
    DuckDB progress and cancellation are looked at between the results. The job's
    progress (out of 100) moves from ``share[0]`` to ``share[1]`` while the results are
    computed, so that a caller with steps of its own keeps one rising bar.
    """
    start, end = share
    highest = start

    def progress(done: int, total: int) -> None:
        nonlocal highest
        now = start + (end - start) * done // max(total, 1)
        if job is not None and now > highest:  # Spark learns of new stages as it goes
            highest = now
            job_progress(job, done=now, total=100)

    def cancelled() -> bool:
        return job is not None and job_cancel_requested(job_id=job.pk)

    if job is not None:
        job_progress(job, done=start, total=100)
    if con.name == "pyspark":
        label = job.kind if job is not None else "lake"
        with spark_run(spark_session(), label=label, progress=progress, cancelled=cancelled):
            return {name: con.to_pyarrow(expr) for name, expr in exprs.items()}
    results = {}
    for number, (name, expr) in enumerate(exprs.items()):
        if cancelled():
            raise RunCancelled(_("The run was cancelled; nothing was changed."))
        results[name] = con.to_pyarrow(expr)
        progress(number + 1, len(exprs))
    return results


def pipelines_run(
    *, engine: str | None = None, as_of: date | None = None, job: Job | None = None
) -> PipelineRun:
    """Run the load-feature and payment pipelines on the lake and store their results.

    Both results are computed whole first; they are stored in one transaction after, so
    a run that fails or is cancelled on the way changes nothing in the database."""
    as_of = as_of or timezone.localdate()
    name = catalog.engine_name(engine)
    con = catalog.connect(name)
    bills = catalog.table(con, "bills")
    payments = catalog.table(con, "payments")
    readings = catalog.table(con, "readings")
    clock = pipelines.current_tou_clock()
    exprs = {
        "features": pipelines.customer_month_features(bills, readings, clock),
        "behaviour": pipelines.payment_behaviour(bills, payments, as_of=as_of),
    }
    # Other apps' results (LAKE_RESULTS) are computed and stored with the run's own.
    followers = LAKE_RESULTS.items()
    for key, follower in followers:
        exprs.update({f"{key}:{n}": e for n, e in follower.exprs(con, as_of).items()})
    results = results_compute(con, exprs, job=job)
    with transaction.atomic():
        feature_rows = load_features_upsert(features=results["features"])
        behaviour_rows = payment_behaviour_upsert(behaviour=results["behaviour"], as_of=as_of)
        archive_facts_refresh(as_of=as_of)
        for key, follower in followers:
            prefix = f"{key}:"
            mine = {n[len(prefix) :]: t for n, t in results.items() if n.startswith(prefix)}
            follower.store(mine, as_of)
    if job is not None:
        job_progress(job, done=100, total=100)
    return PipelineRun(
        engine=name, as_of=as_of, feature_rows=feature_rows, behaviour_rows=behaviour_rows
    )


def pipelines_start(*, acting_user: User, as_of: date | None = None) -> Job:
    """Queue a pipeline run as a background job; its job row records who started it.
    Refused for a user who may not import facts (``lake.may_not_import``)."""
    require_import_facts(user=acting_user)
    params: dict[str, Any] = {"as_of": as_of.isoformat() if as_of else ""}
    return job_start(kind=LAKE_PIPELINES, acting_user=acting_user, params=params)


def run_pipelines_job(job: Job) -> str:
    raw = str(job.params.get("as_of") or "")
    pipelines_run(as_of=date.fromisoformat(raw) if raw else None, job=job)
    return ""
