"""Pages of the lake: overview and imports; a customer's load curve (a fragment)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gridcrm.core import uploads
from gridcrm.core.files import stored_path
from gridcrm.core.formats import unit
from gridcrm.lake import selectors, services
from gridcrm.lake.models import LakeImport
from gridcrm.lake.schemas import FACT_TABLES
from gridcrm.web.errors import page_errors
from gridcrm.web.http import AuthedRequest


class ImportForm(forms.Form):
    """The upload form; the file's bounds are the service's (``gridcrm.core.uploads``)."""

    table = forms.ChoiceField(label=_("Table"), choices=[(t, t) for t in FACT_TABLES])
    file = forms.FileField(label=_("CSV or Parquet file"))


class CurveForm(forms.Form):
    """The load curve's query: how many days back (1 to 31); anything else means 7."""

    days = forms.IntegerField(required=False)

    @classmethod
    def days_of(cls, query: QueryDict) -> int:
        form = cls(query)
        days = form.cleaned_data.get("days") if form.is_valid() else None
        return 7 if days is None else min(max(days, 1), 31)


@login_required
def lake_overview(request: AuthedRequest) -> HttpResponse:
    """Tables, partitions, row counts and freshness; recent imports; the upload form."""
    selectors.require_view_lake(user=request.user)
    return render(
        request,
        "lake/overview.html",
        {
            "tables": selectors.lake_overview(),
            "imports": selectors.lake_imports_visible_to(user=request.user)[:20],
            "form": ImportForm() if selectors.can_import_facts(user=request.user) else None,
        },
    )


@login_required
@require_POST
@uploads.accepts_upload(uploads.LAKE)
def lake_import_upload(request: AuthedRequest) -> HttpResponse:
    """Keep the upload and start its import job; the job page shows the progress."""
    selectors.require_import_facts(user=request.user)
    form = ImportForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        upload = form.cleaned_data["file"]
        status = 422  # valid, but the service refused it
        with page_errors(request, form=form):
            lake_import = services.lake_import_start(
                table=form.cleaned_data["table"],
                source_name=upload.name,
                content=upload,
                acting_user=request.user,
            )
            return redirect("lake:import_detail", import_id=lake_import.pk)
    return render(
        request,
        "lake/overview.html",
        {
            "tables": selectors.lake_overview(),
            "imports": selectors.lake_imports_visible_to(user=request.user)[:20],
            "form": form,
        },
        status=status,
    )


def _visible_import(request: AuthedRequest, import_id: int) -> LakeImport:
    return get_object_or_404(selectors.lake_imports_visible_to(user=request.user), pk=import_id)


@login_required
def lake_import_detail(request: AuthedRequest, import_id: int) -> HttpResponse:
    """An import's report, with its job's progress while it runs."""
    lake_import = _visible_import(request, import_id)
    template = "lake/_import_report.html" if request.htmx else "lake/import_detail.html"
    return render(request, template, {"imp": lake_import})


@login_required
def lake_import_rejects(request: AuthedRequest, import_id: int) -> HttpResponseBase:
    """The reject file of an import: the refused rows and why; once deleted at the end of
    its retention, a page that says so (410 Gone)."""
    lake_import = _visible_import(request, import_id)
    if lake_import.rejects_expired_at is not None:
        return render(
            request,
            "web/file_expired.html",
            {
                "expired_at": lake_import.rejects_expired_at,
                "back": reverse("lake:import_detail", args=[lake_import.pk]),
            },
            status=410,
        )
    path = stored_path(lake_import.reject_file)
    if path is None or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@login_required
@require_POST
def lake_pipelines_start(request: AuthedRequest) -> HttpResponse:
    """Recompute load features and payment behaviour in the background."""
    job = services.pipelines_start(acting_user=request.user)
    return redirect("jobs:job_detail", job_id=job.pk)


@login_required
def customer_load(request: AuthedRequest, account_no: str) -> HttpResponse:
    """The load curve and monthly features of one visible customer (an htmx fragment).

    Out of scope answers 404, like an unknown account number.
    """
    customer = selectors.visible_customer(user=request.user, account_no=account_no)
    days = CurveForm.days_of(request.GET)
    curve = selectors.load_curve(customer=customer, days=days)
    features = selectors.customer_load_features(customer=customer)
    chart = {
        "times": curve.times,
        "kw": curve.kw,
        "typical": curve.typical_kw,
        "labels": {
            "kw": str(_("Demand (kW)")),
            "typical": str(_("Typical day, last 30 days (kW)")),
            "unit": unit("kW"),
        },
    }
    return render(
        request,
        "lake/_load_curve.html",
        {
            "customer": customer,
            "curve": curve,
            "days": days,
            "features": features,
            "behaviour": selectors.customer_payment_behaviour(customer=customer),
            "chart": chart,
        },
    )
