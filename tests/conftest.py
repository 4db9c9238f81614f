"""The standard cast: two districts, three supply stations, a customer in each, one
user per role, and for each role an owner, a colleague and an outsider."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import override_settings

from gridcrm.archive.models import Customer, TariffCategory, VoltageLevel
from gridcrm.archive.services import customer_create
from gridcrm.archive.validators import resident_id_check_char, uscc_check_char
from gridcrm.users.models import Region, RegionLevel, User
from gridcrm.users.roles import Role
from gridcrm.users.services import region_create, user_create
from tests.installation import Installation

PASSWORD = "correct horse battery staple"


@dataclass
class Regions:
    company: Region
    district_a: Region
    station_a1: Region
    station_a2: Region
    district_b: Region
    station_b1: Region


@pytest.fixture(autouse=True, scope="session")
def _static_from_the_app_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests serve static files under their plain names from the app folders, as a
    checkout that has not run collectstatic does: a manifest left in var/static by a demo
    run must not point pages at stale copies. tests/web/test_page_weight.py collects
    its own to measure what a browser is sent."""
    with override_settings(
        STATIC_ROOT=tmp_path_factory.mktemp("static"),
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=True,
    ):
        yield


@pytest.fixture
def regions(db: None) -> Regions:
    company = region_create(
        code="YQ", name="国网阳泉供电公司", level=RegionLevel.COMPANY, parent=None
    )
    district_a = region_create(code="YQ01", name="城区", level=RegionLevel.DISTRICT, parent=company)
    district_b = region_create(code="YQ02", name="盂县", level=RegionLevel.DISTRICT, parent=company)
    return Regions(
        company=company,
        district_a=district_a,
        station_a1=region_create(
            code="YQ0101", name="北大街供电所", level=RegionLevel.STATION, parent=district_a
        ),
        station_a2=region_create(
            code="YQ0102", name="南山路供电所", level=RegionLevel.STATION, parent=district_a
        ),
        district_b=district_b,
        station_b1=region_create(
            code="YQ0201", name="秀水供电所", level=RegionLevel.STATION, parent=district_b
        ),
    )


def resident_id(seed: int) -> str:
    """A valid resident ID number (born 1980 in Yangquan's Chengqu district)."""
    first17 = f"14030219800101{seed % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def uscc(seed: int) -> str:
    """A valid unified social credit code."""
    first17 = f"91140300MA0{seed % 1000000:06d}"
    return first17 + uscc_check_char(first17)


def make_customer(region: Region, account_no: str, name: str, **extra: object) -> Customer:
    """A household with every tier-1 field, created through the service; ``extra`` overrides."""
    data: dict[str, object] = {
        "account_no": account_no,
        "name": name,
        "certificate_type": "resident_id",
        "certificate_no": resident_id(int(account_no[-3:])),
        "tariff_category": TariffCategory.RESIDENTIAL,
        "tariff_structure": "single_part",
        "voltage_level": VoltageLevel.V220,
        "contracted_kva": Decimal("8"),
        "region": region.code,
        "address": f"山西省阳泉市{region.name}德胜街{account_no[-3:]}号",
        "phone": "13834567890",
        "billing_method": "energy",
        "tou_applied": "0",
    }
    relations = {k: extra.pop(k) for k in ("account_manager", "portal_user") if k in extra}
    data.update(extra)
    customer = customer_create(data=data, acting_user=None)
    if relations:
        Customer.objects.filter(pk=customer.pk).update(**relations)
        customer.refresh_from_db()
    return customer


def make_user(username: str, role: Role, region: Region | None = None) -> User:
    return user_create(
        username=username, password=PASSWORD, full_name=username, role=role, region=region
    )


@pytest.fixture
def customer_a(regions: Regions) -> Customer:
    """A household served by station A1."""
    return make_customer(regions.station_a1, "0100000001", "王建国")


@pytest.fixture
def customer_b(regions: Regions) -> Customer:
    """A steel works served by station B1 (another district)."""
    return make_customer(
        regions.station_b1,
        "0200000001",
        "阳泉市盂县恒达钢铁有限公司",
        tariff_category=TariffCategory.LARGE_INDUSTRY,
        tariff_structure="two_part",
        billing_method="demand",
        tou_applied="1",
        certificate_type="uscc",
        certificate_no=uscc(1),
        voltage_level=VoltageLevel.KV35,
        contracted_kva=Decimal("20000"),
        industry_code="C3120",
        phone="0353-6123456",
    )


@pytest.fixture
def agent(regions: Regions) -> User:
    return make_user("agent", Role.SERVICE_AGENT)


@pytest.fixture
def collector_a(regions: Regions) -> User:
    return make_user("collector_a", Role.REGIONAL_COLLECTOR, regions.station_a1)


@pytest.fixture
def collector_b(regions: Regions) -> User:
    return make_user("collector_b", Role.REGIONAL_COLLECTOR, regions.station_b1)


@pytest.fixture
def archivist(regions: Regions) -> User:
    return make_user("archivist", Role.ARCHIVE_OFFICER)


@pytest.fixture
def outsider(db: None) -> User:
    """Logged in, but holding no role."""
    return User.objects.create_user(username="outsider", password=PASSWORD)


@pytest.fixture(scope="session")
def demo_installation(tmp_path_factory: pytest.TempPathFactory) -> Installation:
    """A small demo company in its own folder and SQLite file, with a lake, a credit
    rating, a service request and finished jobs with files (an export, a customer import
    and a lake import with rejected rows); built once, copied by each test that uses it."""
    base = tmp_path_factory.mktemp("demo")
    installation = Installation(base / "var")
    installation.build_demo()
    installation.probe("seed", str(base))
    return installation


SERVER_MARKERS = ("cluster", "production")
"""Tests that start servers of their own (a Spark cluster, gunicorn): only when asked."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    expression = str(config.getoption("markexpr") or "")
    for item in items:
        for marker in SERVER_MARKERS:
            if item.get_closest_marker(marker) and marker not in expression:
                item.add_marker(pytest.mark.skip(reason=f"starts servers: run with -m {marker}"))
