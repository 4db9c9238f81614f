"""Orderly-use plans: create, solve with the optimisation, pin and exclude customers."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.load import events, knowledge, optimise
from gridcrm.load.errors import InvalidPlan
from gridcrm.load.models import Plan, ProductionProfile, Schedule, TypicalCurve
from gridcrm.load.selectors import region_customers
from gridcrm.load.services._common import (
    day_start,
    plan_days,
    require_not_published,
    require_planner,
)

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import Region, User


def gap_from_target(*, target_kw: float, start: dt.time, end: dt.time) -> list[float]:
    """A gap of ``target_kw`` in every slot from ``start`` to ``end`` (local time)."""
    first = start.hour * 4 + start.minute // 15
    last = 96 if end == dt.time(0, 0) else end.hour * 4 + end.minute // 15
    return [float(target_kw) if first <= s < last else 0.0 for s in range(96)]


def plan_warning_level(*, gap_kw: list[float], peak_demand_kw: float) -> str:
    return optimise.warning_level(gap_kw=max(gap_kw, default=0.0), peak_kw=peak_demand_kw)


@transaction.atomic
def plan_create(
    *,
    name: str,
    region: Region,
    days: Iterable[dt.date],
    gap_kw: list[float],
    peak_demand_kw: float,
    acting_user: User,
    fairness_cap: float = 0.6,
    rotation_weight: float = 0.5,
) -> Plan:
    """A draft plan; its warning level follows from the largest gap and the peak demand.

    Refused for a user who may not plan (``load.may_not_plan``) and for wrong values
    (``load.invalid_plan``, with the wrong fields)."""
    require_planner(acting_user)
    day_list = sorted(set(days))
    errors: dict[str, str] = {}
    if not day_list:
        errors["days"] = _("Name at least one day.")
    if len(gap_kw) != 96 or any(not math.isfinite(g) or g < 0 for g in gap_kw):
        errors["gap_kw"] = _("Give 96 non-negative values, one per 15-minute slot.")
    elif max(gap_kw) <= 0:
        errors["gap_kw"] = _("The gap is zero in every slot: there is nothing to plan.")
    if peak_demand_kw <= 0:
        errors["peak_demand_kw"] = _("The expected peak demand must be positive.")
    if not 0.05 <= fairness_cap <= 1:
        errors["fairness_cap"] = _("The largest share must lie between 5 % and 100 %.")
    if errors:
        raise InvalidPlan(fields=errors)
    plan = Plan.objects.create(
        name=name.strip()[:200] or _("Orderly-use plan"),
        region=region,
        days=[d.isoformat() for d in day_list],
        gap_kw=[round(float(g), 3) for g in gap_kw],
        peak_demand_kw=peak_demand_kw,
        warning_level=plan_warning_level(gap_kw=gap_kw, peak_demand_kw=peak_demand_kw),
        fairness_cap=fairness_cap,
        rotation_weight=rotation_weight,
        created_by=acting_user,
    )
    events.plan_created(plan=plan, acting_user=acting_user)
    return plan


@dataclass
class _Built:
    customers: list[Customer]
    problem: optimise.Problem
    profiles: dict[int, ProductionProfile]


def _participants(plan: Plan, *, now: dt.datetime) -> _Built:
    """The region's customers with declared load that can move or be shed."""
    days = plan_days(plan)
    profiles = {
        p.customer_id: p
        for p in ProductionProfile.objects.filter(customer__in=region_customers(region=plan.region))
        .filter(Q(shiftable_kw__gt=0) | Q(curtailable_kw__gt=0) | Q(interruptible_kw__gt=0))
        .select_related("customer", "customer__region")
    }
    customers = sorted((p.customer for p in profiles.values()), key=lambda c: c.account_no)
    season = knowledge.season_of(days[0])
    day_type = knowledge.day_type_of(days[0])
    curves = {
        c.customer_id: c
        for c in TypicalCurve.objects.filter(
            customer_id__in=profiles, season=season, day_type=day_type
        )
    }
    n = len(customers)
    baseline = np.zeros((n, 96))
    security = np.zeros(n)
    capacity = np.zeros((n, 3))
    max_hours = np.full((n, 3), np.inf)
    notice = np.zeros((n, 3))
    protection = np.zeros(n, dtype=np.int64)
    harm = np.ones(n)
    for i, c in enumerate(customers):
        p = profiles[c.pk]
        baseline[i] = knowledge.expected_curve(c, p, curves.get(c.pk)).kw
        security[i] = float(p.security_load_kw)
        capacity[i] = [float(p.shiftable_kw), float(p.curtailable_kw), float(p.interruptible_kw)]
        for a, hours in enumerate((p.shift_max_hours, p.curtail_max_hours)):
            if hours is not None:
                max_hours[i, a] = float(hours)
        notice[i] = [
            float(p.shift_notice_hours),
            float(p.curtail_notice_hours),
            float(p.interrupt_notice_hours),
        ]
        protection[i] = optimise.PROTECTION_CLASSES.index(knowledge.protection_of(c, p))
        harm[i] = knowledge.harm_of(c, p)
    index = {c.account_no: i for i, c in enumerate(customers)}
    pinned: dict[int, optimise.Floats] = {}
    if plan.pinned:
        fixed = {
            (s.customer.account_no, s.day): s
            for s in plan.schedules.filter(customer__account_no__in=plan.pinned).select_related(
                "customer"
            )
        }
        for account_no in plan.pinned:
            if account_no not in index:
                continue
            arr = np.zeros((len(days), 3, 96))
            for d, day in enumerate(days):
                s = fixed.get((account_no, day))
                if s is not None:
                    arr[d] = [s.shift_kw, s.avoid_kw, s.limit_kw]
            pinned[index[account_no]] = arr
    problem = optimise.Problem(
        participants=optimise.Participants(
            keys=[c.account_no for c in customers],
            baseline=baseline,
            security_kw=security,
            capacity=capacity,
            max_hours=max_hours,
            notice_hours=notice,
            protection=protection,
            harm=harm,
        ),
        days=days,
        gap=np.tile(np.asarray(plan.gap_kw, dtype=float), (len(days), 1)),
        lead_hours=np.array([(day_start(d) - now).total_seconds() / 3600 for d in days]),
        fairness_cap=plan.fairness_cap,
        rotation_weight=plan.rotation_weight,
        pinned=pinned,
        excluded=frozenset(index[a] for a in plan.excluded if a in index),
    )
    return _Built(customers, problem, profiles)


