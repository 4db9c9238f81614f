"""Pages to watch jobs and fetch their results."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridcrm.core.files import stored_path
from gridcrm.jobs.models import Job
from gridcrm.jobs.selectors import jobs_unfinished, jobs_visible_to
from gridcrm.jobs.services import files_purge_start, job_cancel, job_rerun
from gridcrm.web.errors import page_errors
from gridcrm.web.http import AuthedRequest


def _visible_job(request: AuthedRequest, job_id: int) -> Job:
    return get_object_or_404(jobs_visible_to(user=request.user), pk=job_id)


@login_required
def job_list(request: AuthedRequest) -> HttpResponse:
    """The user's recent jobs; ``?active=1``: only those still queued or running."""
    active = request.GET.get("active") == "1"
    shown = jobs_unfinished(user=request.user) if active else jobs_visible_to(user=request.user)
    return render(request, "jobs/job_list.html", {"jobs": shown[:50], "active": active})


@login_required
def job_detail(request: AuthedRequest, job_id: int) -> HttpResponse:
    """One job with a progress bar that refreshes itself until the job ends."""
    return render(request, "jobs/job_detail.html", {"job": _visible_job(request, job_id)})


@login_required
def job_progress_fragment(request: AuthedRequest, job_id: int) -> HttpResponse:
    """The progress bar alone, polled by htmx."""
    return render(request, "jobs/_progress.html", {"job": _visible_job(request, job_id)})


@login_required
def job_download(request: AuthedRequest, job_id: int) -> HttpResponseBase:
    """The file a finished job produced; once deleted at the end of its retention, a
    page that says so (410 Gone)."""
    job = _visible_job(request, job_id)
    if job.files_expired_at is not None:
        return render(
            request,
            "web/file_expired.html",
            {"expired_at": job.files_expired_at, "back": reverse("jobs:job_detail", args=[job.pk])},
            status=410,
        )
    path = stored_path(job.result_file)
    if path is None or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@login_required
@require_POST
def purge_start(request: AuthedRequest) -> HttpResponse:
    """Start the deletion of expired uploads, reject files and exports (administrators)."""
    with page_errors(request):
        job = files_purge_start(acting_user=request.user)
        messages.success(request, _("Deleting expired files."))
        return redirect("jobs:job_detail", job_id=job.pk)
    return redirect("jobs:job_list")


@login_required
@require_POST
def job_rerun_view(request: AuthedRequest, job_id: int) -> HttpResponse:
    """Run a failed or interrupted job again; the page of the new job follows."""
    job = _visible_job(request, job_id)
    with page_errors(request):
        new = job_rerun(job=job, acting_user=request.user)
        return redirect("jobs:job_detail", new.pk)
    return redirect("jobs:job_detail", job.pk)


@login_required
@require_POST
def job_cancel_view(request: AuthedRequest, job_id: int) -> HttpResponse:
    """Ask a queued or running job to stop; its page shows when it has."""
    job = _visible_job(request, job_id)
    with page_errors(request):
        job_cancel(job=job, acting_user=request.user)
        messages.success(request, _("Cancelling: the job stops at its next step."))
    return redirect("jobs:job_detail", job.pk)
