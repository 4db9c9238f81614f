"""Staff pages of the customer archive; every lookup goes through the scoping selectors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridcrm.archive import registry
from gridcrm.archive.completeness import missing_fields
from gridcrm.archive.credit_lists import CreditListReport, credit_list_import, credit_list_text
from gridcrm.archive.disclosures import change_requests_shown
from gridcrm.archive.errors import NotPermitted
from gridcrm.archive.exports import EXPORT_CUSTOMERS
from gridcrm.archive.forms import (
    ChangeRequestForm,
    CustomerFieldsForm,
    DecisionForm,
    SegmentOverrideForm,
    rule_rows_from_post,
)
from gridcrm.archive.industries import industry_label
from gridcrm.archive.masking import mask_phone
from gridcrm.archive.models import ChangeRequest, Customer, DisclosureEvent
from gridcrm.archive.registry import Category, FieldSpec, Tier
from gridcrm.archive.rule_sets import rule_row_dict, rules_publish
from gridcrm.archive.rules import OPS, published_version, rule_inputs, rule_targets
from gridcrm.archive.selectors import (
    change_requests_to_decide,
    change_requests_visible_to,
    completeness_rates,
    credit_list_sources,
    customer_get_visible,
    customer_history,
    customer_list_rows,
    rule_set_versions,
    tier2_worklist,
    transformer_areas_under,
)
from gridcrm.archive.services import (
    can_see_contact,
    change_request_approve,
    change_request_reject,
    change_request_submit,
    customer_contact_reveal,
    customer_update,
    may_edit,
    segment_override,
)
from gridcrm.archive.tasks import RULES_APPLY
from gridcrm.core import uploads
from gridcrm.core.errors import DomainError
from gridcrm.core.extensions import customer_panels, customer_timeline
from gridcrm.jobs.services import job_start
from gridcrm.web import paging
from gridcrm.web.errors import page_errors
from gridcrm.web.http import AuthedRequest
from gridcrm.web.paging import CappedPaginator
from gridcrm.web.searches import search_recall, search_stash

PAGE_SIZE = 25
TIMELINE_LENGTH = 50


def _visible_customer(request: AuthedRequest, account_no: str) -> Customer:
    # Out of scope looks exactly like absent (404): no hint that the account exists.
    return customer_get_visible(user=request.user, account_no=account_no)


def _show_on_form(
    form: forms.BaseForm, error: DomainError, renamed: Mapping[str, str] | None = None
) -> None:
    """A refusal as errors of the form: each field's message on its (``renamed``) field,
    the rest and the message itself on the form as a whole."""
    renamed = renamed or {}
    for name, text in error.fields.items():
        target = renamed.get(name, name)
        form.add_error(target if target in form.fields else None, text)
    if not error.fields:
        form.add_error(None, error.message)


@login_required
def customer_list(request: AuthedRequest) -> HttpResponse:
    """Search and page through the customers the user may see.

    The search is posted and shown at ``?s=<id>`` (``web.searches``): no phone or name
    typed into it reaches a URL. A ``?q=`` link (an old bookmark) is moved there too."""
    typed = request.POST.get("q") if request.method == "POST" else request.GET.get("q")
    if typed is not None and not typed.strip() and request.method != "POST":
        typed = None  # ``?q=``: no search, nothing to move
    if typed is not None:
        sid = search_stash(request, typed.strip()[:100])
        target = f"{reverse('archive:customer_list')}?s={sid}" if sid else request.path
        if not request.htmx:
            return redirect(target)
        query = typed.strip()[:100]
    else:
        sid = request.GET.get("s", "")
        query = (search_recall(request, sid) or "") if sid else ""
        if sid and not query:
            messages.info(request, _("That search has expired; search again."))
            sid = ""
    rows = customer_list_rows(user=request.user, query=query, cap=paging.COUNT_CAP)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for customer in page.object_list:
        customer.masked_phone = mask_phone(customer.phone)
    template = "archive/_customer_rows.html" if request.htmx else "archive/customer_list.html"
    response = render(
        request,
        template,
        {
            "page": page,
            "q": query,
            "s": sid,
            "can_export": request.user.has_perm("archive.export_customers"),
        },
    )
    if request.htmx and typed is not None:
        response["HX-Push-Url"] = target
    return response


def _field_rows(customer: Customer, user: Any, specs: list[FieldSpec]) -> list[dict[str, Any]]:
    rows = []
    for field_spec in specs:
        value = field_spec.get(customer)
        applies = field_spec.applies(customer)
        if field_spec.name == "industry_code" and value:
            shown = f"{value} {industry_label(value, language=get_language())}"
        else:
            shown = field_spec.masked(value)
        rows.append(
            {
                "spec": field_spec,
                "label": field_spec.label,
                "value": shown,
                "missing": applies and field_spec.is_blank(value),
                "applies": applies,
                "editable": field_spec.tier != Tier.ONE
                and may_edit(user=user, field_spec=field_spec),
                "personal": field_spec.is_personal,
            }
        )
    return rows


def _history_rows(customer: Customer, specs: list[FieldSpec]) -> list[dict[str, Any]]:
    """The last 200 changes, labelled and with personal values masked."""
    by_name = {s.name: s for s in specs}
    rows = []
    for change in customer_history(customer=customer)[:200]:
        field_spec = by_name.get(change.field)
        if field_spec is None:  # an extension field since retired
            rows.append({"change": change, "label": change.field, "old": "", "new": ""})
            continue
        rows.append(
            {
                "change": change,
                "label": field_spec.label,
                "old": field_spec.masked(change.old_value),
                "new": field_spec.masked(change.new_value),
            }
        )
    return rows


@login_required
def customer_detail(request: AuthedRequest, account_no: str) -> HttpResponse:
    """The customer 360° page: four categories with tiers, completeness, history, rules."""
    customer = _visible_customer(request, account_no)
    specs = registry.all_specs()
    sections = [
        {
            "category": category,
            "rows": _field_rows(
                customer, request.user, list(registry.specs_where(specs, category=category))
            ),
            "can_edit": any(
                s.tier != Tier.ONE and may_edit(user=request.user, field_spec=s)
                for s in registry.specs_where(specs, category=category)
            ),
        }
        for category in Category
    ]
    return render(
        request,
        "archive/customer_detail.html",
        {
            "customer": customer,
            "sections": sections,
            "missing_tier1": [s.label for s in missing_fields(customer, specs, Tier.ONE)],
            "can_reveal": can_see_contact(user=request.user),
            "can_request": request.user.has_perm("archive.request_customer_change"),
            "can_override": request.user.has_perm("archive.override_segment"),
            "history": _history_rows(customer, specs),
            "pending": change_requests_shown(
                changes=customer.change_requests.filter(status=ChangeRequest.Status.PENDING),
                acting_user=request.user,
                channel=DisclosureEvent.Kind.WEB,
            ),
            "panels": customer_panels(),
            "timeline_url": reverse("archive:customer_timeline", args=[customer.account_no]),
            "override_form": SegmentOverrideForm(
                initial={"version": customer.version, "reason": customer.segment_override_reason}
            ),
        },
    )


@login_required
@require_POST
def customer_contact(request: AuthedRequest, account_no: str) -> HttpResponse:
    """Reveal the unmasked phone to a role that needs it; the disclosure is logged."""
    customer = _visible_customer(request, account_no)
    phone = customer_contact_reveal(
        customer=customer, acting_user=request.user, channel=DisclosureEvent.Kind.WEB
    )
    return render(request, "archive/_contact.html", {"phone": phone})


@login_required
def customer_timeline_panel(request: AuthedRequest, account_no: str) -> HttpResponse:
    """The timeline card of the 360° page (htmx): every app's events of the customer that
    the user may see, newest first."""
    customer = _visible_customer(request, account_no)
    entries = customer_timeline(customer=customer, user=request.user, limit=TIMELINE_LENGTH)
    return render(request, "archive/_timeline.html", {"customer": customer, "entries": entries})


def _station_areas(customer: Customer) -> list[str]:
    """The transformer areas already recorded at the customer's supply station."""
    if customer.region_id is None:
        return []
    return [area for _c, _n, area in transformer_areas_under(path=customer.region.path)]


