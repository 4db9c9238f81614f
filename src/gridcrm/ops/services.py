"""Backup and restore of one installation: the database, the fact lake and the files
under GRIDCRM_VAR, as one set that can be verified before it is trusted.

Consistency: the lake's lock (``lake.services.lake_writing``) is held while the
database is snapshotted and the lake copied. No import publishes meanwhile, and any
import a crash left half-published is settled first, so the lake copied and the import
records in the snapshot agree. The files under GRIDCRM_VAR are copied after the
snapshot: every file a row of the snapshot names was complete before that row was
committed, so the set holds it (files that appear later are extra, and harmless).
Customer imports and credit batches commit in the database only, so the snapshot holds
each of their batches whole or not at all; a job running meanwhile is listed in the
manifest, and restored as a job whose worker stopped (``jobs_reap_stale``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.jobs.selectors import running_job_ids
from gridcrm.lake import catalog
from gridcrm.lake.services import lake_writing
from gridcrm.ops import database, manifest
from gridcrm.ops.errors import BackupDamaged, BackupRefused, TargetNotEmpty

VAR_SKIPPED = ("static", "lake.lock", "duckdb-tmp", "spark-tmp", "spark-warehouse")
"""Under GRIDCRM_VAR but not state: made again on demand."""


@dataclass(frozen=True)
class BackupSummary:
    folder: Path
    files: int
    bytes: int
    lake: dict[str, dict[str, int | str]]
    jobs_running: list[int]


def _var() -> Path:
    return Path(settings.VAR_DIR).resolve()


def _lake() -> Path:
    if not catalog.is_local():
        raise BackupRefused(
            _("The lake is not a local folder; back it up with its store's own tools.")
        )
    return catalog.local_root().resolve()


def _var_skipped() -> set[Path]:
    """What under GRIDCRM_VAR is not copied as a file: caches, the lock, the lake (copied
    as the lake) and the SQLite database (copied through its backup API)."""
    var = _var()
    skip = {var / name for name in VAR_SKIPPED} | {_lake()}
    db = database.sqlite_path()
    if db is not None:
        skip |= {db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")}
    return skip


def _lake_skipped() -> set[Path]:
    return {_lake() / "_staging"}


def _outside_state(folder: Path) -> None:
    for root in (_var(), _lake()):
        if folder == root or folder.is_relative_to(root) or root.is_relative_to(folder):
            raise BackupRefused(
                _("%(folder)s overlaps %(root)s; keep backups apart from what they copy.")
                % {"folder": folder, "root": root}
            )


def backup_create(*, dest: Path) -> BackupSummary:
    """Write a backup set into ``dest``, a new or empty folder outside GRIDCRM_VAR and the
    lake (``ops.backup_refused`` otherwise). The manifest is written last."""
    dest = dest.resolve()
    _outside_state(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupRefused(_("%(folder)s is not empty.") % {"folder": dest})
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    dest.chmod(0o700)  # the set holds personal data
    lake = _lake()
    db_name = database.dump_name()
    result = manifest.Manifest(
        created_at=timezone.now().isoformat(),
        database={"vendor": database.vendor(), "file": db_name},
    )
    with lake_writing():
        result.jobs_running = running_job_ids()
        database.snapshot(dest / db_name)
        result.add(db_name, manifest.sha256_of(dest / db_name), (dest / db_name).stat().st_size)
        for path in manifest.walk(lake, _lake_skipped()):
            name = f"lake/{path.relative_to(lake).as_posix()}"
            result.add(name, *manifest.copy_hashed(path, dest / name))
    var = _var()
    for path in manifest.walk(var, _var_skipped()):
        name = f"var/{path.relative_to(var).as_posix()}"
        result.add(name, *manifest.copy_hashed(path, dest / name))
    result.summarise_lake(dest)
    result.write(dest)
    return BackupSummary(
        folder=dest,
        files=len(result.files),
        bytes=sum(int(e["bytes"]) for e in result.files.values()),
        lake=result.lake,
        jobs_running=result.jobs_running,
    )


def backup_verify(*, src: Path) -> manifest.Manifest:
    """The manifest of the set in ``src`` once every file is checked against it;
    ``ops.backup_damaged`` naming what is wrong otherwise."""
    src = src.resolve()
    found = manifest.read(src)
    wrong = manifest.problems(src, found)
    if wrong:
        shown = "; ".join(wrong[:10]) + (" …" if len(wrong) > 10 else "")
        raise BackupDamaged(
            _("The backup set in %(folder)s is damaged or partial: %(problems)s")
            % {"folder": src, "problems": shown}
        )
    return found


def _holds_data() -> list[str]:
    """What already holds data where a restore would write."""
    held = []
    if database.holds_data():
        held.append(_("the database"))
    if any(manifest.walk(_var(), _var_skipped() | {_var() / "secret_key"})):
        held.append(str(_var()))
    if any(manifest.walk(_lake())):
        held.append(str(_lake()))
    return held


def _clear() -> None:
    """Remove the files a restore replaces: the whole lake, and GRIDCRM_VAR's state."""
    for path in manifest.walk(_lake()):
        path.unlink()
    for path in manifest.walk(_var(), _var_skipped()):
        path.unlink()


def backup_restore(*, src: Path, force: bool = False) -> manifest.Manifest:
    """Restore the set in ``src`` into the configured database, GRIDCRM_VAR and lake.

    The whole set is verified first (``ops.backup_damaged``); a target that holds data
    is refused unless ``force`` (``ops.target_not_empty``); the database must be of the
    set's kind (``ops.backup_refused``). Stored file names are relative to their roots,
    so the restored installation serves its own files wherever its folder is."""
    src = src.resolve()
    _outside_state(src)
    found = backup_verify(src=src)
    if found.database["vendor"] != database.vendor():
        raise BackupRefused(
            _("The set holds a %(set)s database; this installation uses %(here)s.")
            % {"set": found.database["vendor"], "here": database.vendor()}
        )
    held = _holds_data()
    if held and not force:
        raise TargetNotEmpty(
            _("%(what)s already hold data; restore into an empty place, or pass --force.")
            % {"what": ", ".join(held)}
        )
    if force:
        _clear()
    database.restore(src / found.database["file"], replace=force)
    roots = {"var": _var(), "lake": _lake()}
    for name, entry in sorted(found.files.items()):
        top, _sep, rest = name.partition("/")
        if top not in roots:
            continue
        sha256, _size = manifest.copy_hashed(src / name, roots[top] / rest)
        if sha256 != entry["sha256"]:
            raise BackupDamaged(_("%(name)s changed while it was restored.") % {"name": name})
    return found
