"""How long files are kept: uploads, reject files and exports each expire after their
number of days (``settings.KEEP_DAYS``; docs/security.md, "Retention").

Each app that writes such files contributes a purger to ``FILE_PURGERS``
(``gridcrm.core.extensions``): given the cutoff of each kind, it deletes its files older
than that, marks their records as expired (the record stays, for the audit trail, and
its download link then says the file has expired) and returns how many it deleted of
each kind. ``gridcrm purge_files`` and the jobs page run them all
(``gridcrm.jobs.services.files_purge``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings

from gridcrm.core.files import stored_path

UPLOADS = "uploads"
REJECTS = "rejects"
EXPORTS = "exports"
KINDS = (UPLOADS, REJECTS, EXPORTS)

Cutoffs = dict[str, dt.datetime]
"""Per kind: files made before this moment have expired."""


def cutoffs(now: dt.datetime) -> Cutoffs:
    """The cutoff of each kind at ``now``."""
    days: dict[str, int] = settings.KEEP_DAYS
    return {kind: now - dt.timedelta(days=days[kind]) for kind in KINDS}


def remove(path: str | Path) -> bool:
    """Delete a kept file, given as a path or as the name a row records
    (``gridcrm.core.files.stored_name``); ``True`` when there was one to delete."""
    if not path:
        return False
    target = path if isinstance(path, Path) else stored_path(path)
    if target is None or not target.is_file():
        return False
    target.unlink()
    return True


def older_files(folder: Path, pattern: str, before: dt.datetime) -> list[Path]:
    """The files of ``folder`` matching ``pattern`` last written before ``before``."""
    if not folder.is_dir():
        return []
    limit = before.timestamp()
    return sorted(p for p in folder.glob(pattern) if p.is_file() and p.stat().st_mtime < limit)
