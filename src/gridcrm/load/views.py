"""Pages of orderly power use: plans, composition, TOU periods, a customer's panel and
declared production data. Views validate and orchestrate; services do the work and
refuse with the load app's domain errors, shown through ``page_errors``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridcrm.load import clustering, selectors, services, tou
from gridcrm.load.errors import MayNotEditProfile, MayNotManageTou
from gridcrm.load.forms import CompositionForm, PlanForm, ProfileForm
from gridcrm.load.models import Plan, TypicalCurve
from gridcrm.web.errors import page_errors
from gridcrm.web.http import AuthedRequest


def _slot_labels() -> list[str]:
    return [f"{s // 4:02d}:{(s % 4) * 15:02d}" for s in range(96)]


@login_required
def plan_list(request: AuthedRequest) -> HttpResponse:
    selectors.require_view_plans(user=request.user)
    form = PlanForm(initial={"first_day": timezone.localdate() + dt.timedelta(days=2)})
    # The home page's counts link here: ?show=to_publish (solved, not yet published) and
    # ?show=today (published plans with schedules today).
    show = request.GET.get("show", "")
    if show == "to_publish":
        plans = selectors.plans_to_publish(user=request.user)
    elif show == "today":
        plans = selectors.plans_in_force(user=request.user, day=timezone.localdate())
    else:
        show, plans = "", selectors.plans_visible_to(user=request.user)
    return render(
        request,
        "load/plan_list.html",
        {
            "plans": plans[:50],
            "show": show,
            "form": form if selectors.can_plan(user=request.user) else None,
        },
    )


@login_required
@require_POST
def plan_new(request: AuthedRequest) -> HttpResponse:
    selectors.require_plan(user=request.user)
    form = PlanForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        gap = data.get("gap") or services.gap_from_target(
            target_kw=data["target_kw"], start=data["window_start"], end=data["window_end"]
        )
        first: dt.date = data["first_day"]
        days = [first + dt.timedelta(days=k) for k in range(data["day_count"])]
        region = data["region"]
        peak = data.get("peak_demand_kw") or selectors.peak_demand_estimate(
            region=region, day=first
        )
        with page_errors(request, form=form):
            plan = services.plan_create(
                name=data["name"],
                region=region,
                days=days,
                gap_kw=gap,
                peak_demand_kw=peak,
                fairness_cap=data["fairness_cap"],
                acting_user=request.user,
            )
            return redirect("load:plan_detail", plan_id=plan.pk)
    return render(
        request,
        "load/plan_list.html",
        {"plans": selectors.plans_visible_to(user=request.user)[:50], "form": form},
        status=400,
    )


def _plan(request: AuthedRequest, plan_id: int) -> Plan:
    return get_object_or_404(selectors.plans_visible_to(user=request.user), pk=plan_id)


@login_required
def plan_detail(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    days = plan.days
    day = request.GET.get("day") or (days[0] if days else "")
    if day not in days:
        day = days[0] if days else ""
    x = _slot_labels()
    chart = [
        {"name": _("Expected gap (kW)"), "x": x, "y": plan.gap_kw, "mode": "lines"},
        {
            "name": _("Closed by the plan (kW)"),
            "x": x,
            "y": plan.covered_kw.get(day, []),
            "mode": "lines",
            "fill": "tozeroy",
        },
    ]
    if plan.status == Plan.Status.INFEASIBLE:
        chart.append(
            {
                "name": _("Shortfall (kW)"),
                "x": x,
                "y": plan.shortfall_kw.get(day, []),
                "mode": "lines",
                "fill": "tozeroy",
            }
        )
    schedules = list(selectors.plan_schedules(plan=plan, user=request.user))
    shortfall_slots = [
        (label, value)
        for label, value in zip(_slot_labels(), plan.shortfall_kw.get(day, []), strict=False)
        if value > 0
    ]
    return render(
        request,
        "load/plan_detail.html",
        {
            "plan": plan,
            "day": day,
            "chart": json.dumps(chart, ensure_ascii=False),
            "schedules": [s for s in schedules if s.day.isoformat() == day],
            "customers": len({s.customer_id for s in schedules}),
            "shortfall_slots": shortfall_slots,
            "can_plan": selectors.can_plan(user=request.user),
            "gap_max": max(plan.gap_kw, default=0),
        },
    )


def _plan_action(request: AuthedRequest, plan_id: int, action: Any) -> HttpResponse:
    selectors.require_plan(user=request.user)
    plan = _plan(request, plan_id)
    with page_errors(request):
        action(plan)
    return redirect("load:plan_detail", plan_id=plan.pk)


@login_required
@require_POST
def plan_solve(request: AuthedRequest, plan_id: int) -> HttpResponse:
    return _plan_action(
        request, plan_id, lambda p: services.plan_solve(plan=p, acting_user=request.user)
    )


@login_required
@require_POST
def plan_member(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """Pin, release, exclude or include one customer (then solve again)."""
    account_no = request.POST.get("account_no", "")
    what = request.POST.get("what", "")
    selectors.visible_customer(user=request.user, account_no=account_no)

    def act(plan: Plan) -> None:
        if what in ("pin", "unpin"):
            services.plan_pin(
                plan=plan, account_no=account_no, pinned=what == "pin", acting_user=request.user
            )
        elif what in ("exclude", "include"):
            services.plan_exclude(
                plan=plan,
                account_no=account_no,
                excluded=what == "exclude",
                acting_user=request.user,
            )

    return _plan_action(request, plan_id, act)


@login_required
def plan_publish(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """Publishing notifies every scheduled customer and cannot be undone, so it takes two
    steps: this page says what will happen; only its form (``confirm=publish``) publishes.
    Any other request, a bare POST included, shows the page and changes nothing."""
    if request.method == "POST" and request.POST.get("confirm") == "publish":
        return _plan_action(
            request, plan_id, lambda p: services.plan_publish(plan=p, acting_user=request.user)
        )
    selectors.require_plan(user=request.user)
    plan = _plan(request, plan_id)
    schedules = list(selectors.plan_schedules(plan=plan, user=request.user))
    return render(
        request,
        "load/plan_publish.html",
        {
            "plan": plan,
            "customers": len({s.customer_id for s in schedules}),
            "schedules": len(schedules),
        },
    )


@login_required
@require_POST
def plan_check(request: AuthedRequest, plan_id: int) -> HttpResponse:
    return _plan_action(
        request, plan_id, lambda p: services.plan_check(plan=p, acting_user=request.user)
    )


@login_required
def composition(request: AuthedRequest) -> HttpResponse:
    """Stacked load curves of a region by station, segment or industry, and the load
    patterns of its customers: the evidence for a plan."""
    selectors.require_view_knowledge(user=request.user)
    regions = list(selectors.regions())
    query = CompositionForm.read(request.GET)
    region = next((r for r in regions if r.code == query["region"]), None)
    region = region or (regions[0] if regions else None)
    grouping = query["by"] if query["by"] in selectors.GROUPINGS else "segment"
    # Without dates, the window the last pipeline run precomputed (answered at once).
    stored = selectors.composition_window_stored()
    if not query["start"] and not query["end"] and stored is not None:
        start, end = stored
    else:
        end = query["end"] or timezone.localdate()
        start = query["start"] or end - dt.timedelta(days=28)
    season = request.GET.get("season", TypicalCurve.Season.SUMMER)
    day_type = request.GET.get("day_type", TypicalCurve.DayType.WORKDAY)
    result = (
        selectors.composition(
            user=request.user, region=region, grouping=grouping, start=start, end=end
        )
        if region
        else None
    )
    patterns = (
        selectors.pattern_summary(
            user=request.user, region=region, season=season, day_type=day_type
        )
        if region
        else None
    )
    series = (
        [
            {"name": g, "x": _slot_labels(), "y": result.kw[g], "stackgroup": "one"}
            for g in result.groups
        ]
        if result
        else []
    )
    pattern_series = (
        [
            {"name": f"{_pattern_label(n)} ({patterns.sizes[n]})", "x": _slot_labels(), "y": c}
            for n, c in patterns.centroids.items()
        ]
        if patterns
        else []
    )
    return render(
        request,
        "load/composition.html",
        {
            "regions": regions,
            "region": region,
            "grouping": grouping,
            "start": start,
            "end": end,
            "season": season,
            "day_type": day_type,
            "seasons": TypicalCurve.Season.choices,
            "day_types": TypicalCurve.DayType.choices,
            "series": json.dumps(series, ensure_ascii=False),
            "pattern_series": json.dumps(pattern_series, ensure_ascii=False),
            "empty": not series,
        },
    )


def _pattern_label(name: str) -> str:
    return str(clustering.PATTERN_LABELS.get(name, name))


@login_required
def tou_page(request: AuthedRequest) -> HttpResponse:
    """The configured time-of-use schedules; planners may install the Shanxi defaults."""
    selectors.require_view_tou(user=request.user)
    can_manage = selectors.can_manage_tou(user=request.user)
    if request.method == "POST":
        if not can_manage:
            raise MayNotManageTou(_("You may not configure time-of-use periods."))
        region = get_object_or_404(selectors.regions(), code=request.POST.get("region", ""))
        tou.tou_defaults_install(region=region, acting_user=request.user)
        return redirect("load:tou")
    return render(
        request,
        "load/tou.html",
        {
            "schedules": selectors.tou_schedules(),
            "regions": selectors.regions(),
            "can_manage": can_manage,
            "hours": list(range(24)),
        },
    )


@login_required
def customer_panel(request: AuthedRequest, account_no: str) -> HttpResponse:
    """A customer's declared data, schedules, notices and load patterns (htmx fragment)."""
    customer = selectors.visible_customer(user=request.user, account_no=account_no)
    curves = list(selectors.customer_curves(customer=customer))
    schedules = list(selectors.customer_schedules(customer=customer)[:10])
    return render(
        request,
        "load/_customer_panel_body.html",
        {
            "customer": customer,
            "profile": selectors.customer_profile(customer=customer),
            "schedules": schedules,
            "notices": selectors.customer_notices(customer=customer)[:5],
            "patterns": [(c, _pattern_label(c.pattern)) for c in curves],
            "can_edit": request.user.has_perm("load.edit_production_data"),
        },
    )


@login_required
def profile_edit(request: AuthedRequest, account_no: str) -> HttpResponse:
    customer = selectors.visible_customer(user=request.user, account_no=account_no)
    if not request.user.has_perm("load.edit_production_data"):
        raise MayNotEditProfile(_("Your role may not edit declared production data."))
    profile = selectors.customer_profile(customer=customer)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        with page_errors(request, form=form):
            services.profile_save(
                customer=customer,
                data=data,
                acting_user=request.user,
                version=form.cleaned_data.get("version"),
            )
            return redirect(customer.get_absolute_url())
    if profile is not None and not form.is_bound:
        form.initial["version"] = profile.version
    return render(request, "load/profile_edit.html", {"customer": customer, "form": form})
