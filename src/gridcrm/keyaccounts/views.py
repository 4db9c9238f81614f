"""Pages of the key-account platform. Thin: selectors read, services write."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridcrm.archive.selectors import customer_get_visible
from gridcrm.keyaccounts import board as board_mod
from gridcrm.keyaccounts import fastchannel, latent, selectors, services
from gridcrm.keyaccounts.errors import InvalidInput, NotAllowed
from gridcrm.keyaccounts.forms import satisfaction_field, visit_date
from gridcrm.keyaccounts.models import KeyAccount, Need, Satisfaction, Stage, Topic
from gridcrm.keyaccounts.plan import account_plan
from gridcrm.keyaccounts.reports import keyaccount_report
from gridcrm.keyaccounts.roster import RULE_LABELS
from gridcrm.service.selectors import request_type_active_get, request_types_active
from gridcrm.web.errors import page_errors
from gridcrm.web.http import AuthedRequest

# What the manager may do next from each stage (the pipeline's non-screening moves).
MANAGER_MOVES = {
    Stage.ANALYSED: [Stage.PROPOSED],
    Stage.PROPOSED: [Stage.CONFIRMED, Stage.DECLINED],
    Stage.CONFIRMED: [Stage.FULFILLED],
}


# Lookups that refuse raise a ``DomainError`` outside ``page_errors``: the middleware
# answers it with its status (403 for a user who may see no key account, 404 out of scope).


def _viewer(request: AuthedRequest) -> None:
    selectors.viewer_require(user=request.user)


def _account(request: AuthedRequest, account_no: str) -> KeyAccount:
    return selectors.keyaccount_get_visible(user=request.user, account_no=account_no)


def _need(request: AuthedRequest, need_id: int) -> Need:
    return selectors.need_get_visible(user=request.user, need_id=need_id)


@login_required
def portfolio(request: AuthedRequest) -> HttpResponse:
    """The user's accounts with their next visit, most urgent first (the visit calendar)."""
    _viewer(request)
    return _portfolio_page(request)


def _portfolio_page(request: AuthedRequest, *, typed: dict[str, str] | None = None) -> HttpResponse:
    """The portfolio; ``typed``: the nomination form's input, shown again after a refusal."""
    rows = selectors.visit_calendar(user=request.user, today=timezone.localdate())
    counts = {s: sum(1 for r in rows if r.status == s) for s in ("overdue", "due", "ok")}
    # ?due=1: only the visits overdue or due soon (the home page's count links here).
    due_only = request.GET.get("due") == "1"
    if due_only:
        rows = [r for r in rows if r.status != "ok"]
    return render(
        request,
        "keyaccounts/portfolio.html",
        {
            "rows": rows,
            "counts": counts,
            "due_only": due_only,
            "rule_labels": RULE_LABELS,
            "unread": selectors.notifications_of(user=request.user)
            .filter(read_at__isnull=True)
            .count(),
            "feedback_due": selectors.feedback_calls_due(user=request.user).count(),
            "typed": typed or {},
        },
    )


@login_required
@require_POST
def nominate(request: AuthedRequest) -> HttpResponse:
    _viewer(request)
    account_no = request.POST.get("account_no", "").strip()
    reason = request.POST.get("reason", "")
    with page_errors(request):
        customer = customer_get_visible(user=request.user, account_no=account_no)
        services.keyaccount_nominate(customer=customer, reason=reason, acting_user=request.user)
        messages.success(request, _("Nominated as a key account."))
        return redirect("keyaccounts:account", account_no=account_no)
    # Refused: the page again, with what was typed, so nothing has to be typed twice.
    return _portfolio_page(request, typed={"account_no": account_no, "reason": reason})


