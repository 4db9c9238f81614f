"""``gridcrm backup`` / ``restore``: the database, the lake and the files as one set
that a restore into another folder brings back whole, with working download links, and
that is refused when damaged, partial, or aimed at a place that holds data."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.installation import Installation

PG = "postgres://postgres@127.0.0.1:5432"
COMPARED = ("customers", "grades", "credit_runs", "requests", "lake", "lake_imports", "jobs")


def _compared(state: dict[str, object]) -> dict[str, object]:
    return {key: state[key] for key in COMPARED}


def _restored_matches(source: Installation, restored: Installation) -> None:
    """The restored copy holds what the source held and serves every file itself,
    even with the source's folder gone."""
    before = source.probe("state")
    links = source.probe("downloads")
    shutil.rmtree(source.var)

    assert _compared(restored.probe("state")) == _compared(before)
    assert len(links) >= 4  # an export, two import reject files, a lake reject file
    assert all(link["status"] == 200 for link in links)
    assert restored.probe("downloads") == links


def test_backup_then_restore_into_an_empty_folder_gives_the_same_state_and_downloads(
    demo_installation: Installation, tmp_path: Path
) -> None:
    source = demo_installation.copy_to(tmp_path / "source")
    source.run("backup", str(tmp_path / "set"))
    assert "whole" in source.run("backup", "--verify", str(tmp_path / "set")).stdout
    restored = Installation(tmp_path / "elsewhere" / "var")

    restored.run("restore", str(tmp_path / "set"))

    _restored_matches(source, restored)


def _set(installation: Installation, folder: Path) -> Path:
    installation.run("backup", str(folder))
    return folder


def test_a_damaged_or_partial_set_is_refused_and_nothing_is_restored(
    demo_installation: Installation, tmp_path: Path
) -> None:
    folder = _set(demo_installation, tmp_path / "set")
    target = Installation(tmp_path / "target" / "var")
    parquet = next((folder / "lake").rglob("*.parquet"))
    parquet.write_bytes(parquet.read_bytes()[:-10])  # truncated

    verified = demo_installation.run("backup", "--verify", str(folder), check=False)
    restored = target.run("restore", str(folder), check=False)

    assert verified.returncode != 0
    assert "ops.backup_damaged" in verified.stderr
    assert restored.returncode != 0
    assert "ops.backup_damaged" in restored.stderr
    assert not (target.var / "gridcrm.sqlite3").exists()
    assert not (target.var / "lake").exists()

    (folder / "manifest.json").unlink()  # cut off before it was finished
    partial = target.run("restore", str(folder), check=False)
    assert partial.returncode != 0
    assert "ops.backup_damaged" in partial.stderr


def test_restore_over_data_needs_force(demo_installation: Installation, tmp_path: Path) -> None:
    folder = _set(demo_installation, tmp_path / "set")
    target = demo_installation.copy_to(tmp_path / "target")
    target.probe("seed", str(tmp_path))  # more jobs and customers than the set holds
    before = target.probe("state")

    refused = target.run("restore", str(folder), check=False)

    assert refused.returncode != 0
    assert "ops.target_not_empty" in refused.stderr
    assert target.probe("state") == before
    target.run("restore", "--force", str(folder))
    assert _compared(target.probe("state")) == _compared(demo_installation.probe("state"))


def test_a_backup_is_refused_inside_the_folder_it_copies(
    demo_installation: Installation,
) -> None:
    refused = demo_installation.run(
        "backup", str(demo_installation.var / "backups" / "x"), check=False
    )

    assert refused.returncode != 0
    assert "ops.backup_refused" in refused.stderr


def _postgres_ready() -> bool:
    # Only in the PostgreSQL run of the suite: the SQLite run needs no server.
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return False
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        return False
    try:
        psycopg.connect(f"{PG}/postgres", connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


@pytest.fixture
def pg_databases() -> Iterator[tuple[str, str]]:
    """Two new, empty PostgreSQL databases (the source and the restore target)."""
    if not _postgres_ready():
        pytest.skip("runs with DATABASE_URL=postgres://…, a server at 127.0.0.1 and pg_dump")
    names = [f"gridcrm_backup_{uuid.uuid4().hex[:8]}_{side}" for side in ("src", "dst")]
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    yield names[0], names[1]
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_backup_and_restore_on_postgresql(pg_databases: tuple[str, str], tmp_path: Path) -> None:
    source_db, target_db = pg_databases
    source = Installation(tmp_path / "source" / "var", f"{PG}/{source_db}")
    source.build_demo()
    source.probe("seed", str(tmp_path))
    source.run("backup", str(tmp_path / "set"))
    assert (tmp_path / "set" / "database.pgdump").is_file()
    restored = Installation(tmp_path / "elsewhere" / "var", f"{PG}/{target_db}")

    restored.run("restore", str(tmp_path / "set"))

    _restored_matches(source, restored)
