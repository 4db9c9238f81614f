"""The roster follows the archive's fields; nominations and managers go through services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gridcrm.archive.choices import ImportanceClass, VoltageLevel
from gridcrm.archive.models import Customer
from gridcrm.core.errors import Invalid, Refused
from gridcrm.keyaccounts.models import Event, KeyAccount, Tier
from gridcrm.keyaccounts.roster import rules_met
from gridcrm.keyaccounts.services import (
    group_assign,
    keyaccount_assign,
    keyaccount_nominate,
    roster_refresh,
)
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_customer, make_user
from tests.keyaccounts.conftest import Cast, make_plant


def test_each_rule_puts_a_customer_on_the_roster_and_others_stay_off(regions: Regions) -> None:
    capacity = make_plant(regions, "0400000001", "高压大容量厂")
    small_hv = make_plant(regions, "0400000002", "高压小容量厂", contracted_kva=Decimal("800"))
    low_voltage_big = make_plant(
        regions,
        "0400000003",
        "低压大容量商场",
        voltage_level=VoltageLevel.V380,
        contracted_kva=Decimal("1250"),
    )
    heavy_user = make_plant(
        regions,
        "0400000004",
        "用电大户",
        contracted_kva=Decimal("500"),
    )
    # Annual consumption is derived from the lake's facts, not entered.
    Customer.objects.filter(pk=heavy_user.pk).update(annual_kwh=Decimal("6000000"))
    heavy_user.refresh_from_db()
    important = make_customer(
        regions.station_a2, "0400000005", "市人民医院", importance_class=ImportanceClass.CLASS_II
    )
    household = make_customer(regions.station_a2, "0400000006", "李秀英")

    result = roster_refresh(acting_user=None)

    on_roster = set(KeyAccount.objects.values_list("customer__account_no", flat=True))
    assert on_roster == {capacity.account_no, heavy_user.account_no, important.account_no}
    assert result.added == 3
    assert rules_met(capacity) == ["high_voltage_capacity"]
    assert rules_met(heavy_user) == ["annual_kwh"]
    assert rules_met(important) == ["important_customer"]
    for customer in (small_hv, low_voltage_big, household):
        assert rules_met(customer) == []
    assert KeyAccount.objects.get(customer=important).tier == Tier.TWO


def test_a_refresh_is_idempotent_and_drops_who_no_longer_qualifies(regions: Regions) -> None:
    plant = make_plant(regions, "0400000011", "高压大容量厂")
    roster_refresh(acting_user=None)
    assert roster_refresh(acting_user=None).added == 0

    Customer.objects.filter(pk=plant.pk).update(contracted_kva=Decimal("630"))
    result = roster_refresh(acting_user=None)

    account = KeyAccount.objects.get(customer=plant)
    assert (result.removed, account.active, account.basis) == (1, False, [])
    assert Event.objects.filter(key_account=account, kind=Event.Kind.REMOVED).count() == 1


def test_a_nominated_customer_stays_whatever_the_rules_say(cast: Cast, regions: Regions) -> None:
    shop = make_customer(regions.station_a1, "0400000021", "阳泉万达广场")
    account = keyaccount_nominate(
        customer=shop, reason="全市地标商业综合体", acting_user=cast.marketing
    )
    roster_refresh(acting_user=None)
    account.refresh_from_db()
    assert account.active
    assert account.nominated
    assert account.nomination_reason == "全市地标商业综合体"


def test_it_refuses_a_nomination_without_a_reason_or_by_a_manager(
    cast: Cast, regions: Regions
) -> None:
    shop = make_customer(regions.station_a1, "0400000031", "阳泉万达广场")
    with pytest.raises(Invalid) as invalid:
        keyaccount_nominate(customer=shop, reason="  ", acting_user=cast.marketing)
    assert (invalid.value.code, list(invalid.value.fields)) == (
        "keyaccounts.reason_missing",
        ["reason"],
    )
    with pytest.raises(Refused) as refused:
        keyaccount_nominate(customer=shop, reason="重要", acting_user=cast.owner)
    assert refused.value.code == "keyaccounts.roster_not_allowed"
    assert not KeyAccount.objects.filter(customer=shop).exists()


def test_assigning_a_manager_keeps_the_archive_in_step(cast: Cast) -> None:
    customer = cast.mine.customer
    customer.refresh_from_db()
    assert customer.account_manager == cast.owner

    keyaccount_assign(
        account=cast.mine,
        manager=cast.colleague,
        backup_manager=cast.owner,
        acting_user=cast.marketing,
    )

    customer.refresh_from_db()
    cast.mine.refresh_from_db()
    assert customer.account_manager == cast.colleague == cast.mine.manager
    assert cast.mine.backup_manager == cast.owner


@pytest.mark.parametrize("who", ["specialist", "same_person"])
def test_it_refuses_a_manager_who_is_not_a_key_account_manager(cast: Cast, who: str) -> None:
    manager: User = cast.specialist if who == "specialist" else cast.owner
    backup = None if who == "specialist" else cast.owner
    with pytest.raises(Invalid) as invalid:
        keyaccount_assign(
            account=cast.mine, manager=manager, backup_manager=backup, acting_user=cast.marketing
        )
    assert (
        invalid.value.code
        == {
            "specialist": "keyaccounts.not_a_key_account_manager",
            "same_person": "keyaccounts.backup_is_manager",
        }[who]
    )
    cast.mine.refresh_from_db()
    cast.mine.customer.refresh_from_db()
    assert cast.mine.manager == cast.owner == cast.mine.customer.account_manager


def test_several_sites_form_one_corporate_group(cast: Cast) -> None:
    group = group_assign(account=cast.mine, group_name="晋能控股集团", acting_user=cast.marketing)
    group_assign(account=cast.theirs, group_name="晋能控股集团", acting_user=cast.marketing)
    assert group is not None
    assert set(group.accounts.all()) == {cast.mine, cast.theirs}


def test_only_roster_roles_group_accounts(cast: Cast) -> None:
    agent = make_user("agent_x", Role.SERVICE_AGENT)
    with pytest.raises(Refused) as refused:
        group_assign(account=cast.mine, group_name="集团", acting_user=agent)
    assert refused.value.code == "keyaccounts.roster_not_allowed"
    cast.mine.refresh_from_db()
    assert cast.mine.group is None