@login_required
def customer_edit(request: AuthedRequest, account_no: str, category: str) -> HttpResponse:
    """Fill in the tier-2 and tier-3 fields of one category that the user's role may edit."""
    customer = _visible_customer(request, account_no)
    if category not in Category.values:
        raise Http404
    chosen = Category(category)
    specs = [
        s
        for s in registry.specs_where(category=chosen)
        if s.tier != Tier.ONE and may_edit(user=request.user, field_spec=s)
    ]
    if not specs:
        raise NotPermitted(
            _("Your role may not edit these fields."), code="archive.may_not_edit_fields"
        )
    initial = {"version": customer.version, **{s.name: s.get(customer) for s in specs}}
    form = CustomerFieldsForm(
        request.POST or None,
        initial=initial,
        specs=specs,
        area_suggestions=_station_areas(customer),
    )
    if request.method == "POST" and form.is_valid():
        with page_errors(request, form=form):
            customer_update(
                customer=customer,
                changes=form.changed_values(),
                acting_user=request.user,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                captured_on=form.cleaned_data["captured_on"],
                contact_channel=form.cleaned_data["contact_channel"],
                source="captured" if form.cleaned_data["contact_channel"] else "entered",
            )
            messages.success(request, _("Saved."))
            return redirect(customer)
    return render(
        request,
        "archive/customer_edit.html",
        {"customer": customer, "form": form, "category": chosen},
    )