def _slot_time(slot: int) -> dt.time:
    return dt.time(slot // 4, (slot % 4) * 15) if slot < 96 else dt.time(23, 59)


@transaction.atomic
def plan_solve(*, plan: Plan, acting_user: User, now: dt.datetime | None = None) -> Plan:
    """Build the plan with the optimisation; pinned customers keep their schedules,
    excluded ones get none. An infeasible gap leaves no schedules and records the
    shortfall per slot."""
    require_planner(acting_user)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    require_not_published(plan, _("A published plan cannot be solved again; make a new one."))
    built = _participants(plan, now=now or timezone.now())
    solution = optimise.solve(built.problem)
    days = plan_days(plan)
    plan.schedules.all().delete()
    plan.solve_seconds = round(solution.seconds, 3)
    plan.solved_at = timezone.now()
    plan.shortfall_kw = {
        d.isoformat(): [round(float(v), 3) for v in solution.shortfall[k]]
        for k, d in enumerate(days)
    }
    if not solution.feasible:
        plan.status = Plan.Status.INFEASIBLE
        plan.objective = plan.harm = None
        plan.covered_kw = {}
        plan.save()
        events.plan_infeasible(
            plan=plan, shortfall_kw=float(solution.shortfall.max()), acting_user=acting_user
        )
        return plan
    covered = solution.covered
    plan.covered_kw = {
        d.isoformat(): [round(float(v), 3) for v in covered[k]] for k, d in enumerate(days)
    }
    plan.status = Plan.Status.SOLVED
    plan.objective = round(solution.objective, 3)
    plan.harm = round(solution.harm, 3)
    plan.save()
    rows = []
    for i, arr in solution.reductions.items():
        customer = built.customers[i]
        for k, day in enumerate(days):
            total = arr[k].sum(axis=0)
            window = knowledge.curve_window(list(total))
            if window is None:
                continue
            kinds = [a for a, name in enumerate(optimise.ACTIONS) if arr[k, a].sum() > 1e-6]
            rows.append(
                Schedule(
                    plan=plan,
                    customer=customer,
                    day=day,
                    shift_kw=[round(float(v), 2) for v in arr[k, 0]],
                    avoid_kw=[round(float(v), 2) for v in arr[k, 1]],
                    limit_kw=[round(float(v), 2) for v in arr[k, 2]],
                    baseline_kw=[
                        round(float(v), 2) for v in built.problem.participants.baseline[i]
                    ],
                    security_kw=float(built.problem.participants.security_kw[i]),
                    reduction_kwh=round(float(total.sum()) * optimise.HOURS_PER_SLOT, 2),
                    max_kw=round(float(total.max()), 2),
                    start=_slot_time(window[0]),
                    end=_slot_time(window[1] + 1),
                    action=optimise.ACTIONS[max(kinds)],
                    pinned=customer.account_no in plan.pinned,
                )
            )
    Schedule.objects.bulk_create(rows, batch_size=1000)
    events.plan_solved(
        plan=plan,
        customers=len(solution.reductions),
        objective=float(solution.objective),
        acting_user=acting_user,
    )
    return plan


def _set_membership(plan: Plan, field: str, account_no: str, on: bool) -> None:
    values = [a for a in getattr(plan, field) if a != account_no]
    if on:
        values.append(account_no)
    setattr(plan, field, values)


@transaction.atomic
def plan_pin(*, plan: Plan, account_no: str, pinned: bool, acting_user: User) -> Plan:
    """Pin a customer (its schedule stays as it is when the plan is solved again) or
    release it. Refused once the plan is published (``load.plan_published``)."""
    require_planner(acting_user)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    require_not_published(plan, _("A published plan cannot be changed."))
    _set_membership(plan, "pinned", account_no, pinned)
    if pinned:
        _set_membership(plan, "excluded", account_no, False)
    plan.version += 1
    plan.save(update_fields=["pinned", "excluded", "version"])
    events.plan_member_set(
        plan=plan, account_no=account_no, what="pin" if pinned else "unpin", acting_user=acting_user
    )
    return plan


@transaction.atomic
def plan_exclude(*, plan: Plan, account_no: str, excluded: bool, acting_user: User) -> Plan:
    """Keep a customer out of the plan (or let it back in) when it is solved again.
    Refused once the plan is published (``load.plan_published``)."""
    require_planner(acting_user)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    require_not_published(plan, _("A published plan cannot be changed."))
    _set_membership(plan, "excluded", account_no, excluded)
    if excluded:
        _set_membership(plan, "pinned", account_no, False)
    plan.version += 1
    plan.save(update_fields=["pinned", "excluded", "version"])
    events.plan_member_set(
        plan=plan,
        account_no=account_no,
        what="exclude" if excluded else "include",
        acting_user=acting_user,
    )
    return plan
