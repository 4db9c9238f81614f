"""The demo company: deterministic, realistic in shape, valid, and every role can log in."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from io import StringIO
from statistics import mean
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django.fixtures import Settings

from gridcrm.archive import registry
from gridcrm.archive.completeness import missing_fields
from gridcrm.archive.exports import EXPORT_CUSTOMERS
from gridcrm.archive.industries import CLASSES
from gridcrm.archive.models import (
    Customer,
    DisclosureEvent,
    RuleSetVersion,
    Segment,
    TariffCategory,
    VoltageLevel,
)
from gridcrm.archive.personal import last4_search_hashes, phone_digits
from gridcrm.archive.registry import Tier
from gridcrm.archive.services import published_rules, refresh_derived, rules_publish
from gridcrm.archive.validators import phone_validator, resident_id_is_valid, uscc_is_valid
from gridcrm.demo.enrich import DEMO_RULES
from gridcrm.demo.generator import (
    DEMO_PASSWORD,
    STAFF,
    CustomerRow,
    customer_rows,
)
from gridcrm.demo.services import demo_build, demo_reset
from gridcrm.jobs.models import Job
from gridcrm.users.models import Region, RegionLevel, User
from gridcrm.users.roles import Role
from gridcrm.users.selectors import user_roles
from gridcrm.users.services import region_create


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    # The real hasher takes a third of a second per demo login.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def rows(count: int, seed: int = 7) -> list[CustomerRow]:
    return list(customer_rows(random.Random(seed), count))  # noqa: S311


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        Customer.objects.order_by("account_no").values_list(
            "account_no",
            "name",
            "segment",
            "tariff_category",
            "voltage_level",
            "contracted_kva",
            "region__code",
            "address",
            "phone",
            "industry_code",
            "account_manager__username",
            "portal_user__username",
            "certificate_no",
            "contact_person",
            "transformer_area",
            "payment_method",
            "completeness",
        )
    )


def test_rows_depend_only_on_the_seed() -> None:
    assert rows(300, seed=7) == rows(300, seed=7)
    assert rows(300, seed=7) != rows(300, seed=8)


@pytest.mark.django_db
def test_the_same_seed_writes_the_same_database() -> None:
    demo_build(customers=300, seed=7)
    first = snapshot()
    demo_reset()
    assert not Customer.objects.exists()
    assert not Region.objects.exists()
    demo_build(customers=300, seed=7)
    assert snapshot() == first
    assert len(first) == 300


@pytest.mark.django_db
def test_reset_also_removes_what_the_demo_logins_did() -> None:
    demo_build(customers=100, seed=2)
    agent = User.objects.get(username="agent")
    customer = Customer.objects.first()
    DisclosureEvent.objects.create(customer=customer, acting_user=agent, kind="web", fields="phone")
    DisclosureEvent.objects.create(customer=None, acting_user=agent, kind="export", fields="phone")
    Job.objects.create(kind=EXPORT_CUSTOMERS, created_by=User.objects.get(username="kam"))
    outsider = User.objects.create_user(username="someone", password="x")
    outsider.region = Region.objects.get(code="YQ0101")
    outsider.save()

    # A relation without a reverse name (who published a rule set) counts as well.
    rules_publish(rules=DEMO_RULES, note="v1", acting_user=User.objects.get(username="manager"))

    assert demo_reset() == 100
    assert not Customer.objects.exists()
    assert not DisclosureEvent.objects.exists()
    assert not Job.objects.exists()
    assert not RuleSetVersion.objects.exists()
    someone = User.objects.get()
    assert (someone.username, someone.region) == ("someone", None)
    demo_build(customers=100, seed=2)


def test_segment_mix_is_that_of_a_city() -> None:
    sample = rows(2000)
    share = Counter(r.segment for r in sample)
    assert 0.84 <= share[Segment.RESIDENTIAL] / 2000 <= 0.92
    assert 0.06 <= share[Segment.COMMERCIAL] / 2000 <= 0.12
    assert 5 <= share[Segment.INDUSTRIAL] <= 60
    assert share[Segment.PUBLIC_UTILITY] >= 3
    assert share[Segment.OTHER] >= 3

    def mean_kva(segment: Segment) -> float:
        return mean(r.contracted_kva for r in sample if r.segment == segment)

    assert mean_kva(Segment.INDUSTRIAL) > 1000
    assert mean_kva(Segment.INDUSTRIAL) > 5 * mean_kva(Segment.COMMERCIAL)
    assert mean_kva(Segment.COMMERCIAL) > 5 * mean_kva(Segment.RESIDENTIAL)


def test_tariff_voltage_and_industry_fit_the_segment() -> None:
    for r in rows(3000, seed=11):
        if r.segment == Segment.RESIDENTIAL:
            assert r.tariff_category == TariffCategory.RESIDENTIAL
            assert r.industry_code == ""
            assert r.voltage_level in {VoltageLevel.V220, VoltageLevel.V380}
            assert 4 <= r.contracted_kva <= 20
            continue
        assert r.industry_code in CLASSES
        if r.segment == Segment.COMMERCIAL:
            assert r.tariff_category == TariffCategory.GENERAL_CI
        elif r.segment == Segment.INDUSTRIAL:
            big = r.contracted_kva >= 315
            expected = TariffCategory.LARGE_INDUSTRY if big else TariffCategory.GENERAL_CI
            assert r.tariff_category == expected
        elif r.segment == Segment.PUBLIC_UTILITY:
            if r.tariff_category == TariffCategory.LARGE_INDUSTRY:
                assert r.industry_code == "D4610"
                assert r.contracted_kva >= 315
            else:
                assert r.tariff_category == TariffCategory.GENERAL_CI
        else:
            farming = r.industry_code.startswith("A")
            assert farming == (r.tariff_category == TariffCategory.AGRICULTURE)
        if r.voltage_level == VoltageLevel.V380:
            assert r.contracted_kva <= 250
        if r.voltage_level in {VoltageLevel.KV35, VoltageLevel.KV110}:
            assert r.segment == Segment.INDUSTRIAL
            assert r.contracted_kva >= 5000


def test_segment_agrees_with_the_archive_classifier() -> None:
    segments = pytest.importorskip("gridcrm.archive.segments")
    for r in rows(3000, seed=5):
        classified = segments.classify_segment(
            tariff_category=r.tariff_category, industry_code=r.industry_code
        )
        assert classified == r.segment, r


def test_account_numbers_and_phones_are_well_formed() -> None:
    sample = rows(3000, seed=3)
    numbers = [r.account_no for r in sample]
    assert len(set(numbers)) == len(numbers)
    assert all(len(n) == 10 and n.isdigit() for n in numbers)
    for r in sample:
        phone_validator(r.phone)
        assert r.address.startswith("山西省阳泉市")
    households = [r for r in sample if r.segment == Segment.RESIDENTIAL]
    assert all(len(r.phone) == 11 for r in households)
    assert all(resident_id_is_valid(r.certificate_no) for r in households)
    others = [r for r in sample if r.segment != Segment.RESIDENTIAL]
    assert all(uscc_is_valid(r.certificate_no) for r in others)
    assert any(r.phone.startswith("0353-") for r in sample if r.segment != Segment.RESIDENTIAL)


@pytest.mark.django_db
def test_written_customers_pass_model_validation() -> None:
    demo_build(customers=400, seed=3)
    customers = list(Customer.objects.select_related("region"))
    for customer in random.Random(0).sample(customers, 60):  # noqa: S311
        customer.full_clean()
        assert customer.region.level == RegionLevel.STATION
    # The key accounts have a manager; households have none.
    assert all(c.account_manager_id for c in customers if (c.contracted_kva or 0) >= 1000)
    assert not any(c.account_manager_id for c in customers if c.segment == Segment.RESIDENTIAL)


@pytest.mark.django_db
def test_tier_one_is_complete_and_derived_fields_are_current() -> None:
    demo_build(customers=400, seed=6)
    specs = registry.all_specs()
    rules = published_rules()
    customers = list(Customer.objects.all())
    for customer in random.Random(1).sample(customers, 80):  # noqa: S311
        assert not missing_fields(customer, specs, Tier.ONE), customer
        stored = customer.completeness
        assert refresh_derived(customer, specs, rules) == {}
        assert customer.completeness == stored
        assert customer.phone_last4_hash in last4_search_hashes(phone_digits(customer.phone)[-4:])
    # Tiers 2 and 3 are filled unevenly, as in a real archive.
    assert len({c.completeness for c in customers}) > 5
    hospitals = [c for c in customers if c.industry_code == "Q8411" and "医院" in c.name]
    assert all(c.importance_class in {"class_1", ""} for c in hospitals)


@pytest.mark.django_db
def test_the_region_tree() -> None:
    demo_build(customers=50, seed=1)
    company = Region.objects.get(level=RegionLevel.COMPANY)
    assert (company.code, company.name) == ("YQ", "国网阳泉供电公司")
    districts = Region.objects.filter(level=RegionLevel.DISTRICT)
    assert {d.name for d in districts} == {"城区", "矿区", "郊区", "平定县", "盂县"}
    stations = Region.objects.filter(level=RegionLevel.STATION)
    assert 6 <= stations.count() <= 10
    assert all(s.name.endswith("供电所") for s in stations)
    assert all(s.path.startswith(f"YQ.{s.code[:4]}.") for s in stations)


@pytest.mark.django_db
def test_every_role_has_a_login_that_authenticates() -> None:
    demo_build(customers=1000, seed=1)
    covered: set[Role] = set()
    for staff in STAFF:
        user = authenticate(username=staff.username, password=DEMO_PASSWORD)
        assert isinstance(user, User), staff.username
        covered |= user_roles(user=user)
    assert covered == set(Role)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    collectors = User.objects.filter(username__startswith="collector")
    assert {c.region.level for c in collectors if c.region} == {RegionLevel.STATION}
    assert Customer.objects.filter(account_manager__username="kam").exists()


@pytest.mark.django_db
def test_the_customer_login_is_one_household() -> None:
    demo_build(customers=200, seed=1)
    portal = User.objects.get(username="customer")
    linked = Customer.objects.filter(portal_user=portal)
    assert linked.count() == 1
    household = linked.get()
    assert household.segment == Segment.RESIDENTIAL
    assert portal.full_name == household.name


@pytest.mark.django_db
def test_demo_data_guards_existing_data_and_resets() -> None:
    out = StringIO()
    call_command("demo_data", customers=120, seed=4, verbosity=0, stdout=out)
    assert "120 customers" in out.getvalue()
    first = snapshot()

    out = StringIO()
    call_command("demo_data", customers=50, seed=9, verbosity=0, stdout=out)
    assert "already holds 120 customers" in out.getvalue()
    assert snapshot() == first

    out = StringIO()
    call_command("demo_data", customers=120, seed=4, reset=True, verbosity=0, stdout=out)
    assert "Deleted the demo company (120 customers)" in out.getvalue()
    assert snapshot() == first


@pytest.mark.django_db
def test_reset_refuses_when_other_customers_exist() -> None:
    call_command("demo_data", customers=60, seed=4, verbosity=0, stdout=StringIO())
    elsewhere = region_create(code="XX", name="别的公司", level=RegionLevel.COMPANY, parent=None)
    Customer.objects.create(
        account_no="9900000001",
        name="外部客户",
        segment=Segment.RESIDENTIAL,
        tariff_category=TariffCategory.RESIDENTIAL,
        voltage_level=VoltageLevel.V220,
        contracted_kva=Decimal(8),
        region=elsewhere,
        address="山西省太原市",
        phone="13800000000",
    )
    with pytest.raises(CommandError, match="1 customers are outside the demo company"):
        call_command("demo_data", customers=60, seed=4, reset=True, verbosity=0)
    assert Customer.objects.count() == 61