@login_required
@uploads.accepts_upload(uploads.EVIDENCE)
def change_request_new(request: AuthedRequest, account_no: str) -> HttpResponse:
    """Ask an archive officer to change a locked tier-1 field."""
    customer = _visible_customer(request, account_no)
    if not request.user.has_perm("archive.request_customer_change"):
        raise NotPermitted(
            _("Your role may not request changes of tier-1 data."),
            code="archive.may_not_request_change",
        )
    specs = [s for s in registry.specs_where(tier=Tier.ONE) if not s.is_derived]
    form = ChangeRequestForm(
        request.POST or None,
        request.FILES or None,
        specs=specs,
        initial={"field": request.GET.get("field", "")},
    )
    if request.method == "POST" and form.is_valid():
        with page_errors(request, form=form, quiet=True) as outcome:
            change_request_submit(
                customer=customer,
                field=form.cleaned_data["field"],
                new_value=form.cleaned_data["new_value"],
                reason=form.cleaned_data["reason"],
                evidence=form.cleaned_data["evidence"],
                acting_user=request.user,
            )
            messages.success(request, _("Change request sent to the archive officers."))
            return redirect(customer)
        if outcome.error is not None:
            # The service names the requested field; the form shows it on "new value".
            _show_on_form(form, outcome.error, {form.cleaned_data["field"]: "new_value"})
    current = {s.name: s.display(s.get(customer)) for s in specs if not s.is_personal}
    return render(
        request,
        "archive/change_request_form.html",
        {"customer": customer, "form": form, "current": json.dumps(current, ensure_ascii=False)},
    )


