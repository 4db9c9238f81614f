"""A pipeline job on the cluster, from the task worker: Spark's progress in the job's
row, the same results as DuckDB, and a cancel that stops Spark and stores nothing."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from django.db import OperationalError

from gridcrm.core.errors import DomainError
from gridcrm.jobs.models import Job, JobStatus
from gridcrm.jobs.services import job_cancel, job_execute, job_progress
from gridcrm.lake import services
from gridcrm.lake.models import MonthlyLoadFeature, PaymentBehaviour
from gridcrm.lake.services import pipelines_run, pipelines_start
from gridcrm.lake.standalone import StandaloneCluster
from gridcrm.users.models import User
from tests.cluster.support import WhenBusy, medium_customers
from tests.conftest import Regions

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

AS_OF = date(2026, 1, 15)


def _stored() -> list[tuple[object, ...]]:
    features = MonthlyLoadFeature.objects.order_by("customer__account_no", "month")
    return [
        (f.customer.account_no, f.month, round(f.kwh_total or 0, 6), round(f.load_factor or 0, 9))
        for f in features.select_related("customer")
    ] + [
        (b.customer.account_no, b.bills_12m, b.overdue_bills, b.arrears)
        for b in PaymentBehaviour.objects.select_related("customer").order_by("customer")
    ]


def test_a_pipeline_job_runs_on_the_cluster_with_sparks_progress(
    on_cluster: StandaloneCluster,
    medium_lake: Path,
    regions: Regions,
    archivist: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    medium_customers(regions)
    reported: list[int] = []
    progress = job_progress

    def spy(job: Job, *, done: int, total: int | None = None) -> None:
        reported.append(done)
        progress(job, done=done, total=total)

    monkeypatch.setattr(services, "job_progress", spy)
    job = pipelines_start(acting_user=archivist, as_of=AS_OF)

    job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.percent == 100
    assert any(0 < done < services.RESULTS_SHARE for done in reported)  # Spark's tasks
    on_spark = _stored()
    assert {row[0] for row in on_spark} == {"0000000000", "0000000001", "0000000002"}
    pipelines_run(engine="duckdb", as_of=AS_OF)
    assert _stored() == on_spark


def test_cancelling_the_job_cancels_its_spark_jobs_and_stores_nothing(
    on_cluster: StandaloneCluster, medium_lake: Path, regions: Regions, archivist: User
) -> None:
    medium_customers(regions)
    job = pipelines_start(acting_user=archivist, as_of=AS_OF)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)

    def cancel() -> None:
        for _attempt in range(50):  # SQLite's shared test database may be busy a moment
            try:
                job_cancel(job=Job.objects.get(pk=job.pk), acting_user=archivist)
                return
            except OperationalError:
                time.sleep(0.1)

    with WhenBusy(cancel) as cancelling, pytest.raises(DomainError) as caught:
        pipelines_run(as_of=AS_OF, job=job)

    assert cancelling.fired.is_set()
    assert caught.value.code == "lake.run_cancelled"
    assert _stored() == []