@login_required
def account_detail(request: AuthedRequest, account_no: str) -> HttpResponse:
    """The account plan: 360° summary, credit, load, open requests and needs, visits and
    their topics, contacts and next steps; the manager's and specialist's actions."""
    account = _account(request, account_no)
    user = request.user
    plan = account_plan(account=account, user=user, today=timezone.localdate())
    is_manager = user.pk in (account.manager_id, account.backup_manager_id) and user.has_perm(
        "keyaccounts.work_keyaccounts"
    )
    can_screen = user.has_perm("keyaccounts.screen_needs")
    return render(
        request,
        "keyaccounts/account.html",
        {
            "account": account,
            "customer": account.customer,
            "plan": plan,
            "capacity_chart": json.dumps(plan.capacity_chart, ensure_ascii=False),
            "may_call_back": is_manager or user.has_perm("service.work_servicerequest"),
            "satisfaction": Satisfaction.choices,
            "visits": plan.visits,
            "needs": plan.needs,
            "is_manager": is_manager,
            "can_screen": can_screen,
            "manager_moves": MANAGER_MOVES,
            "suggestions": latent.suggestions_for(account=account) if can_screen else [],
            "rule_labels": RULE_LABELS,
            "topics": dict(Topic.choices),
            "fast_requests": list(
                fastchannel.fast_requests_of(account=account).select_related(
                    "request_type", "feedback_call"
                )[:10]
            ),
            "request_types": (
                list(request_types_active()) if user.has_perm("service.add_servicerequest") else []
            ),
            "managers": (
                list(selectors.key_account_managers())
                if user.has_perm("keyaccounts.manage_roster")
                else []
            ),
        },
    )


@login_required
def visit_new(request: AuthedRequest, account_no: str) -> HttpResponse:
    """A visit record in a minute, from a phone."""
    account = _account(request, account_no)
    values = {"visited_on": timezone.localdate().isoformat(), "people_met": "", "notes": ""}
    chosen: list[str] = []
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        chosen = request.POST.getlist("topics")
        with page_errors(request):
            services.visit_record(
                account=account,
                visited_on=visit_date(values["visited_on"]),
                people_met=values["people_met"],
                topics=chosen,
                notes=values["notes"],
                acting_user=request.user,
            )
            messages.success(request, _("Visit recorded."))
            return redirect("keyaccounts:account", account_no=account_no)
    else:
        selectors.account_manager_require(account=account, user=request.user)
    return render(
        request,
        "keyaccounts/visit_form.html",
        {"account": account, "values": values, "chosen": chosen, "topics": Topic.choices},
    )


