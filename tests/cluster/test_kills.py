"""The cluster loses a machine: a killed worker's tasks are retried on the other one and
the result is still right; a killed master fails the run clearly, with nothing stored.

The killed worker is replaced after its test; the master is killed on a cluster of its
own, so that the order the tests run in does not matter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from gridcrm.core.errors import DomainError
from gridcrm.lake import catalog, pipelines, spark
from gridcrm.lake.models import MonthlyLoadFeature, PaymentBehaviour
from gridcrm.lake.services import pipelines_run
from gridcrm.lake.standalone import StandaloneCluster
from tests.cluster.support import WhenBusy, medium_customers
from tests.conftest import Regions
from tests.lake.test_engines import _plain

pytestmark = pytest.mark.cluster


def _features(engine: str) -> list[tuple[object, ...]]:
    con = catalog.connect(engine)
    expr = pipelines.customer_month_features(
        catalog.table(con, "bills"), catalog.table(con, "readings")
    )
    if engine == "spark":
        with spark.spark_run(spark.spark_session(), label="test"):
            table = con.to_pyarrow(expr)
    else:
        table = con.to_pyarrow(expr)
    rows = (tuple(_nine(_plain(v)) for v in r.values()) for r in table.to_pylist())
    return sorted(rows, key=repr)


def _nine(value: object) -> object:
    """Floats to 9 significant digits: tasks run again add in another order, and the
    variance-like features lose more digits to that than a plain sum."""
    return float(f"{value:.9g}") if isinstance(value, float) else value


@pytest.fixture
def worker_replaced(on_cluster: StandaloneCluster) -> Iterator[StandaloneCluster]:
    try:
        yield on_cluster
    finally:
        on_cluster.restore_workers()


@pytest.fixture
def own_cluster(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandaloneCluster]:
    """A cluster of one worker for this test alone; the session returns to the shared
    cluster (a new SparkSession) when the next test asks."""
    with StandaloneCluster(workers=1, cores=1, memory="1g") as doomed:
        monkeypatch.setenv("GRIDCRM_SPARK_MASTER", doomed.url)
        try:
            yield doomed
        finally:
            spark.spark_stop()


def test_a_worker_killed_mid_run_loses_nothing(
    worker_replaced: StandaloneCluster, medium_lake: Path
) -> None:
    expected = _features("duckdb")

    with WhenBusy(worker_replaced.kill_worker) as killing:
        on_spark = _features("spark")

    assert killing.fired.is_set()  # the worker died while tasks were running
    assert worker_replaced.worker_daemons[0].process.poll() is not None
    assert len(on_spark) == len(expected) > 0
    assert on_spark == expected


@pytest.mark.django_db(transaction=True)
def test_a_master_killed_mid_run_fails_the_run_and_stores_nothing(
    on_cluster: StandaloneCluster,
    own_cluster: StandaloneCluster,
    medium_lake: Path,
    regions: Regions,
) -> None:
    medium_customers(regions)

    with WhenBusy(own_cluster.kill_master) as killing, pytest.raises(DomainError) as caught:
        pipelines_run(engine="spark", as_of=date(2026, 1, 15))

    assert killing.fired.is_set()
    assert caught.value.code == "lake.cluster_unreachable"
    assert MonthlyLoadFeature.objects.count() == PaymentBehaviour.objects.count() == 0
    with pytest.raises(DomainError) as again:  # and a new run is refused at once
        pipelines_run(engine="spark")
    assert again.value.code == "lake.cluster_unreachable"
