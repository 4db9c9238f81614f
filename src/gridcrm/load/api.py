"""REST endpoints of orderly power use: plans (create, solve, pin, exclude, publish,
check), a customer's declared production data and schedules. Customer data only
through the archive's visibility selectors; out of scope answers 404. Refusals are the
load app's domain errors, answered by the API's one exception handler."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from gridcrm.load import selectors, services
from gridcrm.load.errors import InvalidPlan
from gridcrm.load.models import Plan, ProductionProfile, Schedule
from gridcrm.web.api_types import ClockTime
from gridcrm.web.http import AuthedRequest

router = Router(tags=["load"])


class PlanIn(Schema):
    name: str
    region: str
    """The region's code."""
    days: list[dt.date]
    gap_kw: list[float] | None = None
    """96 values, one per 15-minute slot; or give ``target_kw`` with a window."""
    target_kw: float | None = None
    window_start: ClockTime | None = None
    window_end: ClockTime | None = None
    peak_demand_kw: float | None = None
    fairness_cap: float = 0.6


class PlanOut(Schema):
    id: int
    name: str
    region: str
    days: list[str]
    status: str
    warning_level: str
    peak_demand_kw: float
    gap_kw: list[float]
    objective: float | None
    harm: float | None
    shortfall_kw: dict[str, list[float]]
    covered_kw: dict[str, list[float]]
    pinned: list[str]
    excluded: list[str]
    compliance: float | None

    @staticmethod
    def resolve_region(obj: Plan) -> str:
        return obj.region.code


class ScheduleOut(Schema):
    account_no: str
    day: dt.date
    action: str
    start: ClockTime
    end: ClockTime
    max_kw: float
    reduction_kwh: float
    security_kw: float
    shift_kw: list[float]
    avoid_kw: list[float]
    limit_kw: list[float]
    pinned: bool
    compliance: float | None

    @staticmethod
    def resolve_account_no(obj: Schedule) -> str:
        return obj.customer.account_no


class MemberIn(Schema):
    account_no: str
    what: Literal["pin", "unpin", "exclude", "include"]


class ProfileIO(Schema):
    security_load_kw: Decimal = Decimal(0)
    typical_load_kw: Decimal | None = None
    shiftable_kw: Decimal = Decimal(0)
    shift_notice_hours: Decimal = Decimal(24)
    shift_max_hours: Decimal | None = None
    curtailable_kw: Decimal = Decimal(0)
    curtail_notice_hours: Decimal = Decimal(2)
    curtail_max_hours: Decimal | None = None
    interruptible_kw: Decimal = Decimal(0)
    interrupt_notice_hours: Decimal = Decimal(1)
    interruptible_processes: str = ""
    output_value_per_kwh: Decimal | None = None
    protection: str = "auto"
    version: int | None = None


def _plan(request: AuthedRequest, plan_id: int) -> Plan:
    return get_object_or_404(selectors.plans_visible_to(user=request.user), pk=plan_id)


def _gap(payload: PlanIn) -> list[float]:
    if payload.gap_kw is not None:
        return payload.gap_kw
    if payload.target_kw is None or payload.window_start is None or payload.window_end is None:
        raise InvalidPlan(
            fields={"gap_kw": _("Give gap_kw (96 values) or target_kw with a window.")}
        )
    return services.gap_from_target(
        target_kw=payload.target_kw, start=payload.window_start, end=payload.window_end
    )


@router.get("/plans", response=list[PlanOut], summary="Orderly-use plans")
def plan_list(request: AuthedRequest) -> list[Plan]:
    selectors.require_view_plans(user=request.user)
    return list(selectors.plans_visible_to(user=request.user)[:100])


