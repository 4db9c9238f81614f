"""The credit batch as a job on the cluster: Spark's tasks move its bar, and a cancel
stops Spark and stores no grade."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from django.db import OperationalError

from gridcrm.core.errors import DomainError
from gridcrm.credit.models import CreditRun, CustomerCredit
from gridcrm.credit.services.rating import credit_batch_start, credit_rate_all
from gridcrm.jobs.models import Job, JobStatus
from gridcrm.jobs.services import job_cancel, job_execute
from gridcrm.lake import services as lake_services
from gridcrm.lake.standalone import StandaloneCluster
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.cluster.support import WhenBusy, medium_customers
from tests.conftest import Regions, make_user

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

AS_OF = date(2026, 1, 15)


@pytest.fixture
def manager(regions: Regions) -> User:
    return make_user("manager", Role.MARKETING_MANAGER)


def test_the_credit_batch_runs_on_the_cluster_with_sparks_progress(
    on_cluster: StandaloneCluster,
    medium_lake: Path,
    regions: Regions,
    manager: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    accounts = medium_customers(regions)
    reported: list[int] = []
    progress = lake_services.job_progress  # type: ignore[attr-defined]

    def spy(job: Job, *, done: int, total: int | None = None) -> None:
        reported.append(done)
        progress(job, done=done, total=total)

    monkeypatch.setattr(lake_services, "job_progress", spy)
    job = credit_batch_start(acting_user=manager, as_of=AS_OF)

    job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.percent == 100
    assert any(20 < done < 40 for done in reported)  # Spark's tasks, inside the engine step
    run = CreditRun.objects.get()
    assert run.engine == "spark"
    graded = CustomerCredit.objects.filter(customer__account_no__in=accounts)
    assert graded.count() == len(accounts)


def test_cancelling_the_credit_batch_stops_spark_and_stores_no_grade(
    on_cluster: StandaloneCluster, medium_lake: Path, regions: Regions, manager: User
) -> None:
    medium_customers(regions)
    job = credit_batch_start(acting_user=manager, as_of=AS_OF)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)

    def cancel() -> None:
        for _attempt in range(50):  # SQLite's shared test database may be busy a moment
            try:
                job_cancel(job=Job.objects.get(pk=job.pk), acting_user=manager)
                return
            except OperationalError:
                time.sleep(0.1)

    with WhenBusy(cancel) as cancelling, pytest.raises(DomainError) as caught:
        credit_rate_all(as_of=AS_OF, acting_user=manager, job=job)

    assert cancelling.fired.is_set()
    assert caught.value.code == "lake.run_cancelled"
    assert not CreditRun.objects.exists()
    assert not CustomerCredit.objects.exists()
