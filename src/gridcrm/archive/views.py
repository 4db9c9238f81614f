"""Staff pages of the customer archive; every lookup goes through the scoping selectors."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridcrm.archive import registry
from gridcrm.archive.completeness import missing_fields
from gridcrm.archive.credit_lists import CreditListError, credit_list_import
from gridcrm.archive.errors import ArchiveError, InvalidFields
from gridcrm.archive.exports import EXPORT_CUSTOMERS
from gridcrm.archive.forms import (
    ChangeRequestForm,
    CustomerFieldsForm,
    DecisionForm,
    SegmentOverrideForm,
)
from gridcrm.archive.industries import industry_label
from gridcrm.archive.masking import mask_phone
from gridcrm.archive.models import (
    ChangeRequest,
    Customer,
    DisclosureEvent,
    PublicCreditEntry,
    RuleSetVersion,
)
from gridcrm.archive.registry import Category, FieldSpec, Tier
from gridcrm.archive.rules import OPS, published_version, rule_inputs, rule_targets
from gridcrm.archive.selectors import (
    change_requests_pending,
    change_requests_visible_to,
    completeness_rates,
    customer_get,
    customer_history,
    customer_list_rows,
    tier2_worklist,
)
from gridcrm.archive.services import (
    can_see_contact,
    change_request_approve,
    change_request_reject,
    change_request_submit,
    customer_contact_reveal,
    customer_update,
    may_edit,
    rules_publish,
    segment_override,
)
from gridcrm.archive.tasks import RULES_APPLY
from gridcrm.core.extensions import customer_panels
from gridcrm.jobs.services import job_start
from gridcrm.web.http import AuthedRequest
from gridcrm.web.paging import CappedPaginator

PAGE_SIZE = 25


def _visible_customer(request: AuthedRequest, account_no: str) -> Customer:
    customer = customer_get(user=request.user, account_no=account_no)
    if customer is None:
        # Out of scope looks exactly like absent: no hint that the account exists.
        raise Http404(_("No such customer."))
    return customer


@login_required
def customer_list(request: AuthedRequest) -> HttpResponse:
    """Search and page through the customers the user may see."""
    query = request.GET.get("q", "").strip()[:100]
    page = CappedPaginator(customer_list_rows(user=request.user, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for customer in page.object_list:
        customer.masked_phone = mask_phone(customer.phone)
    template = "archive/_customer_rows.html" if request.htmx else "archive/customer_list.html"
    return render(
        request,
        template,
        {
            "page": page,
            "q": query,
            "can_export": request.user.has_perm("archive.export_customers"),
        },
    )


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
            "pending": customer.change_requests.filter(status=ChangeRequest.Status.PENDING),
            "panels": customer_panels(),
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
        customer=customer, actor=request.user, channel=DisclosureEvent.Channel.WEB
    )
    return render(request, "archive/_contact.html", {"phone": phone})


@login_required
def customer_edit(request: AuthedRequest, account_no: str, category: str) -> HttpResponse:
    """Fill in the tier-2 and tier-3 fields of one category that the user's role may edit."""
    customer = _visible_customer(request, account_no)
    try:
        chosen = Category(category)
    except ValueError as exc:
        raise Http404 from exc
    specs = [
        s
        for s in registry.specs_where(category=chosen)
        if s.tier != Tier.ONE and may_edit(user=request.user, field_spec=s)
    ]
    if not specs:
        raise PermissionDenied(_("Your role may not edit these fields."))
    initial = {"version": customer.version, **{s.name: s.get(customer) for s in specs}}
    form = CustomerFieldsForm(request.POST or None, initial=initial, specs=specs)
    if request.method == "POST" and form.is_valid():
        try:
            customer_update(
                customer=customer,
                changes=form.changed_values(),
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                captured_on=form.cleaned_data["captured_on"],
                contact_channel=form.cleaned_data["contact_channel"],
                source="captured" if form.cleaned_data["contact_channel"] else "entered",
            )
        except InvalidFields as exc:
            for name, message in exc.errors.items():
                form.add_error(name if name in form.fields else None, message)
        except ArchiveError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect(customer)
    return render(
        request,
        "archive/customer_edit.html",
        {"customer": customer, "form": form, "category": chosen},
    )


