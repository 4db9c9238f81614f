"""Plans end to end on the database: warning level, solve in the legal order, pins and
exclusions, publishing with notices, the execution check from readings, and who may."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from django.utils import timezone

from gridcrm.archive.models import Customer
from gridcrm.core.errors import DomainError
from gridcrm.lake.schemas import READINGS
from gridcrm.lake.services import facts_append
from gridcrm.load import services
from gridcrm.load.models import LoadEvent, Plan, Schedule, ScheduleNotice
from gridcrm.users.models import User
from tests.conftest import Regions
from tests.load.conftest import Site

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 7, 16)
NOW = dt.datetime(2030, 7, 14, 9, 0, tzinfo=dt.UTC)


def make_plan(planner: User, regions: Regions, target: float, **kw: object) -> Plan:
    return services.plan_create(
        name="北大街 7月16日 晚高峰",
        region=regions.station_a1,
        days=[DAY],
        gap_kw=services.gap_from_target(target_kw=target, start=dt.time(18, 0), end=dt.time(21, 0)),
        peak_demand_kw=20000,
        acting_user=planner,
        **kw,  # type: ignore[arg-type]
    )


def reductions(plan: Plan) -> dict[str, float]:
    return {s.customer.account_no: s.max_kw for s in plan.schedules.select_related("customer")}


def test_a_plan_gets_its_warning_level_from_the_gap(planner: User, regions: Regions) -> None:
    assert make_plan(planner, regions, 3000).warning_level == "II"  # 15 % of 20 MW
    assert make_plan(planner, regions, 500).warning_level == "IV"
    assert make_plan(planner, regions, 4000).warning_level == "I"


def test_it_refuses_a_plan_without_a_gap(planner: User, regions: Regions) -> None:
    with pytest.raises(DomainError) as refused:
        services.plan_create(
            name="x",
            region=regions.station_a1,
            days=[DAY],
            gap_kw=[0.0] * 96,
            peak_demand_kw=1000,
            acting_user=planner,
        )
    assert refused.value.code == "load.invalid_plan"
    assert "gap_kw" in refused.value.fields


def test_the_plan_limits_the_priority_customer_first_and_spares_the_protected(
    planner: User, regions: Regions, site: Site
) -> None:
    plan = make_plan(planner, regions, 2500)
    plan = services.plan_solve(plan=plan, acting_user=planner, now=NOW)

    assert plan.status == Plan.Status.SOLVED
    cut = reductions(plan)
    assert site.hospital.account_no not in cut  # protected, others suffice
    assert site.household.account_no not in cut  # nothing declared: never scheduled
    assert cut[site.chemicals.account_no] == pytest.approx(2000)  # priority: all it offers
    assert plan.covered_kw[DAY.isoformat()][72] == pytest.approx(2500)
    for s in Schedule.objects.filter(plan=plan):
        total = np.add(np.add(s.shift_kw, s.avoid_kw), s.limit_kw)
        assert (np.asarray(s.baseline_kw) - total >= s.security_kw - 1e-6).all()


def test_an_infeasible_gap_records_the_shortfall_per_slot_and_no_schedules(
    planner: User, regions: Regions, site: Site
) -> None:
    plan = make_plan(planner, regions, 20000)
    plan = services.plan_solve(plan=plan, acting_user=planner, now=NOW)

    assert plan.status == Plan.Status.INFEASIBLE
    assert not plan.schedules.exists()
    shortfall = plan.shortfall_kw[DAY.isoformat()]
    assert all(v > 0 for v in shortfall[72:84])
    assert sum(shortfall[:72]) == 0
    with pytest.raises(DomainError) as refused:
        services.plan_publish(plan=plan, acting_user=planner, now=NOW)
    assert refused.value.code == "load.plan_not_solved"


def test_a_planner_excludes_and_pins_customers_and_solves_again(
    planner: User, regions: Regions, site: Site
) -> None:
    plan = services.plan_solve(plan=make_plan(planner, regions, 2400), acting_user=planner, now=NOW)
    first = reductions(plan)
    assert set(first) == {site.chemicals.account_no, site.steel.account_no}
    services.plan_pin(
        plan=plan, account_no=site.chemicals.account_no, pinned=True, acting_user=planner
    )
    services.plan_exclude(
        plan=plan, account_no=site.steel.account_no, excluded=True, acting_user=planner
    )
    plan = services.plan_solve(plan=plan, acting_user=planner, now=NOW)

    again = reductions(plan)
    assert site.steel.account_no not in again
    assert again[site.chemicals.account_no] == pytest.approx(first[site.chemicals.account_no])
    assert plan.schedules.get(customer=site.chemicals).pinned
    # Without the steel works the shop cannot close the rest: now the hospital helps.
    assert again[site.shop.account_no] == pytest.approx(150)
    assert again[site.hospital.account_no] == pytest.approx(250)


def test_publishing_sends_each_affected_customer_its_schedule(
    planner: User, regions: Regions, site: Site
) -> None:
    plan = services.plan_solve(plan=make_plan(planner, regions, 2500), acting_user=planner, now=NOW)
    plan = services.plan_publish(plan=plan, acting_user=planner, now=NOW)

    assert plan.status == Plan.Status.PUBLISHED
    notices = {n.customer.account_no: n for n in ScheduleNotice.objects.select_related("customer")}
    assert set(notices) == set(reductions(plan))
    assert DAY.isoformat() in notices[site.chemicals.account_no].body
    assert LoadEvent.objects.filter(plan=plan, kind="plan_published", acting_user=planner).exists()
    with pytest.raises(DomainError) as refused:
        services.plan_solve(plan=plan, acting_user=planner, now=NOW)
    assert refused.value.code == "load.plan_published"


def test_publishing_is_refused_when_a_customer_can_no_longer_be_told_in_time(
    planner: User, regions: Regions, site: Site
) -> None:
    plan = services.plan_solve(plan=make_plan(planner, regions, 2500), acting_user=planner, now=NOW)
    too_late = dt.datetime.combine(DAY, dt.time(0, 30), tzinfo=dt.UTC)

    with pytest.raises(DomainError) as refused:
        services.plan_publish(plan=plan, acting_user=planner, now=too_late)
    assert refused.value.code == "load.notice_too_late"
    assert not ScheduleNotice.objects.exists()


def _readings(customer: Customer, kw_by_slot: list[float]) -> pa.Table:
    start = dt.datetime.combine(DAY, dt.time(0, 0), tzinfo=dt.UTC) - dt.timedelta(hours=8)
    ts = [start + dt.timedelta(minutes=15 * s) for s in range(96)]
    return pa.table(
        {
            "account_no": [customer.account_no] * 96,
            "meter_no": ["M1"] * 96,
            "ts": ts,
            "kwh": [kw / 4 for kw in kw_by_slot],
            "kw": kw_by_slot,
            "power_factor": [None] * 96,
        },
        schema=READINGS.arrow,
    )


def test_compliance_is_computed_from_the_readings_of_the_day(
    planner: User, regions: Regions, site: Site, lake_dir: Path
) -> None:
    plan = services.plan_solve(plan=make_plan(planner, regions, 2500), acting_user=planner, now=NOW)
    plan = services.plan_publish(plan=plan, acting_user=planner, now=NOW)
    chem = plan.schedules.get(customer=site.chemicals)
    steel = plan.schedules.get(customer=site.steel)
    # The chemical plant sheds as told; the steel works keeps its usual load until 20:00.
    chem_kw = [
        b - (a + v + lim)
        for b, a, v, lim in zip(
            chem.baseline_kw, chem.shift_kw, chem.avoid_kw, chem.limit_kw, strict=True
        )
    ]
    steel_kw = list(steel.baseline_kw)
    for s in range(80, 96):
        steel_kw[s] -= steel.shift_kw[s] + steel.avoid_kw[s] + steel.limit_kw[s]
    facts_append(table="readings", facts=_readings(site.chemicals, chem_kw))
    facts_append(table="readings", facts=_readings(site.steel, steel_kw))

    plan = services.plan_check(plan=plan, acting_user=planner)

    chem.refresh_from_db()
    steel.refresh_from_db()
    assert chem.compliance == pytest.approx(1.0)
    assert steel.compliance == pytest.approx(4 / 12, abs=1e-3)  # 20:00-21:00 of 18-21
    assert chem.delivered_kwh == pytest.approx(chem.reduction_kwh, rel=1e-3)
    assert plan.compliance is not None
    assert 0.3 < plan.compliance < 1


def test_only_a_planner_makes_plans(
    collector_a: User, outsider: User, regions: Regions, site: Site
) -> None:
    for user in (collector_a, outsider):
        with pytest.raises(DomainError) as refused:
            make_plan(user, regions, 1000)
        assert refused.value.code == "load.may_not_plan"
    assert not Plan.objects.exists()


def test_declared_data_is_edited_within_scope_only(
    collector_a: User, collector_b: User, site: Site
) -> None:
    profile = services.profile_save(
        customer=site.steel,
        data={"security_load_kw": Decimal("2500")},
        acting_user=collector_a,
    )
    assert profile.security_load_kw == Decimal("2500")
    with pytest.raises(DomainError) as refused:
        services.profile_save(
            customer=site.steel, data={"security_load_kw": Decimal("1")}, acting_user=collector_b
        )
    assert refused.value.code == "load.may_not_edit_profile"
    profile.refresh_from_db()
    assert profile.security_load_kw == Decimal("2500")
    with pytest.raises(DomainError) as refused:
        services.profile_save(
            customer=site.steel,
            data={"security_load_kw": Decimal("3000")},
            acting_user=collector_a,
            version=profile.version - 1,
        )
    assert refused.value.code == "load.stale_profile"


def test_a_security_load_above_the_contracted_capacity_is_refused(
    collector_a: User, site: Site
) -> None:
    with pytest.raises(DomainError) as refused:
        services.profile_save(
            customer=site.shop, data={"security_load_kw": Decimal("5000")}, acting_user=collector_a
        )
    assert refused.value.code == "load.invalid_profile"
    assert "security_load_kw" in refused.value.fields


def test_timezone_of_now_does_not_matter_for_lead_hours(
    planner: User, regions: Regions, site: Site
) -> None:
    plan = services.plan_solve(
        plan=make_plan(planner, regions, 1000), acting_user=planner, now=timezone.now()
    )
    assert plan.status in (Plan.Status.SOLVED, Plan.Status.INFEASIBLE)
