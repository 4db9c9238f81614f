"""The demo's grid is consistent: every customer metered behind a line of its own district,
hospitals on dual sources, exactly one important customer out of compliance (short of
sources and emergency power), one undersized transformer, one overdue test, and their
alerts in the collectors' inboxes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count
from django.utils import timezone

from gridcrm.alerts.models import Alert
from gridcrm.archive.models import Customer
from gridcrm.demo.services import demo_build
from gridcrm.grid.demo import grid_demo_alerts, grid_demo_emergency
from gridcrm.grid.models import MeteringPoint, SupplySource, Transformer
from gridcrm.grid.selectors import important_customers_checked
from gridcrm.users.models import User


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_the_demo_grid_is_consistent_and_shows_the_gaps() -> None:
    demo_build(customers=1500, seed=11)
    # The enrichment's step (after the load demo, here without it): security loads
    # declared and emergency power sized for every important customer but one.
    grid_demo_emergency(seed=11)
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
    assert [r for r in rows.values() if r.gaps] == short
    assert set(short[0].gaps) >= {"sources", "no_emergency"}
    undersized = [
        account_no
        for account_no, kva, contracted in MeteringPoint.objects.filter(
            transformer__ownership="dedicated"
        ).values_list("customer__account_no", "transformer__kva", "customer__contracted_kva")
        if kva < contracted * Decimal("0.5")
    ]
    assert len(undersized) == 1
    overdue = Transformer.objects.filter(last_test_on__lt=timezone.localdate().replace(day=1))
    assert overdue.filter(last_test_on__year__lte=timezone.localdate().year - 3).count() == 1
    # The archive's equipment fields are the registry's summary.
    meters = dict(
        MeteringPoint.objects.values("customer_id")
        .annotate(n=Count("meters"))
        .values_list("customer_id", "n")
    )
    for c in Customer.objects.all()[:200]:
        assert c.meter_count == meters[c.pk]
    # demo_build stops before the enrichment; the alerts come from the grid's check.
    grid_demo_alerts()
    kinds = sorted(Alert.objects.values_list("kind", flat=True))
    assert kinds.count("grid.important_gap") == 1
    assert kinds.count("grid.test_overdue") == 1