@login_required
def change_request_list(request: AuthedRequest) -> HttpResponse:
    """Pending requests for archive officers; everyone sees the requests they may see."""
    approver = request.user.has_perm("archive.approve_customer_change")
    # Only those someone else asked for: one's own are under "My requests" (four eyes).
    pending = list(change_requests_to_decide(user=request.user)[:200]) if approver else []
    mine = list(
        change_requests_visible_to(user=request.user).filter(requested_by=request.user)[:50]
    )
    # One pass, so a request both pending and one's own is disclosed once.
    shown = change_requests_shown(
        changes=[*pending, *mine], acting_user=request.user, channel=DisclosureEvent.Kind.WEB
    )
    pending, mine = shown[: len(pending)], shown[len(pending) :]
    return render(
        request,
        "archive/change_requests.html",
        {"pending": pending, "mine": mine, "approver": approver},
    )


@login_required
def change_request_evidence(request: AuthedRequest, pk: int) -> FileResponse:
    """The evidence file of a change request the user may see."""
    change = get_object_or_404(change_requests_visible_to(user=request.user), pk=pk)
    if not change.evidence:
        raise Http404
    return FileResponse(change.evidence.open("rb"), as_attachment=True)


@login_required
@require_POST
def change_request_decide(request: AuthedRequest, pk: int, decision: str) -> HttpResponse:
    """Approve or reject a change request."""
    change = get_object_or_404(change_requests_visible_to(user=request.user), pk=pk)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    with page_errors(request):
        if decision == "approve":
            change_request_approve(request=change, acting_user=request.user, note=note)
            messages.success(request, _("Approved and applied."))
        else:
            change_request_reject(request=change, acting_user=request.user, note=note)
            messages.success(request, _("Rejected."))
    return redirect("archive:change_requests")


