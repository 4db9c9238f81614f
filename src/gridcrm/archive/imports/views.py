"""Pages to import customers from a file and read the import's report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gridcrm.archive import registry
from gridcrm.archive.imports.jobs import IMPORT_CUSTOMERS, import_report_load, import_start
from gridcrm.core import uploads
from gridcrm.jobs.selectors import jobs_visible_to
from gridcrm.web.errors import page_errors

if TYPE_CHECKING:
    from gridcrm.jobs.models import Job
    from gridcrm.web.http import AuthedRequest

IMPORT_PERMISSION = "archive.import_customers"
REPORTED_ROWS = 200


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
@uploads.accepts_upload(uploads.CUSTOMERS)
def customer_import(request: AuthedRequest) -> HttpResponse:
    """Upload a CSV or XLSX file and start its import (or dry run) as a job."""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a file to import."))
        else:
            with page_errors(request):
                job = import_start(
                    upload=upload,
                    acting_user=request.user,
                    dry_run=request.POST.get("dry_run") == "on",
                    language=get_language(),
                )
                return redirect("archive:import_detail", job_id=job.pk)
    specs = registry.all_specs()
    columns = [
        {"spec": s, "label": s.label, "required": s.tier == registry.Tier.ONE}
        for s in specs
        if not s.is_derived
    ]
    recent = jobs_visible_to(user=request.user).filter(kind=IMPORT_CUSTOMERS)[:10]
    return render(request, "archive/import.html", {"columns": columns, "recent": recent})


def _import_job(request: AuthedRequest, job_id: int) -> Job:
    job = jobs_visible_to(user=request.user).filter(kind=IMPORT_CUSTOMERS, pk=job_id).first()
    if job is None:
        raise Http404
    return job


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
def import_detail(request: AuthedRequest, job_id: int) -> HttpResponse:
    """An import's progress, then its report: counts, reasons per row and column, rejects."""
    job = _import_job(request, job_id)
    template = "archive/_import_status.html" if request.htmx else "archive/import_detail.html"
    report = import_report_load(job=job) if job.is_finished else None
    return render(
        request,
        template,
        {
            "job": job,
            "report": report,
            "errors": report.errors[:REPORTED_ROWS] if report else [],
            "more_errors": bool(
                report and (len(report.errors) > REPORTED_ROWS or report.errors_truncated)
            ),
        },
    )
