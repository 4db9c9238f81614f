"""Registry imports as jobs: an upload is kept and queued (``import_start``); the runner
(``grid_import_job``, declared in ``grid/tasks.py``) imports it and keeps its report beside
the reject file (``import_report_load``)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import translation
from django.utils.translation import gettext as _

from gridcrm.core import uploads
from gridcrm.grid.errors import ImportRefused, MayNotEditGrid
from gridcrm.grid.imports import ImportReport, registry_import
from gridcrm.grid.imports.files import SUFFIXES
from gridcrm.grid.selectors import can_edit
from gridcrm.jobs.services import job_start

if TYPE_CHECKING:
    from gridcrm.jobs.models import Job
    from gridcrm.users.models import User

GRID_IMPORT = "grid_import"


def imports_dir() -> Path:
    """Where uploads, reports and reject files of registry imports live."""
    path = Path(settings.VAR_DIR) / "grid-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _report_path(job_id: int) -> Path:
    return imports_dir() / f"import-{job_id}.json"


def import_start(*, upload: UploadedFile, acting_user: User, dry_run: bool) -> Job:
    """Keep an uploaded export and queue its import. ``grid.may_not_edit`` for a role that
    may not import; ``ImportRefused`` for a file that is not CSV or XLSX, or too large."""
    if not can_edit(user=acting_user):
        raise MayNotEditGrid(_("Your role may not import into the grid registry."))
    filename = Path(upload.name or "upload.csv").name
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise ImportRefused(
            _("Upload a CSV (.csv) or Excel (.xlsx) file."), code="grid.import_file_type"
        )
    # A registry export is held to the customer import's limit (core.upload_too_large).
    uploads.check_size(upload, uploads.CUSTOMERS)
    stored = imports_dir() / f"upload-{uuid.uuid4().hex}{suffix}"
    with stored.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return job_start(
        kind=GRID_IMPORT,
        acting_user=acting_user,
        params={
            "path": str(stored),
            "filename": filename,
            "dry_run": dry_run,
            "language": translation.get_language() or settings.LANGUAGE_CODE,
        },
    )


def grid_import_job(job: Job) -> str:
    """Run a queued registry import; the summary goes in ``job.message``, the reject file
    is the job's result file."""
    params = job.params
    with translation.override(params.get("language", settings.LANGUAGE_CODE)):
        report = registry_import(
            path=Path(params["path"]),
            acting_user=job.created_by,
            filename=str(params.get("filename", "")),
            dry_run=bool(params.get("dry_run")),
            reject_path=imports_dir() / f"import-{job.pk}-rejects.csv",
        )
        _report_path(job.pk).write_text(report.to_json(), encoding="utf-8")
        job.message = report.summary()[:500]
    return report.reject_file


def import_report_load(*, job: Job) -> ImportReport | None:
    """The report of a finished registry import job, if it wrote one."""
    path = _report_path(job.pk)
    if not path.is_file():
        return None
    return ImportReport.from_json(path.read_text(encoding="utf-8"))