@login_required
@require_POST
def customer_segment(request: AuthedRequest, account_no: str) -> HttpResponse:
    """Override the segment with a reason, or return to the derived one."""
    customer = _visible_customer(request, account_no)
    form = SegmentOverrideForm(request.POST)
    if form.is_valid():
        with page_errors(request):
            segment_override(
                customer=customer,
                segment=form.cleaned_data["segment"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("Segment saved."))
    return redirect(customer)


@login_required
def worklist(request: AuthedRequest) -> HttpResponse:
    """Customers of the user's scope missing tier-2 data, most valuable first."""
    page = CappedPaginator(tier2_worklist(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    specs_all = registry.all_specs()
    for customer in page.object_list:
        customer.missing = [s for s in missing_fields(customer, specs_all, Tier.TWO) if s.fillable]
        customer.editable = [
            s for s in customer.missing if may_edit(user=request.user, field_spec=s)
        ]
    return render(request, "archive/worklist.html", {"page": page})


@login_required
def worklist_fill(request: AuthedRequest, account_no: str) -> HttpResponse:
    """Fill the missing tier-2 fields of one worklist row in place (htmx)."""
    customer = _visible_customer(request, account_no)
    specs = [
        s
        for s in missing_fields(customer, registry.all_specs(), Tier.TWO)
        if s.fillable and may_edit(user=request.user, field_spec=s)
    ]
    form = CustomerFieldsForm(
        request.POST or None,
        initial={"version": customer.version},
        specs=specs,
        prefix=customer.account_no,
    )
    saved = False
    if request.method == "POST" and form.is_valid():
        # A fragment (htmx): every refusal is shown in the form, none as a page message.
        with page_errors(request, form=form, quiet=True) as outcome:
            customer = customer_update(
                customer=customer,
                changes={k: v for k, v in form.changed_values().items() if v not in (None, "")},
                acting_user=request.user,
                expected_version=form.cleaned_data["version"],
            )
            saved = True
        if outcome.error is not None:
            _show_on_form(form, outcome.error)
    return render(
        request,
        "archive/_worklist_form.html",
        {"customer": customer, "form": form, "saved": saved},
    )


@login_required
def completeness(request: AuthedRequest) -> HttpResponse:
    """Fill rates by supply station, tier and category, as charts and a table."""
    rates = completeness_rates(user=request.user)
    station_chart = [
        {
            "name": _("Weighted completeness (%)"),
            "x": list(rates["station"]),
            "y": [r.percent for r in rates["station"].values()],
        }
    ]
    category_chart = [
        {
            "name": _("Filled (%)"),
            "x": [str(Category(k).label) for k in rates["category"]],
            "y": [r.percent for r in rates["category"].values()],
        }
    ]
    fields = [
        {"spec": s, "rate": rates["field"].get(s.name)}
        for s in rates["specs"]
        if s.name in rates["field"]
    ]
    return render(
        request,
        "archive/completeness.html",
        {
            "tiers": rates["tier"],
            "station_chart": json.dumps(station_chart, ensure_ascii=False),
            "category_chart": json.dumps(category_chart, ensure_ascii=False),
            "fields": fields,
        },
    )


@login_required
@require_POST
@permission_required("archive.export_customers", raise_exception=True)
def customer_export(request: AuthedRequest) -> HttpResponse:
    """Start a CSV or XLSX export of the current search as a background job."""
    job = job_start(
        kind=EXPORT_CUSTOMERS,
        acting_user=request.user,
        params={
            "q": request.POST.get("q", "")[:100],
            "unmasked": request.POST.get("unmasked") == "on",
            "format": "xlsx" if request.POST.get("format") == "xlsx" else "csv",
            "language": get_language(),
        },
    )
    messages.success(request, _("Export started; it appears below when ready."))
    return redirect("jobs:job_detail", job_id=job.pk)


# -- configuration for everyone: the mapping rules and the public credit lists


@login_required
@permission_required("archive.manage_mapping_rules", raise_exception=True)
def rules(request: AuthedRequest) -> HttpResponse:
    """Edit the mapping rules; saving publishes a new version and re-runs them in batch."""
    version = published_version()
    errors: dict[str, str] = {}
    proposed: list[dict[str, Any]] | None = None
    if request.method == "POST":
        with page_errors(request, quiet=True) as outcome:
            proposed = rule_rows_from_post(request.POST)
            version = rules_publish(
                rules=proposed, note=request.POST.get("note", ""), acting_user=request.user
            )
            job = job_start(kind=RULES_APPLY, acting_user=request.user)
            messages.success(
                request,
                _("Version %(n)s published; the rules are being applied to every customer.")
                % {"n": version.number},
            )
            return redirect("jobs:job_detail", job_id=job.pk)
        if outcome.error is not None:
            errors = outcome.error.fields or {"": outcome.error.message}
    if proposed is None:  # a first look, or a post whose rows were lost: the stored rules
        proposed = [rule_row_dict(r) for r in (version.rules.all() if version else [])]
    blank = {"code": "", "name": "", "target": "", "value": "", "raise_only": True, "priority": 100}
    rows = [*proposed, blank]
    for row in rows:
        conditions = list(row.get("conditions", []))
        row["slots"] = conditions + [{}] * max(0, 3 - len(conditions))
    return render(
        request,
        "archive/rules.html",
        {
            "version": version,
            "versions": rule_set_versions(),
            "rows": rows,
            "errors": errors,
            "targets": rule_targets(),
            "inputs": rule_inputs(),
            "ops": OPS.items(),
        },
    )


@login_required
@permission_required("archive.import_customers", raise_exception=True)
@uploads.accepts_upload(uploads.CREDIT_LIST)
def credit_lists(request: AuthedRequest) -> HttpResponse:
    """Upload an external public credit list; customers on it are flagged in behaviour data."""
    report: CreditListReport | None = None
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        source = request.POST.get("source", "").strip()[:200]
        if upload is None or not source:
            error = _("Choose a file and say who publishes the list.")
        else:
            with page_errors(request, quiet=True) as outcome:
                uploads.check_size(upload, uploads.CREDIT_LIST)
                report = credit_list_import(
                    text=credit_list_text(upload.read()), source=source, acting_user=request.user
                )
            if outcome.error is not None:
                error = outcome.error.message
    return render(
        request,
        "archive/credit_lists.html",
        {"report": report, "error": error, "sources": credit_list_sources()},
    )
