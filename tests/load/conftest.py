"""A small region for orderly power use: a steel works, a chemical plant (priority
limited), a hospital (protected), a shop and a household, with declared production
data; a planner, key-account managers and collectors."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from gridcrm.archive.models import Customer, TariffCategory, VoltageLevel
from gridcrm.load.models import ProductionProfile
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_customer, make_user, uscc


@dataclass
class Site:
    steel: Customer
    chemicals: Customer
    hospital: Customer
    shop: Customer
    household: Customer


def enterprise(
    region: object, account_no: str, name: str, industry: str, kva: str, **kw: object
) -> Customer:
    return make_customer(
        region,  # type: ignore[arg-type]
        account_no,
        name,
        tariff_category=kw.pop("tariff_category", TariffCategory.LARGE_INDUSTRY),
        tariff_structure="two_part",
        billing_method="demand",
        tou_applied="1",
        certificate_type="uscc",
        certificate_no=uscc(int(account_no[-4:])),
        voltage_level=VoltageLevel.KV10,
        contracted_kva=Decimal(kva),
        industry_code=industry,
        phone="0353-6123456",
        **kw,
    )


def declare(customer: Customer, **kw: object) -> ProductionProfile:
    values: dict[str, object] = {
        "security_load_kw": Decimal("100"),
        "typical_load_kw": Decimal("1000"),
        "shiftable_kw": Decimal("0"),
        "curtailable_kw": Decimal("0"),
        "interruptible_kw": Decimal("0"),
        "shift_notice_hours": Decimal("2"),
        "curtail_notice_hours": Decimal("1"),
        "interrupt_notice_hours": Decimal("1"),
    }
    values.update(kw)
    return ProductionProfile.objects.create(customer=customer, **values)


@pytest.fixture
def site(regions: Regions) -> Site:
    station = regions.station_a1
    steel = enterprise(station, "0100001001", "阳泉市北大街钢铁有限公司", "C3120", "20000")
    chemicals = enterprise(station, "0100001002", "阳泉市北大街化工有限公司", "C2614", "8000")
    hospital = enterprise(
        station,
        "0100001003",
        "阳泉市第一人民医院",
        "Q8411",
        "5000",
        tariff_category=TariffCategory.GENERAL_CI,
        importance_class="class_1",
    )
    shop = enterprise(
        station,
        "0100001004",
        "阳泉市北大街商场",
        "F5211",
        "1000",
        tariff_category=TariffCategory.GENERAL_CI,
    )
    household = make_customer(station, "0100001005", "李秀英")
    declare(
        steel,
        security_load_kw=Decimal("2000"),
        typical_load_kw=Decimal("9000"),
        shiftable_kw=Decimal("1500"),
        curtailable_kw=Decimal("1000"),
        interruptible_kw=Decimal("3000"),
    )
    declare(
        chemicals,
        security_load_kw=Decimal("1500"),
        typical_load_kw=Decimal("4000"),
        curtailable_kw=Decimal("800"),
        interruptible_kw=Decimal("1200"),
        protection="priority",
    )
    declare(
        hospital,
        security_load_kw=Decimal("1200"),
        typical_load_kw=Decimal("2000"),
        curtailable_kw=Decimal("300"),
    )
    declare(
        shop,
        security_load_kw=Decimal("50"),
        typical_load_kw=Decimal("400"),
        curtailable_kw=Decimal("150"),
    )
    return Site(steel, chemicals, hospital, shop, household)


@pytest.fixture
def planner(regions: Regions) -> User:
    return make_user("planner", Role.DEMAND_PLANNER)


@pytest.fixture
def manager_a(regions: Regions) -> User:
    return make_user("kam_a", Role.KEY_ACCOUNT_MANAGER)


@pytest.fixture
def lake_dir(settings: Settings, tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    root.mkdir()
    settings.LAKE_URL = str(root)
    settings.VAR_DIR = tmp_path / "var"
    return root
