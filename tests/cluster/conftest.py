"""A Spark standalone cluster for the tests of this folder: one master, two workers.

Marked ``cluster`` (every module here says so): they run only when asked
(``-m cluster``; ``.ci/run`` has a step for them), since the daemons take the machine's
two cores. The cluster is started once per test session and stopped at its end, after
the SparkSession on it; the test that kills the master is the session's last
(``test_kills.py``, which pytest reaches last).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from bench.lake_bench import generate_bills, generate_readings
from gridcrm.lake import spark
from gridcrm.lake.standalone import StandaloneCluster
from tests.lake.conftest import small_lake, small_lake_root  # noqa: F401 - fixtures

MEDIUM_CUSTOMERS = 300
"""Readings of 300 meters over January 2024 (830,000 rows): a run long enough that a
worker can be killed while its tasks are running."""


@pytest.fixture(scope="session")
def cluster() -> Iterator[StandaloneCluster]:
    with StandaloneCluster(workers=2, cores=1, memory="1g") as running:
        try:
            yield running
        finally:
            spark.spark_stop()  # before the daemons: its goodbye needs the master


@pytest.fixture
def on_cluster(
    cluster: StandaloneCluster, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> StandaloneCluster:
    """Spark, for this test, is the cluster; executors of 512 MB, the driver on 127.0.0.1."""
    monkeypatch.setenv("GRIDCRM_SPARK_MASTER", cluster.url)
    monkeypatch.setenv("GRIDCRM_SPARK_DRIVER_HOST", "127.0.0.1")
    monkeypatch.setenv("GRIDCRM_SPARK_EXECUTOR_MEMORY", "512m")
    monkeypatch.setenv("GRIDCRM_SPARK_MEMORY", "1g")
    monkeypatch.setenv("GRIDCRM_SPARK_SHUFFLE", "4")
    settings.ENGINE = "spark"
    return cluster


@pytest.fixture(scope="session")
def medium_lake_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("medium") / "lake"
    generate_readings(root, MEDIUM_CUSTOMERS, 31)
    generate_bills(root, MEDIUM_CUSTOMERS, 24)
    return root


@pytest.fixture
def medium_lake(settings: Settings, medium_lake_root: Path, tmp_path: Path) -> Path:
    settings.LAKE_URL = str(medium_lake_root)
    settings.VAR_DIR = tmp_path / "var"
    return medium_lake_root
