"""Lakes for the tests: an empty one per test, and a small one with known answers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import ibis
import pytest
from django.test import override_settings
from django.utils import translation
from pytest_django.fixtures import Settings

from gridcrm.lake import catalog
from gridcrm.lake.services import facts_append
from tests.lake import facts


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages and reasons are checked in their English source form."""
    with translation.override("en"):
        yield


@pytest.fixture
def lake(settings: Settings, tmp_path: Path) -> Path:
    """An empty lake; uploads, rejects and locks also stay under ``tmp_path``."""
    root = tmp_path / "lake"
    root.mkdir()
    settings.LAKE_URL = str(root)
    settings.VAR_DIR = tmp_path / "var"
    return root


def write_csv(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def small_lake_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lake of ``tests/lake/facts.py``, built once per test session."""
    root = tmp_path_factory.mktemp("small") / "lake"
    with override_settings(LAKE_URL=str(root), VAR_DIR=root.parent / "var"):
        facts_append(table="bills", facts=facts.bills())
        facts_append(table="payments", facts=facts.payments())
        facts_append(table="readings", facts=facts.readings())
    return root


@pytest.fixture
def small_lake(settings: Settings, small_lake_root: Path) -> Path:
    """The small lake, in effect for this test (read it, do not write to it)."""
    settings.LAKE_URL = str(small_lake_root)
    return small_lake_root


@pytest.fixture
def duck(small_lake: Path) -> ibis.BaseBackend:
    return catalog.connect("duckdb")


@pytest.fixture(scope="session")
def spark_con() -> ibis.BaseBackend:
    """One SparkSession for the whole test session (starting Spark takes seconds).

    One shuffle partition: the test lake is tiny, and each partition costs a task.
    """
    os.environ.setdefault("GRIDCRM_SPARK_SHUFFLE", "1")
    return catalog.connect("spark")
