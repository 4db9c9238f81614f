"""Pages of safety work, usable on a phone: the inspector's overview (inspections due,
open hazards, recent inspections), the inspection form, an inspection, a hazard with its
follow-up. Views validate and orchestrate; refusals are domain errors shown by
``page_errors`` or answered by the middleware with their status (404 outside the
user's region)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gridcrm.safety import rules as r
from gridcrm.safety import selectors, services
from gridcrm.safety.forms import HazardFormSet, InspectionForm, ReinspectForm, ReportForm
from gridcrm.safety.models import Hazard, Severity
from gridcrm.web.errors import page_errors
from gridcrm.web.http import AuthedRequest


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    user = request.user
    selectors.require_view(user=user)
    return render(
        request,
        "safety/overview.html",
        {
            "due": selectors.inspections_due(user=user)[:100],
            "hazards": list(selectors.hazards_listed(user=user)[:100]),
            "inspections": selectors.inspections_recent(user=user),
            "can_inspect": selectors.can_inspect(user=user),
            "cycles": [(r.CLASS_LABELS[k], v) for k, v in selectors.cycles_by_class().items()],
            "deadlines": [
                (Severity(k).label, d) for k, d in selectors.deadlines_by_severity().items()
            ],
        },
    )


@login_required
def inspect(request: AuthedRequest, account_no: str) -> HttpResponse:
    """The inspection form for one customer of the inspector's region (404 outside)."""
    user = request.user
    selectors.require_inspect(user=user)
    customer = selectors.customer_get(user=user, account_no=account_no)
    form = InspectionForm(request.POST or None)
    hazards = HazardFormSet(request.POST or None, prefix="hazards")
    if request.method == "POST" and form.is_valid() and hazards.is_valid():
        found = [
            services.HazardIn(row["description"], row["severity"], row["deadline"])
            for row in hazards.cleaned_data
            if row.get("description", "").strip()
        ]
        with page_errors(request, form=form) as outcome:
            inspection = services.inspection_record(
                account_no=customer.account_no,
                inspected_on=form.cleaned_data["inspected_on"],
                checklist=form.checklist(),
                result=form.cleaned_data["result"],
                notes=form.cleaned_data["notes"],
                hazards=found,
                acting_user=user,
            )
        if not outcome.failed:
            return redirect("safety:inspection", inspection.pk)
    return render(
        request,
        "safety/inspect.html",
        {"customer": customer, "form": form, "hazards": hazards},
    )


@login_required
def inspection_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    labels = dict(r.CHECKLIST)
    checklist = [
        (labels.get(code, code), r.CHECK_VALUES.get(value, value))
        for code, value in inspection.checklist.items()
    ]
    return render(
        request,
        "safety/inspection.html",
        {"inspection": inspection, "checklist": checklist},
    )


def _hazard_page(
    request: AuthedRequest,
    hazard: Hazard,
    report_form: ReportForm | None = None,
    reinspect_form: ReinspectForm | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    can = selectors.can_inspect(user=request.user)
    return render(
        request,
        "safety/hazard.html",
        {
            "hazard": hazard,
            "reinspections": hazard.reinspections.select_related("inspector"),
            "report_form": (report_form or ReportForm(initial={"reported_on": today}))
            if can and hazard.status == Hazard.Status.OPEN
            else None,
            "reinspect_form": (reinspect_form or ReinspectForm(initial={"inspected_on": today}))
            if can and hazard.status == Hazard.Status.REPORTED
            else None,
        },
    )


@login_required
def hazard_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _hazard_page(request, selectors.hazard_get(user=request.user, pk=pk))


@login_required
@require_POST
def hazard_report(request: AuthedRequest, pk: int) -> HttpResponse:
    hazard = selectors.hazard_get(user=request.user, pk=pk)
    form = ReportForm(request.POST)
    if form.is_valid():
        with page_errors(request, form=form) as outcome:
            services.hazard_rectification_report(
                hazard=hazard,
                reported_on=form.cleaned_data["reported_on"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        if not outcome.failed:
            return redirect("safety:hazard", hazard.pk)
    return _hazard_page(request, hazard, report_form=form)


@login_required
@require_POST
def hazard_reinspect(request: AuthedRequest, pk: int) -> HttpResponse:
    hazard = selectors.hazard_get(user=request.user, pk=pk)
    form = ReinspectForm(request.POST)
    if form.is_valid():
        with page_errors(request, form=form) as outcome:
            services.hazard_reinspect(
                hazard=hazard,
                inspected_on=form.cleaned_data["inspected_on"],
                rectified=form.cleaned_data["rectified"],
                notes=form.cleaned_data["notes"],
                acting_user=request.user,
            )
        if not outcome.failed:
            return redirect("safety:hazard", hazard.pk)
    return _hazard_page(request, hazard, reinspect_form=form)
