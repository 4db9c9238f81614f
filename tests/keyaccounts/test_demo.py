"""The demo: a year of visits with Chinese notes, needs in every stage, latent needs."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.utils import timezone

from gridcrm.archive.choices import ImportanceClass
from gridcrm.archive.models import Customer
from gridcrm.keyaccounts import topics
from gridcrm.keyaccounts.demo import demo_keyaccount_data
from gridcrm.keyaccounts.models import (
    FeedbackCall,
    KeyAccount,
    Need,
    Notification,
    Stage,
    Visit,
)
from gridcrm.service.models import ServiceRequest
from gridcrm.users.models import User
from tests.conftest import Regions
from tests.keyaccounts.conftest import Cast, make_plant


def test_the_demo_fills_a_year_of_visits_and_every_stage(
    cast: Cast, regions: Regions, agent: User
) -> None:
    for i in range(3, 21):
        make_plant(regions, f"03000000{i:02d}", f"阳泉市第{i}机械厂")
    Customer.objects.filter(account_no="0300000003").update(max_demand_kw=Decimal("1900"))
    Customer.objects.filter(account_no__in=["0300000004", "0300000005", "0300000006"]).update(
        importance_class=ImportanceClass.CLASS_I
    )

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
    # The notes tell each account's story: the topic miner finds it recurring.
    recurring = [
        account
        for account in KeyAccount.objects.all()
        if topics.mine(account.visits.all()).recurring_themes
    ]
    assert len(recurring) >= 10
    assert Need.objects.filter(origin="latent", rule__startswith="notes_").exists()
    # Fast-channel repairs were worked through, the managers told, the customers called back.
    assert Need.objects.filter(origin="latent", rule="repeated_outages").exists()
    assert FeedbackCall.objects.exists()
    assert Notification.objects.filter(kind="feedback_due").exists()
    assert ServiceRequest.objects.filter(channel="fast_channel", status="done").exists()


def test_the_demo_is_deterministic(cast: Cast, regions: Regions) -> None:
    demo_keyaccount_data(seed=3, stdout=io.StringIO())
    first = list(Visit.objects.order_by("pk").values_list("visited_on", "notes"))
    Visit.objects.all().delete()
    Need.objects.all().delete()
    demo_keyaccount_data(seed=3, stdout=io.StringIO())
    assert list(Visit.objects.order_by("pk").values_list("visited_on", "notes")) == first
