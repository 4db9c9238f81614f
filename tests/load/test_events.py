"""Every change of the load app writes its audit event in the same transaction; a
refused change writes none; the customer's timeline shows what concerns it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gridcrm.core.errors import DomainError
from gridcrm.core.extensions import customer_timeline
from gridcrm.load import services, tou
from gridcrm.load.models import LoadEvent
from gridcrm.users.models import User
from tests.conftest import Regions
from tests.load.conftest import Site
from tests.load.test_plans import NOW, make_plan

pytestmark = pytest.mark.django_db


def kinds() -> list[str]:
    return list(LoadEvent.objects.order_by("pk").values_list("kind", flat=True))


def test_saving_declared_data_records_who_changed_which_fields(
    collector_a: User, site: Site
) -> None:
    services.profile_save(
        customer=site.steel, data={"security_load_kw": Decimal("2500")}, acting_user=collector_a
    )

    event = LoadEvent.objects.get()
    assert (event.kind, event.customer, event.acting_user) == (
        LoadEvent.Kind.PROFILE_SAVED,
        site.steel,
        collector_a,
    )
    assert event.details == {"fields": ["security_load_kw"]}


def test_a_refused_change_writes_no_event(
    collector_b: User, planner: User, regions: Regions, site: Site
) -> None:
    with pytest.raises(DomainError):
        services.profile_save(
            customer=site.steel, data={"security_load_kw": Decimal("1")}, acting_user=collector_b
        )
    with pytest.raises(DomainError):
        make_plan(collector_b, regions, 1000)
    plan = make_plan(planner, regions, 1000)
    with pytest.raises(DomainError):
        services.plan_publish(plan=plan, acting_user=planner, now=NOW)

    assert kinds() == [LoadEvent.Kind.PLAN_CREATED]


def test_each_step_of_a_plan_is_recorded_with_its_planner(
    planner: User, regions: Regions, site: Site
) -> None:
    plan = make_plan(planner, regions, 2500)
    plan = services.plan_solve(plan=plan, acting_user=planner, now=NOW)
    services.plan_pin(
        plan=plan, account_no=site.chemicals.account_no, pinned=True, acting_user=planner
    )
    services.plan_exclude(
        plan=plan, account_no=site.steel.account_no, excluded=True, acting_user=planner
    )
    services.plan_exclude(
        plan=plan, account_no=site.steel.account_no, excluded=False, acting_user=planner
    )
    plan = services.plan_solve(plan=plan, acting_user=planner, now=NOW)
    services.plan_publish(plan=plan, acting_user=planner, now=NOW)

    assert kinds() == [
        "plan_created",
        "plan_solved",
        "plan_pin",
        "plan_exclude",
        "plan_include",
        "plan_solved",
        "plan_published",
    ]
    assert set(LoadEvent.objects.values_list("acting_user", flat=True)) == {planner.pk}
    assert LoadEvent.objects.filter(plan=plan).count() == 7


def test_installing_the_tou_defaults_is_recorded(planner: User, regions: Regions) -> None:
    tou.tou_defaults_install(region=regions.company, acting_user=planner)
    tou.tou_defaults_install(region=regions.company, acting_user=planner)  # already there

    event = LoadEvent.objects.get()
    assert (event.kind, event.acting_user) == (LoadEvent.Kind.TOU_DEFAULTS_INSTALLED, planner)
    assert event.details == {"region": regions.company.code, "schedules": 2}


def test_the_timeline_shows_declared_data_and_notices_to_those_who_see_the_customer(
    planner: User, collector_a: User, collector_b: User, regions: Regions, site: Site
) -> None:
    services.profile_save(
        customer=site.chemicals,
        data={"security_load_kw": Decimal("1600")},
        acting_user=collector_a,
    )
    plan = services.plan_solve(plan=make_plan(planner, regions, 2500), acting_user=planner, now=NOW)
    services.plan_publish(plan=plan, acting_user=planner, now=NOW)

    lines = [
        e for e in customer_timeline(customer=site.chemicals, user=collector_a) if e.app == "load"
    ]
    assert {e.kind for e in lines} == {"profile_saved", "notice_sent"}
    hidden = customer_timeline(customer=site.chemicals, user=collector_b)
    assert not any(e.app == "load" for e in hidden)
