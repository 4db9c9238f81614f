"""The demo's grid is consistent: every customer metered behind a line of its own district,
hospitals on dual sources, exactly one important customer short of sources, and the
important customers without backup power listed with that gap."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Count

from gridcrm.archive.models import Customer
from gridcrm.demo.services import demo_build
from gridcrm.grid.models import MeteringPoint, SupplySource
from gridcrm.grid.selectors import important_customers_checked
from gridcrm.users.models import User


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_the_demo_grid_is_consistent_and_shows_the_gaps() -> None:
    demo_build(customers=1500, seed=11)
    customers = Customer.objects.count()
    assert MeteringPoint.objects.values("customer").distinct().count() == customers
    for district, station_district in SupplySource.objects.values_list(
        "customer__region__parent__code", "feeder__substation__region__code"
    )[:500]:
        assert district == station_district
    manager = User.objects.get(username="manager")
    rows = {r.account_no: r for r in important_customers_checked(user=manager)}
    short = [r for r in rows.values() if {"sources", "substations"} & set(r.gaps)]
    assert len(short) == 1
    hospitals = [r for r in rows.values() if "医院" in r.name]
    assert hospitals
    assert {r.configuration for r in hospitals} == {"dual_source"}
    no_backup = Customer.objects.filter(
        account_no__in=list(rows), backup_power_kw__isnull=True
    ).values_list("account_no", flat=True)
    assert no_backup
    assert all("no_emergency" in rows[a].gaps for a in no_backup)
    # The archive's equipment fields are the registry's summary.
    meters = dict(
        MeteringPoint.objects.values("customer_id")
        .annotate(n=Count("meters"))
        .values_list("customer_id", "n")
    )
    for c in Customer.objects.all()[:200]:
        assert c.meter_count == meters[c.pk]