@router.post("/plans", response={201: PlanOut}, summary="Create a draft plan")
def plan_create(request: AuthedRequest, payload: PlanIn) -> tuple[int, Plan]:
    selectors.require_plan(user=request.user)
    region = selectors.region_by_code(code=payload.region)
    gap = _gap(payload)
    days = sorted(payload.days)
    peak = payload.peak_demand_kw or (
        selectors.peak_demand_estimate(region=region, day=days[0]) if days else 0.0
    )
    plan = services.plan_create(
        name=payload.name,
        region=region,
        days=days,
        gap_kw=gap,
        peak_demand_kw=peak,
        fairness_cap=payload.fairness_cap,
        acting_user=request.user,
    )
    return 201, plan


@router.get("/plans/{plan_id}", response=PlanOut, summary="A plan")
def plan_detail(request: AuthedRequest, plan_id: int) -> Plan:
    return _plan(request, plan_id)


@router.get("/plans/{plan_id}/schedules", response=list[ScheduleOut], summary="A plan's schedules")
def plan_schedules(request: AuthedRequest, plan_id: int) -> list[Schedule]:
    plan = _plan(request, plan_id)
    return list(selectors.plan_schedules(plan=plan, user=request.user))


def _planned(request: AuthedRequest, plan_id: int) -> Plan:
    selectors.require_plan(user=request.user)
    return _plan(request, plan_id)


@router.post("/plans/{plan_id}/solve", response=PlanOut, summary="Solve (or re-solve) a plan")
def plan_solve(request: AuthedRequest, plan_id: int) -> Plan:
    plan = _planned(request, plan_id)
    return services.plan_solve(plan=plan, acting_user=request.user)


@router.post(
    "/plans/{plan_id}/members", response=PlanOut, summary="Pin, release, exclude or include"
)
def plan_member(request: AuthedRequest, plan_id: int, payload: MemberIn) -> Plan:
    selectors.visible_customer(user=request.user, account_no=payload.account_no)
    plan = _planned(request, plan_id)
    if payload.what in ("pin", "unpin"):
        plan = services.plan_pin(
            plan=plan,
            account_no=payload.account_no,
            pinned=payload.what == "pin",
            acting_user=request.user,
        )
    else:
        plan = services.plan_exclude(
            plan=plan,
            account_no=payload.account_no,
            excluded=payload.what == "exclude",
            acting_user=request.user,
        )
    return plan


@router.post("/plans/{plan_id}/publish", response=PlanOut, summary="Publish: notify customers")
def plan_publish(request: AuthedRequest, plan_id: int) -> Plan:
    plan = _planned(request, plan_id)
    return services.plan_publish(plan=plan, acting_user=request.user)


@router.post("/plans/{plan_id}/check", response=PlanOut, summary="Execution check from readings")
def plan_check(request: AuthedRequest, plan_id: int) -> Plan:
    plan = _planned(request, plan_id)
    return services.plan_check(plan=plan, acting_user=request.user)


@router.get(
    "/customers/{account_no}/production",
    response={200: ProfileIO, 204: None},
    summary="A customer's declared production data",
)
def profile_get(request: AuthedRequest, account_no: str) -> tuple[int, ProductionProfile | None]:
    customer = selectors.visible_customer(user=request.user, account_no=account_no)
    profile = selectors.customer_profile(customer=customer)
    return (200, profile) if profile is not None else (204, None)


@router.put(
    "/customers/{account_no}/production",
    response=ProfileIO,
    summary="Declare a customer's production data",
)
def profile_put(request: AuthedRequest, account_no: str, payload: ProfileIO) -> ProductionProfile:
    customer = selectors.visible_customer(user=request.user, account_no=account_no)
    return services.profile_save(
        customer=customer,
        data=payload.dict(exclude={"version"}),
        acting_user=request.user,
        version=payload.version,
    )


@router.get(
    "/customers/{account_no}/schedules",
    response=list[ScheduleOut],
    summary="A customer's schedules in published plans",
)
def customer_schedules(request: AuthedRequest, account_no: str) -> list[Schedule]:
    customer = selectors.visible_customer(user=request.user, account_no=account_no)
    return list(selectors.customer_schedules(customer=customer).select_related("customer")[:50])
