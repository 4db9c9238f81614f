"""A pipeline run writes all of its results or nothing: a failure while computing, a
cancelled job and an unreachable Spark cluster leave the database as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import pytest

from gridcrm.archive.models import Customer
from gridcrm.core.errors import DomainError
from gridcrm.jobs.models import Job, JobStatus
from gridcrm.jobs.services import job_execute, job_start
from gridcrm.lake import pipelines, spark
from gridcrm.lake.models import MonthlyLoadFeature, PaymentBehaviour
from gridcrm.lake.services import pipelines_run, pipelines_start
from gridcrm.lake.standalone import free_port
from gridcrm.users.models import User
from tests.lake import facts

pytestmark = pytest.mark.django_db


def _stored() -> tuple[int, int]:
    return MonthlyLoadFeature.objects.count(), PaymentBehaviour.objects.count()


def test_a_result_that_fails_to_compute_stores_no_other_result(
    small_lake: Path, customer_a: Customer, customer_b: Customer, monkeypatch: Any
) -> None:
    def broken(bills: ibis.Table, payments: ibis.Table, *, as_of: Any) -> ibis.Table:
        # Fails when the engine runs it, after the load features have been computed.
        return bills.select(account_no=bills.tariff.cast("int64"))

    monkeypatch.setattr(pipelines, "payment_behaviour", broken)

    with pytest.raises(Exception, match="(?i)conver|cast"):
        pipelines_run(engine="duckdb", as_of=facts.AS_OF)

    assert _stored() == (0, 0)


def test_an_unreachable_cluster_is_a_clear_error_at_submission(
    small_lake: Path, customer_a: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIDCRM_SPARK_MASTER", f"spark://127.0.0.1:{free_port()}")

    with pytest.raises(DomainError) as caught:
        pipelines_run(engine="spark", as_of=facts.AS_OF)

    assert caught.value.code == "lake.cluster_unreachable"
    assert _stored() == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_pipeline_job_fails_with_the_clusters_error(
    small_lake: Path,
    customer_a: Customer,
    archivist: User,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    settings.ENGINE = "spark"
    monkeypatch.setenv("GRIDCRM_SPARK_MASTER", f"spark://127.0.0.1:{free_port()}")
    job = pipelines_start(acting_user=archivist)

    job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "does not answer" in job.message
    assert _stored() == (0, 0)


def test_a_cancelled_job_stores_nothing(
    small_lake: Path, customer_a: Customer, archivist: User
) -> None:
    job = job_start(kind="lake_pipelines", acting_user=archivist)
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)

    with pytest.raises(DomainError) as caught:
        pipelines_run(engine="duckdb", as_of=facts.AS_OF, job=job)

    assert caught.value.code == "lake.run_cancelled"
    assert _stored() == (0, 0)


@pytest.mark.parametrize(
    ("url", "addresses"),
    [
        ("local[2]", []),
        ("spark://10.0.0.5:7077", [("10.0.0.5", 7077)]),
        ("spark://m1:7077,m2:7078", [("m1", 7077), ("m2", 7078)]),
    ],
)
def test_the_masters_of_a_url(url: str, addresses: list[tuple[str, int]]) -> None:
    assert spark.master_addresses(url) == addresses
