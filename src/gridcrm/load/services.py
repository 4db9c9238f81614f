"""Writes of the load app: declared production data, typical curves from the lake, plans
(create, solve, pin, exclude, publish) and the execution check. Every change of state
takes the acting user and writes its ``LoadEvent`` in the same transaction."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive.models import Customer
from gridcrm.archive.selectors import customers_visible_to
from gridcrm.lake import catalog
from gridcrm.load import clustering, knowledge, optimise, pipelines
from gridcrm.load.models import (
    LoadEvent,
    Plan,
    ProductionProfile,
    Schedule,
    ScheduleNotice,
    TypicalCurve,
)
from gridcrm.users.models import Region, User

PROFILE_FIELDS = (
    "security_load_kw",
    "typical_load_kw",
    "shiftable_kw",
    "shift_notice_hours",
    "shift_max_hours",
    "curtailable_kw",
    "curtail_notice_hours",
    "curtail_max_hours",
    "interruptible_kw",
    "interrupt_notice_hours",
    "interruptible_processes",
    "output_value_per_kwh",
    "protection",
)
COMPLIANCE_TOLERANCE = 0.05
"""A slot complies if metered load ≤ baseline − reduction + 5 % of the baseline."""


class LoadError(Exception):
    """A plan operation that cannot be done, with a message for the planner."""


class StaleProfile(LoadError):
    pass


def _local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _event(
    kind: str,
    *,
    actor: User | None,
    plan: Plan | None = None,
    customer: Customer | None = None,
    text: str = "",
) -> None:
    LoadEvent.objects.create(kind=kind, plan=plan, customer=customer, actor=actor, text=text[:500])


# -- declared production data ----------------------------------------------------------


@transaction.atomic
def profile_save(
    *, customer: Customer, data: dict[str, Any], acting_user: User, version: int | None = None
) -> ProductionProfile:
    """Create or update a customer's declared production data.

    The user must hold ``load.edit_production_data`` and see the customer; an edit that
    started from an older version is refused (``StaleProfile``).
    """
    if not acting_user.has_perm("load.edit_production_data"):
        raise PermissionDenied(_("Your role may not edit declared production data."))
    if not customers_visible_to(user=acting_user).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("This customer is outside your scope."))
    profile = ProductionProfile.objects.select_for_update().filter(
        customer=customer
    ).first() or ProductionProfile(customer=customer)
    if profile.pk is not None and version is not None and version != profile.version:
        raise StaleProfile(_("Someone else saved these data meanwhile; reload and try again."))
    changed = []
    for name in PROFILE_FIELDS:
        if name in data and getattr(profile, name) != data[name]:
            setattr(profile, name, data[name])
            changed.append(name)
    profile.updated_by = acting_user
    profile.full_clean()
    if profile.security_load_kw and customer.contracted_kva is not None:
        if float(profile.security_load_kw) > float(customer.contracted_kva):
            raise ValidationError(
                {"security_load_kw": _("The security load exceeds the contracted capacity.")}
            )
    if profile.pk is None:
        profile.save()
    else:
        profile.version = F("version") + 1
        profile.save()
        profile.refresh_from_db()
    _event("profile_saved", actor=acting_user, customer=customer, text=", ".join(changed))
    return profile


# -- typical curves and patterns from the lake -----------------------------------------


@dataclass(frozen=True)
class CurvesRun:
    curves: int
    customers: int
    patterns: dict[str, int]


def typical_curves_refresh(*, engine: str | None = None, since: dt.date | None = None) -> CurvesRun:
    """Compute every metered customer's typical curves from the lake, store them, and
    name each curve's pattern by clustering the normalised curves."""
    con = catalog.connect(engine)
    table = con.to_pyarrow(
        pipelines.typical_curves(catalog.table(con, "readings"), since=since)
    ).to_pylist()
    curves: dict[tuple[str, str, str], tuple[list[float], int]] = {}
    for row in table:
        key = (row["account_no"], row["season"], row["day_type"])
        kw, days = curves.setdefault(key, ([0.0] * 96, 0))
        kw[int(row["slot"])] = round(float(row["kw"]), 3)
        curves[key] = (kw, max(days, int(row["days"])))
    ids = dict(
        Customer.objects.filter(account_no__in={k[0] for k in curves}).values_list(
            "account_no", "pk"
        )
    )
    keys = [k for k in curves if k[0] in ids]
    labels = (
        clustering.cluster(
            np.array([curves[k][0] for k in keys]),
            owners=[k[0] for k in keys],
            seasons=[k[1] for k in keys],
        ).labels
        if keys
        else []
    )
    objs = [
        TypicalCurve(
            customer_id=ids[k[0]],
            season=k[1],
            day_type=k[2],
            kw=curves[k][0],
            days=curves[k][1],
            pattern=label,
        )
        for k, label in zip(keys, labels, strict=True)
    ]
    TypicalCurve.objects.bulk_create(
        objs,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["customer", "season", "day_type"],
        update_fields=["kw", "days", "pattern", "computed_at"],
    )
    patterns: dict[str, int] = {}
    for label in labels:
        patterns[label] = patterns.get(label, 0) + 1
    return CurvesRun(curves=len(objs), customers=len({k[0] for k in keys}), patterns=patterns)


