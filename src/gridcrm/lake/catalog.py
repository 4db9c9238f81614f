"""Where the lake's tables live and how to reach them: the only module that knows.

Layout under ``settings.LAKE_URL`` (a folder, or any URL pyarrow's filesystems know)::

    <table>/month=YYYY-MM/part-<id>.parquet   facts, sorted by the table's key
    _staging/<id>/…                           an import's files before they go live,
                                              and its PUBLISH.json while it goes live
    _rejects/<id>.csv                         rows an import refused, with the reason

Pipelines ask this module for an Ibis connection (``connect``) and for tables
(``table``); they never name a path or an engine themselves.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from gridcrm.core.faults import pause_point
from gridcrm.lake.schemas import FACT_TABLES, FactSchema, fact_schema

ENGINES = ("duckdb", "spark")


def lake_root() -> str:
    """The lake's base location, without a trailing slash."""
    return str(settings.LAKE_URL).rstrip("/")


def is_local() -> bool:
    root = lake_root()
    return "://" not in root or root.startswith("file://")


def local_root() -> Path:
    """The lake as a local folder; imports, compaction and the UI's listing need one."""
    root = lake_root()
    if not is_local():
        raise NotImplementedError(
            "Imports and listings need a local lake folder; pipelines read any URL."
        )
    return Path(root.removeprefix("file://"))


def root_readable() -> bool:
    """Whether the lake's root can be listed now: a local folder that exists and may be
    read, or a remote location whose filesystem answers that it is a folder. One call on
    the root only, never a walk of the tables (the health check runs it often)."""
    if is_local():
        root = local_root()
        return root.is_dir() and os.access(root, os.R_OK | os.X_OK)
    from pyarrow import fs

    try:
        filesystem, path = fs.FileSystem.from_uri(lake_root())
        return bool(filesystem.get_file_info(path).type == fs.FileType.Directory)
    except (OSError, ValueError):
        return False


def table_dir(name: str) -> Path:
    fact_schema(name)  # fails loudly on an unknown table
    return local_root() / name


def partition_dir(name: str, month: str) -> Path:
    return table_dir(name) / f"month={month}"


def staging_dir(import_id: str) -> Path:
    return local_root() / "_staging" / import_id


def rejects_dir() -> Path:
    return local_root() / "_rejects"


def partition_files(name: str, months: list[str] | None = None) -> list[Path]:
    """The live Parquet files of a table (of some months only, when given), sorted."""
    base = table_dir(name)
    if not base.is_dir():
        return []
    wanted = None if months is None else {f"month={m}" for m in months}
    files: list[Path] = []
    for part in sorted(base.iterdir()):
        if not part.is_dir() or not part.name.startswith("month="):
            continue
        if wanted is not None and part.name not in wanted:
            continue
        files.extend(sorted(p for p in part.glob("*.parquet") if not p.name.startswith(".")))
    return files


@dataclass(frozen=True)
class PartitionInfo:
    month: str
    files: int
    rows: int
    bytes: int
    modified: datetime


@dataclass(frozen=True)
class TableInfo:
    name: str
    doc: str
    partitions: list[PartitionInfo]

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.partitions)

    @property
    def bytes(self) -> int:
        return sum(p.bytes for p in self.partitions)

    @property
    def files(self) -> int:
        return sum(p.files for p in self.partitions)

    @property
    def freshness(self) -> datetime | None:
        """When the table last received facts."""
        return max((p.modified for p in self.partitions), default=None)

    @property
    def months(self) -> tuple[str, str] | None:
        if not self.partitions:
            return None
        return self.partitions[0].month, self.partitions[-1].month


def table_info(name: str) -> TableInfo:
    """Partitions, files, row counts (from Parquet footers) and freshness of one table."""
    schema = fact_schema(name)
    by_month: dict[str, list[Path]] = {}
    for path in partition_files(name):
        by_month.setdefault(path.parent.name.removeprefix("month="), []).append(path)
    partitions = []
    for month, paths in sorted(by_month.items()):
        stats = [p.stat() for p in paths]
        partitions.append(
            PartitionInfo(
                month=month,
                files=len(paths),
                rows=sum(pq.ParquetFile(p).metadata.num_rows for p in paths),
                bytes=sum(s.st_size for s in stats),
                modified=datetime.fromtimestamp(max(s.st_mtime for s in stats), tz=UTC),
            )
        )
    return TableInfo(name=name, doc=str(schema.doc), partitions=partitions)


def lake_tables() -> list[TableInfo]:
    return [table_info(name) for name in FACT_TABLES]


@contextmanager
def lake_lock() -> Iterator[None]:
    """One writer at a time (imports, compaction), across processes on this machine."""
    path = Path(settings.VAR_DIR) / "lake.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- publishing an import's files ----------------------------------------------------

