"""Pages of the credit app: overview, model report and editors, policies, the customer
panel (an htmx fragment) and the forms posted from it. Thin: services do the work."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridcrm.archive.choices import Segment
from gridcrm.core.formats import listing
from gridcrm.credit import forms, selectors, services
from gridcrm.credit.expert import CRITERIA, DEFAULT_MATRIX, expert_build
from gridcrm.credit.labels import INDICATOR_LABELS, WATCH_ACTION_LABELS, model_label
from gridcrm.credit.models import (
    GRADES_BEST_FIRST,
    Deposit,
    EventKind,
    Grade,
    ModelKind,
    ReviewRequest,
)
from gridcrm.users.roles import Role
from gridcrm.users.selectors import user_roles
from gridcrm.web.errors import page_errors
from gridcrm.web.http import AuthedRequest

GRADE_COLOURS = {"AAA": "#1a7f37", "AA": "#4caf50", "A": "#8bc34a", "B": "#f0a500", "C": "#d32f2f"}


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _staff(request: AuthedRequest) -> bool:
    """Staff who may see credit (a customer sees only their own, on their page)."""
    roles = user_roles(user=request.user)
    return selectors.can_view_credit(user=request.user) and not roles <= {Role.CUSTOMER}


def _customer(request: AuthedRequest, account_no: str) -> Any:
    return selectors.credit_customer_get(user=request.user, account_no=account_no)


_date = forms.day_or_none


@login_required
def credit_overview(request: AuthedRequest) -> HttpResponse:
    """Grades of the visible customers, the latest runs, the migration matrix, work queues."""
    _require(_staff(request))
    user = request.user
    counts = selectors.grade_distribution(user=user)
    days = selectors.rating_days()
    after = _date(request.GET.get("after")) or (days[0] if days else None)
    before = _date(request.GET.get("before")) or (days[1] if len(days) > 1 else None)
    matrix = (
        selectors.migration_matrix(user=user, before=before, after=after)
        if before and after
        else None
    )
    chart = [
        {
            "x": list(counts),
            "y": list(counts.values()),
            "marker": {"color": [GRADE_COLOURS[g] for g in counts]},
            "name": _("Customers"),
        }
    ]
    return render(
        request,
        "credit/overview.html",
        {
            "counts": counts,
            "chart": json.dumps(chart),
            "runs": selectors.runs_recent(),
            "days": days,
            "before": before,
            "after": after,
            "matrix": [(g, [matrix[g][h] for h in GRADES_BEST_FIRST]) for g in GRADES_BEST_FIRST]
            if matrix
            else None,
            "grades": GRADES_BEST_FIRST,
            "overrides": selectors.overrides_pending(user=user)
            if user.has_perm("credit.approve_grade_override")
            else [],
            "reviews": selectors.reviews_open(user=user)
            if user.has_perm("credit.handle_credit_review")
            else [],
            "can_run": user.has_perm("credit.run_credit_batch"),
        },
    )


@login_required
@require_POST
def credit_batch_start(request: AuthedRequest) -> HttpResponse:
    _require(request.user.has_perm("credit.run_credit_batch"))
    job = services.credit_batch_start(
        acting_user=request.user, as_of=_date(request.POST.get("as_of"))
    )
    return redirect("jobs:job_detail", job_id=job.pk)


def _report_charts(detail: dict[str, Any]) -> dict[str, str]:
    if not detail:
        return {}
    roc = [
        {"type": "scatter", "x": detail["roc"]["fpr"], "y": detail["roc"]["tpr"], "name": "ROC"},
        {"type": "scatter", "x": [0, 1], "y": [0, 1], "name": "—", "line": {"dash": "dot"}},
    ]
    ks = [
        {
            "type": "scatter",
            "x": detail["ks_curve"]["score"],
            "y": detail["ks_curve"]["bad"],
            "name": _("Serious arrears"),
        },
        {
            "type": "scatter",
            "x": detail["ks_curve"]["score"],
            "y": detail["ks_curve"]["good"],
            "name": _("Others"),
        },
    ]
    edges = detail["score_hist"]["edges"]
    mids = [round((a + b) / 2, 1) for a, b in zip(edges, edges[1:], strict=False)]
    hist = [
        {"x": mids, "y": detail["score_hist"]["good"], "name": _("Others")},
        {"x": mids, "y": detail["score_hist"]["bad"], "name": _("Serious arrears")},
    ]
    rows = [g for g in detail["grades_oot"] if g["customers"]]
    grades = [
        {
            "x": [g["grade"] for g in rows],
            "y": [round(100 * (g["bad_rate"] or 0), 2) for g in rows],
            "marker": {"color": [GRADE_COLOURS[g["grade"]] for g in rows]},
            "name": _("Serious arrears (%)"),
        }
    ]
    iv = [
        {
            "x": [str(INDICATOR_LABELS.get(v["name"], v["name"])) for v in detail["variables"]],
            "y": [v["iv"] for v in detail["variables"]],
            "name": "IV",
        }
    ]
    return {
        "roc": json.dumps(roc),
        "ks": json.dumps(ks),
        "hist": json.dumps(hist),
        "grades": json.dumps(grades),
        "iv": json.dumps(iv),
    }


@login_required
def credit_models(request: AuthedRequest) -> HttpResponse:
    """The model report (data-fitted) and the expert scorecard's AHP, model choice."""
    _require(_staff(request))
    fitted = selectors.scorecard_current(ModelKind.FITTED)
    expert = selectors.scorecard_current(ModelKind.EXPERT)
    matrix = expert.detail.get("matrix") if expert else None
    matrix = matrix or DEFAULT_MATRIX
    chosen = selectors.segment_models_chosen()
    active = services.models_by_segment()
    expert_model = services.active_model(ModelKind.EXPERT)
    weights = expert.detail.get("weights") if expert else expert_build(DEFAULT_MATRIX)[1].weights
    return render(
        request,
        "credit/models.html",
        {
            "fitted": fitted,
            "report": fitted.detail if fitted else None,
            "variables": [
                {**v, "label": INDICATOR_LABELS.get(v["name"], v["name"])}
                for v in (fitted.detail.get("variables", []) if fitted else [])
            ],
            "charts": _report_charts(fitted.detail if fitted else {}),
            "grade_rows": [
                {
                    **g,
                    "pct": None if g["bad_rate"] is None else round(100 * g["bad_rate"], 2),
                }
                for g in (fitted.detail.get("grades_oot", []) if fitted else [])
            ],
            "expert": expert,
            "expert_cutoffs": expert_model.cutoffs if expert_model else {},
            "criteria": [
                {
                    "label": c.label,
                    "indicators": listing(INDICATOR_LABELS.get(i, i) for i in c.indicators),
                    "weight": round(100 * w, 1),
                    "row": [(j, matrix[i][j] if j > i else None) for j in range(len(CRITERIA))],
                }
                for i, (c, w) in enumerate(zip(CRITERIA, weights, strict=True))
            ],
            "cr": expert.detail.get("cr") if expert else None,
            "segments": [
                (value, label, chosen.get(value, ""), model_label(active[value].label))
                for value, label in Segment.choices
            ],
            "kinds": ModelKind.choices,
            "versions": selectors.scorecard_versions()[:20],
            "can_edit": request.user.has_perm("credit.manage_credit_models"),
            "saaty": ["1/9", "1/7", "1/5", "1/3", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        },
    )


@login_required
@require_POST
def expert_publish(request: AuthedRequest) -> HttpResponse:
    _require(request.user.has_perm("credit.manage_credit_models"))
    with page_errors(request):
        version = services.expert_publish(
            matrix=forms.matrix_from_post(request.POST, len(CRITERIA)),
            cutoffs=forms.cutoffs_from_post(request.POST),
            note=request.POST.get("note", ""),
            acting_user=request.user,
        )
        messages.success(
            request,
            _("Published expert scorecard v%(n)s (consistency ratio %(cr).3f).")
            % {"n": version.number, "cr": version.detail["cr"]},
        )
    return redirect("credit:models")


@login_required
@require_POST
def fitted_cutoffs(request: AuthedRequest) -> HttpResponse:
    _require(request.user.has_perm("credit.manage_credit_models"))
    with page_errors(request):
        services.cutoffs_publish(
            kind=ModelKind.FITTED,
            cutoffs=forms.cutoffs_from_post(request.POST),
            note=request.POST.get("note", ""),
            acting_user=request.user,
        )
    return redirect("credit:models")


@login_required
@require_POST
def segment_models(request: AuthedRequest) -> HttpResponse:
    _require(request.user.has_perm("credit.manage_credit_models"))
    with page_errors(request):
        for segment in Segment.values:
            kind = request.POST.get(f"kind_{segment}", "")
            if not kind or kind in ModelKind.values:
                services.segment_model_set(segment=segment, kind=kind, acting_user=request.user)
        messages.success(request, _("Model choice saved; it applies from the next rating."))
    return redirect("credit:models")


@login_required
def credit_policies(request: AuthedRequest) -> HttpResponse:
    """The credit policies in force (R7); a manager publishes a new version."""
    _require(_staff(request))
    can_edit = request.user.has_perm("credit.manage_credit_policy")
    number, rules = selectors.policy_rules_current()
    if request.method == "POST":
        _require(can_edit)
        rows = forms.policy_rows_from_post(request.POST, len(rules) + 3)
        with page_errors(request):
            version = services.policy_publish(
                rules=rows, note=request.POST.get("note", ""), acting_user=request.user
            )
            messages.success(
                request, _("Published credit policies v%(n)s.") % {"n": version.number}
            )
            return redirect("credit:policies")
    blank = {"grade": "", "segment": "", "payment_term_days": "", "outage_notice_days": 7}
    return render(
        request,
        "credit/policies.html",
        {
            "number": number,
            "rules": sorted(
                rules, key=lambda r: (GRADES_BEST_FIRST.index(r["grade"]), r["segment"])
            )
            + ([blank, blank] if can_edit else []),
            "can_edit": can_edit,
            "grades": Grade.choices,
            "segments": Segment.choices,
            "deposits": Deposit.choices,
            "watch_actions": [(a, WATCH_ACTION_LABELS.get(a, a)) for a in services.WATCH_ACTIONS],
        },
    )


@login_required
def customer_panel(request: AuthedRequest, account_no: str) -> HttpResponse:
    """The credit card of the 360° page (an htmx fragment): grade, reasons, policy, history."""
    customer = _customer(request, account_no)
    view = selectors.customer_credit(customer=customer)
    user = request.user
    return render(
        request,
        "credit/_customer_credit.html",
        {
            "v": view,
            "customer": customer,
            "grades": Grade.choices,
            "event_kinds": EventKind.choices,
            "review_kinds": ReviewRequest.Kind.choices,
            "outcomes": ReviewRequest.Outcome.choices,
            "can_request_override": user.has_perm("credit.request_grade_override"),
            "can_approve": user.has_perm("credit.approve_grade_override"),
            "can_record": user.has_perm("credit.record_credit_event"),
            "can_answer": user.has_perm("credit.handle_credit_review"),
            "default_until": timezone.localdate() + timedelta(days=365),
            "today": timezone.localdate(),
            "history_chart": json.dumps(
                [
                    {
                        "type": "scatter",
                        "x": [str(r.as_of) for r in reversed(view.history)],
                        "y": [r.score for r in reversed(view.history)],
                        "text": [r.grade for r in reversed(view.history)],
                        "name": _("Score"),
                    }
                ]
            ),
        },
    )


def _back(account_no: str) -> HttpResponse:
    return redirect("archive:customer_detail", account_no=account_no)


@login_required
@require_POST
def override_request(request: AuthedRequest, account_no: str) -> HttpResponse:
    customer = _customer(request, account_no)
    _require(request.user.has_perm("credit.request_grade_override"))
    with page_errors(request):
        services.override_request(
            customer=customer,
            grade=request.POST.get("grade", ""),
            reason=request.POST.get("reason", ""),
            valid_until=_date(request.POST.get("valid_until"))
            or timezone.localdate() + timedelta(days=365),
            acting_user=request.user,
        )
        messages.success(request, _("Override requested; a second person must approve it."))
    return _back(account_no)


@login_required
@require_POST
def override_decide(request: AuthedRequest, override_id: int) -> HttpResponse:
    _require(request.user.has_perm("credit.approve_grade_override"))
    override = selectors.override_get_visible(user=request.user, override_id=override_id)
    with page_errors(request):
        services.override_decide(
            override=override,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
            acting_user=request.user,
        )
    return _back(override.customer.account_no)


@login_required
@require_POST
def review_submit(request: AuthedRequest, account_no: str) -> HttpResponse:
    customer = _customer(request, account_no)
    with page_errors(request):
        services.review_request_submit(
            customer=customer,
            kind=request.POST.get("kind", ""),
            message=request.POST.get("message", ""),
            acting_user=request.user,
        )
        messages.success(request, _("Your request is recorded; it will be answered in 15 days."))
    return _back(account_no)


@login_required
@require_POST
def review_answer(request: AuthedRequest, review_id: int) -> HttpResponse:
    _require(request.user.has_perm("credit.handle_credit_review"))
    review = selectors.review_get_visible(user=request.user, review_id=review_id)
    with page_errors(request):
        services.review_request_answer(
            review=review,
            answer=request.POST.get("answer", ""),
            outcome=request.POST.get("outcome", ""),
            acting_user=request.user,
        )
    return _back(review.customer.account_no)


@login_required
@require_POST
def event_record(request: AuthedRequest, account_no: str) -> HttpResponse:
    customer = _customer(request, account_no)
    _require(request.user.has_perm("credit.record_credit_event"))
    with page_errors(request):
        services.credit_event_record(
            customer=customer,
            kind=request.POST.get("kind", ""),
            occurred_on=_date(request.POST.get("occurred_on")) or timezone.localdate(),
            note=request.POST.get("note", ""),
            acting_user=request.user,
        )
    return _back(account_no)


@login_required
@require_POST
def hazard_rectified(request: AuthedRequest, event_id: int) -> HttpResponse:
    """The customer rectified an ignored hazard notice (from the credit panel)."""
    _require(selectors.can_view_credit(user=request.user))
    _require(request.user.has_perm("credit.record_credit_event"))
    event = selectors.credit_event_get_visible(user=request.user, event_id=event_id)
    with page_errors(request):
        services.hazard_rectified(
            event=event,
            on=forms.day_required(request.POST.get("on"), field="on"),
            acting_user=request.user,
        )
        messages.success(request, _("Hazard rectified; the automatic C ends with the next rating."))
    return _back(event.customer.account_no)
