"""A fresh, empty lake per test, in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings


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