PUBLISH_JOURNAL = "PUBLISH.json"


def publish(staging: Path, moves: list[tuple[Path, Path]], *, owner: str) -> None:
    """Move an import's staged files into their partitions (the caller holds the lock).

    Several renames cannot be one atomic step, so the list of moves and its ``owner``
    (the import's record) is written first to ``staging/PUBLISH.json``, with one atomic
    rename. It stays there until the owner's record says whether the import happened:
    then ``publication_settle`` finishes the moves or takes them back. A process killed
    between two renames thus never leaves half an import visible for long: the next
    writer settles it before it writes (``lake.services``).
    """
    root = local_root()
    journal = {
        "owner": owner,
        "moves": [[str(a.relative_to(root)), str(b.relative_to(root))] for a, b in moves],
    }
    tmp = staging / f".{PUBLISH_JOURNAL}"
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(journal, handle)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(staging / PUBLISH_JOURNAL)
    for number, (source, target) in enumerate(moves):
        target.parent.mkdir(parents=True, exist_ok=True)
        source.replace(target)
        if number == 0:
            pause_point("lake.publish")


def publications() -> list[tuple[str, Path]]:
    """(owner, staging folder) of every import that began to publish and is not settled.

    Staging folders without a journal belong to imports that died before publishing:
    nothing of theirs is live, so they are removed here (the caller holds the lock)."""
    base = local_root() / "_staging"
    found: list[tuple[str, Path]] = []
    for staging in sorted(base.iterdir()) if base.is_dir() else []:
        journal = staging / PUBLISH_JOURNAL
        if journal.is_file():
            found.append((str(json.loads(journal.read_text(encoding="utf-8"))["owner"]), staging))
        else:
            shutil.rmtree(staging, ignore_errors=True)
    return found


def publication_settle(staging: Path, *, keep: bool) -> None:
    """Finish an import's moves (``keep``, its record says it happened) or take back the
    ones made, then forget the journal; either way the lake holds all of it or none."""
    root = local_root()
    journal = json.loads((staging / PUBLISH_JOURNAL).read_text(encoding="utf-8"))
    for source_name, target_name in journal["moves"]:
        source, target = root / source_name, root / target_name
        if keep and source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            source.replace(target)
        elif not keep:
            target.unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)


# -- engines ---------------------------------------------------------------------------


def engine_name(engine: str | None = None) -> str:
    name = engine or str(settings.ENGINE)
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; use one of {', '.join(ENGINES)}")
    return name


def duckdb_config() -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB's settings for the lake: at most ``GRIDCRM_DUCKDB_MEMORY`` of memory when
    set (``1GB``; DuckDB's default is 80 % of the machine), spilling beyond it under
    ``var/duckdb-tmp``."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "temp_directory": str(Path(settings.VAR_DIR) / "duckdb-tmp")
    }
    limit = os.environ.get("GRIDCRM_DUCKDB_MEMORY", "")
    if limit:
        config["memory_limit"] = limit
    return config


def connect(engine: str | None = None) -> ibis.BaseBackend:
    """An Ibis connection to the chosen engine (``settings.ENGINE`` by default)."""
    if engine_name(engine) == "spark":
        from gridcrm.lake.spark import spark_session

        return ibis.pyspark.connect(spark_session())
    return ibis.duckdb.connect(**duckdb_config())


def _empty(schema: FactSchema) -> pa.Table:
    return schema.arrow.empty_table()


def table(con: ibis.BaseBackend, name: str) -> ibis.Table:
    """A fact table as an Ibis table on ``con``, with exactly its schema's columns."""
    schema = fact_schema(name)
    files = partition_files(name) if is_local() else None
    if files == []:
        return ibis.memtable(_empty(schema))
    source = str(table_dir(name)) if is_local() else f"{lake_root()}/{name}"
    # Files written before a column was added lack it: their schemas merge by name.
    merge: dict[str, Any] = {}
    if schema.added:
        merge = {"union_by_name": True} if con.name == "duckdb" else {"mergeSchema": "true"}
    if con.name == "duckdb":
        glob = f"{source}/month=*/*.parquet"
        raw = con.read_parquet(glob, hive_partitioning=False, **merge)
    else:
        raw = con.read_parquet(source, **merge)
    columns: dict[str, Any] = {}
    for column in schema.columns:
        if column.name in raw.columns:
            value = raw[column.name]
            if column.default is not None:
                value = value.coalesce(column.default)
        else:
            value = ibis.literal(column.default, type=ibis.dtype(column.type))
        columns[column.name] = value
    result: ibis.Table = raw.select(**columns)
    return result