@login_required
def change_request_new(request: AuthedRequest, account_no: str) -> HttpResponse:
    """Ask an archive officer to change a locked tier-1 field."""
    customer = _visible_customer(request, account_no)
    if not request.user.has_perm("archive.request_customer_change"):
        raise PermissionDenied(_("Your role may not request changes of tier-1 data."))
    specs = [s for s in registry.specs_where(tier=Tier.ONE) if not s.is_derived]
    form = ChangeRequestForm(
        request.POST or None,
        request.FILES or None,
        specs=specs,
        initial={"field": request.GET.get("field", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            change_request_submit(
                customer=customer,
                field=form.cleaned_data["field"],
                new_value=form.cleaned_data["new_value"],
                reason=form.cleaned_data["reason"],
                evidence=form.cleaned_data["evidence"],
                actor=request.user,
            )
        except InvalidFields as exc:
            for name, message in exc.errors.items():
                form.add_error("new_value" if name == form.cleaned_data["field"] else None, message)
        else:
            messages.success(request, _("Change request sent to the archive officers."))
            return redirect(customer)
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
    pending = list(change_requests_pending()[:200]) if approver else []
    mine = list(
        change_requests_visible_to(user=request.user).filter(requested_by=request.user)[:50]
    )
    labels = {s.name: s.label for s in registry.all_specs()}
    for change in [*pending, *mine]:
        change.label = labels.get(change.field, change.field)  # type: ignore[attr-defined]
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
    try:
        if decision == "approve":
            change_request_approve(request=change, approver=request.user, note=note)
            messages.success(request, _("Approved and applied."))
        else:
            change_request_reject(request=change, approver=request.user, note=note)
            messages.success(request, _("Rejected."))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ArchiveError as exc:
        messages.error(request, str(exc))
    return redirect("archive:change_requests")


@login_required
@require_POST
def customer_segment(request: AuthedRequest, account_no: str) -> HttpResponse:
    """Override the segment with a reason, or return to the derived one."""
    customer = _visible_customer(request, account_no)
    form = SegmentOverrideForm(request.POST)
    if form.is_valid():
        try:
            segment_override(
                customer=customer,
                segment=form.cleaned_data["segment"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("Segment saved."))
        except ArchiveError as exc:
            messages.error(request, str(exc))
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
        try:
            customer = customer_update(
                customer=customer,
                changes={k: v for k, v in form.changed_values().items() if v not in (None, "")},
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            )
            saved = True
        except InvalidFields as exc:
            for name, message in exc.errors.items():
                form.add_error(name if name in form.fields else None, message)
        except ArchiveError as exc:
            form.add_error(None, str(exc))
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
        created_by=request.user,
        params={
            "q": request.POST.get("q", "")[:100],
            "unmasked": request.POST.get("unmasked") == "on",
            "format": "xlsx" if request.POST.get("format") == "xlsx" else "csv",
            "language": get_language(),
        },
    )
    messages.success(request, _("Export started; it appears below when ready."))
    return redirect("jobs:job_detail", job_id=job.pk)


def _rules_from_post(post: Any) -> list[dict[str, Any]]:
    """Rules from the editor's rows ``r<i>-…`` with conditions ``r<i>-c<j>-…``."""
    rules = []
    for i in range(int(post.get("rule_count", 0))):
        prefix = f"r{i}-"
        if post.get(prefix + "delete") or not post.get(prefix + "code", "").strip():
            continue
        conditions = []
        for j in range(int(post.get(prefix + "condition_count", 3))):
            field = post.get(f"{prefix}c{j}-field", "")
            if field:
                conditions.append(
                    {
                        "field": field,
                        "op": post.get(f"{prefix}c{j}-op", "eq"),
                        "value": post.get(f"{prefix}c{j}-value", "").strip(),
                    }
                )
        rules.append(
            {
                "code": post.get(prefix + "code", "").strip(),
                "name": post.get(prefix + "name", "").strip(),
                "target": post.get(prefix + "target", ""),
                "value": post.get(prefix + "value", "").strip(),
                "raise_only": bool(post.get(prefix + "raise_only")),
                "priority": post.get(prefix + "priority") or 100,
                "conditions": conditions,
            }
        )
    return rules


@login_required
@permission_required("archive.manage_mapping_rules", raise_exception=True)
def rules(request: AuthedRequest) -> HttpResponse:
    """Edit the mapping rules; saving publishes a new version and re-runs them in batch."""
    version = published_version()
    errors: dict[str, str] = {}
    if request.method == "POST":
        proposed = _rules_from_post(request.POST)
        try:
            version = rules_publish(
                rules=proposed, note=request.POST.get("note", ""), actor=request.user
            )
        except InvalidFields as exc:
            errors = exc.errors
        else:
            job = job_start(kind=RULES_APPLY, created_by=request.user)
            messages.success(
                request,
                _("Version %(n)s published; the rules are being applied to every customer.")
                % {"n": version.number},
            )
            return redirect("jobs:job_detail", job_id=job.pk)
        current = proposed
    else:
        current = [
            {
                "code": r.code,
                "name": r.name,
                "target": r.target,
                "value": r.value,
                "raise_only": r.raise_only,
                "priority": r.priority,
                "conditions": r.conditions,
            }
            for r in (version.rules.all() if version else [])
        ]
    blank = {"code": "", "name": "", "target": "", "value": "", "raise_only": True, "priority": 100}
    rows = [*current, blank]
    for row in rows:
        conditions = list(row.get("conditions", []))
        row["slots"] = conditions + [{}] * max(0, 3 - len(conditions))
    return render(
        request,
        "archive/rules.html",
        {
            "version": version,
            "versions": RuleSetVersion.objects.select_related("published_by")[:20],
            "rows": rows,
            "errors": errors,
            "targets": rule_targets(),
            "inputs": rule_inputs(),
            "ops": OPS.items(),
        },
    )


@login_required
@permission_required("archive.import_customers", raise_exception=True)
def credit_lists(request: AuthedRequest) -> HttpResponse:
    """Upload an external public credit list; customers on it are flagged in behaviour data."""
    report = None
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        source = request.POST.get("source", "").strip()[:200]
        if upload is None or not source:
            error = _("Choose a file and say who publishes the list.")
        else:
            try:
                report = credit_list_import(text=upload.read().decode("utf-8-sig"), source=source)
            except (UnicodeDecodeError, CreditListError) as exc:
                error = str(exc)
    sources = (
        PublicCreditEntry.objects.values("source", "list_name")
        .annotate(n=Count("pk"))
        .order_by("source", "list_name")
    )
    return render(
        request,
        "archive/credit_lists.html",
        {"report": report, "error": error, "sources": sources},
    )
