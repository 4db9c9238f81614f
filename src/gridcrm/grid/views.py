"""Pages of the grid registry: the station overview, a feeder's tree, outage impact, the
important customers' gaps, a customer's supply panel; the import and the unplanned-outage
forms. Views validate and orchestrate; refusals are domain errors shown by
``page_errors`` or answered by the middleware with their status."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from gridcrm.archive.selectors import customer_get_visible
from gridcrm.core import uploads
from gridcrm.grid import jobs, risks, selectors, services
from gridcrm.grid.forms import ImportForm, OutageForm
from gridcrm.grid.impact import ELEMENTS, outage_impact
from gridcrm.web.errors import page_errors
from gridcrm.web.http import AuthedRequest


def _overview(request: AuthedRequest, **forms: ImportForm | OutageForm) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {
        "stations": selectors.station_overview(user=user),
        "outages": selectors.outages_visible_to(user=user)[:20],
        "import_form": ImportForm() if selectors.can_edit(user=user) else None,
        "outage_form": OutageForm() if selectors.can_enter_outage(user=user) else None,
    }
    context.update(forms)
    return render(request, "grid/overview.html", context)


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    return _overview(request)


@login_required
def safety(request: AuthedRequest) -> HttpResponse:
    """The grid-safety overview: open risks of the user's scope ranked by station, a chart
    whose bars open the records behind them, and the list (``?station=``, ``?kind=``)."""
    found = risks.risks_visible(user=request.user, today=timezone.localdate())
    stations = risks.risks_by_station(risks=found)
    station, kind = request.GET.get("station", ""), request.GET.get("kind", "")
    shown = [
        risk
        for row in stations
        if not station or row.code == station
        for risk in row.risks
        if not kind or risk.kind == kind
    ]
    url = reverse("grid:safety")
    chart = [
        {
            "name": str(label),
            "x": [row.name for row in stations],
            "y": [row.count(code) for row in stations],
            "customdata": [f"{url}?station={row.code}&kind={code}#risks" for row in stations],
        }
        for code, label in risks.KIND_LABELS.items()
    ]
    return render(
        request,
        "grid/safety.html",
        {
            "totals": [
                (code, label, sum(1 for r in found if r.kind == code))
                for code, label in risks.KIND_LABELS.items()
            ],
            "stations": stations,
            "chart": json.dumps(chart, ensure_ascii=False),
            "risks": [
                (r, risks.KIND_LABELS.get(r.kind, r.kind), risks.SEVERITY_LABELS[r.severity])
                for r in shown
            ],
            "station": next((row.name for row in stations if row.code == station), ""),
            "kind_label": risks.KIND_LABELS.get(kind, ""),
        },
    )


@login_required
def feeder_detail(request: AuthedRequest, code: str) -> HttpResponse:
    selectors.require_view(user=request.user)
    tree = selectors.feeder_tree(user=request.user, code=code)
    health = selectors.health_of(element=tree.feeder)
    return render(request, "grid/feeder.html", {"tree": tree, "health": health})


@login_required
def impact(request: AuthedRequest, element: str, code: str) -> HttpResponse:
    if element not in ELEMENTS:
        raise Http404
    result = outage_impact(user=request.user, element=element, code=code)
    return render(request, "grid/impact.html", {"impact": result})


@login_required
def important(request: AuthedRequest) -> HttpResponse:
    only_gaps = request.GET.get("all") != "1"
    rows = selectors.important_customers_checked(user=request.user, only_gaps=only_gaps)
    return render(
        request,
        "grid/important.html",
        {"rows": rows, "only_gaps": only_gaps, "rules": selectors.rules_by_class().values()},
    )


@login_required
def customer_panel(request: AuthedRequest, account_no: str) -> HttpResponse:
    customer = customer_get_visible(user=request.user, account_no=account_no)
    if not selectors.can_view(user=request.user):
        return HttpResponse("")
    equipment = selectors.customer_equipment(customer=customer)
    return render(
        request,
        "grid/_customer_panel_body.html",
        {
            "customer": customer,
            "equipment": equipment,
            "health": selectors.health_of(element=customer),
        },
    )


@login_required
@require_POST
@uploads.accepts_upload(uploads.CUSTOMERS)
def import_upload(request: AuthedRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        with page_errors(request, form=form) as outcome:
            job = jobs.import_start(
                upload=form.cleaned_data["file"],
                acting_user=request.user,
                dry_run=form.cleaned_data["dry_run"],
            )
        if not outcome.failed:
            return redirect("jobs:job_detail", job.pk)
    return _overview(request, import_form=form)


@login_required
@require_POST
def outage_new(request: AuthedRequest) -> HttpResponse:
    form = OutageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with page_errors(request, form=form) as outcome:
            services.outage_enter(
                element=data["element"],
                code=data["code"].strip(),
                started_at=data["started_at"],
                description=data["description"],
                acting_user=request.user,
            )
        if not outcome.failed:
            return redirect("grid:overview")
    return _overview(request, outage_form=form)
