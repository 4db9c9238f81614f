"""Bad settings stop start-up with a message that names the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    environ.update({"GRIDCRM_VAR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-m", "gridcrm.cli", "check"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GRIDCRM_ENGINE", "oracle"),
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "mysql://root@localhost/gridcrm"),
        ("DATABASE_URL", "postgres://u@h:notaport/db"),
        ("GRIDCRM_DEBUG", "maybe"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = _start(tmp_path, **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_production_mode_requires_a_secret_key(tmp_path: Path) -> None:
    result = _start(tmp_path, GRIDCRM_PRODUCTION="1")
    assert result.returncode != 0
    assert "GRIDCRM_SECRET_KEY" in result.stderr


def test_the_demo_defaults_start_and_generate_a_private_secret_key(tmp_path: Path) -> None:
    result = _start(tmp_path)
    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0
    assert len(key_file.read_text()) >= 50
