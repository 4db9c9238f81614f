"""The key-account cast: a manager who owns an account, a colleague (another manager),
a backup, specialists, a marketing manager, and the standard outsider."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gridcrm.archive.models import Customer, TariffCategory, VoltageLevel
from gridcrm.keyaccounts.models import KeyAccount
from gridcrm.keyaccounts.services import keyaccount_assign, keyaccount_nominate
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_customer, make_user, uscc


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def lake(settings: Any, tmp_path: Path) -> Path:
    """An empty lake of this test's own: the latent-need rules read the lake, and a
    developer's demo lake must not leak into a test."""
    root = tmp_path / "lake"
    root.mkdir()
    settings.LAKE_URL = str(root)
    settings.VAR_DIR = tmp_path / "var"
    return root


def make_plant(regions: Regions, account_no: str, name: str, **extra: object) -> Customer:
    """A 10 kV factory of 2000 kVA: on the roster by the capacity rule."""
    data: dict[str, object] = {
        "tariff_category": TariffCategory.LARGE_INDUSTRY,
        "tariff_structure": "two_part",
        "billing_method": "demand",
        "certificate_type": "uscc",
        "certificate_no": uscc(int(account_no[-4:])),
        "voltage_level": VoltageLevel.KV10,
        "contracted_kva": Decimal("2000"),
        "industry_code": "C3311",
        "phone": "0353-6123457",
    }
    data.update(extra)
    return make_customer(regions.station_a1, account_no, name, **data)


@dataclass
class Cast:
    owner: User
    colleague: User
    backup: User
    specialist: User
    other_specialist: User
    marketing: User
    outsider: User
    mine: KeyAccount
    theirs: KeyAccount


@pytest.fixture
def cast(regions: Regions, outsider: User) -> Cast:
    return build_cast(regions, outsider)


def build_cast(regions: Regions, outsider: User) -> Cast:
    owner = make_user("kam_owner", Role.KEY_ACCOUNT_MANAGER)
    colleague = make_user("kam_colleague", Role.KEY_ACCOUNT_MANAGER)
    backup = make_user("kam_backup", Role.KEY_ACCOUNT_MANAGER)
    marketing = make_user("marketing", Role.MARKETING_MANAGER)
    mine_customer = make_plant(regions, "0300000001", "阳泉市宏远机械制造有限公司")
    theirs_customer = make_plant(regions, "0300000002", "阳泉市平定县东方水泥有限公司")
    mine = keyaccount_nominate(customer=mine_customer, reason="市重点企业", acting_user=marketing)
    theirs = keyaccount_nominate(
        customer=theirs_customer, reason="市重点企业", acting_user=marketing
    )
    keyaccount_assign(account=mine, manager=owner, backup_manager=backup, acting_user=marketing)
    keyaccount_assign(account=theirs, manager=colleague, backup_manager=None, acting_user=marketing)
    return Cast(
        owner=owner,
        colleague=colleague,
        backup=backup,
        specialist=make_user("specialist", Role.BUSINESS_SPECIALIST),
        other_specialist=make_user("specialist_2", Role.BUSINESS_SPECIALIST),
        marketing=marketing,
        outsider=outsider,
        mine=mine,
        theirs=theirs,
    )
