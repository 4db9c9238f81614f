"""A lake per test with the accounts of ``tests/billing/facts.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation
from pytest_django.fixtures import Settings

from gridcrm.lake.services import facts_append
from tests.billing import facts


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


@pytest.fixture
def accounts_lake(lake: Path) -> Path:
    """The lake of ``tests/billing/facts.py``."""
    facts_append(table="bills", facts=facts.bills())
    facts_append(table="payments", facts=facts.payments())
    return lake