# -- plans -------------------------------------------------------------------------------


def _require_planner(user: User) -> None:
    if not user.has_perm("load.make_plans"):
        raise PermissionDenied(_("Your role may not make orderly-use plans."))


def gap_from_target(*, target_kw: float, start: dt.time, end: dt.time) -> list[float]:
    """A gap of ``target_kw`` in every slot from ``start`` to ``end`` (local time)."""
    first = start.hour * 4 + start.minute // 15
    last = 96 if end == dt.time(0, 0) else end.hour * 4 + end.minute // 15
    return [float(target_kw) if first <= s < last else 0.0 for s in range(96)]


def region_customers(*, region: Region) -> QuerySet[Customer]:
    return Customer.objects.filter(
        Q(region__path=region.path) | Q(region__path__startswith=f"{region.path}.")
    )


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
    """A draft plan; its warning level follows from the largest gap and the peak demand."""
    _require_planner(acting_user)
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
        raise ValidationError(errors)
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
    _event("plan_created", actor=acting_user, plan=plan, text=plan.warning_level)
    return plan


def plan_days(plan: Plan) -> list[dt.date]:
    return [dt.date.fromisoformat(d) for d in plan.days]


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=_local_tz())


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
        for p in ProductionProfile.objects.filter(
            customer__in=region_customers(region=plan.region)
        ).filter(Q(shiftable_kw__gt=0) | Q(curtailable_kw__gt=0) | Q(interruptible_kw__gt=0))
    }
    customers = list(
        Customer.objects.filter(pk__in=profiles).select_related("region").order_by("account_no")
    )
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
        lead_hours=np.array([(_day_start(d) - now).total_seconds() / 3600 for d in days]),
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
    _require_planner(acting_user)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == Plan.Status.PUBLISHED:
        raise LoadError(_("A published plan cannot be solved again; make a new one."))
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
        _event(
            "plan_infeasible",
            actor=acting_user,
            plan=plan,
            text=f"{float(solution.shortfall.max()):.1f} kW",
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
    _event(
        "plan_solved",
        actor=acting_user,
        plan=plan,
        text=f"{len(solution.reductions)} customers, objective {solution.objective:.1f}",
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
    release it."""
    _require_planner(acting_user)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == Plan.Status.PUBLISHED:
        raise LoadError(_("A published plan cannot be changed."))
    _set_membership(plan, "pinned", account_no, pinned)
    if pinned:
        _set_membership(plan, "excluded", account_no, False)
    plan.version += 1
    plan.save(update_fields=["pinned", "excluded", "version"])
    _event("plan_pin" if pinned else "plan_unpin", actor=acting_user, plan=plan, text=account_no)
    return plan


@transaction.atomic
def plan_exclude(*, plan: Plan, account_no: str, excluded: bool, acting_user: User) -> Plan:
    """Keep a customer out of the plan (or let it back in) when it is solved again."""
    _require_planner(acting_user)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == Plan.Status.PUBLISHED:
        raise LoadError(_("A published plan cannot be changed."))
    _set_membership(plan, "excluded", account_no, excluded)
    if excluded:
        _set_membership(plan, "pinned", account_no, False)
    plan.version += 1
    plan.save(update_fields=["pinned", "excluded", "version"])
    _event(
        "plan_exclude" if excluded else "plan_include",
        actor=acting_user,
        plan=plan,
        text=account_no,
    )
    return plan


_ACTION_NOTICE = {
    "shift": "shift_notice_hours",
    "avoid": "curtail_notice_hours",
    "limit": "interrupt_notice_hours",
}


def notice_text(*, plan: Plan, schedules: list[Schedule]) -> tuple[str, str]:
    """Title and text of a customer's notice: each day, window, measure and kW."""
    labels = {"shift": _("shift"), "avoid": _("avoid the peak"), "limit": _("limit")}
    title = _("Orderly power use: %(plan)s") % {"plan": plan.name}
    lines = [
        _("Warning level %(level)s. Please keep to this schedule; your security load is never cut.")
        % {"level": plan.warning_level or "—"}
    ]
    for s in schedules:
        lines.append(
            _("%(day)s %(start)s–%(end)s: %(measure)s, up to %(kw)s kW (%(kwh)s kWh)")
            % {
                "day": s.day.isoformat(),
                "start": s.start.strftime("%H:%M"),
                "end": s.end.strftime("%H:%M"),
                "measure": labels.get(s.action, s.action),
                "kw": f"{s.max_kw:,.0f}",
                "kwh": f"{s.reduction_kwh:,.0f}",
            }
        )
    return title, "\n".join(lines)


@transaction.atomic
def plan_publish(*, plan: Plan, acting_user: User, now: dt.datetime | None = None) -> Plan:
    """Publish a solved plan: each affected customer gets a notice with its schedule.
    Refused if a customer would hear of a measure later than its declared notice hours
    (solve again: the optimisation leaves out what can no longer be announced in time)."""
    _require_planner(acting_user)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != Plan.Status.SOLVED:
        raise LoadError(_("Only a solved plan can be published."))
    now = now or timezone.now()
    schedules = list(plan.schedules.select_related("customer").order_by("customer", "day"))
    profiles = {
        p.customer_id: p
        for p in ProductionProfile.objects.filter(
            customer_id__in={s.customer_id for s in schedules}
        )
    }
    late: list[str] = []
    by_customer: dict[int, list[Schedule]] = {}
    for s in schedules:
        by_customer.setdefault(s.customer_id, []).append(s)
        profile = profiles.get(s.customer_id)
        lead = (_day_start(s.day) - now).total_seconds() / 3600
        for action, series in (("shift", s.shift_kw), ("avoid", s.avoid_kw), ("limit", s.limit_kw)):
            if profile is not None and any(v > 0 for v in series):
                if lead < float(getattr(profile, _ACTION_NOTICE[action])):
                    late.append(s.customer.account_no)
    if late:
        raise LoadError(
            _("These customers can no longer be told in time; solve the plan again: %(list)s")
            % {"list": ", ".join(sorted(set(late))[:20])}
        )
    notices = []
    for items in by_customer.values():
        title, body = notice_text(plan=plan, schedules=items)
        lead = (_day_start(items[0].day) - now).total_seconds() / 3600
        notices.append(
            ScheduleNotice(
                plan=plan,
                customer=items[0].customer,
                title=title[:200],
                body=body,
                lead_hours=round(lead, 1),
                sent_at=now,
            )
        )
    ScheduleNotice.objects.bulk_create(notices, batch_size=1000)
    plan.status = Plan.Status.PUBLISHED
    plan.published_at = now
    plan.published_by = acting_user
    plan.save(update_fields=["status", "published_at", "published_by"])
    _event("plan_published", actor=acting_user, plan=plan, text=f"{len(notices)} notices")
    return plan


# -- execution check ---------------------------------------------------------------------


def slot_compliance(
    *, baseline: list[float], reduction: list[float], metered: dict[int, float]
) -> tuple[float | None, float, int]:
    """Compliance of one schedule: the share of its slots with a reduction whose
    metered load was at most baseline − reduction (+ the tolerance), the energy
    actually shed (kWh), and the slots measured."""
    due = [s for s in range(96) if reduction[s] > 1e-6 and s in metered]
    if not due:
        return None, 0.0, 0
    ok = sum(
        1
        for s in due
        if metered[s] <= baseline[s] - reduction[s] + COMPLIANCE_TOLERANCE * baseline[s]
    )
    shed = sum(max(baseline[s] - metered[s], 0.0) for s in due) * optimise.HOURS_PER_SLOT
    return ok / len(due), shed, len(due)


@transaction.atomic
def plan_check(*, plan: Plan, acting_user: User, engine: str | None = None) -> Plan:
    """After the plan's days: compare each customer's metered load with its schedule and
    record compliance per schedule and for the plan (slots weighted equally)."""
    _require_planner(acting_user)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != Plan.Status.PUBLISHED:
        raise LoadError(_("Only a published plan can be checked."))
    schedules = list(plan.schedules.select_related("customer"))
    if not schedules:
        raise LoadError(_("The plan has no schedules."))
    con = catalog.connect(engine)
    metered_rows = con.to_pyarrow(
        pipelines.metered_by_slot(
            catalog.table(con, "readings"),
            sorted({s.customer.account_no for s in schedules}),
            plan_days(plan),
        )
    ).to_pylist()
    metered: dict[tuple[str, dt.date], dict[int, float]] = {}
    for row in metered_rows:
        metered.setdefault((row["account_no"], row["day"]), {})[int(row["slot"])] = float(row["kw"])
    now = timezone.now()
    good = total = 0.0
    for s in schedules:
        reduction = [a + b + c for a, b, c in zip(s.shift_kw, s.avoid_kw, s.limit_kw, strict=True)]
        rate, shed, slots = slot_compliance(
            baseline=s.baseline_kw,
            reduction=reduction,
            metered=metered.get((s.customer.account_no, s.day), {}),
        )
        s.compliance = None if rate is None else round(rate, 4)
        s.delivered_kwh = round(shed, 2)
        s.checked_at = now
        if rate is not None:
            good += rate * slots
            total += slots
    Schedule.objects.bulk_update(schedules, ["compliance", "delivered_kwh", "checked_at"])
    plan.compliance = round(good / total, 4) if total else None
    plan.checked_at = now
    plan.save(update_fields=["compliance", "checked_at"])
    _event("plan_checked", actor=acting_user, plan=plan, text=f"{plan.compliance}")
    return plan
