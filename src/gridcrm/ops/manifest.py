"""The manifest of a backup set, and the copying and hashing of its files.

A set is a folder::

    manifest.json        what the set holds: every file with its size and sha256, the
                         database's kind, the lake's tables (files, rows, digest)
    manifest.sha256      the sha256 of manifest.json, so that an altered manifest shows
    database.sqlite3     or database.pgdump (pg_dump's custom format)
    var/…                the files under GRIDCRM_VAR (uploads, imports, exports, media,
                         the generated secret key)
    lake/…               the fact lake's files (partitions, reject files)

``manifest.json`` is written last, so a set without it was cut off while being made.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from django.utils.translation import gettext as _

from gridcrm.ops.errors import BackupDamaged

FORMAT = "gridcrm-backup"
VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_hashed(source: Path, target: Path) -> tuple[str, int]:
    """Copy a file (private to its owner: the sets hold personal data) and return the
    sha256 and size of what was written, read once."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest = hashlib.sha256()
    size = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with source.open("rb") as src, os.fdopen(fd, "wb") as out:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest(), size


def walk(root: Path, skip: set[Path] | None = None) -> Iterator[Path]:
    """Every regular file under ``root`` (sorted), leaving out ``skip`` (files or folders)."""
    if not root.is_dir():
        return
    skip = skip or set()
    for path in sorted(root.rglob("*")):
        if any(path == s or path.is_relative_to(s) for s in skip):
            continue
        if path.is_file() and not path.is_symlink():
            yield path


@dataclass
class Manifest:
    """What a set holds; ``files`` maps a path inside the set to its sha256 and size."""

    created_at: str
    database: dict[str, str]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    lake: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs_running: list[int] = field(default_factory=list)

    def add(self, name: str, sha256: str, size: int) -> None:
        self.files[name] = {"sha256": sha256, "bytes": size}

    def summarise_lake(self, folder: Path) -> None:
        """Per fact table: its files, rows (from the Parquet footers) and one digest over
        its files' names and sha256 — the lake's checksums, compared after a restore."""
        tables: dict[str, dict[str, Any]] = {}
        for name in sorted(self.files):
            parts = name.split("/")
            if parts[0] != "lake" or len(parts) < 4 or not name.endswith(".parquet"):
                continue
            entry = tables.setdefault(parts[1], {"files": 0, "rows": 0, "digest": ""})
            entry["files"] += 1
            entry["rows"] += pq.ParquetFile(folder / name).metadata.num_rows
            entry["digest"] = hashlib.sha256(
                (entry["digest"] + name + self.files[name]["sha256"]).encode()
            ).hexdigest()
        self.lake = tables

    def write(self, folder: Path) -> None:
        text = json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "created_at": self.created_at,
                "database": self.database,
                "jobs_running": self.jobs_running,
                "lake": self.lake,
                "files": self.files,
            },
            indent=1,
            sort_keys=True,
        )
        tmp = folder / f".{MANIFEST}"
        tmp.write_text(text, encoding="utf-8")
        (folder / MANIFEST_SUM).write_text(
            hashlib.sha256(text.encode()).hexdigest() + "\n", encoding="utf-8"
        )
        tmp.replace(folder / MANIFEST)  # last: the set is whole from here on


def read(folder: Path) -> Manifest:
    """The manifest of the set in ``folder``; ``BackupDamaged`` when it is missing or
    does not match its checksum."""
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupDamaged(
            _("%(folder)s is not a whole backup set: it has no %(file)s.")
            % {"folder": folder, "file": MANIFEST}
        )
    text = path.read_text(encoding="utf-8")
    summed = folder / MANIFEST_SUM
    expected = summed.read_text(encoding="utf-8").strip() if summed.is_file() else ""
    if hashlib.sha256(text.encode()).hexdigest() != expected:
        raise BackupDamaged(
            _("%(file)s in %(folder)s does not match its checksum.")
            % {"file": MANIFEST, "folder": folder}
        )
    data = json.loads(text)
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise BackupDamaged(
            _("%(folder)s holds no GridCRM backup of format %(version)s.")
            % {"folder": folder, "version": VERSION}
        )
    return Manifest(
        created_at=data["created_at"],
        database=data["database"],
        files=data["files"],
        lake=data["lake"],
        jobs_running=data["jobs_running"],
    )


def problems(folder: Path, manifest: Manifest) -> list[str]:
    """Every way the files in ``folder`` differ from ``manifest``: missing, changed in
    size or content, or present without being listed. Empty for a whole set."""
    found: list[str] = []
    for name, entry in sorted(manifest.files.items()):
        path = folder / name
        if not path.is_file():
            found.append(_("missing: %(name)s") % {"name": name})
        elif path.stat().st_size != entry["bytes"] or sha256_of(path) != entry["sha256"]:
            found.append(_("changed: %(name)s") % {"name": name})
    listed = {folder / name for name in manifest.files}
    for path in walk(folder, {folder / MANIFEST, folder / MANIFEST_SUM}):
        if path not in listed:
            found.append(_("not listed: %(name)s") % {"name": path.relative_to(folder).as_posix()})
    return found
