"""Imports as jobs: an upload is kept and queued (``import_start``), the job runner
(``import_customers_job``, declared in ``archive/tasks.py``) imports it and keeps its
report beside the reject file (``import_report_load``)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import translation
from django.utils.translation import gettext as _

from gridcrm.archive.imports.batch import BATCH_SIZE, CustomerImport
from gridcrm.archive.imports.errors import ImportNotPermitted, ImportRefused
from gridcrm.archive.imports.files import IMPORT_SUFFIXES, check_table, read_table, table_format
from gridcrm.archive.imports.report import ImportReport
from gridcrm.core import retention, uploads
from gridcrm.core.files import stored_name, stored_path
from gridcrm.jobs.services import job_progress, job_start

if TYPE_CHECKING:
    from gridcrm.jobs.models import Job
    from gridcrm.users.models import User

# The job kind of an import (declared with its runner in archive/tasks.py).
IMPORT_CUSTOMERS = "import_customers"


def customers_import(
    *,
    path: Path,
    acting_user: User,
    filename: str = "",
    dry_run: bool = False,
    reject_path: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import customers from a CSV or XLSX file; see the module docstring for the rules.

    Raises ``ImportRefused`` or ``UploadRefused`` (and writes nothing) when the file as a
    whole is wrong;
    ``acting_user`` is who imports: the scope, the permissions and the history's name.
    ``progress(done, total)`` is called after each batch.
    """
    filename = filename or path.name
    # A first pass holds the file to the upload bounds before anything is written: the
    # import commits batch by batch, so a refusal half-way would leave half a file.
    check_table(path, filename=filename)
    table = read_table(path, filename=filename)
    if reject_path is None:
        reject_path = imports_dir() / f"rejects-{uuid.uuid4().hex}.csv"
    return CustomerImport(
        table=table,
        filename=filename,
        acting_user=acting_user,
        dry_run=dry_run,
        reject_path=reject_path,
        progress=progress,
        batch_size=batch_size,
    ).run()


def imports_dir() -> Path:
    """Where uploads, reports and reject files of imports live."""
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def import_uploads_purge(cutoffs: Mapping[str, dt.datetime]) -> dict[str, int]:
    """Delete kept import uploads written before the uploads' cutoff (their jobs' reject
    files are the jobs app's to purge; the reports stay with the jobs)."""
    old = retention.older_files(imports_dir(), "upload-*", cutoffs[retention.UPLOADS])
    return {retention.UPLOADS: sum(retention.remove(path) for path in old)}


def report_path(job_id: int) -> Path:
    return imports_dir() / f"import-{job_id}.json"


def import_start(
    *, upload: UploadedFile, acting_user: User, dry_run: bool, language: str = ""
) -> Job:
    """Keep an uploaded file under ``VAR_DIR/imports`` and queue its import as a job.

    Raises ``ImportNotPermitted`` for a role that may not import, ``ImportRefused`` for a
    file that is not CSV or XLSX by name, and ``UploadRefused`` for one over the size
    limit, whose content is not what its name says, or an XLSX decompression bomb.
    """
    if not acting_user.has_perm("archive.import_customers"):
        raise ImportNotPermitted(_("Your role may not import customers."))
    filename = Path(upload.name or "upload.csv").name
    suffix = Path(filename).suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise ImportRefused(
            _("Upload a CSV (.csv) or Excel (.xlsx) file."), code="archive.import_file_type"
        )
    uploads.check_size(upload, uploads.CUSTOMERS)
    stored = imports_dir() / f"upload-{uuid.uuid4().hex}{suffix}"
    with stored.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    try:
        uploads.sniff(stored, filename=filename, expected=table_format(filename))
    except uploads.UploadRefused:
        stored.unlink()  # a refused upload leaves nothing behind
        raise
    return job_start(
        kind=IMPORT_CUSTOMERS,
        acting_user=acting_user,
        params={
            "path": stored_name(stored),
            "filename": filename,
            "dry_run": dry_run,
            "language": language or settings.LANGUAGE_CODE,
        },
    )


def import_report_load(*, job: Job) -> ImportReport | None:
    """The report of a finished import job, if it wrote one."""
    path = report_path(job.pk)
    if not path.is_file():
        return None
    return ImportReport.from_json(path.read_text(encoding="utf-8"))


def import_customers_job(job: Job) -> str:
    """Run an uploaded import; the summary goes in ``job.message``, the reject file is the
    job's result file."""
    params = job.params
    with translation.override(params.get("language", settings.LANGUAGE_CODE)):
        report = customers_import(
            path=stored_path(str(params["path"])) or imports_dir() / "missing",
            acting_user=job.created_by,
            filename=str(params.get("filename", "")),
            dry_run=bool(params.get("dry_run")),
            reject_path=imports_dir() / f"import-{job.pk}-rejects.csv",
            progress=lambda done, total: job_progress(job, done=done, total=total),
            batch_size=settings.IMPORT_BATCH_ROWS,
        )
        report_path(job.pk).write_text(report.to_json(), encoding="utf-8")
        job.message = report.summary()[:500]  # job_execute saves it with the result
    return report.reject_file
