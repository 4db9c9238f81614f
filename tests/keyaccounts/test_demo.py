"""The demo: a year of visits with Chinese notes, needs in every stage, latent needs."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.utils import timezone

from gridcrm.archive.models import Customer
from gridcrm.keyaccounts.demo import demo_keyaccount_data
from gridcrm.keyaccounts.models import KeyAccount, Need, Stage, Visit
from tests.conftest import Regions
from tests.keyaccounts.conftest import Cast, make_plant


def test_the_demo_fills_a_year_of_visits_and_every_stage(cast: Cast, regions: Regions) -> None:
    for i in range(3, 21):
        make_plant(regions, f"03000000{i:02d}", f"阳泉市第{i}机械厂")
    Customer.objects.filter(account_no="0300000003").update(max_demand_kw=Decimal("1900"))

    result = demo_keyaccount_data(seed=7, stdout=io.StringIO())

    assert result["accounts"] == KeyAccount.objects.filter(active=True).count() == 20
    for account in KeyAccount.objects.all():
        assert account.manager is not None
        assert account.customer.account_manager_id == account.manager_id
    today = timezone.localdate()
    first = Visit.objects.order_by("visited_on").first()
    assert first is not None
    assert first.visited_on >= today - dt.timedelta(days=366)
    assert any("客户" in v.notes for v in Visit.objects.all())
    stages = set(Need.objects.values_list("stage", flat=True))
    expected = {s for s in Stage.values if s != Stage.MERGED}
    assert expected <= stages
    assert Need.objects.filter(origin="latent", rule="capacity_headroom").exists()


def test_the_demo_is_deterministic(cast: Cast, regions: Regions) -> None:
    demo_keyaccount_data(seed=3, stdout=io.StringIO())
    first = list(Visit.objects.order_by("pk").values_list("visited_on", "notes"))
    Visit.objects.all().delete()
    Need.objects.all().delete()
    demo_keyaccount_data(seed=3, stdout=io.StringIO())
    assert list(Visit.objects.order_by("pk").values_list("visited_on", "notes")) == first