@login_required
def report_new(request: AuthedRequest, account_no: str) -> HttpResponse:
    """Turn visit notes into a needs report for a business specialist."""
    account = _account(request, account_no)
    visits = list(selectors.visits_of(account=account)[:10])
    specialists = list(selectors.specialists())
    values = {"summary": "", "needs": "", "specialist": "", "visit": "", "topic": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        specialist = next((s for s in specialists if str(s.pk) == values["specialist"]), None)
        visit = next((v for v in visits if str(v.pk) == values["visit"]), None)
        with page_errors(request):
            if specialist is None:
                message = _("Send the report to a business specialist.")
                raise InvalidInput(
                    message, code="keyaccounts.not_a_specialist", fields={"specialist": message}
                )
            services.report_send(
                account=account,
                specialist=specialist,
                summary=values["summary"],
                needs=values["needs"].splitlines(),
                visit=visit,
                topic=values["topic"],
                acting_user=request.user,
            )
            messages.success(request, _("Needs report sent."))
            return redirect("keyaccounts:account", account_no=account_no)
    else:
        selectors.account_manager_require(account=account, user=request.user)
    return render(
        request,
        "keyaccounts/report_form.html",
        {
            "account": account,
            "values": values,
            "visits": visits,
            "specialists": specialists,
            "topics": Topic.choices,
        },
    )


@login_required
@require_POST
def assign(request: AuthedRequest, account_no: str) -> HttpResponse:
    """Marketing managers set an account's manager, backup and corporate group."""
    account = _account(request, account_no)
    managers = {str(u.pk): u for u in selectors.key_account_managers()}
    with page_errors(request):
        services.keyaccount_assign(
            account=account,
            manager=managers.get(request.POST.get("manager", "")),
            backup_manager=managers.get(request.POST.get("backup_manager", "")),
            acting_user=request.user,
        )
        services.group_assign(
            account=account, group_name=request.POST.get("group", ""), acting_user=request.user
        )
        messages.success(request, _("Managers saved."))
    return redirect("keyaccounts:account", account_no=account_no)


@login_required
@require_POST
def fast_request(request: AuthedRequest, account_no: str) -> HttpResponse:
    """File a request through the fast channel (the manager, or an agent taking a call)."""
    account = _account(request, account_no)
    request_type = request_type_active_get(pk=request.POST.get("request_type", ""))
    with page_errors(request):
        if request_type is None:
            message = _("Choose the request type.")
            raise InvalidInput(
                message, code="keyaccounts.request_type_missing", fields={"request_type": message}
            )
        made = fastchannel.fast_request_create(
            account=account,
            request_type=request_type,
            summary=request.POST.get("summary", ""),
            acting_user=request.user,
        )
        messages.success(request, _("Fast-channel request #%(id)s filed.") % {"id": made.pk})
    return redirect("keyaccounts:account", account_no=account_no)


@login_required
def reports_overview(request: AuthedRequest) -> HttpResponse:
    """Visit coverage per manager, needs by stage and age, conversion of latent needs,
    fast-channel time limits met and recurring topics of the visit notes — with charts."""
    _viewer(request)
    report = keyaccount_report(user=request.user, today=timezone.localdate())
    charts = {k: json.dumps(v, ensure_ascii=False) for k, v in report.charts().items()}
    return render(request, "keyaccounts/overview.html", {"report": report, "charts": charts})


@login_required
def messages_list(request: AuthedRequest) -> HttpResponse:
    """The manager's messages about their accounts' fast-channel requests; opening the
    page marks them read."""
    _viewer(request)
    # ?unread=1: only those not yet read (the home page's count links here).
    unread_only = request.GET.get("unread") == "1"
    shown = (
        selectors.notifications_unread(user=request.user)
        if unread_only
        else selectors.notifications_of(user=request.user)
    )
    rows = list(shown[:200])
    unread = {n.pk for n in rows if n.read_at is None}
    fastchannel.notifications_mark_read(user=request.user)
    return render(
        request,
        "keyaccounts/messages.html",
        {"rows": rows, "unread": unread, "unread_only": unread_only},
    )


def _may_call_back(request: AuthedRequest) -> None:
    if not (
        request.user.has_perm("keyaccounts.work_keyaccounts")
        or request.user.has_perm("service.work_servicerequest")
    ):
        raise NotAllowed(
            _("Only the account's managers or service staff call back."),
            code="keyaccounts.may_not_call_back",
        )


@login_required
def feedback_list(request: AuthedRequest) -> HttpResponse:
    """Fast-channel requests whose feedback call is due (managers and service staff)."""
    _may_call_back(request)
    due = list(selectors.feedback_calls_due(user=request.user)[:200])
    return render(
        request,
        "keyaccounts/feedback.html",
        {"due": due, "satisfaction": Satisfaction.choices},
    )


@login_required
@require_POST
def feedback_record(request: AuthedRequest, request_id: int) -> HttpResponse:
    """Record (or waive) the feedback call of one fast-channel request."""
    _may_call_back(request)
    found = selectors.feedback_due_get(user=request.user, request_id=request_id)
    with page_errors(request):
        fastchannel.feedback_call_record(
            request=found,
            acting_user=request.user,
            satisfaction=satisfaction_field(request.POST.get("satisfaction", "")),
            notes=request.POST.get("notes", ""),
            waive_reason=request.POST.get("waive_reason", ""),
        )
        messages.success(request, _("Feedback call recorded."))
    if request.POST.get("back") == "account":
        return redirect("keyaccounts:account", account_no=found.customer.account_no)
    return redirect("keyaccounts:feedback")


@login_required
def report_list(request: AuthedRequest) -> HttpResponse:
    """Needs reports: a specialist's inbox, a manager's sent reports."""
    _viewer(request)
    # ?waiting=1: only the reports with a need waiting for this user's move.
    waiting = request.GET.get("waiting") == "1"
    shown = (
        selectors.reports_waiting_for(user=request.user)
        if waiting
        else selectors.reports_visible_to(user=request.user)
    )
    reports = shown.prefetch_related("needs")[:200]
    return render(request, "keyaccounts/reports.html", {"reports": reports, "waiting": waiting})


@login_required
def board(request: AuthedRequest) -> HttpResponse:
    """The needs pipeline as columns by stage, filtered; one stage's needs a page at a time."""
    _viewer(request)
    filters = board_mod.BoardFilters.from_query(request.GET)
    needs = board_mod.board_needs(user=request.user, filters=filters)
    context: dict[str, object] = {"filters": filters, "choices": board_mod.filter_choices()}
    if filters.stage:
        context["page"] = Paginator(needs, board_mod.PAGE_SIZE).get_page(request.GET.get("page"))
        context["stage_label"] = Stage(filters.stage).label
    else:
        context["columns"] = board_mod.board_columns(needs=needs, filters=filters)
    return render(request, "keyaccounts/board.html", context)


@login_required
@require_POST
def need_screen(request: AuthedRequest, need_id: int) -> HttpResponse:
    need = _need(request, need_id)
    merge_into = None
    if request.POST.get("merge_into"):
        merge_into = (
            selectors.needs_visible_to(user=request.user)
            .filter(pk=request.POST["merge_into"], key_account=need.key_account)
            .first()
        )
    with page_errors(request):
        services.need_screen(
            need=need,
            action=request.POST.get("action", ""),
            reason=request.POST.get("reason", ""),
            merge_into=merge_into,
            acting_user=request.user,
        )
        messages.success(request, _("Need screened."))
    return redirect("keyaccounts:account", account_no=need.key_account.customer.account_no)


@login_required
@require_POST
def need_move(request: AuthedRequest, need_id: int) -> HttpResponse:
    need = _need(request, need_id)
    with page_errors(request):
        services.need_transition(
            need=need,
            to_stage=request.POST.get("to_stage", ""),
            outcome=request.POST.get("outcome", ""),
            acting_user=request.user,
        )
        messages.success(request, _("Need moved."))
    return redirect("keyaccounts:account", account_no=need.key_account.customer.account_no)


@login_required
@require_POST
def latent_add(request: AuthedRequest, account_no: str) -> HttpResponse:
    account = _account(request, account_no)
    with page_errors(request):
        services.latent_need_add(
            account=account,
            rule=request.POST.get("rule", ""),
            title=request.POST.get("title", ""),
            detail=request.POST.get("detail", ""),
            acting_user=request.user,
        )
        messages.success(request, _("Latent need added."))
    return redirect("keyaccounts:account", account_no=account_no)


@login_required
def customer_panel(request: AuthedRequest, account_no: str) -> HttpResponse:
    """The key-account fragment of the customer 360° page (htmx)."""
    if not selectors.may_view_keyaccounts(user=request.user):
        return HttpResponse("")
    account = selectors.keyaccount_get(user=request.user, account_no=account_no)
    needs: list[Need] = []
    last_visit = None
    if account is not None:
        needs = list(
            selectors.needs_visible_to(user=request.user)
            .filter(key_account=account)
            .exclude(stage__in=[Stage.MERGED, Stage.REJECTED, Stage.FULFILLED, Stage.DECLINED])[:10]
        )
        last_visit = account.visits.first()
    return render(
        request,
        "keyaccounts/_customer_panel_body.html",
        {"account": account, "needs": needs, "last_visit": last_visit},
    )
