"""The grid cast: the standard cast plus a small registry.

Substation S-A (serving district A) has trunk line F-A1 with branch line F-A1B, and line
F-A2; substation S-A2 (also district A) has line F-A3; substation S-B (district B) has line
F-B1. Behind them: customer_a (a household on public transformer T-A1 of F-A1), a hospital
(class I, dual source F-A1B + F-A3, 400 kW generator, 300 kW security load: compliant), a
school (class II on F-A2 alone, no emergency power), a shop on F-A2, and customer_b on
F-B1.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from gridcrm.archive.models import Customer, TariffCategory, VoltageLevel
from gridcrm.grid.models import (
    EmergencyPower,
    Feeder,
    Meter,
    MeteringPoint,
    Substation,
    SupplySource,
    Transformer,
)
from gridcrm.load.models import ProductionProfile
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_customer, make_user, uscc


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def manager(regions: Regions) -> User:
    return make_user("manager", Role.MARKETING_MANAGER)


def business(region: Any, account_no: str, name: str, seed: int, **extra: Any) -> Customer:
    return make_customer(
        region,
        account_no,
        name,
        tariff_category=TariffCategory.GENERAL_CI,
        certificate_type="uscc",
        certificate_no=uscc(seed),
        voltage_level=VoltageLevel.KV10,
        contracted_kva=Decimal("800"),
        industry_code="Q8411",
        **extra,
    )


@dataclass
class Grid:
    s_a: Substation
    s_a2: Substation
    s_b: Substation
    f_a1: Feeder
    f_a1b: Feeder
    f_a2: Feeder
    f_a3: Feeder
    f_b1: Feeder
    t_a1: Transformer
    t_a1b: Transformer
    t_a2: Transformer
    t_a3: Transformer
    t_b1: Transformer
    hospital: Customer
    school: Customer
    shop: Customer


def meter(
    customer: Customer, transformer: Transformer, serial: str, kind: str = "smart_3p"
) -> None:
    point = MeteringPoint.objects.create(
        code=f"MP{serial}", customer=customer, transformer=transformer
    )
    Meter.objects.create(serial=serial, point=point, kind=kind)
    SupplySource.objects.get_or_create(customer=customer, feeder=transformer.feeder)


@pytest.fixture
def grid(regions: Regions, customer_a: Customer, customer_b: Customer) -> Grid:
    s_a = Substation.objects.create(code="S-A", name="桃林变", region=regions.district_a)
    s_a2 = Substation.objects.create(code="S-A2", name="义井变", region=regions.district_a)
    s_b = Substation.objects.create(code="S-B", name="秀水变", region=regions.district_b)
    f_a1 = Feeder.objects.create(code="F-A1", name="桃林线", substation=s_a)
    f_a1b = Feeder.objects.create(code="F-A1B", name="桃林支线", substation=s_a, parent=f_a1)
    f_a2 = Feeder.objects.create(code="F-A2", name="德胜线", substation=s_a)
    f_a3 = Feeder.objects.create(code="F-A3", name="义井线", substation=s_a2)
    f_b1 = Feeder.objects.create(code="F-B1", name="秀水线", substation=s_b)

    def transformer(code: str, feeder: Feeder, ownership: str = "public") -> Transformer:
        return Transformer.objects.create(
            code=code, feeder=feeder, ownership=ownership, kva=Decimal("400")
        )

    t_a1 = transformer("T-A1", f_a1)
    t_a1b = transformer("T-A1B", f_a1b, "dedicated")
    t_a2 = transformer("T-A2", f_a2)
    t_a3 = transformer("T-A3", f_a3, "dedicated")
    t_b1 = transformer("T-B1", f_b1, "dedicated")
    hospital = business(
        regions.station_a2, "0100000101", "阳泉市第一人民医院", 101, importance_class="class_1"
    )
    school = business(
        regions.station_a1, "0100000102", "阳泉市第二中学", 102, importance_class="class_2"
    )
    shop = business(regions.station_a1, "0100000103", "德胜街超市", 103)
    meter(customer_a, t_a1, "M0001", "smart_1p")
    meter(hospital, t_a1b, "M0101", "ct")
    meter(hospital, t_a3, "M0102", "ct")
    meter(school, t_a2, "M0201")
    meter(shop, t_a2, "M0301")
    meter(customer_b, t_b1, "M0401", "ct")
    EmergencyPower.objects.create(
        code="EP-0101", customer=hospital, kind="generator", kw=Decimal("400")
    )
    ProductionProfile.objects.create(customer=hospital, security_load_kw=Decimal("300"))
    ProductionProfile.objects.create(customer=school, security_load_kw=Decimal("50"))
    return Grid(
        s_a,
        s_a2,
        s_b,
        f_a1,
        f_a1b,
        f_a2,
        f_a3,
        f_b1,
        t_a1,
        t_a1b,
        t_a2,
        t_a3,
        t_b1,
        hospital,
        school,
        shop,
    )
