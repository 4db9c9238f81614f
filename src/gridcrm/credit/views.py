"""Pages of the credit app: overview, model report and editors, policies, the customer
panel (an htmx fragment) and the forms posted from it. Thin: services do the work."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridcrm.archive.choices import Segment
from gridcrm.archive.selectors import customers_visible_to
from gridcrm.credit import selectors, services
from gridcrm.credit.expert import CRITERIA, DEFAULT_MATRIX, expert_build
from gridcrm.credit.models import (
    GRADES_BEST_FIRST,
    Deposit,
    EventKind,
    Grade,
    GradeOverride,
    ModelKind,
    ReviewRequest,
    SegmentModel,
)
from gridcrm.users.roles import Role
from gridcrm.users.selectors import user_roles
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
    _require(selectors.can_view_credit(user=request.user))
    customer = selectors.visible_customer(user=request.user, account_no=account_no)
    if customer is None:
        raise Http404
    return customer


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


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
            "x": [v["name"] for v in detail["variables"]],
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
    chosen = dict(SegmentModel.objects.values_list("segment", "kind"))
    active = services.models_by_segment()
    expert_model = services.active_model(ModelKind.EXPERT)
    weights = expert.detail.get("weights") if expert else expert_build(DEFAULT_MATRIX)[1].weights
    return render(
        request,
        "credit/models.html",
        {
            "fitted": fitted,
            "report": fitted.detail if fitted else None,
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
                    "indicators": c.indicators,
                    "weight": round(100 * w, 1),
                    "row": [(j, matrix[i][j] if j > i else None) for j in range(len(CRITERIA))],
                }
                for i, (c, w) in enumerate(zip(CRITERIA, weights, strict=True))
            ],
            "cr": expert.detail.get("cr") if expert else None,
            "segments": [
                (value, label, chosen.get(value, ""), active[value].label)
                for value, label in Segment.choices
            ],
            "kinds": ModelKind.choices,
            "versions": selectors.scorecard_versions()[:20],
            "can_edit": request.user.has_perm("credit.manage_credit_models"),
            "saaty": ["1/9", "1/7", "1/5", "1/3", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        },
    )


def _fraction(raw: str) -> float:
    raw = raw.strip()
    if "/" in raw:
        num, den = raw.split("/", 1)
        return float(num) / float(den)
    return float(raw)


@login_required
@require_POST
def expert_publish(request: AuthedRequest) -> HttpResponse:
    _require(request.user.has_perm("credit.manage_credit_models"))
    n = len(CRITERIA)
    try:
        upper = [[0.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                upper[i][j] = _fraction(request.POST.get(f"m_{i}_{j}", "1"))
        cutoffs = {g: float(request.POST[f"cut_{g}"]) for g in ("AAA", "AA", "A", "B")}
        version = services.expert_publish(
            matrix=upper,
            cutoffs=cutoffs,
            note=request.POST.get("note", ""),
            acting_user=request.user,
        )
    except (ValueError, KeyError, ZeroDivisionError, services.CreditError) as exc:
        messages.error(request, str(exc) or _("The comparisons are not valid."))
    else:
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
    try:
        cutoffs = {g: float(request.POST[f"cut_{g}"]) for g in ("AAA", "AA", "A", "B")}
        services.cutoffs_publish(
            kind=ModelKind.FITTED,
            cutoffs=cutoffs,
            note=request.POST.get("note", ""),
            acting_user=request.user,
        )
    except (ValueError, KeyError, services.CreditError) as exc:
        messages.error(request, str(exc))
    return redirect("credit:models")


@login_required
@require_POST
def segment_models(request: AuthedRequest) -> HttpResponse:
    _require(request.user.has_perm("credit.manage_credit_models"))
    for segment in Segment.values:
        kind = request.POST.get(f"kind_{segment}", "")
        if kind in ModelKind.values:
            services.segment_model_set(segment=segment, kind=kind, acting_user=request.user)
        elif not kind:
            SegmentModel.objects.filter(segment=segment).delete()
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
        rows = []
        for i in range(len(rules) + 3):
            grade = request.POST.get(f"r{i}_grade", "")
            if not grade:
                continue
            rows.append(
                {
                    "grade": grade,
                    "segment": request.POST.get(f"r{i}_segment", ""),
                    "payment_term_days": request.POST.get(f"r{i}_payment_term_days") or 0,
                    "grace_eligible": bool(request.POST.get(f"r{i}_grace_eligible")),
                    "grace_max_days": request.POST.get(f"r{i}_grace_max_days") or 0,
                    "grace_needs_approval": bool(request.POST.get(f"r{i}_grace_needs_approval")),
                    "deposit": request.POST.get(f"r{i}_deposit", "none"),
                    "deposit_months": request.POST.get(f"r{i}_deposit_months") or 0,
                    "connection_priority": bool(request.POST.get(f"r{i}_connection_priority")),
                    "outage_notice_days": request.POST.get(f"r{i}_outage_notice_days") or 7,
                    "watch_actions": request.POST.getlist(f"r{i}_watch_actions"),
                }
            )
        try:
            version = services.policy_publish(
                rules=rows, note=request.POST.get("note", ""), acting_user=request.user
            )
        except services.CreditError as exc:
            messages.error(request, str(exc))
        else:
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
            "watch_actions": services.WATCH_ACTIONS,
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
    try:
        services.override_request(
            customer=customer,
            grade=request.POST.get("grade", ""),
            reason=request.POST.get("reason", ""),
            valid_until=_date(request.POST.get("valid_until"))
            or timezone.localdate() + timedelta(days=365),
            acting_user=request.user,
        )
    except services.CreditError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Override requested; a second person must approve it."))
    return _back(account_no)


@login_required
@require_POST
def override_decide(request: AuthedRequest, override_id: int) -> HttpResponse:
    _require(request.user.has_perm("credit.approve_grade_override"))
    visible = customers_visible_to(user=request.user).values("pk")
    override = get_object_or_404(GradeOverride, pk=override_id, customer__in=visible)
    try:
        services.override_decide(
            override=override,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
            acting_user=request.user,
        )
    except (services.CreditError, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("Not allowed."))
    return _back(override.customer.account_no)


@login_required
@require_POST
def review_submit(request: AuthedRequest, account_no: str) -> HttpResponse:
    customer = _customer(request, account_no)
    try:
        services.review_request_submit(
            customer=customer,
            kind=request.POST.get("kind", ""),
            message=request.POST.get("message", ""),
            acting_user=request.user,
        )
    except services.CreditError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your request is recorded; it will be answered in 15 days."))
    return _back(account_no)


@login_required
@require_POST
def review_answer(request: AuthedRequest, review_id: int) -> HttpResponse:
    _require(request.user.has_perm("credit.handle_credit_review"))
    visible = customers_visible_to(user=request.user).values("pk")
    review = get_object_or_404(ReviewRequest, pk=review_id, customer__in=visible)
    try:
        services.review_request_answer(
            review=review,
            answer=request.POST.get("answer", ""),
            outcome=request.POST.get("outcome", ""),
            acting_user=request.user,
        )
    except services.CreditError as exc:
        messages.error(request, str(exc))
    return _back(review.customer.account_no)


@login_required
@require_POST
def event_record(request: AuthedRequest, account_no: str) -> HttpResponse:
    customer = _customer(request, account_no)
    _require(request.user.has_perm("credit.record_credit_event"))
    try:
        services.credit_event_record(
            customer=customer,
            kind=request.POST.get("kind", ""),
            occurred_on=_date(request.POST.get("occurred_on")) or timezone.localdate(),
            note=request.POST.get("note", ""),
            acting_user=request.user,
        )
    except (services.CreditError, ValidationError) as exc:
        messages.error(request, str(exc))
    return _back(account_no)
